/**
 * Numbers in ascending order: the list itself when it already is (most CPU lists are), else a
 * sorted copy. V8's sort allocates a work area at every call, even for a list of two: sorting
 * the already ordered CPU lists of a machine's cores and caches was a third of a megabyte of
 * garbage at every command that reads a simulated server.
 */
export function ascending(numbers: readonly number[]): readonly number[] {
  for (let i = 1; i < numbers.length; i++) if (numbers[i - 1]! > numbers[i]!) return [...numbers].sort((a, b) => a - b);
  return numbers;
}

/** Sorts `numbers` in place, ascending, unless it already is. */
export function sortAscending(numbers: number[]): number[] {
  for (let i = 1; i < numbers.length; i++) if (numbers[i - 1]! > numbers[i]!) return numbers.sort((a, b) => a - b);
  return numbers;
}
