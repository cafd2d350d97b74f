import { cpuRanges } from './cpu-ranges.js';
import { parseError } from './parker-error.js';

/** Far above any kernel's NR_CPUS (8192); keeps a typo like "0-99999999999" from eating memory. */
export const MAX_CPUS = 1 << 20;

/**
 * CPU lists as the kernel prints them: "0-3,8,10-11". The empty string is the empty list
 * (an empty node's cpulist reads as a bare newline). Results are sorted and unique.
 */
export function parseCpuList(text: string): number[] {
  const s = text.trim();
  if (s === '') return [];
  return plainCpuList(s) ?? parseCpuListParts(text);
}

/**
 * parseCpuList part by part: every form the kernel accepts, strides ("0-15:2/4") and spaces
 * included, with an error naming what is wrong. The one-pass plainCpuList must agree with it.
 */
export function parseCpuListParts(text: string): number[] {
  const s = text.trim();
  if (s === '') return [];
  const out = new Set<number>();
  for (const part of s.split(',')) {
    // The kernel also accepts "0-15:2/4" (used / group size) after a range; honour it when reading user input.
    const m = /^(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?$/.exec(part.trim());
    if (!m) throw parseError('CPU list', text, 'expected numbers and ranges such as "0-3,8,10-11"');
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last >= MAX_CPUS) throw parseError('CPU list', text, `CPU numbers must be below ${MAX_CPUS}`);
    if (last < first) throw parseError('CPU list', text, `range "${part}" runs backwards`);
    const used = m[3] === undefined ? 1 : Number(m[3]);
    const group = m[4] === undefined ? 1 : Number(m[4]);
    if (group === 0 || used > group) throw parseError('CPU list', text, `bad stride in "${part}"`);
    for (let base = first; base <= last; base += group) {
      for (let i = base; i < base + used && i <= last; i++) out.add(i);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * A CPU list as the kernel prints it ("0-3,8,10-11": ascending, disjoint, no spaces), read in
 * one pass; undefined for anything else (a stride, spaces, disorder, an error), which
 * parseCpuList then reads the slow way, with the same result. Discovery reads thousands.
 */
export function plainCpuList(text: string): number[] | undefined {
  const cpus: number[] = [];
  const end = text.length;
  if (end === 0) return cpus;
  let i = 0;
  let previous = -1;
  for (;;) {
    let first = 0;
    let start = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) first = first * 10 + (c - 48);
    if (i === start || i - start > 7) return undefined;
    let last = first;
    if (text.charCodeAt(i) === 45 /* - */) {
      last = 0;
      start = ++i;
      for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) last = last * 10 + (c - 48);
      if (i === start || i - start > 7) return undefined;
    }
    if (first <= previous || last < first || last >= MAX_CPUS) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
    previous = last;
    if (i === end) return cpus;
    if (text.charCodeAt(i) !== 44 /* , */) return undefined;
    i++;
  }
}

/** The kernel's own formatting (bitmap_print_to_pagebuf with list=true). */
export function formatCpuList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  for (const cpu of sorted) {
    if (!Number.isInteger(cpu) || cpu < 0) throw parseError('CPU number', String(cpu), 'expected a whole number >= 0');
  }
  return cpuRanges(sorted);
}
