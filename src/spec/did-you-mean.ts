/**
 * Edit distance: insertions, deletions, substitutions and swaps of two neighbouring letters
 * (Levenshtein with transpositions, "optimal string alignment"): "imgae" is one typo from
 * "image", not two.
 */
export function levenshtein(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, beforePrevious[j - 2]! + 1);
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** Case, "_" and "-" are ignored: "boot_timeout" is one edit from "bootTimeout", not four. */
function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, '');
}

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo: at most a
 * third of the word's length in edits (at least one), or else the only candidate the word
 * abbreviates ("mem" -> "memory"). Ties go to the earlier candidate, so results follow the
 * order the schema lists its keys in.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const target = normalize(word);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(target, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  const extensions = target.length >= 3 ? candidates.filter((c) => normalize(c).startsWith(target)) : [];
  return extensions.length === 1 ? extensions[0] : undefined;
}
