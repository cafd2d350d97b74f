import { parseError } from './parker-error.js';
import { MAX_CPUS } from './cpulist.js';

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

/**
 * Formats a mask as sysfs prints it for a kernel with `nrCpus` possible CPUs (nr_cpu_ids):
 * 8 hex digits per group except the most significant one, which holds only the remaining
 * bits (nr_cpu_ids 2 prints "3", 72 prints "00,003ffff0,0003ffff"). Without `nrCpus` every
 * group has 8 digits.
 */
export function formatCpuMask(cpus: Iterable<number>, nrCpus?: number): string {
  const list = [...cpus];
  // Checked before sizing the group array, so a bad number is an error, not a huge allocation.
  for (const cpu of list) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= MAX_CPUS) {
      throw parseError('CPU number', String(cpu), `expected a whole number from 0 to ${MAX_CPUS - 1}`);
    }
  }
  const highest = list.reduce((m, c) => Math.max(m, c), -1);
  const width = Math.max(Math.min(nrCpus ?? 0, MAX_CPUS), highest + 1, 1);
  const groups = new Array<number>(Math.ceil(width / 32)).fill(0);
  for (const cpu of list) {
    groups[cpu >> 5] = (groups[cpu >> 5]! | (1 << (cpu & 31))) >>> 0;
  }
  const topBits = nrCpus === undefined ? 32 : width % 32 || 32;
  return groups
    .reverse()
    .map((g, i) => g.toString(16).padStart(i === 0 ? Math.ceil(topBits / 4) : 8, '0'))
    .join(',');
}
