// Small statistics for the experiments: least-squares line fits with confidence intervals, Student-t quantiles, log grids, medians and quantiles.

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination of the fit. */
  r2: number;
  n: number;
  /** Standard error of the slope (NaN with two points, which fit exactly). */
  slopeStdErr: number;
}

/**
 * Least-squares fit y ≈ slope·x + intercept (two-pass, centred sums for accuracy).
 *
 * @example
 * linearFit([0, 1, 2], [1, 3, 5]); // { slope: 2, intercept: 1, r2: 1, n: 3 }
 */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  if (n < 2 || y.length !== n) throw new Error(`a line fit needs ≥ 2 paired points, got ${n} and ${y.length}`);
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - (slope * x[i] + intercept);
    ssRes += r * r;
  }
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - ssRes / syy, n, slopeStdErr: n > 2 ? Math.sqrt(ssRes / (n - 2) / sxx) : NaN };
}

/**
 * The two-sided confidence interval of a fit's slope at `level` (default 95%): slope ± t·SE with the
 * Student-t quantile for n − 2 degrees of freedom. Null with two points, where there is no residual.
 *
 * @example
 * slopeInterval(linearFit([1, 2, 3, 4], [1.1, 1.9, 3.2, 3.9])); // [lo, hi] around 0.97
 */
export function slopeInterval(fit: LineFit, level = 0.95): [number, number] | null {
  if (fit.n < 3) return null;
  const half = studentTQuantile(0.5 + level / 2, fit.n - 2) * fit.slopeStdErr;
  return [fit.slope - half, fit.slope + half];
}

/**
 * The p-quantile (p in (0, 1)) of Student's t with an integer number of degrees of freedom `dof`. The CDF is
 * the exact finite series in θ = atan(t/√dof) (Abramowitz & Stegun 26.7.3–4), inverted by bisection on θ to
 * the last bit, so no special-function library is needed.
 *
 * @example
 * studentTQuantile(0.975, 3); // 3.182446305283707
 */
export function studentTQuantile(p: number, dof: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`quantile level must be in (0, 1), got ${p}`);
  if (!Number.isInteger(dof) || dof < 1) throw new Error(`degrees of freedom must be a positive integer, got ${dof}`);
  if (p < 0.5) return -studentTQuantile(1 - p, dof);
  const target = 2 * p - 1; // P(|T| ≤ t)
  let lo = 0,
    hi = Math.PI / 2;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (twoSidedT(mid, dof) < target) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(dof) * Math.tan((lo + hi) / 2);
}

/** P(|T| ≤ √dof·tan θ) for Student's t with `dof` degrees of freedom (A&S 26.7.3 odd, 26.7.4 even). */
function twoSidedT(theta: number, dof: number): number {
  const c = Math.cos(theta),
    s = Math.sin(theta),
    c2 = c * c;
  let term = 1,
    sum = 1;
  if (dof % 2 === 0) {
    for (let k = 2; k <= dof - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    return s * sum;
  }
  if (dof === 1) return (2 / Math.PI) * theta;
  term = c;
  sum = c;
  for (let k = 3; k <= dof - 2; k += 2) {
    term *= ((k - 1) / k) * c2;
    sum += term;
  }
  return (2 / Math.PI) * (theta + s * sum);
}

/** Fit of log y against log x: the power-law exponent is `slope`. */
export function powerLawFit(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  return linearFit(Array.from(x, Math.log), Array.from(y, Math.log));
}

/**
 * `count` points from `lo` to `hi` (inclusive), evenly spaced in log.
 *
 * @example
 * logspace(1e-3, 1e-1, 3); // [0.001, 0.01, 0.1]
 */
export function logspace(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  const a = Math.log(lo),
    b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => (i === 0 ? lo : i === count - 1 ? hi : Math.exp(a + ((b - a) * i) / (count - 1))));
}

/** `count` points from `lo` to `hi` inclusive, evenly spaced. */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? hi : lo + ((hi - lo) * i) / (count - 1)));
}

/**
 * The p-quantile with numpy's default (linear) interpolation: position p·(n − 1) in the sorted values.
 * @example
 * quantile([1, 2, 3, 4], 0.1); // 1.3, as numpy.quantile
 */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('quantile of an empty list');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile level must be in [0, 1], got ${p}`);
  const s = [...values].sort((a, b) => a - b);
  const at = p * (s.length - 1),
    lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (at - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

/** Median (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
