import type { KernelFs } from '../machines/machine.js';
import { isKernelError } from '../machines/kernel-error.js';
import { parseCpuList } from '../units/cpulist.js';
import { parseError, ParkerError } from '../units/parker-error.js';
import { parseSize } from '../units/size.js';

/**
 * Typed reads of kernel files for discovery. A file that cannot be read (absent, or refused
 * as some sysfs attributes are on some hardware) is unknown: null. A file that reads but
 * holds something no kernel writes is an error naming the path, because silently reporting
 * "unknown" would hide a damaged archive or a broken synthetic tree.
 */
export class KernelFiles {
  constructor(readonly fs: KernelFs) {}

  /** The file's text without surrounding whitespace, or null when it cannot be read. */
  text(path: string): string | null {
    try {
      return this.fs.read(path).trim();
    } catch (e) {
      if (isKernelError(e)) return null;
      throw e;
    }
  }

  bytes(path: string): Uint8Array | null {
    try {
      return this.fs.readBytes(path);
    } catch (e) {
      if (isKernelError(e)) return null;
      throw e;
    }
  }

  /** One of a few fixed words ("Unified"), or null when the file cannot be read. */
  word<T extends string>(path: string, allowed: readonly T[]): T | null {
    const text = this.text(path);
    if (text === null) return null;
    if (!(allowed as readonly string[]).includes(text)) throw badFile(path, text, `one of ${allowed.join(', ')}`);
    return text as T;
  }

  /** A decimal integer, possibly negative ("-1" is how sysfs says "none"). */
  int(path: string): number | null {
    const text = this.text(path);
    if (text === null) return null;
    if (!/^-?\d+$/.test(text)) throw badFile(path, text, 'a decimal number');
    return Number(text);
  }

  /** A decimal id where a negative value means "none" (numa_node, physical_package_id). */
  id(path: string): number | null {
    const value = this.int(path);
    return value === null || value < 0 ? null : value;
  }

  /** A hex number with or without 0x ("0x8086", "80000000"). */
  hex(path: string): number | null {
    const text = this.text(path);
    if (text === null) return null;
    if (!/^(0x)?[0-9a-fA-F]+$/.test(text)) throw badFile(path, text, 'a hex number');
    const value = parseInt(text.replace(/^0x/, ''), 16);
    if (!Number.isSafeInteger(value)) throw badFile(path, text, 'a hex number below 2^53');
    return value;
  }

  /** Space-separated decimal numbers ("10 21 21"), or null when the file cannot be read. */
  ints(path: string): number[] | null {
    const text = this.text(path);
    if (text === null) return null;
    if (text === '') return [];
    const words = text.split(/\s+/);
    if (!words.every((w) => /^-?\d+$/.test(w))) throw badFile(path, text, 'decimal numbers separated by spaces');
    return words.map(Number);
  }

  /** A size as sysfs prints cache sizes ("32768K"), in bytes. */
  size(path: string): number | null {
    const text = this.text(path);
    if (text === null) return null;
    try {
      return parseSize(text);
    } catch (e) {
      if (e instanceof ParkerError) throw badFile(path, text, 'a size such as "32768K"');
      throw e;
    }
  }

  /** "0-3,8" as a sorted list, or null when the file cannot be read. */
  cpuList(path: string): number[] | null {
    const text = this.text(path);
    if (text === null) return null;
    try {
      return parseCpuList(text);
    } catch (e) {
      if (e instanceof ParkerError) throw badFile(path, text, 'a CPU list such as "0-3,8"');
      throw e;
    }
  }

  /** Entry names of a directory, or [] when it cannot be listed. */
  list(path: string): string[] {
    try {
      return this.fs.list(path);
    } catch (e) {
      if (isKernelError(e)) return [];
      throw e;
    }
  }

  /** Numbers N of the entries named PREFIX<N> in a directory ("cpu12", "node3"), ascending. */
  numbered(path: string, prefix: string): number[] {
    const ids: number[] = [];
    for (const name of this.list(path)) {
      if (name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length))) ids.push(Number(name.slice(prefix.length)));
    }
    return ids.sort((a, b) => a - b);
  }

  /**
   * The node a cpuN or memoryN directory links to (its "nodeM" entry), or null. The link is
   * read, not just listed, so that a recording of this read keeps it.
   */
  linkedNode(dir: string): number | null {
    for (const node of this.numbered(dir, 'node')) {
      if (this.fs.readlink(`${dir}/node${node}`) !== null) return node;
    }
    return null;
  }

  /** The last component of a link's target ("../../../bus/pci/drivers/nvme" -> "nvme"). */
  linkName(path: string): string | null {
    const target = this.fs.readlink(path);
    if (target === null) return null;
    const name = target.split('/').filter((p) => p !== '').pop();
    return name ?? null;
  }
}

function badFile(path: string, text: string, expected: string): ParkerError {
  const error = parseError(`value in ${path}`, text, `expected ${expected}`);
  return new ParkerError(
    error.code,
    error.message,
    'the machine tree is damaged or was not written by a Linux kernel; gather it again or fix the generator',
  );
}
