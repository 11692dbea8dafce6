// Bisection for phase boundaries: the smallest x at which a monotone yes/no property of a run turns on.

export interface Bracket {
  /** Largest x seen where the property is off. */
  below: number;
  /** Smallest x seen where it is on. */
  above: number;
  /** Runs spent (including the two end checks). */
  evaluations: number;
}

/**
 * Narrows [lo, hi] until (above − below) ≤ relTol·above, assuming `isOn` is off at lo and on at hi
 * (checked first: a bracket that does not contain the boundary is an error, not a silent answer).
 *
 * @example
 * bisect((x) => x > 2, 1, 3, 1e-6); // { below ≈ 2, above ≈ 2, ... }
 */
export function bisect(isOn: (x: number) => boolean, lo: number, hi: number, relTol: number, what = 'boundary'): Bracket {
  if (!(lo < hi)) throw new Error(`bisect: need lo < hi, got [${lo}, ${hi}]`);
  if (isOn(lo)) throw new Error(`${what}: already on at the lower end ${lo} of the search bracket`);
  if (!isOn(hi)) throw new Error(`${what}: still off at the upper end ${hi} of the search bracket`);
  let below = lo,
    above = hi,
    evaluations = 2;
  while (above - below > relTol * above) {
    const mid = 0.5 * (below + above);
    if (isOn(mid)) above = mid;
    else below = mid;
    evaluations++;
  }
  return { below, above, evaluations };
}
