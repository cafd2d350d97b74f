/** "1 step", "2 steps", "1 NUMA node": a count with its noun, plural when it is not one. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
