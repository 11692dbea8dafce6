// Tests for the dense symmetric eigensolver (tred2 + tql2) and the tridiagonal variant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { symmetricEigen, tridiagonalEigen, tridiagonalQL } from '../../src/linalg/eigen';
import { rng, randomArray, randomSymmetric, frob, track, reportWorst } from './helpers';

/** ‖AV − VΛ‖_F ≤ TOL·‖A‖_F·max(1, √n) and max|VᵀV − I| ≤ TOL. */
const TOL = 1e-13;
const FILE = 'eigen';
const next = rng(777);

/** Residual ‖AV − VΛ‖_F / ‖A‖_F and orthogonality error max|VᵀV − I|. */
function check(n: number, A: Float64Array, values: Float64Array, V: Float64Array): { res: number; orth: number } {
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * V[k * n + j];
      R[i * n + j] = s - V[i * n + j] * values[j];
    }
  let orth = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[k * n + i] * V[k * n + j];
      orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
    }
  const an = frob(A) || 1;
  return { res: frob(R) / an, orth };
}

function assertAscending(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] <= values[i], `not ascending at ${i}`);
}

/** Householder reflector Q = I − 2vvᵀ/(vᵀv) (orthogonal, symmetric), row-major. */
function householder(n: number, v: Float64Array): Float64Array {
  let vv = 0;
  for (let i = 0; i < n; i++) vv += v[i] * v[i];
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Q[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
  return Q;
}

/** Q diag(d) Qᵀ. */
function withSpectrum(n: number, Q: Float64Array, d: number[]): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k] * d[k] * Q[j * n + k];
      A[i * n + j] = s;
    }
  // Exact symmetry, so only the spectrum's accuracy is under test.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
  return A;
}

test('random symmetric matrices: residual, orthogonality, ascending order', () => {
  for (const n of [1, 2, 5, 30, 100])
    for (let rep = 0; rep < 3; rep++) {
      const A = randomSymmetric(n, next);
      const copy = A.slice();
      const { values, vectors } = symmetricEigen(n, A);
      assert.equal(Array.from(A), Array.from(copy), 'A must not be modified');
      assertAscending(values);
      const { res, orth } = check(n, A, values, vectors as Float64Array);
      track(FILE, 'dense ‖AV−VΛ‖/‖A‖', res);
      track(FILE, 'dense max|VᵀV−I|', orth);
      assert.ok(res <= TOL * Math.max(1, Math.sqrt(n)), `n=${n}: residual ${res}`);
      assert.ok(orth <= TOL, `n=${n}: orthogonality ${orth}`);
      // Values without vectors are the same numbers (the rotations never feed back into d).
      const noVec = symmetricEigen(n, A, false);
      assert.is(noVec.vectors, undefined);
      for (let i = 0; i < n; i++) assert.ok(Object.is(noVec.values[i], values[i]), `n=${n}: values differ without vectors`);
    }
});

test('known spectra: diagonal matrix and Q diag(d) Qᵀ with a Householder Q', () => {
  const d = [3, -1, 7, 0.5, -4, 2];
  const n = d.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) D[i * n + i] = d[i];
  const sorted = d.slice().sort((a, b) => a - b);
  const r1 = symmetricEigen(n, D);
  assert.equal(Array.from(r1.values), sorted);
  const Q = householder(n, randomArray(n, next));
  const A = withSpectrum(n, Q, d);
  const r2 = symmetricEigen(n, A);
  let err = 0;
  for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(r2.values[i] - sorted[i]) / 7);
  track(FILE, 'known-spectrum eigenvalue err / ‖A‖', err);
  assert.ok(err <= TOL, `known spectrum err ${err}`);
  const { res, orth } = check(n, A, r2.values, r2.vectors as Float64Array);
  assert.ok(res <= TOL && orth <= TOL);
});

test('repeated eigenvalues: values exact to tolerance, eigenvectors still orthonormal', () => {
  const d = [1, 1, 1, 2, 2, 5, 0, 0];
  const n = d.length;
  const A = withSpectrum(n, householder(n, randomArray(n, next)), d);
  const { values, vectors } = symmetricEigen(n, A);
  const sorted = d.slice().sort((a, b) => a - b);
  let err = 0;
  for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(values[i] - sorted[i]) / 5);
  track(FILE, 'repeated-spectrum eigenvalue err / ‖A‖', err);
  assert.ok(err <= TOL, `repeated err ${err}`);
  const { res, orth } = check(n, A, values, vectors as Float64Array);
  track(FILE, 'dense max|VᵀV−I|', orth);
  assert.ok(res <= TOL && orth <= TOL, `res ${res} orth ${orth}`);
  // Identity and zero matrices: nothing to reduce.
  const I = new Float64Array(16);
  for (let i = 0; i < 4; i++) I[i * 4 + i] = 1;
  assert.equal(Array.from(symmetricEigen(4, I).values), [1, 1, 1, 1]);
  assert.equal(Array.from(symmetricEigen(3, new Float64Array(9)).values), [0, 0, 0]);
});

test('tridiagonalEigen agrees with the dense solver on the same matrix', () => {
  for (const n of [1, 2, 7, 40]) {
    const diag = randomArray(n, next);
    const off = randomArray(Math.max(n - 1, 0), next);
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) T[i * n + i] = diag[i];
    for (let i = 0; i < n - 1; i++) T[i * n + i + 1] = T[(i + 1) * n + i] = off[i];
    const t = tridiagonalEigen(n, diag, off);
    const dense = symmetricEigen(n, T, false);
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(t.values[i] - dense.values[i]) / (frob(T) || 1));
    track(FILE, 'tridiagonal vs dense eigenvalue err / ‖T‖', err);
    assert.ok(err <= TOL, `n=${n}: ${err}`);
    const { res, orth } = check(n, T, t.values, t.vectors as Float64Array);
    track(FILE, 'tridiagonal ‖TV−VΛ‖/‖T‖', res);
    assert.ok(res <= TOL * Math.max(1, Math.sqrt(n)) && orth <= TOL, `n=${n}: res ${res} orth ${orth}`);
    // The one-row mode returns exactly the last row of the full eigenvector matrix.
    const d = diag.slice();
    const e = new Float64Array(n);
    e.set(off);
    const last = new Float64Array(n);
    last[n - 1] = 1;
    tridiagonalQL(n, d, e, last, 1);
    for (let j = 0; j < n; j++) assert.ok(Object.is(last[j], (t.vectors as Float64Array)[(n - 1) * n + j]));
  }
});

test('invalid input: NaN / Inf rejected with a clear error, n = 0 is empty', () => {
  assert.throws(() => symmetricEigen(2, new Float64Array([1, NaN, NaN, 1])), /non-finite/);
  assert.throws(() => symmetricEigen(2, new Float64Array([1, Infinity, Infinity, 1])), /non-finite/);
  assert.throws(() => tridiagonalEigen(2, new Float64Array([1, 2]), new Float64Array([NaN])), /non-finite/);
  assert.throws(() => symmetricEigen(3, new Float64Array(4)), /needs 9/);
  assert.is(symmetricEigen(0, new Float64Array(0)).values.length, 0);
});

test.after(() => reportWorst(FILE));
test.run();
