/**
 * A kernel's .config as Kconfig writes it: `CONFIG_X=y`, `=m`, `=n`, `="string"`, numbers, and
 * `# CONFIG_X is not set`. Read leniently, as Kconfig itself does: other lines are kept aside in
 * `invalidLines` (with their line numbers) so a caller can say the file is not a .config.
 */
export interface KernelConfig {
  /** By full name ("CONFIG_KEXEC"): "y", "m", "n", a number, or a string without its quotes. */
  options: Map<string, string>;
  invalidLines: { line: number; text: string }[];
}

const NOT_SET = /^#\s*(CONFIG_[A-Za-z0-9_]+) is not set\s*$/;
const ASSIGNMENT = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;

export function parseKernelConfig(text: string): KernelConfig {
  const options = new Map<string, string>();
  const invalidLines: KernelConfig['invalidLines'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const unset = NOT_SET.exec(line);
    if (unset) {
      options.set(unset[1]!, 'n');
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const assigned = ASSIGNMENT.exec(line);
    const value = assigned ? readValue(assigned[2]!) : null;
    if (assigned && value !== null) options.set(assigned[1]!, value);
    else invalidLines.push({ line: i + 1, text: raw });
  });
  return { options, invalidLines };
}

/** The option's value; `name` with or without the CONFIG_ prefix. Undefined when the file does not mention it. */
export function configValue(config: KernelConfig, name: string): string | undefined {
  return config.options.get(name.startsWith('CONFIG_') ? name : `CONFIG_${name}`);
}

/** Built in or as a module. */
export function isEnabled(config: KernelConfig, name: string): boolean {
  const value = configValue(config, name);
  return value === 'y' || value === 'm';
}

function readValue(text: string): string | null {
  const value = text.trim();
  if (!value.startsWith('"')) return /^[^\s"]+$/.test(value) ? value : null;
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(value);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}
