import type { KernelFs } from '../machines/machine.js';
import { isKernelError } from '../machines/kernel-error.js';
import { parseCpuList } from '../units/cpulist.js';
import { parseCpuMask } from '../units/cpumask.js';
import { ParkerError } from '../units/parker-error.js';
import { parseSize } from '../units/size.js';

/** A file discovery could not read as a kernel writes it: its value is reported as unknown. */
export interface DiscoveryWarning {
  /** The file, relative to the machine root. */
  path: string;
  /** What was wrong, in words, with the text quoted. */
  message: string;
}

/**
 * Typed reads of kernel files for discovery. A file that cannot be read (absent, or refused
 * as some sysfs attributes are on some hardware) is unknown: null. Values are read as kernels
 * and recorders store them: text up to the first NUL byte (recorded files can be padded with
 * NULs after the newline), surrounding whitespace ignored. A file that reads but holds
 * something no kernel writes (or is empty where a value belongs: recorders leave a file they
 * could not read empty) is also unknown, and `warnings` names it, so that one bad file costs
 * that value and not the machine.
 */
export class KernelFiles {
  readonly warnings: DiscoveryWarning[] = [];

  constructor(readonly fs: KernelFs) {}

  /** The file's text without NUL padding and surrounding whitespace, or null when it cannot be read. */
  text(path: string): string | null {
    let text: string;
    try {
      text = this.fs.read(path);
    } catch (e) {
      if (isKernelError(e)) return null;
      throw e;
    }
    const nul = text.indexOf('\0');
    return (nul === -1 ? text : text.slice(0, nul)).trim();
  }

  bytes(path: string): Uint8Array | null {
    try {
      return this.fs.readBytes(path);
    } catch (e) {
      if (isKernelError(e)) return null;
      throw e;
    }
  }

  /** Records that a file's value is unknown because of what it holds; always null. */
  warn(path: string, text: string, expected: string): null {
    const message = text === '' ? `${path} is empty: expected ${expected}; read as unknown` : `invalid value in ${path} "${text}": expected ${expected}; read as unknown`;
    this.warnings.push({ path, message });
    return null;
  }

  /** One of a few fixed words ("Unified"), or null when the file cannot be read. */
  word<T extends string>(path: string, allowed: readonly T[]): T | null {
    const text = this.text(path);
    if (text === null) return null;
    if (!(allowed as readonly string[]).includes(text)) return this.warn(path, text, `one of ${allowed.join(', ')}`);
    return text as T;
  }

  /** A decimal integer, possibly negative ("-1" is how sysfs says "none"). */
  int(path: string): number | null {
    const text = this.text(path);
    if (text === null) return null;
    if (!/^-?\d+$/.test(text)) return this.warn(path, text, 'a decimal number');
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
    if (!/^(0x)?[0-9a-fA-F]+$/.test(text)) return this.warn(path, text, 'a hex number');
    const value = parseInt(text.replace(/^0x/, ''), 16);
    if (!Number.isSafeInteger(value)) return this.warn(path, text, 'a hex number below 2^53');
    return value;
  }

  /** Space-separated decimal numbers ("10 21 21"), or null when the file cannot be read. */
  ints(path: string): number[] | null {
    const text = this.text(path);
    if (text === null) return null;
    if (text === '') return [];
    const words = text.split(/\s+/);
    if (!words.every((w) => /^-?\d+$/.test(w))) return this.warn(path, text, 'decimal numbers separated by spaces');
    return words.map(Number);
  }

  /** A size as sysfs prints cache sizes ("32768K"), in bytes. */
  size(path: string): number | null {
    const text = this.text(path);
    if (text === null) return null;
    // How sysfs prints cache sizes ("48K"): read without parseSize's BigInt arithmetic.
    if (KIBIBYTES.test(text)) return Number(text.slice(0, -1)) * 1024;
    try {
      return parseSize(text);
    } catch (e) {
      if (e instanceof ParkerError) return this.warn(path, text, 'a size such as "32768K"');
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
      if (e instanceof ParkerError) return this.warn(path, text, 'a CPU list such as "0-3,8"');
      throw e;
    }
  }

  /** A hex CPU mask ("00000000,0000ff0f", the older form of a list) as a sorted list, or null. */
  cpuMask(path: string): number[] | null {
    const text = this.text(path);
    if (text === null) return null;
    try {
      return parseCpuMask(text);
    } catch (e) {
      if (e instanceof ParkerError) return this.warn(path, text, 'a CPU mask such as "0000ff0f"');
      throw e;
    }
  }

  /**
   * A CPU set from the first of `forms` that exists: names ending in _list (and node
   * "cpulist") are lists, the others masks. `forms` are full paths.
   */
  cpuSet(forms: readonly string[]): number[] | null {
    for (const path of forms) {
      if (!this.fs.exists(path)) continue;
      return isListFile(path) ? this.cpuList(path) : this.cpuMask(path);
    }
    return null;
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
      const id = numberAfter(name, prefix);
      if (id !== undefined) ids.push(id);
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

/** Whether a CPU set file is the list form ("0-3,8") rather than a mask. */
export function isListFile(path: string): boolean {
  return path.endsWith('_list') || path.endsWith('cpulist');
}

/** A size in whole KiB as sysfs prints cache sizes, no leading zero (memparse reads that as octal). */
const KIBIBYTES = /^[1-9]\d{0,12}K$/;

/** N of a name PREFIX<N> (decimal digits only, as /^\d+$/ after the prefix), or undefined. */
function numberAfter(name: string, prefix: string): number | undefined {
  if (name.length <= prefix.length || !name.startsWith(prefix)) return undefined;
  for (let i = prefix.length; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(name.slice(prefix.length));
}
