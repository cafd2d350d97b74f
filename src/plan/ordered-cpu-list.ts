import { formatCpuList, parseCpuList } from '../units/cpulist.js';

/**
 * A CPU list as the user wrote it, in the user's order: "64-71,8-15" -> 64..71 then 8..15.
 * Parker takes a partition's memory from the node of its FIRST CPU, so the order written is
 * meaningful; parseCpuList sorts. Each range still counts up; a CPU named twice keeps its
 * first place. Throws the same ParkerError as parseCpuList, quoting the whole list.
 */
export function parseCpuListInOrder(text: string): number[] {
  parseCpuList(text);
  const seen = new Set<number>();
  const ordered: number[] = [];
  for (const part of text.trim() === '' ? [] : text.split(',')) {
    for (const cpu of parseCpuList(part)) {
      if (seen.has(cpu)) continue;
      seen.add(cpu);
      ordered.push(cpu);
    }
  }
  return ordered;
}

/** A CPU list that keeps its first CPU first: "64,8-15,65-71" style, for messages and the `cpus` file. */
export function formatCpuListFirstFirst(cpus: readonly number[]): string {
  const [first, ...rest] = cpus;
  if (first === undefined) return '';
  const tail = rest.filter((cpu) => cpu !== first);
  const sortedRest = [...tail].sort((a, b) => a - b);
  // A list already ascending formats as one cpulist.
  if (sortedRest.every((cpu) => cpu > first)) return formatCpuList([first, ...sortedRest]);
  return [String(first), formatCpuList(sortedRest)].filter((s) => s !== '').join(',');
}
