// The loss Hessian over all parameters (flattened): matrix-free HVP operator, Gauss–Newton part, dense form, top eigenvalues.
import { freeF64 } from '../linalg/backend';
import { lanczosTop } from '../linalg/lanczos';
import { hvp, jvp, vjp } from './sweeps';
import type { Var } from './tape';

/** Largest parameter count for which the dense Hessian may be formed (it costs one HVP per column). */
export const DENSE_HESSIAN_LIMIT = 4000;

/**
 * Memory for the Lanczos basis in parameter space (one P-vector per iteration, kept for full
 * reorthogonalization): it caps the iterations, so a 4M-parameter net gets 32 and reports whether that converged.
 */
export const HESSIAN_BASIS_BYTES = 2 ** 30;

/** Total parameter count of a tape: the length of the flattened vectors the operators below act on. */
export function parameterCount(v: Var): number {
  return v.tape.params.reduce((s, id) => s + v.tape.values[id].data.length, 0);
}

/**
 * Views of a flat vector, one per parameter of the tape (no copy): an eigenvector of the Hessian as per-parameter arrays.
 *
 * @example
 * const u = splitParameters(loss, hessianTopEigenvalues(loss).vectors[0]); // u[i] has parameter i's length
 */
export function splitParameters(v: Var, flat: Float64Array): Float64Array[] {
  let offset = 0;
  return v.tape.params.map((id) => {
    const n = v.tape.values[id].data.length;
    offset += n;
    return flat.subarray(offset - n, offset);
  });
}

/** Writes per-parameter arrays into a flat vector, scaled, and frees them. */
function gather(parts: readonly Float64Array[], out: Float64Array, alpha = 1): void {
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[offset + i] = alpha * p[i];
    offset += p.length;
  }
  for (const p of new Set(parts)) freeF64(p);
}

/**
 * x ↦ H x for the Hessian H = ∇²L of a scalar loss over the flattened parameters: one forward-over-reverse
 * sweep pair per product.
 *
 * @example
 * const op = hessianMatvec(loss); op(x, y); // y = H x
 */
export function hessianMatvec(loss: Var): (x: Float64Array, y: Float64Array) => void {
  return (x, y) => {
    const { grad, hv } = hvp(loss, splitParameters(loss, x));
    grad.forEach(freeF64);
    gather(hv, y);
  };
}

/**
 * x ↦ G x for the Gauss–Newton part G = JᵀJ/(km) of the MSE loss 1/(2km)‖f − y‖² on the outputs f (m×k):
 * a forward sweep then a reverse sweep, the NTK matvec's two sweeps in the other order. The non-zero
 * spectrum of G is that of the NTK Θ = JJᵀ/(km).
 */
export function gaussNewtonMatvec(f: Var): (x: Float64Array, y: Float64Array) => void {
  const scale = 1 / f.value.data.length;
  return (x, y) => {
    const jx = jvp(f, splitParameters(f, x));
    gather(vjp(f, jx), y, scale);
    freeF64(jx);
  };
}

/** The dense Hessian (row-major P×P), one HVP per column; for checks on small models. */
export function hessianDense(loss: Var): Float64Array {
  const P = parameterCount(loss);
  if (P > DENSE_HESSIAN_LIMIT)
    throw new Error(`dense Hessian with ${P} parameters exceeds the limit ${DENSE_HESSIAN_LIMIT}; use the matrix-free Lanczos path`);
  const H = new Float64Array(P * P),
    e = new Float64Array(P),
    col = new Float64Array(P),
    op = hessianMatvec(loss);
  for (let j = 0; j < P; j++) {
    e[j] = 1;
    op(e, col);
    e[j] = 0;
    for (let i = 0; i < P; i++) H[i * P + j] = col[i];
  }
  return H;
}

export interface HessianSpectrum {
  /** Top (algebraically largest) eigenvalues, descending. */
  values: Float64Array;
  /** ‖Hy − θy‖ of each Ritz pair. */
  residuals: Float64Array;
  vectors: Float64Array[];
  iterations: number;
  converged: boolean;
}

/**
 * The top-k eigenvalues of the loss Hessian by Lanczos on the HVP operator (warm-started from `start`); residuals
 * recomputed by one HVP per pair, or the stopping rule's estimates with `trueResiduals` false.
 *
 * @example
 * const sharpness = hessianTopEigenvalues(loss).values[0];
 */
export function hessianTopEigenvalues(loss: Var, k = 1, tol = 1e-10, start?: Float64Array, trueResiduals = true): HessianSpectrum {
  const P = parameterCount(loss);
  const maxIter = Math.max(k + 1, Math.min(300, Math.floor(HESSIAN_BASIS_BYTES / (8 * P))));
  const r = lanczosTop(hessianMatvec(loss), P, { k, tol, start, maxIter, trueResiduals });
  return { values: r.values, residuals: r.residuals, vectors: r.vectors, iterations: r.iterations, converged: r.converged };
}

/** The top eigenvalue of the loss Hessian (the sharpness). */
export function hessianTopEigenvalue(loss: Var, tol = 1e-10): number {
  return hessianTopEigenvalues(loss, 1, tol).values[0];
}
