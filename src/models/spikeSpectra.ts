// Where a loss spike happens: the share of the residual's change in the top-k eigenspace of the empirical NTK.
import type { Tensor } from '../linalg/tensor';
import { lanczosTop } from '../linalg/lanczos';
import { ntkMatvec } from '../autodiff';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';

/** The top-k NTK eigenspace at a spike's start and what of the spike lies in it. */
export interface EigenspaceShare {
  /** The eigenpairs found (k, or fewer when the NTK is smaller). */
  k: number;
  /** The top-k eigenvalues of Θ = JJᵀ/(N) at θ_s (N = m·outputs), descending. */
  values: number[];
  /** ‖P_k Δr‖² / ‖Δr‖², Δr = r(θ_p) − r(θ_s) = f(θ_p) − f(θ_s): the share of the residual's change in the top-k span. */
  fraction: number;
  /** ‖P_k r‖²/(2N) at θ_s and at θ_p: the MSE loss's part in the top-k eigenspace of Θ(θ_s). */
  topLoss: [number, number];
  /** ‖(I − P_k) r‖²/(2N) at θ_s and θ_p: the rest of the loss. */
  restLoss: [number, number];
  /** Whether Lanczos met its tolerance (1e-10 relative residual) for all k pairs. */
  converged: boolean;
}

/**
 * Σ_j ⟨u_j, v⟩² / ‖v‖² for orthonormal u_j: the share of ‖v‖² in their span (NaN for v = 0).
 *
 * @example
 * subspaceShare([Float64Array.of(1, 0)], Float64Array.of(3, 4)); // 0.36
 */
export function subspaceShare(U: readonly Float64Array[], v: Float64Array): number {
  const inside = projectedSquare(U, v);
  let all = 0;
  for (let i = 0; i < v.length; i++) all += v[i] * v[i];
  return all === 0 ? NaN : inside / all;
}

/** Σ_j ⟨u_j, v⟩²: ‖P v‖² for orthonormal u_j. */
function projectedSquare(U: readonly Float64Array[], v: Float64Array): number {
  let s = 0;
  for (const u of U) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += u[i] * v[i];
    s += dot * dot;
  }
  return s;
}

/** The residual f(X) − Y at θ, flattened row-major (m × outputs). */
function residualAt(model: Model, params: readonly Tensor[], data: Dataset): Float64Array {
  const { tape, f } = forwardPass(model, params, data);
  try {
    const r = f.value.data.slice();
    for (let i = 0; i < r.length; i++) r[i] -= data.Y.data[i];
    return r;
  } finally {
    tape.dispose();
  }
}

/**
 * The top-k eigenpairs of the empirical NTK Θ = JJᵀ/N at θ on the data (N = m·outputs), by matrix-free Lanczos to a
 * relative residual of 1e-10: orthonormal vectors of length N, values descending.
 *
 * @example
 * const { values, vectors } = ntkTopSpace(model, params, data, 5);
 */
export function ntkTopSpace(model: Model, params: readonly Tensor[], data: Dataset, k: number) {
  const { tape, f } = forwardPass(model, params, data);
  try {
    const r = lanczosTop(ntkMatvec(f), f.value.data.length, { k, tol: 1e-10 });
    return { values: Array.from(r.values), vectors: r.vectors, converged: r.converged };
  } finally {
    tape.dispose();
  }
}

/**
 * The top-k eigenvectors of the empirical NTK at a spike's start θ_s (matrix-free Lanczos, 1e-10) and the share of the
 * residual's change from θ_s to the peak θ_p that lies in their span; also the loss split into that span and the rest
 * at both points (a catapult rises in the first and leaves the second about flat).
 *
 * @example
 * const s = topEigenspaceShare(model, thetaStart, thetaPeak, data, 5); // s.fraction ≈ 1 for a catapult
 */
export function topEigenspaceShare(
  model: Model,
  start: readonly Tensor[],
  peak: readonly Tensor[],
  data: Dataset,
  k: number,
): EigenspaceShare {
  const { vectors: U, values, converged } = ntkTopSpace(model, start, data, k);
  const rs = residualAt(model, start, data),
    rp = residualAt(model, peak, data);
  const delta = rp.map((v, i) => v - rs[i]);
  const N = rs.length;
  const split = (r: Float64Array): [number, number] => {
    const inside = projectedSquare(U, r);
    const all = r.reduce((s, v) => s + v * v, 0);
    return [inside / (2 * N), Math.max(0, all - inside) / (2 * N)];
  };
  const [s, p] = [split(rs), split(rp)];
  return {
    k: U.length,
    values,
    fraction: subspaceShare(U, delta),
    topLoss: [s[0], p[0]],
    restLoss: [s[1], p[1]],
    converged,
  };
}
