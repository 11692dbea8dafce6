// The model linearized at θ0: f_lin(θ) = f(θ0) + J(θ0)(θ − θ0), evaluated and trained through the engine's JVP and VJP, never by forming J.
import type { Tensor } from '../linalg/tensor';
import { freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { jvp, vjp, Var } from '../autodiff';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';
import { DIVERGENCE_LOSS } from './trainOptions';
import { classification } from './evaluate';

/** One tape recorded at θ0 on a data set's inputs; its JVP gives J(θ0)·Δθ, its VJP gives J(θ0)ᵀw. */
export interface Linearization {
  data: Dataset;
  f: Var;
  /** f(θ0), m×k row-major. */
  f0: Float64Array;
}

/** Records f at θ0 on `data` once; every later evaluation reuses this tape. */
export function linearize(model: Model, theta0: readonly Tensor[], data: Dataset): Linearization {
  const { f } = forwardPass(model, theta0, data);
  return { data, f, f0: f.value.data.slice() };
}

/**
 * f_lin = f(θ0) + J(θ0)·delta: one forward (JVP) sweep.
 *
 * @example
 * const out = linearOutputs(lin, delta); // delta[i] = θ_i − θ0_i, one array per parameter
 */
export function linearOutputs(lin: Linearization, delta: readonly Float64Array[]): Float64Array {
  const jv = jvp(lin.f, delta),
    out = new Float64Array(jv.length);
  for (let i = 0; i < jv.length; i++) out[i] = jv[i] + lin.f0[i];
  freeF64(jv);
  return out;
}

export interface LinearizedRun {
  /** MSE loss of f_lin on the training set before each step, and at the end. */
  losses: number[];
  /** θ − θ0 at the end. */
  delta: Float64Array[];
  diverged: { step: number } | null;
  /** Steps taken (may stop early at convergence). */
  steps: number;
}

/** GD on a linearized model: at most `steps` steps at `lr`, stopped early at a training accuracy ≥ `stopAccuracy`. */
export interface LinearizedOptions {
  lr: number;
  steps: number;
  /** A loss above this (or not finite) is divergence; default DIVERGENCE_LOSS. */
  maxLoss?: number;
  stopAccuracy?: number;
  onStep?: (t: number, loss: number) => void;
}

/** Refuses a learning rate or step count that GD cannot take. */
export function checkLinearizedOptions(o: LinearizedOptions): void {
  if (!(Number.isFinite(o.lr) && o.lr > 0)) throw new Error(`learning rate must be a finite number > 0, got ${o.lr}`);
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new Error(`steps must be an integer ≥ 0, got ${o.steps}`);
}

/**
 * Full-batch GD on 1/(2km)·Σ(f_lin − y)²: each step is one JVP (outputs) and one VJP (gradient
 * J(θ0)ᵀ(f_lin − y)/(km)) over the θ0 tape, so J itself is never formed. Runs needing many more steps than m·k are
 * cheaper in function space (trainLinearizedFunctionSpace).
 */
export function trainLinearized(lin: Linearization, o: LinearizedOptions): LinearizedRun {
  checkLinearizedOptions(o);
  const tape = lin.f.tape;
  const delta = tape.params.map((id) => new Float64Array(tape.values[id].data.length));
  const Y = lin.data.Y.data,
    [m, k] = lin.data.Y.shape;
  const losses: number[] = [];
  const maxLoss = o.maxLoss ?? DIVERGENCE_LOSS;
  for (let t = 0; ; t++) {
    const out = linearOutputs(lin, delta);
    const r = new Float64Array(out.length);
    let L = 0;
    for (let i = 0; i < out.length; i++) {
      r[i] = (out[i] - Y[i]) / (m * k);
      L += (out[i] - Y[i]) ** 2;
    }
    L /= 2 * m * k;
    losses.push(L);
    o.onStep?.(t, L);
    if (!Number.isFinite(L) || L > maxLoss) return { losses, delta, diverged: { step: t }, steps: t };
    if (t === o.steps) break;
    if (o.stopAccuracy !== undefined && classification(out, Y, m, k).accuracy >= o.stopAccuracy) break;
    const g = vjp(lin.f, r);
    for (let p = 0; p < delta.length; p++) kernels.daxpy(delta[p].length, -o.lr, g[p], 1, 0, delta[p], 1, 0);
    g.forEach(freeF64);
  }
  return { losses, delta, diverged: null, steps: losses.length - 1 };
}
