// Small statistics for the experiments: least-squares line fits, log grids and medians.

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination of the fit. */
  r2: number;
  n: number;
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
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) { const r = y[i] - (slope * x[i] + intercept); ssRes += r * r; }
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - ssRes / syy, n };
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
  const a = Math.log(lo), b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => (i === 0 ? lo : i === count - 1 ? hi : Math.exp(a + ((b - a) * i) / (count - 1))));
}

/** `count` points from `lo` to `hi` inclusive, evenly spaced. */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? hi : lo + ((hi - lo) * i) / (count - 1)));
}

/** Median (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
