// The sharpness S = λ_max(∇²L) at a point, its top-k neighbours and its exact gradient ∇S = D³L[u, u, ·], and the files a peer replays them from.
import * as path from 'path';
import { curvatureGradient, hessianTopEigenvalues, parameterCount, splitParameters } from '../../autodiff';
import { Tensor, tensor } from '../../linalg/tensor';
import { Dataset } from '../../data';
import { Model, forwardPass } from '../../models';
import { ensureDir, exactJson, writeFileAtomic } from '../../io/output';
import { writeNpz } from '../../io/npz';
import { saveParams } from './setup';

/** Lanczos tolerance for the top eigenpair: ∇S is first-order in the eigenvector's error, so it is pushed near rounding. */
export const SHARPNESS_TOL = 1e-13;

export interface Sharpness {
  /** The top k eigenvalues of ∇²L, descending, with ‖Hy − θy‖ of each Ritz pair. */
  values: number[];
  residuals: number[];
  iterations: number;
  converged: boolean;
  /** λ1 − λ2 (from one more Ritz value than asked for): ∇S exists where it is positive. */
  gap: number;
  /** uᵀHu from the jet replay: S again, by other arithmetic. */
  curvature: number;
  /** ∇S per parameter, and its norm. */
  grad: Tensor[];
  gradNorm: number;
  /** The unit top eigenvector u, per parameter. */
  vector: Tensor[];
  /** First-order bound on ∇S's error from u's: ‖D³L‖-free, residual/gap (relative). */
  vectorError: number;
}

/**
 * The loss Hessian's top-k eigenvalues at `params`, and ∇S = D³L[u, u, ·] for the unit top eigenvector u by one jet
 * replay of the loss's tape and its reverse sweep (src/autodiff/jets.ts): exact up to rounding and u's own error.
 *
 * @example
 * const s = measureSharpness(model, init, data, 2); // s.values, s.grad (one tensor per parameter)
 */
export function measureSharpness(model: Model, params: readonly Tensor[], data: Dataset, k = 1): Sharpness {
  const { tape, loss } = forwardPass(model, params, data);
  try {
    const P = parameterCount(loss);
    const spectrum = hessianTopEigenvalues(loss, Math.min(k + 1, P), SHARPNESS_TOL);
    const u = splitParameters(loss, spectrum.vectors[0]);
    const { curvature, grad } = curvatureGradient(loss, u);
    const values = Array.from(spectrum.values);
    const gap = values.length > 1 ? values[0] - values[1] : Infinity;
    return {
      values: values.slice(0, k),
      residuals: Array.from(spectrum.residuals).slice(0, k),
      iterations: spectrum.iterations,
      converged: spectrum.converged,
      gap,
      curvature,
      grad: grad.map((g, i) => tensor(params[i].shape, g)),
      gradNorm: Math.sqrt(grad.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0)),
      vector: u.map((x, i) => tensor(params[i].shape, x)),
      vectorError: spectrum.residuals[0] / gap,
    };
  } finally {
    tape.dispose();
  }
}

/** The record sharpness.json holds: everything but the arrays, which go to the .npz files beside it. */
export function sharpnessRecord(s: Sharpness, model: Model, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    model: model.config,
    ...extra,
    k: s.values.length,
    values: s.values,
    residuals: s.residuals,
    iterations: s.iterations,
    converged: s.converged,
    gap: Number.isFinite(s.gap) ? s.gap : null,
    curvature: s.curvature,
    grad_norm: s.gradNorm,
    vector_error: Number.isFinite(s.vectorError) ? s.vectorError : null,
    method:
      'exact third derivative: one second-order jet replay of the loss tape (one rule per primitive, in primitives) and its reverse sweep',
    files: { grad: 'sharpness_grad.npz', vector: 'sharpness_vec.npz', init: 'init.npz', data: 'data.npz' },
  };
}

/** Writes sharpness.json, sharpness_grad.npz (∇S), sharpness_vec.npz (u), and the point and data it was taken at. */
export function writeSharpness(
  dir: string,
  s: Sharpness,
  model: Model,
  params: readonly Tensor[],
  data: Dataset,
  extra: Record<string, unknown>,
): void {
  ensureDir(dir);
  saveParams(path.join(dir, 'sharpness_grad.npz'), model, s.grad);
  saveParams(path.join(dir, 'sharpness_vec.npz'), model, s.vector);
  saveParams(path.join(dir, 'init.npz'), model, params);
  writeNpz(
    path.join(dir, 'data.npz'),
    new Map([
      ['X', data.X],
      ['Y', data.Y],
    ]),
  );
  writeFileAtomic(path.join(dir, 'sharpness.json'), exactJson(sharpnessRecord(s, model, extra)) + '\n');
}
