// The central flow's small semidefinite complementarity problem: Σ ≽ 0 from the edge eigenvalues' third derivatives, solved exactly on its face.
import { symmetricEigen } from '../linalg/eigen';

/** (𝒯*𝒯)_{ij,ab} = ⟨T_ij, T_ab⟩: the Gram of the third-derivative vectors. */
export type EdgeGram = (i: number, j: number, a: number, b: number) => number;

/** Projected-gradient iterations between attempts to finish exactly on the face they have found. */
const POLISH_EVERY = 25;

/**
 * Σ ≽ 0 (k×k) of the central flow's semidefinite complementarity problem, as the convex QP it is the optimality
 * condition of: min over Σ ≽ 0 of ¼⟨Σ, 𝒯*𝒯Σ⟩ + ⟨Σ, C⟩, with (𝒯*𝒯Σ)_ij = Σ_ab ⟨T_ij, T_ab⟩Σ_ab and C_ij = ⟨T_ij, ∇L⟩ + target_ij
 * (KKT: Σ ≽ 0, R = ½𝒯*𝒯Σ + C ≽ 0, ⟨Σ, R⟩ = 0; −R = dA/dτ − target, A = [u_iᵀHu_j] the edge block).
 * Projected gradient from Σ = 0 finds the face (the range of Σ); every POLISH_EVERY iterations the stationarity
 * equations restricted to that face are solved exactly, and the result is kept once it satisfies the KKT conditions.
 * An iterate stopped by a tolerance would carry its stopping error into the flow, and two runs one ulp apart would
 * part by that error; the face solution is a smooth function of T and C, so they do not.
 *
 * @example
 * edgeCovariance(() => 2, [[-1]]); // [[1]]: ½·2·Σ − 1 = 0
 */
export function edgeCovariance(givenGram: EdgeGram, C: number[][], iterations = 20000): number[][] {
  const k = C.length;
  // Each entry is a dot product of parameter-length vectors: taken once here, not on every iteration.
  const table = new Float64Array(k ** 4);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) table[((i * k + j) * k + a) * k + b] = givenGram(i, j, a, b);
  const gram: EdgeGram = (i, j, a, b) => table[((i * k + j) * k + a) * k + b];
  let lipschitz = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) lipschitz += gram(i, j, a, b) ** 2;
  const step = 1 / Math.max(0.5 * Math.sqrt(lipschitz), 1e-300);
  let S = C.map((row) => row.map(() => 0));
  for (let it = 1; it <= iterations; it++) {
    const R = residual(gram, C, S);
    S = psdPart(S.map((row, i) => row.map((v, j) => v - step * R[i][j])));
    if (it % POLISH_EVERY === 0 || it === iterations) {
      const exact = onFace(gram, C, S);
      if (exact) return exact;
    }
  }
  return S;
}

/** R = ½𝒯*𝒯Σ + C. */
function residual(gram: EdgeGram, C: number[][], S: number[][]): number[][] {
  return S.map((row, i) =>
    row.map((_, j) => 0.5 * S.reduce((acc, r, a) => acc + r.reduce((t, v, b) => t + gram(i, j, a, b) * v, 0), 0) + C[i][j]),
  );
}

function eigen(A: number[][]) {
  const k = A.length;
  const { values, vectors } = symmetricEigen(k, Float64Array.from(A.flatMap((r, i) => r.map((v, j) => 0.5 * (v + A[j][i])))));
  const vector = (m: number) => A.map((_, i) => vectors![i * k + m]);
  return { values: Array.from(values), vector };
}

/** The nearest positive semidefinite matrix (Frobenius): negative eigenvalues set to 0. */
function psdPart(A: number[][]): number[][] {
  const { values, vector } = eigen(A);
  const vs = values.map((_, m) => vector(m));
  return A.map((_, i) => A.map((__, j) => values.reduce((acc, lam, m) => acc + Math.max(lam, 0) * vs[m][i] * vs[m][j], 0)));
}

/**
 * The exact minimizer on the face {U M Uᵀ : M ≽ 0} of the iterate's range U, if it solves the whole problem: the
 * r(r+1)/2 equations Uᵀ R(U M Uᵀ) U = 0 solved by Gaussian elimination, then M ≻ 0 and R ≽ 0 checked (to rounding).
 */
function onFace(gram: EdgeGram, C: number[][], S: number[][]): number[][] | null {
  const { values, vector } = eigen(S);
  const top = Math.max(0, ...values);
  const U = values.map((v, m) => (v > 1e-9 * top ? vector(m) : null)).filter((u): u is number[] => u !== null);
  const r = U.length;
  const pairs: [number, number][] = [];
  for (let a = 0; a < r; a++) for (let b = a; b < r; b++) pairs.push([a, b]);
  const sigmaOf = (m: number[]) =>
    C.map((_, i) =>
      C.map((__, j) => pairs.reduce((acc, [a, b], q) => acc + m[q] * (U[a][i] * U[b][j] + (a === b ? 0 : U[b][i] * U[a][j])), 0)),
    );
  const project = (R: number[][]) =>
    pairs.map(([a, b]) => R.reduce((acc, row, i) => acc + row.reduce((t, v, j) => t + U[a][i] * v * U[b][j], 0), 0));
  const zero = C.map((row) => row.map(() => 0));
  // Columns of the (linear) face map M ↦ Uᵀ(½𝒯*𝒯 U M Uᵀ)U, and its right-hand side −UᵀCU.
  const columns = pairs.map((_, q) => project(residual(gram, zero, sigmaOf(pairs.map((__, p) => (p === q ? 1 : 0))))));
  const A = pairs.map((_, row) => pairs.map((__, q) => columns[q][row]));
  const m = solve(
    A,
    project(C).map((v) => -v),
  );
  if (m === null) return null;
  const Sigma = sigmaOf(m);
  const scale = Math.max(1e-300, ...C.flat().map(Math.abs));
  if (r > 0 && Math.min(...eigen(unpack(m, r, pairs)).values) <= 0) return null;
  return Math.min(...eigen(residual(gram, C, Sigma)).values) >= -1e-10 * scale ? Sigma : null;
}

/** M (r×r, symmetric) from its upper-triangle entries in `pairs` order. */
function unpack(m: number[], r: number, pairs: [number, number][]): number[][] {
  const M = Array.from({ length: r }, () => new Array<number>(r).fill(0));
  pairs.forEach(([a, b], q) => {
    M[a][b] = m[q];
    M[b][a] = m[q];
  });
  return M;
}

/** x with A x = y by Gaussian elimination with partial pivoting (n ≤ 10), or null when A is singular. */
function solve(A: number[][], y: number[]): number[] | null {
  const n = y.length,
    M = A.map((row, i) => [...row, y[i]]);
  const scale = Math.max(1e-300, ...A.flat().map(Math.abs));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(M[i][c]) > Math.abs(M[p][c])) p = i;
    if (Math.abs(M[p][c]) <= 1e-14 * scale) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let i = c + 1; i < n; i++) {
      const f = M[i][c] / M[c][c];
      for (let j = c; j <= n; j++) M[i][j] -= f * M[c][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) x[i] = (M[i][n] - M[i].slice(i + 1, n).reduce((acc, v, j) => acc + v * x[i + 1 + j], 0)) / M[i][i];
  return x;
}
