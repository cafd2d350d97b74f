import { crc32 } from 'node:zlib';

/**
 * Records framed one per line with a checksum, for the append-only state files (the apply
 * journal, the simulator's op log). A line is the record's JSON with its CRC-32 put first:
 * `{"crc":"1a2b3c4d","type":...}`; so each line is still JSON, and a damaged line, wherever it
 * is, is told from an intact one. Lines without the field (written before framing) are read
 * as plain JSON.
 */
const PREFIX = '{"crc":"';
const FRAMED = /^\{"crc":"([0-9a-f]{8})",/;

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

/** One line, without its newline. */
export function frameRecord(record: object): string {
  const json = JSON.stringify(record);
  if (json === '{}') return `${PREFIX}${checksum(json)}"}`;
  return `${PREFIX}${checksum(json)}",${json.slice(1)}`;
}

export type Unframed = { ok: true; value: unknown; framed: boolean } | { ok: false; why: string };

/** Reads one line back: its record, or why it is damaged. */
export function unframeRecord(line: string): Unframed {
  const m = FRAMED.exec(line);
  if (m) {
    const body = `{${line.slice(m[0].length)}`;
    if (checksum(body) !== m[1]) return { ok: false, why: 'its checksum does not match (the line was changed or damaged)' };
    try {
      return { ok: true, value: JSON.parse(body) as unknown, framed: true };
    } catch (e) {
      return { ok: false, why: `it is not JSON (${(e as Error).message})` };
    }
  }
  if (line.startsWith(PREFIX)) {
    // `{"crc":"..."}` alone: an empty record.
    const empty = /^\{"crc":"([0-9a-f]{8})"\}$/.exec(line);
    if (empty && checksum('{}') === empty[1]) return { ok: true, value: {}, framed: true };
  }
  try {
    return { ok: true, value: JSON.parse(line) as unknown, framed: false };
  } catch (e) {
    return { ok: false, why: `it is not JSON (${(e as Error).message})` };
  }
}

/**
 * Text as it may be shown in one line of a message: control characters (a terminal escape, a
 * newline, a NUL) become visible escapes, and very long text is cut.
 */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > max ? `${shown.slice(0, max)}... (${shown.length - max} more)` : shown;
}

/**
 * Text with its control characters made visible, except newlines and tabs: for messages that
 * quote input (a name, a path), so that a terminal escape in a file never reaches a terminal.
 */
export function withoutControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
