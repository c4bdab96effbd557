/**
 * "Did you mean ...?" for a mistyped name: the closest known name by edit distance, when it is close
 * enough to be a typo. Used for seed scopes and command-line flags.
 */

/**
 * Edit distance where an insertion, a deletion, a substitution or a swap of two neighbours each cost
 * 1 (optimal string alignment): `prot` is one edit from `port`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const prev = rows[i - 1] as number[];
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      cur[j] = d;
    }
    rows.push(cur);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The known name closest to `input`, or undefined when none is within a third of the input's length
 * (at least 1, at most 4 edits). `forms` gives the spellings a name may be typed in (default: the
 * name itself), e.g. a scope's full name and its last segment.
 */
export function closest(
  input: string,
  known: readonly string[],
  forms: (name: string) => readonly string[] = (n) => [n],
): string | undefined {
  const limit = Math.min(4, Math.max(1, Math.floor(input.length / 3)));
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = Math.min(...forms(name).map((f) => editDistance(input.toLowerCase(), f.toLowerCase())));
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** ` (did you mean "x"?)` for the closest known name, or "" when nothing is close. */
export function didYouMean(input: string, known: readonly string[], forms?: (name: string) => readonly string[]): string {
  const hit = closest(input, known, forms);
  return hit === undefined ? "" : ` (did you mean "${hit}"?)`;
}
