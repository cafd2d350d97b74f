// What parker prints may quote what a machine holds: a partition's name, a kernel's console, a
// PCI name. A terminal acts on control sequences in it (set its title, move the cursor, rewrite
// lines, answer back), so everything printed goes through here: colours (SGR, ESC [ ... m), the
// progress lines' erase-line (ESC [ 2 K), newlines, tabs and carriage returns pass; any other
// control character shows as \u00NN (in JSON output, the same character, escaped).

// eslint-disable-next-line no-control-regex
const UNSAFE = /\u001b(?!\[[0-9;]*m|\[2K)|[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
