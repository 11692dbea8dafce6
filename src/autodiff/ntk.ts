// The empirical NTK Θ = J Jᵀ/(k·m) of a recorded output f (m×k): matrix-free matvec, dense form, top eigenvalues.
import { freeF64 } from '../linalg/backend';
import { lanczosTop } from '../linalg/lanczos';
import { symmetricEigen } from '../linalg/eigen';
import { jvp, vjp } from './sweeps';
import { gramNtkProduct } from './ntkGram';
import type { Var } from './tape';

/** Largest m·k for which forming the dense NTK is allowed (it costs m·k reverse sweeps). */
export const DENSE_NTK_LIMIT = 5000;

/**
 * Θw = J(Jᵀw)/(k·m): one reverse sweep and one forward sweep over f's tape; a weight read by one matmul only takes the
 * Gram route (ntkGram.ts), about half the flops of a dense layer whose batch is below its fan-in.
 * The 1/(km) makes lazy GD on the MSE loss 1/(2km)Σ(f−y)² stable iff η < 2/λ_max(Θ).
 */
export function ntkMatvec(f: Var): (w: Float64Array, out: Float64Array) => void {
  const scale = 1 / f.value.data.length;
  const gram = gramNtkProduct(f);
  if (gram !== null)
    return (w, out) => {
      gram(w, out);
      for (let i = 0; i < out.length; i++) out[i] *= scale;
    };
  return (w, out) => {
    const g = vjp(f, w);
    const jv = jvp(f, g);
    for (let i = 0; i < out.length; i++) out[i] = jv[i] * scale;
    // Both are this matvec's own temporaries; Lanczos calls it hundreds of times per λ.
    for (const x of new Set([...g, jv])) freeF64(x);
  };
}

/** The dense NTK (row-major, size m·k), formed from m·k VJPs: Θ_ab = <J_a, J_b>/(km). For checks. */
export function ntkDense(f: Var): Float64Array {
  const N = f.value.data.length;
  if (N > DENSE_NTK_LIMIT) throw new Error(`dense NTK of size ${N} exceeds the limit ${DENSE_NTK_LIMIT}; use the matrix-free Lanczos path`);
  const rows: Float64Array[][] = [];
  const e = new Float64Array(N);
  for (let a = 0; a < N; a++) {
    e[a] = 1;
    rows.push(vjp(f, e));
    e[a] = 0;
  }
  const theta = new Float64Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let p = 0; p < rows[a].length; p++) {
        const ra = rows[a][p],
          rb = rows[b][p];
        for (let i = 0; i < ra.length; i++) s += ra[i] * rb[i];
      }
      theta[a * N + b] = theta[b * N + a] = s / N;
    }
  }
  for (const r of rows) r.forEach(freeF64);
  return theta;
}

export interface NtkSpectrum {
  /** Top eigenvalues, descending. */
  values: Float64Array;
  /** ‖Θy − θy‖ of each Ritz pair. */
  residuals: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * The top-k eigenvalues of the NTK of f by Lanczos on the matrix-free operator.
 *
 * @example
 * const lambda0 = ntkTopEigenvalues(f).values[0];
 */
export function ntkTopEigenvalues(f: Var, k = 1, tol = 1e-12): NtkSpectrum {
  const r = lanczosTop(ntkMatvec(f), f.value.data.length, { k, tol });
  return { values: r.values, residuals: r.residuals, iterations: r.iterations, converged: r.converged };
}

/** The top eigenvalue λ of the NTK of f. */
export function ntkTopEigenvalue(f: Var, tol = 1e-12): number {
  return ntkTopEigenvalues(f, 1, tol).values[0];
}

/** All eigenvalues of the dense NTK, descending (for checks against Lanczos). */
export function ntkDenseEigenvalues(f: Var): Float64Array {
  const N = f.value.data.length;
  return symmetricEigen(N, ntkDense(f), false).values.slice().reverse();
}
