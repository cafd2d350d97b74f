import { parseError } from './parker-error.js';

/**
 * Hex CPU masks as sysfs prints them: 32-bit groups separated by commas, most significant
 * group first ("00000000,0000ff0f"). CPU n is bit n.
 */
export function parseCpuMask(text: string): number[] {
  const s = text.trim();
  if (s === '' || !/^[0-9a-fA-F]+(,[0-9a-fA-F]+)*$/.test(s)) {
    throw parseError('CPU mask', text, 'expected hex groups such as "00000000,0000ff0f"');
  }
  const groups = s.split(',').reverse();
  const cpus: number[] = [];
  groups.forEach((group, g) => {
    if (group.length > 8) throw parseError('CPU mask', text, `group "${group}" has more than 8 hex digits`);
    const value = parseInt(group, 16);
    for (let bit = 0; bit < 32; bit++) {
      if ((value >>> bit) & 1) cpus.push(g * 32 + bit);
    }
  });
  return cpus;
}

/** Formats a mask wide enough for `nrCpus` (the kernel pads every group to 8 digits). */
export function formatCpuMask(cpus: Iterable<number>, nrCpus?: number): string {
  const list = [...cpus];
  const highest = list.reduce((m, c) => Math.max(m, c), -1);
  const width = Math.max(nrCpus ?? 0, highest + 1, 1);
  const groups = new Array<number>(Math.ceil(width / 32)).fill(0);
  for (const cpu of list) {
    if (!Number.isInteger(cpu) || cpu < 0) throw parseError('CPU number', String(cpu), 'expected a whole number >= 0');
    groups[cpu >> 5] = (groups[cpu >> 5]! | (1 << (cpu & 31))) >>> 0;
  }
  return groups.reverse().map((g) => g.toString(16).padStart(8, '0')).join(',');
}
