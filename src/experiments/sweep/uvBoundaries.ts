// Kalra & Barkeshli's critical c's of the uv model, exactly: its closed-form GD (models/uvExact) scanned in c, then bisected.
import { UvProblem, UvState, UvTrajectory, uvHessianTop, uvTrajectory } from '../../models/uvExact';
import { CRITICAL_MAX_LOSS } from './critical';
import { bisect } from './bisect';

/** What `criticalSweep` decides at one c, from the closed form. */
export interface UvVerdict {
  c: number;
  eta: number;
  trajectory: UvTrajectory;
  loss_rose: boolean;
  sharpness_rose: boolean;
  diverged: boolean;
}

/** The three properties whose first c Kalra & Barkeshli call c_loss, c_sharp and (the first divergent c) past c_max. */
export type UvProperty = 'loss' | 'sharp' | 'diverge';

/** How far past its threshold a property is at c: > 0 where it holds (a ratio, so its rounding is relative). */
function margin(v: UvVerdict, what: UvProperty): number {
  const { losses, hessians } = v.trajectory;
  const rise = (xs: number[]) => Math.max(-Infinity, ...xs.slice(1).map((x) => x / xs[0] - 1));
  if (what === 'sharp') return rise(hessians);
  if (v.diverged) return Infinity;
  return what === 'loss' ? rise(losses) : Math.max(...losses) / CRITICAL_MAX_LOSS - 1;
}

/**
 * T steps of GD at η = c/λ_H0 from s0, judged as `criticalSweep` judges a point (divergence: a loss above
 * CRITICAL_MAX_LOSS or not finite; a divergence counts as a loss that rose).
 *
 * @example
 * uvVerdict({ f: 0.3, lambda: 2 }, { n: 16, x: 1, y: 0 }, 3, 10).loss_rose; // true: c = 3 catapults
 */
export function uvVerdict(s0: UvState, p: UvProblem, c: number, horizon: number): UvVerdict {
  const eta = c / uvHessianTop(s0, p);
  const trajectory = uvTrajectory(s0, p, eta, horizon, CRITICAL_MAX_LOSS);
  const { losses, hessians, divergedAt } = trajectory;
  return {
    c,
    eta,
    trajectory,
    loss_rose: divergedAt !== null || losses.slice(1).some((L) => L > losses[0]),
    sharpness_rose: hessians.slice(1).some((h) => h > hessians[0]),
    diverged: divergedAt !== null,
  };
}

/** One boundary: the first c ≥ `from` where a property turns on, bracketed by adjacent doubles. */
export interface UvBoundary {
  /** The largest c found with the property off, and the smallest with it on (1 ulp apart after the bisection). */
  below: number;
  above: number;
  /** The step t ≥ 1 whose L_t (λ_H,t for 'sharp') decides at `above`. */
  decidingStep: number;
  /**
   * Relative width of the band around the boundary where the closed form's own rounding flips the verdict back and
   * forth (0 when the verdicts 1 … UV_NOISE_ULPS ulps either side are all on the right side): the digits beyond it
   * are float64's, not the model's.
   */
  noise: number;
}

export interface UvBoundaries {
  hessian0: number;
  loss0: number;
  /** Null where the property never turns on in [from, to]. */
  c_loss: UvBoundary | null;
  c_sharp: UvBoundary | null;
  /** The first divergent c: c_max on a grid is its last point below this. */
  c_max: UvBoundary | null;
}

/** ulps either side of a bisected boundary searched for verdicts that rounding flipped. */
export const UV_NOISE_ULPS = 512;

/** The relative half-width of the band where the verdict disagrees with the side of the bracket it lies on. */
function noiseBand(on: (c: number) => boolean, below: number, above: number): number {
  let widest = 0;
  for (let k = 1; k <= UV_NOISE_ULPS; k++) {
    const off = k * Number.EPSILON;
    if (on(below * (1 - off)) || !on(above * (1 + off))) widest = off;
  }
  return widest;
}

function boundary(s0: UvState, p: UvProblem, horizon: number, what: UvProperty, scan: readonly number[]): UvBoundary | null {
  const on = (c: number) => margin(uvVerdict(s0, p, c, horizon), what) > 0;
  const first = scan.findIndex(on);
  if (first < 0) return null;
  if (first === 0) return { below: scan[0], above: scan[0], decidingStep: decidingStep(s0, p, scan[0], horizon, what), noise: 0 };
  // A gap of at most ε·above is one ulp: below and above are adjacent doubles.
  const { below, above } = bisect(on, scan[first - 1], scan[first], Number.EPSILON, `the uv model's c_${what}`);
  return { below, above, decidingStep: decidingStep(s0, p, above, horizon, what), noise: noiseBand(on, below, above) };
}

function decidingStep(s0: UvState, p: UvProblem, c: number, horizon: number, what: UvProperty): number {
  const v = uvVerdict(s0, p, c, horizon);
  if (what !== 'sharp' && v.trajectory.divergedAt !== null) return v.trajectory.divergedAt;
  const xs = what === 'sharp' ? v.trajectory.hessians : v.trajectory.losses;
  return xs.slice(1).reduce((best, x, i) => (x > xs[best] ? i + 1 : best), 1);
}

/**
 * The uv model's c_loss, c_sharp and first divergent c over [from, to]: a geometric scan of `scanPoints` values of c
 * finds the first one where each property holds (a window narrower than the scan's step below it would be missed),
 * then bisection narrows it to adjacent doubles.
 *
 * @example
 * uvCriticalBoundaries({ f: 0.3, lambda: 2 }, { n: 16, x: 1, y: 0 }, 10).c_loss?.above; // ≈ 2.0…
 */
export function uvCriticalBoundaries(
  s0: UvState,
  p: UvProblem,
  horizon: number,
  o: { from?: number; to?: number; scanPoints?: number } = {},
): UvBoundaries {
  const from = o.from ?? 1,
    to = o.to ?? 1024,
    points = o.scanPoints ?? 1 << 14;
  const scan = Array.from({ length: points }, (_, i) => from * (to / from) ** (i / (points - 1)));
  const hessian0 = uvHessianTop(s0, p);
  return {
    hessian0,
    loss0: 0.5 * (s0.f - p.y) ** 2,
    c_loss: boundary(s0, p, horizon, 'loss', scan),
    c_sharp: boundary(s0, p, horizon, 'sharp', scan),
    c_max: boundary(s0, p, horizon, 'diverge', scan),
  };
}
