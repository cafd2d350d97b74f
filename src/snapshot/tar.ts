/**
 * A minimal ustar reader and writer: regular files, directories and symbolic links, which is
 * all a sysfs snapshot holds. Kept in-house because snapshot entries come from memory (sysfs
 * files report a size of 4096 whatever they hold), not from files on disk.
 */
export type TarEntry =
  | { type: 'file'; path: string; data: Uint8Array }
  | { type: 'dir'; path: string }
  | { type: 'link'; path: string; target: string };

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** Splits a long path into ustar's prefix (155) and name (100) fields; null when it cannot. */
function splitName(path: string): [string, string] | null {
  if (encoder.encode(path).length <= 100) return ['', path];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return [prefix, name];
  }
  return null;
}

/** The first bytes of `value` that fit in `length`, cut at a character. */
function fitting(value: string, length: number): string {
  let cut = value;
  while (encoder.encode(cut).length > length) cut = cut.slice(0, -1);
  return cut;
}

/**
 * A GNU long-name ('L') or long-link ('K') record: the whole path or link target of the entry
 * that follows, for what ustar's fields cannot hold (a partition's name may be 255 bytes, a
 * sysfs link target longer than 100). GNU tar, bsdtar and Python read them.
 */
function longRecord(kind: 'L' | 'K', value: string): Uint8Array[] {
  const data = encoder.encode(`${value}\0`);
  const padded = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  padded.set(data);
  return [headerFields('././@LongLink', '', kind.charCodeAt(0), 0o644, data.length, ''), padded];
}

function headerFields(name: string, prefix: string, type: number, mode: number, size: number, target: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // mtime 0: the same tree gives the same bytes
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h[156] = type;
  if (target) writeString(h, 157, 100, target);
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 345, 155, prefix);
  const sum = h.reduce((a, b) => a + b, 0);
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** An entry's header, after the long records its path or link target needs. */
function headers(entry: TarEntry, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  let split = splitName(path);
  if (split === null) {
    out.push(...longRecord('L', path));
    split = ['', fitting(path, 100)];
  }
  let target = entry.type === 'link' ? entry.target : '';
  if (encoder.encode(target).length > 100) {
    out.push(...longRecord('K', target));
    target = fitting(target, 100);
  }
  const type = entry.type === 'file' ? 0x30 : entry.type === 'dir' ? 0x35 : 0x32;
  out.push(headerFields(split[1], split[0], type, entry.type === 'dir' ? 0o755 : 0o644, size, target));
  return out;
}

export function writeTar(entries: Iterable<TarEntry>): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    const data = entry.type === 'file' ? entry.data : new Uint8Array(0);
    for (const block of headers(entry, data.length)) {
      chunks.push(block);
      total += block.length;
    }
    if (data.length > 0) {
      const padded = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
      padded.set(data);
      chunks.push(padded);
      total += padded.length;
    }
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  total += BLOCK * 2;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function readString(bytes: Uint8Array, offset: number, length: number): string {
  const field = bytes.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function readOctal(bytes: Uint8Array, offset: number, length: number): number {
  const text = readString(bytes, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Reads ustar (and GNU/pax archives' plain entries); throws on a corrupt header. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const h = bytes.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = readOctal(h, 148, 8);
    const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (stored !== sum) throw new Error(`tar: bad header checksum at byte ${offset}`);
    const size = readOctal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const data = bytes.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    // GNU long-name and long-link records: the path or target of the entry that follows.
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === 'K') {
      longLink = readString(data, 0, data.length);
      continue;
    }
    const prefix = readString(h, 345, 155);
    let path = longName ?? (prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100));
    longName = undefined;
    path = path.replace(/^\.\//, '').replace(/\/+$/, '');
    if (path === '' || path === '.') continue;
    if (type === '0' || type === '\0' || type === '7') entries.push({ type: 'file', path, data: new Uint8Array(data) });
    else if (type === '5') entries.push({ type: 'dir', path });
    else if (type === '2') entries.push({ type: 'link', path, target: longLink ?? readString(h, 157, 100) });
    longLink = undefined;
    // Other types (hard links, devices, pax headers) never occur in a snapshot: skip them.
  }
  return entries;
}
