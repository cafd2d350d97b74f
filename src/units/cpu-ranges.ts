/**
 * CPU numbers, sorted and distinct, as the kernel prints a list of them (bitmap_print_to_pagebuf
 * with list=true): 0-7,128-135. No imports: the dashboard (web/) formats lists with it too.
 */
export function cpuRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
