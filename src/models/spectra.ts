// Top eigenpairs that training measures: the NTK's (λ) and the loss Hessian's, warm-started from earlier eigenvectors.
import type { Tensor } from '../linalg/tensor';
import { lanczosTop } from '../linalg/lanczos';
import { Var, ntkMatvec, hessianTopEigenvalues } from '../autodiff';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';

/** A top eigenpair and what it cost. */
export interface TopEigen {
  value: number;
  vector: Float64Array;
  iterations: number;
}

/**
 * Top NTK eigenvalue and eigenvector of the recorded f (Lanczos on Θv = J(Jᵀv)/(km)), warm-started from `start`.
 * Its residual is not recomputed (the matvec that would cost is one in twenty of a tracked step's): no caller reads it.
 *
 * @example
 * const { value: lambda0 } = ntkTop(forwardPass(model, init, data).f);
 */
export function ntkTop(f: Var, start?: Float64Array): TopEigen {
  const r = lanczosTop(ntkMatvec(f), f.value.data.length, { k: 1, tol: 1e-12, start, trueResiduals: false });
  return { value: r.values[0], vector: r.vectors[0], iterations: r.iterations };
}

/**
 * Top eigenvalue (algebraically largest) and eigenvector of the loss Hessian, warm-started like λ.
 *
 * @example
 * const { value } = hessianTop(forwardPass(model, init, data).loss);
 */
export function hessianTop(loss: Var, start?: Float64Array): TopEigen {
  const r = hessianTopEigenvalues(loss, 1, 1e-10, start, false);
  return { value: r.values[0], vector: r.vectors[0], iterations: r.iterations };
}

/** The top eigenvalue of the loss Hessian at the given parameters. */
export function hessianAt(model: Model, params: readonly Tensor[], data: Dataset): number {
  const { tape, f, loss } = forwardPass(model, params, data);
  try {
    return finiteEigen("the loss Hessian's top eigenvalue", f, () => hessianTop(loss).value);
  } finally {
    tape.dispose();
  }
}

/** The NTK's top eigenvalue at the given parameters. */
export function lambdaAt(model: Model, params: readonly Tensor[], data: Dataset): number {
  const { tape, f } = forwardPass(model, params, data);
  try {
    return finiteEigen("λ (the NTK's top eigenvalue)", f, () => ntkTop(f).value);
  } finally {
    tape.dispose();
  }
}

/** Where the outputs or their derivatives overflow float64, and what usually makes them (at initialization). */
const OVERFLOW_HINT = 'they overflow float64: at initialization, too large a --sigma-w or --sigma-b, or too large inputs';

/**
 * An eigenvalue of f's derivatives, or one line saying why it has none: outputs, or products of the derivatives,
 * that are not finite (Lanczos would only report "a non-finite value" of an operator the user never named).
 */
function finiteEigen(what: string, f: Var, eigen: () => number): number {
  const bad = f.value.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: the outputs f are not finite (f[${bad}] = ${f.value.data[bad]}); ${OVERFLOW_HINT}`);
  try {
    return eigen();
  } catch (e) {
    if (!/non-finite/.test((e as Error).message)) throw e;
    throw new Error(`${what}: the derivatives of the outputs are not finite; ${OVERFLOW_HINT}`);
  }
}
