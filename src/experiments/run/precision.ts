// float64 against double-double from the same initialization: per-step deviations and digits, a Lyapunov fit, the tangent-linear cross-check.
import * as D from '../../linalg/dd/arith';
import { DdTensor, ddDot } from '../../linalg/dd/tensor';
import {
  StepRecord,
  TrainSettings,
  digitsFromGrowth,
  growthRate,
  isChaotic,
  lambdaAt,
  paramRates,
  roundingGrowth,
  train,
  trainDd,
  trainSettings,
} from '../../models';
import { LrSpec, resolveRunLr } from './lr';
import type { Setup } from './setup';

/** A double has 53 bits: 15.95 decimal digits; a deviation of 0 is reported as this many correct digits. */
export const DOUBLE_DIGITS = 15.95;
/** The digits-lost thresholds the report names the first step of. */
export const DIGITS_LOST = [3, 6, 10] as const;
/** The Lyapunov fit uses the steps whose θ deviation is above rounding noise and below saturation. */
export const FIT_WINDOW = { from: 1e-13, to: 1e-4, minSteps: 10, minR2: 0.8 } as const;

/** One step's relative deviations |float64 − dd|/|dd| (f and θ on the step's whole scale) and the digits they leave. */
export interface PrecisionStep {
  t: number;
  loss: number;
  f: number;
  /** NaN where λ was not measured. */
  lambda: number;
  paramNorm: number;
  /** ‖θ64 − θdd‖/‖θdd‖. */
  theta: number;
  /** Correct digits of the worst of loss, f, λ, ‖θ‖: −log10 of the largest deviation, in [0, DOUBLE_DIGITS]. */
  digits: number;
  /** The digits the tangent-linear rounding model predicts for θ at this step (roundingGrowth, digitsFromGrowth). */
  predictedDigits: number;
}

/** An exponential fit ln δ_t ≈ a + rate·t over a window of steps. */
export interface GrowthFit {
  rate: number;
  from: number;
  to: number;
  r2: number;
}

export interface PrecisionReport {
  eta: number;
  steps: PrecisionStep[];
  /** First step with at least 3, 6, 10 digits lost (DOUBLE_DIGITS − digits ≥ k), or null. */
  firstLost: Record<(typeof DIGITS_LOST)[number], number | null>;
  /** The float64/dd deviation's growth rate per step (natural log), when it grows exponentially; else null. */
  lyapunov: GrowthFit | null;
  /** The modelled rounding error's growth rate (tangent-linear, roundingGrowth) over the same window, or the whole run without a fit. */
  tangentRate: number;
  /** Its growth rate over the last third of the run (the `chaotic` criterion, isChaotic). */
  tangentLateRate: number;
  /** The tangent-linear model's verdict (isChaotic); null where it does not model the optimizer (Adam). */
  chaotic: boolean | null;
  /** The step each run diverged at (null: it did not); the comparison stops at the shorter run. */
  diverged: { float64: number | null; dd: number | null };
  ms: { float64: number; dd: number };
}

/** −log10 of a relative deviation, within [0, DOUBLE_DIGITS]: a deviation beyond 100% leaves 0 digits, not fewer. */
const digitsOf = (rel: number) => (rel === 0 ? DOUBLE_DIGITS : Math.max(0, Math.min(DOUBLE_DIGITS, -Math.log10(rel))));

/**
 * The decimal digits a float64 result shares with its dd reference (given as the double nearest it): −log10 of the
 * relative difference, at most DOUBLE_DIGITS, 0 when they differ by as much as the reference.
 *
 * @example
 * agreeingDigits(0.1552781924477969, 0.1552781924477971); // 14.9
 */
export function agreeingDigits(float64: number, dd: number): number {
  if (float64 === dd) return DOUBLE_DIGITS;
  return digitsOf(Math.abs(float64 - dd) / Math.abs(dd));
}

/** |a − b|/|b| for a double a and a dd b, in dd (so deviations below 1e-16 are resolved). */
function relScalar(a: number, b: D.DD): number {
  if (!Number.isFinite(a) || !Number.isFinite(b.hi)) return a === D.toNumber(b) ? 0 : Infinity;
  const scale = Math.abs(b.hi);
  return scale === 0 ? (a === 0 ? 0 : Infinity) : Math.abs(D.sub(D.dd(a), b).hi) / scale;
}

/** max_i |a_i − b_i| / max_i |b_i| (one scale per step, as `check` uses), or with `l2` the 2-norm ratio. */
function relVector(a: readonly Float64Array[], b: readonly DdTensor[], l2: boolean): number {
  let num = 0,
    den = 0;
  a.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(D.sub(D.dd(x[i]), { hi: b[k].hi[i], lo: b[k].lo[i] }).hi),
        s = Math.abs(b[k].hi[i]);
      num = l2 ? num + d * d : Math.max(num, d);
      den = l2 ? den + s * s : Math.max(den, s);
    }
  });
  if (l2) ((num = Math.sqrt(num)), (den = Math.sqrt(den)));
  return den === 0 ? (num === 0 ? 0 : Infinity) : num / den;
}

/**
 * Least-squares ln y = a + rate·t over the window of exponential growth: from the first step with y ≥ FIT_WINDOW.from to
 * the largest y before y first reaches FIT_WINDOW.to (where it saturates, or stops growing when the instability was
 * transient, as in a catapult). Null unless the window has ≥ minSteps steps, a positive rate and R² ≥ minR2.
 *
 * @example
 * fitGrowth([0, 1, 2, …], deviations); // { rate: 0.45, from: 88, to: 110, r2: 0.99 }
 */
export function fitGrowth(t: readonly number[], y: readonly number[]): GrowthFit | null {
  const start = y.findIndex((v) => v >= FIT_WINDOW.from);
  if (start < 0) return null;
  let end = start,
    peak = start;
  for (; end < y.length && y[end] < FIT_WINDOW.to; end++) if (y[end] > y[peak]) peak = end;
  end = end < y.length ? end + 1 : peak + 1; // reaching `to` ends the growth there; otherwise it ended at the peak
  if (end - start < FIT_WINDOW.minSteps || !Number.isFinite(y[end - 1])) return null;
  const xs = t.slice(start, end),
    ys = y.slice(start, end).map(Math.log);
  const n = xs.length,
    mx = xs.reduce((a, b) => a + b, 0) / n,
    my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const rate = sxy / sxx,
    r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return rate > 0 && r2 >= FIT_WINDOW.minR2 ? { rate, from: xs[0], to: xs[n - 1], r2 } : null;
}

/**
 * Runs GD in float64 and in dd from `s.init` (taken as exact) at the same η (resolved from the float64 λ0) and compares
 * them step by step; the tangent-linear run (a random perturbation through the GD map's exact derivative) gives the
 * growth rate the deviation should follow where it grows exponentially.
 *
 * @example
 * const r = precisionReport(setup({ model: 'warmup', width: 16 }), { lr: parseLr('1.5x'), steps: 50 });
 */
export function precisionReport(s: Setup, o: { lr: LrSpec } & Partial<TrainSettings>, seed = 0): PrecisionReport {
  const settings = trainSettings({ ...o, precision: undefined });
  const { eta } = resolveRunLr(s, o.lr, lambdaAt(s.model, s.init, s.data));
  const run = { ...settings, lr: eta, recordOutputs: true, recordParams: true };
  let clock = performance.now();
  const r64 = train(s.model, s.init, s.data, run);
  const ms64 = performance.now() - clock;
  const dd: { loss: D.DD; lambda?: D.DD; f: DdTensor; params: DdTensor[] }[] = [];
  clock = performance.now();
  const rDd = trainDd(s.model, s.init, s.data, run, (st) =>
    dd.push({
      loss: st.loss,
      lambda: st.lambda,
      f: st.f,
      params: st.params.map((p) => ({ hi: p.hi.slice(), lo: p.lo.slice(), shape: p.shape })),
    }),
  );
  const msDd = performance.now() - clock;
  // The tangent-linear rounding model follows GD's map (momentum, L2, minibatches, per-layer rates); Adam's is not modelled.
  const modelled = settings.optimizer === undefined || settings.optimizer === 'gd';
  const growth = modelled
    ? roundingGrowth(s.model, s.init, s.data, {
        lr: eta,
        steps: settings.steps,
        momentum: settings.momentum,
        l2: settings.l2,
        seed,
        batch: settings.batch,
        batchSeed: settings.batchSeed,
        rates: paramRates(s.model, settings),
      })
    : null;
  const n = Math.min(r64.records.length, dd.length);
  const steps: PrecisionStep[] = [],
    predicted = growth === null ? new Float64Array(n).fill(NaN) : digitsFromGrowth(growth, n);
  for (let t = 0; t < n; t++) {
    const a: StepRecord = r64.records[t],
      b = dd[t];
    const lambda = a.lambda !== undefined && b.lambda !== undefined ? relScalar(a.lambda, b.lambda) : NaN;
    const normDd = D.sqrt(b.params.reduce((acc, p) => D.add(acc, ddDot(p, p)), D.DD_ZERO));
    const step = {
      t,
      loss: relScalar(a.loss, b.loss),
      f: relVector([a.outputs!], [b.f], false),
      lambda,
      paramNorm: relScalar(a.paramNorm, normDd),
      theta: relVector(a.params!, b.params, true),
    };
    const worst = Math.max(step.loss, step.f, step.paramNorm, Number.isNaN(lambda) ? 0 : lambda);
    steps.push({ ...step, digits: digitsOf(worst), predictedDigits: predicted[t] });
  }
  const firstLost = Object.fromEntries(
    DIGITS_LOST.map((k) => [k, steps.find((st) => DOUBLE_DIGITS - st.digits >= k)?.t ?? null]),
  ) as PrecisionReport['firstLost'];
  const lyapunov = fitGrowth(
    steps.map((st) => st.t),
    steps.map((st) => st.theta),
  );
  const last = (growth?.length ?? 0) - 1;
  const tangentRate = growth === null ? NaN : lyapunov ? growthRate(growth, lyapunov.from, lyapunov.to) : growthRate(growth, 1, last);
  const tangentLateRate = growth === null ? NaN : growthRate(growth, last - Math.floor(last / 3), last);
  return {
    eta,
    steps,
    firstLost,
    lyapunov,
    tangentRate,
    tangentLateRate,
    chaotic: growth === null ? null : isChaotic(growth),
    diverged: { float64: r64.diverged?.step ?? null, dd: rDd.diverged?.step ?? null },
    ms: { float64: ms64, dd: msDd },
  };
}
