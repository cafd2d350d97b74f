/**
 * A bzip2 decompressor, enough to read hwloc-gather-topology archives (.tar.bz2) without a
 * dependency or a child process: Huffman-coded MTF/RLE symbols, the inverse
 * Burrows-Wheeler transform and the final run-length step, block by block, streams one after
 * another (as pbzip2 writes them). CRCs are not checked: the tar headers that follow carry
 * their own checksums.
 */

export function isBzip2(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68 && bytes[3]! >= 0x31 && bytes[3]! <= 0x39;
}

class BitReader {
  private pos = 0; // in bits
  constructor(private readonly bytes: Uint8Array) {}

  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.pos >>> 3];
      if (byte === undefined) throw new Error('bzip2: unexpected end of data');
      value = value * 2 + ((byte >>> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return value;
  }

  bit(): number {
    return this.bits(1);
  }

  /** Skips to the next byte boundary (streams start on one). */
  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length * 8;
  }
}

const BLOCK_MAGIC = 0x314159265359;
const END_MAGIC = 0x177245385090;
const MAX_GROUPS = 6;
const GROUP_SIZE = 50;

export function bunzip2(input: Uint8Array): Uint8Array {
  const reader = new BitReader(input);
  const out = new Output();
  while (!reader.atEnd) {
    reader.align();
    if (reader.atEnd) break;
    if (reader.bits(8) !== 0x42 || reader.bits(8) !== 0x5a || reader.bits(8) !== 0x68) {
      if (out.length > 0) break; // trailing garbage after a complete stream
      throw new Error('bzip2: not a bzip2 stream');
    }
    const level = reader.bits(8) - 0x30;
    if (level < 1 || level > 9) throw new Error('bzip2: bad block size');
    const maxBlock = level * 100000;
    for (;;) {
      const magic = reader.bits(24) * 0x1000000 + reader.bits(24);
      reader.bits(32); // block or stream CRC
      if (magic === END_MAGIC) break;
      if (magic !== BLOCK_MAGIC) throw new Error('bzip2: bad block header');
      decodeBlock(reader, maxBlock, out);
    }
  }
  return out.bytes();
}

class Output {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(1 << 16);
  private used = 0;
  length = 0;

  push(byte: number): void {
    if (this.used === this.current.length) {
      this.chunks.push(this.current);
      this.current = new Uint8Array(this.current.length * 2);
      this.used = 0;
    }
    this.current[this.used++] = byte;
    this.length++;
  }

  bytes(): Uint8Array {
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    all.set(this.current.subarray(0, this.used), at);
    return all;
  }
}

interface Huffman {
  minLen: number;
  limit: number[];
  base: number[];
  perm: number[];
}

function makeHuffman(lengths: number[]): Huffman {
  const minLen = Math.min(...lengths);
  const maxLen = Math.max(...lengths);
  const perm: number[] = [];
  for (let len = minLen; len <= maxLen; len++) lengths.forEach((l, sym) => l === len && perm.push(sym));
  const limit: number[] = [];
  const base: number[] = [];
  let code = 0;
  let index = 0;
  for (let len = minLen; len <= maxLen; len++) {
    const count = lengths.filter((l) => l === len).length;
    base[len] = index - code; // symbol index = code + base[len]
    code += count;
    index += count;
    limit[len] = code - 1;
    code <<= 1;
  }
  return { minLen, limit, base, perm };
}

function decodeSymbol(reader: BitReader, table: Huffman): number {
  let len = table.minLen;
  let code = reader.bits(len);
  for (;;) {
    const limit = table.limit[len];
    if (limit === undefined) throw new Error('bzip2: bad Huffman code');
    if (code <= limit) return table.perm[code + table.base[len]!]!;
    code = code * 2 + reader.bit();
    len++;
  }
}

function decodeBlock(reader: BitReader, maxBlock: number, out: Output): void {
  if (reader.bit()) throw new Error('bzip2: randomised blocks are not supported');
  const origPtr = reader.bits(24);

  // Symbol map: which byte values occur.
  const used: number[] = [];
  const ranges = reader.bits(16);
  for (let i = 0; i < 16; i++) {
    if (ranges & (0x8000 >>> i)) {
      const bits = reader.bits(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >>> j)) used.push(i * 16 + j);
    }
  }
  if (used.length === 0) throw new Error('bzip2: empty symbol map');
  const alphaSize = used.length + 2;

  const groups = reader.bits(3);
  if (groups < 2 || groups > MAX_GROUPS) throw new Error('bzip2: bad number of Huffman groups');
  const selectorCount = reader.bits(15);
  if (selectorCount === 0) throw new Error('bzip2: no selectors');
  const mtfGroups = Array.from({ length: groups }, (_, i) => i);
  const selectors: number[] = [];
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (reader.bit()) {
      j++;
      if (j >= groups) throw new Error('bzip2: bad selector');
    }
    const g = mtfGroups[j]!;
    mtfGroups.splice(j, 1);
    mtfGroups.unshift(g);
    selectors.push(g);
  }

  const tables: Huffman[] = [];
  for (let g = 0; g < groups; g++) {
    const lengths: number[] = [];
    let len = reader.bits(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > 20) throw new Error('bzip2: bad code length');
        if (!reader.bit()) break;
        len += reader.bit() ? -1 : 1;
      }
      lengths.push(len);
    }
    tables.push(makeHuffman(lengths));
  }

  // Huffman -> MTF/RLE2 symbols -> bytes of the BWT'd block.
  const mtf = used.slice();
  const counts = new Uint32Array(256);
  const block = new Uint8Array(maxBlock);
  let length = 0;
  let run = 0;
  let runWeight = 1;
  const eob = alphaSize - 1;
  let selector = 0;
  let left = 0;
  let table = tables[0]!;
  const flushRun = () => {
    if (run === 0) return;
    const byte = mtf[0]!;
    if (length + run > maxBlock) throw new Error('bzip2: block overflow');
    block.fill(byte, length, length + run);
    counts[byte]! += run;
    length += run;
    run = 0;
    runWeight = 1;
  };
  for (;;) {
    if (left === 0) {
      const g = selectors[selector++];
      if (g === undefined) throw new Error('bzip2: out of selectors');
      table = tables[g]!;
      left = GROUP_SIZE;
    }
    left--;
    const sym = decodeSymbol(reader, table);
    if (sym <= 1) {
      // RUNA / RUNB: a run of the front byte in bijective base 2.
      run += (sym + 1) * runWeight;
      runWeight *= 2;
      if (run > maxBlock) throw new Error('bzip2: run too long');
      continue;
    }
    flushRun();
    if (sym === eob) break;
    const index = sym - 1;
    const byte = mtf[index]!;
    mtf.splice(index, 1);
    mtf.unshift(byte);
    if (length >= maxBlock) throw new Error('bzip2: block overflow');
    block[length++] = byte;
    counts[byte]!++;
  }
  if (origPtr >= length) throw new Error('bzip2: bad origin pointer');

  // Inverse BWT.
  const start = new Uint32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    start[i] = sum;
    sum += counts[i]!;
  }
  const next = new Uint32Array(length);
  for (let i = 0; i < length; i++) next[start[block[i]!]!++] = i;

  // Undo the initial run-length step: four equal bytes are followed by a repeat count.
  let pos = next[origPtr]!;
  let last = -1;
  let same = 0;
  for (let i = 0; i < length; i++) {
    const byte = block[pos]!;
    pos = next[pos]!;
    if (same === 4) {
      for (let k = 0; k < byte; k++) out.push(last);
      same = 0;
      last = -1;
      continue;
    }
    if (byte === last) same++;
    else {
      last = byte;
      same = 1;
    }
    out.push(byte);
  }
}
