// Lanczos with full reorthogonalization for the top-k eigenpairs of a symmetric operator given as a matvec.
import { kernels } from './kernels';
import { mulberry32 } from '../random/mulberry32';
import { allocF64, freeF64 } from './backend';
import { tridiagonalEigen, tridiagonalQL } from './eigen';

/** Options of `lanczosTop`. */
export interface LanczosOptions {
  /** Number of top eigenpairs wanted (default 1); at most n are returned. */
  k?: number;
  /** Relative residual target: stop when |β_j·s_{j,i}| ≤ tol·|θ|_max for every wanted pair (default 1e-12). */
  tol?: number;
  /** Maximum Lanczos steps (default min(n, 300)); raised to min(k, n) if smaller. */
  maxIter?: number;
  /** Start vector (copied, normalized); default: the fixed-seed mulberry32 sequence, see `lanczosStartVector`. */
  start?: Float64Array;
  /**
   * Whether `residuals` are recomputed as ‖Op y − θ y‖, one matvec per pair (default true). With false they are the
   * estimates |β_m·s_{m,i}| the stopping rule used: a tracker that starts each call from the last vector never reads them.
   */
  trueResiduals?: boolean;
}

/** Result of `lanczosTop`: Ritz pairs sorted by descending value, with residuals ‖Op y − θ y‖ (estimates if `trueResiduals` is false). */
export interface LanczosResult {
  values: Float64Array;
  vectors: Float64Array[];
  residuals: Float64Array;
  iterations: number;
  converged: boolean;
}

const EPS = Math.pow(2, -52);
/** Seed of the default start vector (and of restart vectors after an invariant subspace is found). */
const START_SEED = 0x9e3779b9;

/** Fills x[0..n) with u − 0.5, u uniform in [0, 1) from `next`. */
function fillRandom(n: number, x: Float64Array, next: () => number): void {
  for (let i = 0; i < n; i++) x[i] = next() - 0.5;
}

/**
 * The default deterministic start vector: entries u_i − 0.5 with u_i the first n outputs of mulberry32 seeded
 * with 0x9E3779B9 (not normalized).
 *
 * @example
 * const q0 = lanczosStartVector(4); // the same 4 numbers on every run and platform
 */
export function lanczosStartVector(n: number): Float64Array {
  const x = new Float64Array(n);
  fillRandom(n, x, mulberry32(START_SEED));
  return x;
}

/**
 * A matvec closure `y = A x` for a dense row-major n×n matrix (via `kernels.dgemv`).
 *
 * @example
 * const op = denseMatvec(2, new Float64Array([2, 1, 1, 2]));
 * const y = new Float64Array(2);
 * op(new Float64Array([1, 0]), y); // y = [2, 1]
 */
export function denseMatvec(n: number, A: Float64Array): (x: Float64Array, y: Float64Array) => void {
  if (A.length < n * n) throw new Error(`denseMatvec: A has ${A.length} elements, needs ${n * n}`);
  return (x, y) => kernels.dgemv(false, n, n, 1.0, A, n, 1, 0, x, 1, 0, 0.0, y, 1, 0);
}

/**
 * Two passes of classical Gram–Schmidt ("twice is enough") of w against the m rows of Q (row-major m×n);
 * returns the sum of both passes' coefficients on row `track` (the Lanczos α correction), or 0 if track < 0.
 */
function reorthogonalize(n: number, m: number, Q: Float64Array, w: Float64Array, h: Float64Array, track: number): number {
  let coef = 0.0;
  for (let pass = 0; pass < 2; pass++) {
    kernels.dgemv(false, m, n, 1.0, Q, n, 1, 0, w, 1, 0, 0.0, h, 1, 0); // h = Q w
    kernels.dgemv(true, m, n, -1.0, Q, n, 1, 0, h, 1, 0, 1.0, w, 1, 0); // w -= Qᵀ h
    if (track >= 0) coef += h[track];
  }
  return coef;
}

/**
 * Top-k eigenpairs of a symmetric operator by Lanczos with full reorthogonalization (deterministic).
 *
 * Stops when every wanted Ritz pair has |β_j·s_{j,i}| ≤ tol·|θ|_max, when the Krylov space is exhausted
 * (β_j ≤ max(n, 16)·ε·‖T‖: the Ritz values are then exact; if fewer than k values are known yet, the process
 * restarts from a fresh pseudo-random vector orthogonal to the basis), or after maxIter steps.
 * Reported residuals are recomputed as ‖Op y − θ y‖ (one extra matvec per pair), or with `trueResiduals: false` are
 * the stopping rule's estimates (no extra matvec).
 * Like every single-vector Krylov method it finds one copy of an exactly repeated eigenvalue per invariant
 * subspace, so k > 1 with exactly repeated top eigenvalues may return the next distinct ones instead.
 *
 * @example
 * const op = denseMatvec(2, new Float64Array([2, 1, 1, 2]));
 * const { values, vectors } = lanczosTop(op, 2, { k: 1 }); // values = [3], vectors[0] ≈ ±[0.7071, 0.7071]
 */
export function lanczosTop(matvec: (x: Float64Array, y: Float64Array) => void, n: number, opts: LanczosOptions = {}): LanczosResult {
  const k = opts.k ?? 1;
  const tol = opts.tol ?? 1e-12;
  if (!Number.isInteger(n) || n < 1) throw new Error(`lanczosTop: n = ${n} must be a positive integer`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`lanczosTop: k = ${k} must be a positive integer`);
  if (!(tol >= 0)) throw new Error(`lanczosTop: tol = ${tol} must be non-negative`);
  const kk = Math.min(k, n);
  const maxIter = Math.min(n, Math.max(opts.maxIter ?? Math.min(n, 300), kk));
  // The basis and the work vector live in kernel memory when there is room: reorthogonalizing against a
  // basis in JS memory would copy all of it into the wasm heap at every step.
  const Q = allocF64(maxIter * n); // Lanczos basis, one row per vector
  const w = allocF64(n);
  try {
    const r = lanczosIterate(matvec, n, kk, tol, maxIter, Q, w, opts.start);
    return ritzPairs(opts.trueResiduals === false ? null : matvec, n, kk, Q, w, r);
  } finally {
    freeF64(Q);
    freeF64(w);
  }
}

/** The iteration of `lanczosTop` on its allocated basis Q (maxIter × n) and work vector w. */
function lanczosIterate(
  matvec: (x: Float64Array, y: Float64Array) => void,
  n: number,
  kk: number,
  tol: number,
  maxIter: number,
  Q: Float64Array,
  w: Float64Array,
  start: Float64Array | undefined,
): LanczosRun {
  const alpha = new Float64Array(maxIter);
  const beta = new Float64Array(maxIter); // beta[j] couples q_j and q_{j+1}; 0 marks a restart
  const h = new Float64Array(maxIter);
  const dT = new Float64Array(maxIter); // scratch for the per-step tridiagonal solve
  const eT = new Float64Array(maxIter);
  const lastRow = new Float64Array(maxIter);
  const next = mulberry32(START_SEED);
  let m = 0; // basis size
  let bnorm = 0.0;
  let tnorm = 0.0; // running estimate of ‖T‖ ≤ ‖Op‖, the scale for breakdown
  let converged = false;
  let i = 0;

  // q_0 = start / ‖start‖.
  if (start !== undefined) {
    if (start.length !== n) throw new Error(`lanczosTop: start has length ${start.length}, expected ${n}`);
    for (i = 0; i < n; i++) w[i] = start[i];
  } else {
    fillRandom(n, w, next);
  }
  bnorm = kernels.dnrm2(n, w, 1, 0);
  if (!(bnorm > 0) || !Number.isFinite(bnorm)) throw new Error('lanczosTop: start vector is zero or not finite');
  for (i = 0; i < n; i++) Q[i] = w[i] / bnorm;

  for (;;) {
    const j = m;
    const qj = Q.subarray(j * n, (j + 1) * n);
    matvec(qj, w);
    // The three-term recurrence is subsumed by the full projection: α_j is the coefficient on q_j.
    alpha[j] = reorthogonalize(n, j + 1, Q, w, h, j);
    if (!Number.isFinite(alpha[j])) throw new Error(`lanczosTop: operator produced a non-finite value at step ${j}`);
    bnorm = kernels.dnrm2(n, w, 1, 0);
    beta[j] = bnorm;
    m = j + 1;
    tnorm = Math.max(tnorm, Math.abs(alpha[j]) + bnorm + (j > 0 ? beta[j - 1] : 0));
    if (m >= kk && ritzConverged(m, kk, alpha, beta, bnorm, tol, dT, eT, lastRow)) {
      converged = true;
      break;
    }
    if (m === n) {
      converged = true; // the basis spans the whole space: T is Op in that basis
      break;
    }
    if (bnorm <= Math.max(n, 16) * EPS * tnorm) {
      // Invariant subspace: its Ritz values are exact eigenvalues.
      if (m >= kk) {
        converged = true;
        break;
      }
      beta[j] = 0.0;
      // Restart in the orthogonal complement (T becomes block diagonal); a random vector of norm ~√(n/12)
      // keeps a projected norm ≫ 1e-8 unless the generator is pathological, hence the small retry cap.
      for (let tries = 0; ; tries++) {
        if (tries === 8) throw new Error('lanczosTop: could not draw a restart vector outside the Krylov basis');
        fillRandom(n, w, next);
        reorthogonalize(n, m, Q, w, h, -1);
        bnorm = kernels.dnrm2(n, w, 1, 0);
        if (bnorm > 1e-8) break;
      }
    }
    if (m === maxIter) break;
    for (i = 0; i < n; i++) Q[m * n + i] = w[i] / bnorm;
  }
  return { m, alpha, beta, converged };
}

/** What `lanczosIterate` leaves: T_m (alpha, beta; beta[m − 1] is the residual scale of every Ritz pair, 0 after a restart). */
interface LanczosRun {
  m: number;
  alpha: Float64Array;
  beta: Float64Array;
  converged: boolean;
}

/**
 * Residual estimates of the top-kk Ritz pairs of T_m: |β_m·s_{m-1,i}| where s is the eigenvector of T_m,
 * from a QL pass that tracks only the last row of the eigenvector matrix (O(m²)).
 */
function ritzConverged(
  m: number,
  kk: number,
  alpha: Float64Array,
  beta: Float64Array,
  bnorm: number,
  tol: number,
  d: Float64Array,
  e: Float64Array,
  last: Float64Array,
): boolean {
  let i = 0;
  let thetaMax = 0.0;
  for (i = 0; i < m; i++) {
    d[i] = alpha[i];
    e[i] = i < m - 1 ? beta[i] : 0.0;
    last[i] = i === m - 1 ? 1.0 : 0.0;
  }
  tridiagonalQL(m, d, e, last, 1);
  thetaMax = Math.max(Math.abs(d[0]), Math.abs(d[m - 1]));
  for (i = m - kk; i < m; i++) if (Math.abs(bnorm * last[i]) > tol * thetaMax) return false;
  return true;
}

/**
 * Ritz vectors y_i = Qᵀ s_i for the top kk eigenpairs of T_m, normalized, with true residuals (one matvec each) or,
 * without a matvec, the estimates |β_m·s_{m,i}|.
 */
function ritzPairs(
  matvec: ((x: Float64Array, y: Float64Array) => void) | null,
  n: number,
  kk: number,
  Q: Float64Array,
  w: Float64Array,
  run: LanczosRun,
): LanczosResult {
  const { m, alpha, beta, converged } = run;
  const nv = Math.min(kk, m);
  const eig = tridiagonalEigen(m, alpha.subarray(0, m), beta.subarray(0, Math.max(m - 1, 0)), true);
  const S = eig.vectors as Float64Array;
  const values = new Float64Array(nv);
  const residuals = new Float64Array(nv);
  const vectors: Float64Array[] = [];
  const s = new Float64Array(m);
  let i = 0;
  let c = 0;
  let nrm = 0.0;
  for (i = 0; i < nv; i++) {
    c = m - 1 - i; // descending
    values[i] = eig.values[c];
    for (let r = 0; r < m; r++) s[r] = S[r * m + c];
    const y = new Float64Array(n);
    kernels.dgemv(true, m, n, 1.0, Q, n, 1, 0, s, 1, 0, 0.0, y, 1, 0);
    nrm = kernels.dnrm2(n, y, 1, 0);
    kernels.dscal(n, 1.0 / nrm, y, 1, 0);
    if (matvec === null) residuals[i] = Math.abs(beta[m - 1] * s[m - 1]);
    else {
      matvec(y, w);
      kernels.daxpy(n, -values[i], y, 1, 0, w, 1, 0);
      residuals[i] = kernels.dnrm2(n, w, 1, 0);
    }
    vectors.push(y);
  }
  return { values, vectors, residuals, iterations: m, converged };
}
