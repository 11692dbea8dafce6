// Dense symmetric eigensolver for small matrices: Householder tridiagonalization + implicit QL (EISPACK tred2/tql2 via JAMA).

/** Eigen-decomposition result: ascending eigenvalues; `vectors` row-major n×n, column j pairs with `values[j]`. */
export interface EigenResult {
  values: Float64Array;
  vectors?: Float64Array;
}

const EPS = Math.pow(2, -52);
/** QL sweeps allowed per eigenvalue on average; EISPACK uses 30 per eigenvalue, we cap the total at 30·n. */
const MAX_SWEEPS_PER_VALUE = 30;

/**
 * Householder reduction of the symmetric matrix in `V` (row-major n×n, lower triangle read) to tridiagonal
 * form: on return `d` is the diagonal and `e[1..n-1]` the subdiagonal (`e[0] = 0`). With `wantVectors`, `V` is
 * overwritten by the orthogonal transform Q (A = Q T Qᵀ); otherwise `V` is scratch.
 */
function tred2(n: number, V: Float64Array, d: Float64Array, e: Float64Array, wantVectors: boolean): void {
  let i = 0,
    j = 0,
    k = 0;
  let scale = 0.0,
    h = 0.0,
    f = 0.0,
    g = 0.0,
    hh = 0.0;
  for (j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (i = n - 1; i > 0; i--) {
    scale = 0.0;
    h = 0.0;
    for (k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0.0) {
      // Row already reduced: skip the reflector (it would divide by zero).
      e[i] = d[i - 1];
      for (j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0.0;
        V[j * n + i] = 0.0;
      }
    } else {
      // Scaling by the row's 1-norm keeps h = ‖x‖² from over/underflowing.
      for (k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      f = d[i - 1];
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (j = 0; j < i; j++) e[j] = 0.0;
      for (j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0.0;
      for (j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      hh = f / (h + h);
      for (j = 0; j < i; j++) e[j] -= hh * d[j];
      for (j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0.0;
      }
    }
    d[i] = h;
  }
  if (!wantVectors) {
    // The reduction leaves the tridiagonal diagonal on V's diagonal; the accumulation below would only move it.
    for (j = 0; j < n; j++) d[j] = V[j * n + j];
    e[0] = 0.0;
    return;
  }
  for (i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1.0;
    h = d[i + 1];
    if (h !== 0.0) {
      for (k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (j = 0; j <= i; j++) {
        g = 0.0;
        for (k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (k = 0; k <= i; k++) V[k * n + i + 1] = 0.0;
  }
  for (j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0.0;
  }
  V[(n - 1) * n + n - 1] = 1.0;
  e[0] = 0.0;
}

/**
 * Implicit QL with Wilkinson-type shifts on a symmetric tridiagonal matrix, in place: `d` (length n) is the
 * diagonal, `e[i] = T[i, i+1]` for i < n-1 (`e[n-1]` is scratch). On return `d` holds the ascending eigenvalues.
 * The rotations are applied to the first `rows` rows of `V` (row-major rows×n), so `rows = n` with V = Q gives
 * eigenvectors, and `rows = 1` with V = e_{n-1}ᵀ gives just their last components (what Lanczos needs) in O(n²).
 * Throws if the total number of QL sweeps exceeds 30·n.
 *
 * @example
 * const d = new Float64Array([2, 2]);
 * const e = new Float64Array([1, 0]);
 * const V = new Float64Array([1, 0, 0, 1]);
 * tridiagonalQL(2, d, e, V, 2); // d = [1, 3], V columns = eigenvectors
 */
export function tridiagonalQL(n: number, d: Float64Array, e: Float64Array, V: Float64Array, rows: number): void {
  let i = 0,
    j = 0,
    k = 0,
    l = 0,
    m = 0;
  let f = 0.0,
    tst1 = 0.0,
    g = 0.0,
    p = 0.0,
    r = 0.0,
    h = 0.0;
  let dl1 = 0.0,
    c = 0.0,
    c2 = 0.0,
    c3 = 0.0,
    el1 = 0.0,
    s = 0.0,
    s2 = 0.0;
  let sweeps = 0;
  const maxSweeps = MAX_SWEEPS_PER_VALUE * n;
  if (n <= 0) return;
  e[n - 1] = 0.0;
  for (l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    // Find the first negligible off-diagonal at or after l: the block [l, m] is unreduced.
    m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      do {
        if (++sweeps > maxSweeps) throw new Error(`tridiagonalQL: no convergence after ${maxSweeps} QL sweeps (n = ${n})`);
        g = d[l];
        p = (d[l + 1] - g) / (2.0 * e[l]);
        r = Math.hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        dl1 = d[l + 1];
        h = g - d[l];
        for (i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        c = 1.0;
        c2 = c;
        c3 = c;
        el1 = e[l + 1];
        s = 0.0;
        s2 = 0.0;
        for (i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (k = 0; k < rows; k++) {
            h = V[k * n + i + 1];
            V[k * n + i + 1] = s * V[k * n + i] + c * h;
            V[k * n + i] = c * V[k * n + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0.0;
  }
  // Selection sort (stable for ties by first occurrence) keeps vectors paired with values.
  for (i = 0; i < n - 1; i++) {
    k = i;
    p = d[i];
    for (j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (j = 0; j < rows; j++) {
        p = V[j * n + i];
        V[j * n + i] = V[j * n + k];
        V[j * n + k] = p;
      }
    }
  }
}

function assertFinite(x: Float64Array, len: number, what: string): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`${what} contains a non-finite value (${x[i]}) at index ${i}`);
  }
}

/**
 * Eigenvalues (ascending) and optionally eigenvectors of a symmetric n×n row-major matrix (lower triangle read,
 * A not modified). Accuracy ≈ 1e-13·‖A‖. Throws on NaN/Inf input or QL non-convergence.
 *
 * @example
 * const { values, vectors } = symmetricEigen(2, new Float64Array([2, 1, 1, 2]));
 * // values = [1, 3]; vectors column 1 ≈ [0.7071, 0.7071]
 */
export function symmetricEigen(n: number, A: Float64Array, wantVectors = true): EigenResult {
  if (!Number.isInteger(n) || n < 0) throw new Error(`symmetricEigen: n = ${n} is not a non-negative integer`);
  if (A.length < n * n) throw new Error(`symmetricEigen: A has ${A.length} elements, needs ${n * n}`);
  assertFinite(A, n * n, 'symmetricEigen: A');
  const V = A.slice(0, n * n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return wantVectors ? { values: d, vectors: V } : { values: d };
  tred2(n, V, d, e, wantVectors);
  // tred2 stores the subdiagonal as e[1..n-1]; tridiagonalQL wants e[i] = T[i, i+1].
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  tridiagonalQL(n, d, e, V, wantVectors ? n : 0);
  return wantVectors ? { values: d, vectors: V } : { values: d };
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `diag` (length n) and off-diagonal
 * `offdiag` (`offdiag[i] = T[i, i+1]`, length ≥ n-1); same output convention as `symmetricEigen`. Inputs not modified.
 *
 * @example
 * const { values } = tridiagonalEigen(2, new Float64Array([2, 2]), new Float64Array([1]), false); // [1, 3]
 */
export function tridiagonalEigen(n: number, diag: Float64Array, offdiag: Float64Array, wantVectors = true): EigenResult {
  if (!Number.isInteger(n) || n < 0) throw new Error(`tridiagonalEigen: n = ${n} is not a non-negative integer`);
  if (diag.length < n || offdiag.length < n - 1)
    throw new Error(`tridiagonalEigen: need ${n} diagonal and ${Math.max(n - 1, 0)} off-diagonal entries`);
  assertFinite(diag, n, 'tridiagonalEigen: diag');
  assertFinite(offdiag, Math.max(n - 1, 0), 'tridiagonalEigen: offdiag');
  const d = diag.slice(0, n);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = offdiag[i];
  if (!wantVectors) {
    tridiagonalQL(n, d, e, e, 0);
    return { values: d };
  }
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1.0;
  tridiagonalQL(n, d, e, V, n);
  return { values: d, vectors: V };
}
