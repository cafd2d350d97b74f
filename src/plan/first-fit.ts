import type { FreeCpus } from './cpu-index.js';

/**
 * The baseline placement is compared with: the lowest free CPU numbers, with no regard for
 * cores, caches or nodes (what a naive tool would do). Takes the CPUs from `free`.
 */
export function firstFitCpus(free: FreeCpus, count: number): number[] {
  const chosen = free.allFree().slice(0, count);
  free.take(chosen);
  return chosen;
}
