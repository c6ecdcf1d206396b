/**
 * "Did you mean": the candidate a mistyped `input` most likely meant, or undefined when none is
 * close enough to be a typo rather than another word. Case is ignored. Pure, for environment
 * names and the like (commander suggests commands and options itself).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  // About a third of the word may be wrong: "prodution" -> "production", but "qa" is not "dev".
  if (best && best.distance <= Math.max(1, Math.floor(input.length / 3))) return best.name;
  // An abbreviation of exactly one candidate: "prod" -> "production".
  const prefixed = candidates.filter((name) => wanted.length >= 2 && name.toLowerCase().startsWith(wanted));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters ("prdouction") each cost 1.
 */
export function editDistance(a: string, b: string): number {
  // d[i][j]: the distance between the first i characters of a and the first j of b.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, substitution);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}
