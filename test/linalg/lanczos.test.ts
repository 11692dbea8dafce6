// Tests for Lanczos top-k eigenpairs against the dense symmetric eigensolver.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lanczosTop, denseMatvec, lanczosStartVector } from '../../src/linalg/lanczos';
import { symmetricEigen } from '../../src/linalg/eigen';
import { rng, gaussian, randomArray, track, reportWorst } from './helpers';

/** Top-k values must match the dense solver to this relative accuracy (relative to λ_max). */
const VALUE_TOL = 1e-10;
/** Reported true residuals must satisfy ‖Op y − θ y‖ ≤ RES_SLACK·tol·|θ_max| (the stopping test uses the estimate |β s|). */
const RES_SLACK = 1;
const FILE = 'lanczos';
const next = rng(4242);
const normal = gaussian(next);

/** G Gᵀ for a random Gaussian G (n×r): PSD with rank min(n, r). */
function gram(n: number, r: number): Float64Array {
  const G = new Float64Array(n * r);
  for (let i = 0; i < G.length; i++) G[i] = normal();
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < r; p++) s += G[i * r + p] * G[j * r + p];
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  return A;
}

/** Checks lanczosTop(k) on A against symmetricEigen: values, residuals, unit vectors, converged. */
function checkTopK(n: number, A: Float64Array, k: number, tol = 1e-12): void {
  const ref = symmetricEigen(n, A, false).values;
  const lmax = Math.max(Math.abs(ref[0]), Math.abs(ref[n - 1])) || 1;
  const r = lanczosTop(denseMatvec(n, A), n, { k, tol });
  const kk = Math.min(k, n);
  assert.is(r.values.length, kk);
  assert.ok(r.converged, `n=${n} k=${k}: not converged after ${r.iterations}`);
  for (let i = 0; i < kk; i++) {
    const err = Math.abs(r.values[i] - ref[n - 1 - i]) / lmax;
    track(FILE, 'top-k value err / λmax', err);
    assert.ok(err <= VALUE_TOL, `n=${n} k=${k} i=${i}: ${r.values[i]} vs ${ref[n - 1 - i]}`);
    if (i > 0) assert.ok(r.values[i] <= r.values[i - 1], 'values not descending');
    let nrm = 0;
    for (let j = 0; j < n; j++) nrm += r.vectors[i][j] * r.vectors[i][j];
    assert.ok(Math.abs(Math.sqrt(nrm) - 1) <= 1e-14, 'Ritz vector not unit norm');
    track(FILE, 'true residual / λmax', r.residuals[i] / lmax);
    assert.ok(r.residuals[i] <= RES_SLACK * tol * lmax, `n=${n} k=${k} i=${i}: residual ${r.residuals[i]}`);
  }
}

test('random PSD Gram matrices G Gᵀ: top-k matches the dense solver', () => {
  checkTopK(1, gram(1, 3), 1);
  checkTopK(2, gram(2, 2), 1);
  checkTopK(2, gram(2, 2), 2);
  checkTopK(10, gram(10, 10), 3);
  checkTopK(200, gram(200, 200), 1);
  checkTopK(200, gram(200, 50), 5);
});

test('rank-deficient operator (rank 3, k = 5): exhausted Krylov space gives exact values incl. zeros', () => {
  checkTopK(50, gram(50, 3), 5);
  checkTopK(50, gram(50, 3), 3);
});

test('n = 1: one matvec gives the eigenvalue exactly', () => {
  let calls = 0;
  const r = lanczosTop(
    (x, y) => {
      calls++;
      y[0] = 3.5 * x[0];
    },
    1,
    { k: 4 },
  );
  assert.equal(Array.from(r.values), [3.5]);
  assert.is(r.iterations, 1);
  assert.is(calls, 2); // the Lanczos step + the true-residual check
  assert.is(r.residuals[0], 0);
  assert.ok(r.converged);
});

test('n < k returns n values; identity (Krylov dimension 1) restarts to find k copies', () => {
  const A = gram(3, 3);
  checkTopK(3, A, 5);
  const r = lanczosTop((x, y) => y.set(x), 6, { k: 3 });
  assert.equal(Array.from(r.values), [1, 1, 1]);
  assert.ok(r.converged);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < 6; t++) dot += r.vectors[i][t] * r.vectors[j][t];
      assert.ok(Math.abs(dot) <= 1e-14, 'restart vectors must stay orthogonal');
    }
  const z = lanczosTop((x, y) => y.fill(0), 4, { k: 2 });
  assert.equal(Array.from(z.values), [0, 0]);
});

test('tiny spectral gap (1e-9 relative) at the top', () => {
  const n = 300;
  // Q diag(d) Qᵀ with Q = I − 2vvᵀ/vᵀv; the top two eigenvalues differ by 1e-9.
  const d = new Float64Array(n);
  d[0] = 1;
  d[1] = 1 - 1e-9;
  for (let i = 2; i < n; i++) d[i] = 0.9 * next();
  const v = randomArray(n, next);
  let vv = 0;
  for (let i = 0; i < n; i++) vv += v[i] * v[i];
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        const qik = (i === k ? 1 : 0) - (2 * v[i] * v[k]) / vv;
        const qjk = (j === k ? 1 : 0) - (2 * v[j] * v[k]) / vv;
        s += qik * d[k] * qjk;
      }
      A[i * n + j] = s;
    }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
  const r = lanczosTop(denseMatvec(n, A), n, { k: 2 });
  assert.ok(r.converged);
  track(FILE, 'tiny-gap iterations', r.iterations);
  const e0 = Math.abs(r.values[0] - 1);
  const e1 = Math.abs(r.values[1] - (1 - 1e-9));
  track(FILE, 'tiny-gap value err', Math.max(e0, e1));
  assert.ok(e0 <= VALUE_TOL && e1 <= VALUE_TOL, `${r.values[0]} ${r.values[1]}`);
  assert.ok(r.values[0] > r.values[1], 'gap must be resolved');
});

test('deterministic: same inputs give identical bits; default start vector is fixed', () => {
  const n = 120;
  const A = gram(n, 40);
  const a = lanczosTop(denseMatvec(n, A), n, { k: 3 });
  const b = lanczosTop(denseMatvec(n, A), n, { k: 3 });
  assert.is(a.iterations, b.iterations);
  for (let i = 0; i < 3; i++) {
    assert.ok(Object.is(a.values[i], b.values[i]));
    assert.ok(Object.is(a.residuals[i], b.residuals[i]));
    for (let j = 0; j < n; j++) assert.ok(Object.is(a.vectors[i][j], b.vectors[i][j]));
  }
  assert.equal(Array.from(lanczosStartVector(5)), Array.from(lanczosStartVector(5)));
  const c = lanczosTop(denseMatvec(n, A), n, { k: 3, start: lanczosStartVector(n) });
  assert.ok(Object.is(a.values[0], c.values[0]), 'explicit default start must reproduce the default run');
});

test('maxIter cap: returns converged = false with honest residuals', () => {
  const n = 200;
  const A = gram(n, 200);
  const r = lanczosTop(denseMatvec(n, A), n, { k: 4, maxIter: 6, tol: 1e-14 });
  assert.not.ok(r.converged);
  assert.is(r.iterations, 6);
  assert.ok(r.residuals[3] > 0);
  assert.throws(() => lanczosTop(denseMatvec(2, new Float64Array(4)), 2, { start: new Float64Array(2) }), /zero/);
});

test('trueResiduals false: the same pairs, one matvec per step and none more, residuals the estimates', () => {
  const n = 200;
  const A = gram(n, 200);
  let calls = 0;
  const op = denseMatvec(n, A);
  const counted = (x: Float64Array, y: Float64Array) => {
    calls++;
    op(x, y);
  };
  const full = lanczosTop(counted, n, { k: 2 });
  assert.is(calls, full.iterations + 2, 'one residual matvec per pair by default');
  calls = 0;
  const lean = lanczosTop(counted, n, { k: 2, trueResiduals: false });
  assert.is(calls, lean.iterations);
  for (let i = 0; i < 2; i++) {
    assert.ok(Object.is(lean.values[i], full.values[i]), 'the values must not depend on how residuals are reported');
    for (let j = 0; j < n; j++) assert.ok(Object.is(lean.vectors[i][j], full.vectors[i][j]));
    // Both are ≤ tol·|θ|max; with full reorthogonalization the estimate matches the true residual to rounding.
    const lmax = Math.abs(full.values[0]);
    assert.ok(lean.residuals[i] <= 1e-12 * lmax, `estimate ${lean.residuals[i]}`);
    assert.ok(Math.abs(lean.residuals[i] - full.residuals[i]) <= 1e-13 * lmax, `${lean.residuals[i]} vs ${full.residuals[i]}`);
  }
});

test.after(() => reportWorst(FILE));
test.run();
