// Rounding errors through the tangent-linear map of GD: fresh random errors each step, propagated by the exact step derivative (HVPs).
import type { Tensor } from '../linalg/tensor';
import { freeF64 } from '../linalg/backend';
import { hvp } from '../autodiff';
import { RandomState } from '../random/randomState';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';
import { minibatchRows, stepData } from '../data/batches';

/** What the tangent-linear run needs of a training run. */
export interface TangentOptions {
  lr: number;
  steps: number;
  momentum?: number;
  l2?: number;
  /** Seeds the random errors (numpy RandomState normals). */
  seed?: number;
  /** The unit roundoff of the arithmetic modelled: 2⁻⁵³ for float64 (default), 2⁻¹⁰⁶ for dd. */
  unit?: number;
  /** Minibatch SGD: the same rows as `train` takes (minibatchRows), each step's map that of its batch. */
  batch?: number;
  batchSeed?: number;
  /** Each parameter's factor on η (paramRates), 1 where absent. */
  rates?: readonly number[];
}

/** A double's decimal digits, log10(2⁵³): the estimate's ceiling. */
const DOUBLE_DIGITS = 15.95;

/**
 * The first-order model of float64 rounding along GD from `init`: e_{t+1} = M_t e_t + ξ_t, where M_t is the derivative of
 * the GD step at θ_t (for (θ, b) with momentum: v_b ← γ v_b + H v_θ + l2·v_θ, v_θ ← v_θ − η v_b, H the loss Hessian by
 * one exact forward-over-reverse sweep, which also gives the step's gradient) and ξ_t is a fresh error of one rounding
 * per entry (Gaussian, std u·|θ_t,i|, u = `unit`). Returns ln(‖e_t‖/‖θ_t‖) for t = 0 … steps (−∞ at t = 0: the initialization is
 * exact), shorter if GD diverges. Fresh errors matter: a single perturbation from t = 0 can sit in contracting and
 * neutral directions while a newly unstable one (λ_t·η crossing 2) grows from each step's rounding.
 *
 * @example
 * const logRel = roundingGrowth(model, init, data, { lr: eta, steps: 200 }); // digitsFromGrowth(logRel)
 */
export function roundingGrowth(model: Model, init: readonly Tensor[], data: Dataset, o: TangentOptions): Float64Array {
  const gamma = o.momentum ?? 0,
    l2 = o.l2 ?? 0,
    U = o.unit ?? 2 ** -53;
  const rng = new RandomState(o.seed ?? 0);
  const theta = init.map((p) => ({ data: p.data.slice(), shape: p.shape.slice() }));
  const b = theta.map((p) => new Float64Array(p.data.length));
  // e in units of u (so it neither underflows nor, for 1000s of chaotic steps, overflows before it is capped).
  const eTheta = theta.map((p) => new Float64Array(p.data.length)),
    eB = theta.map((p) => new Float64Array(p.data.length));
  const out: number[] = [-Infinity];
  const m = data.X.shape[0];
  const rowsOf = o.batch === undefined ? null : minibatchRows(m, o.batch, o.batchSeed ?? 0);
  for (let t = 0; t < o.steps; t++) {
    const rows = rowsOf?.() ?? null;
    const { tape, loss } = forwardPass(model, theta, stepData(data, rows));
    try {
      if (!Number.isFinite(loss.value.data[0])) break;
      const { grad, hv } = hvp(loss, eTheta);
      theta.forEach((p, i) => {
        const x = p.data,
          xi = rng.standardNormalArray(x.length),
          lr = o.lr * (o.rates?.[i] ?? 1);
        for (let e = 0; e < x.length; e++) {
          const tangent = hv[i][e] + l2 * eTheta[i][e];
          eB[i][e] = gamma * eB[i][e] + tangent;
          eTheta[i][e] += xi[e] * Math.abs(x[e]) - lr * (gamma > 0 ? eB[i][e] : tangent);
          const g = grad[i][e] + l2 * x[e];
          b[i][e] = gamma * b[i][e] + g;
          x[e] -= lr * (gamma > 0 ? b[i][e] : g);
        }
      });
      for (const a of new Set([...grad, ...hv])) freeF64(a);
    } finally {
      tape.dispose();
    }
    const rel = norm(eTheta) / norm(theta.map((p) => p.data));
    if (!Number.isFinite(rel)) break;
    // Past a relative error of 1 the linear model means nothing: cap there (and keep e from overflowing).
    if (U * rel > 1) for (const v of [...eTheta, ...eB]) for (let i = 0; i < v.length; i++) v[i] /= U * rel;
    out.push(Math.log(Math.min(U * rel, 1)));
  }
  return Float64Array.from(out);
}

function norm(vs: readonly Float64Array[]): number {
  let s = 0;
  for (const v of vs) for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * Estimated reproducible digits per step, −log10 of the modelled relative error (at most a double's 15.95). Steps past
 * the series (it stopped early) repeat its last value.
 *
 * @example
 * digitsFromGrowth(roundingGrowth(model, init, data, o), steps + 1); // [15.95, 15.9, …]
 */
export function digitsFromGrowth(logRel: Float64Array, length = logRel.length): Float64Array {
  const out = new Float64Array(length);
  for (let t = 0; t < length; t++) out[t] = Math.min(DOUBLE_DIGITS, -logRel[Math.min(t, logRel.length - 1)] / Math.LN10);
  return out;
}

/**
 * A run is chaotic when its modelled error grows by more than this per step (natural log) over the last third of the
 * run, or has saturated (relative error 1). The last third, so that a transient instability that has settled (a
 * catapult) is not flagged; errors in neutral directions grow like √t, a rate of ½ln(3/2)/(T/3) ≈ 0.61/T over the last
 * third of T steps, below this for the T ≥ 100 the flag requires.
 */
export const CHAOS_RATE = 0.01;

/** Mean growth per step of ln‖e‖ over steps [from, to] (NaN for an empty window). */
export function growthRate(logRel: Float64Array, from: number, to: number): number {
  const a = Math.max(1, from),
    z = Math.min(to, logRel.length - 1);
  return z > a ? (logRel[z] - logRel[a]) / (z - a) : NaN;
}

/** True when the run has ≥ 100 steps and its modelled error has saturated or grows faster than CHAOS_RATE over the last third. */
export function isChaotic(logRel: Float64Array): boolean {
  const T = logRel.length - 1;
  if (T < 100) return false;
  return logRel[T] >= 0 || growthRate(logRel, T - Math.floor(T / 3), T) > CHAOS_RATE;
}
