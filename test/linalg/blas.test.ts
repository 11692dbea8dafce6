// Tests for the level-1/level-2 BLAS kernels against naive loops, with strides, offsets and extreme scales.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ddot, daxpy, dscal, dnrm2, dgemv } from '../../src/linalg/blas';
import { rng, randomArray, storeMatrix, Layout, track, reportWorst } from './helpers';

/** Max relative error allowed against the naive reference (relative to the sum of |terms|). */
const TOL = 1e-14;
const FILE = 'blas';
const next = rng(12345);

/** Stride layouts: [stride, extra leading padding]. Negative strides start at the far end (stdlib convention). */
const STRIDES = [1, 2, -1, 3, -2];
const SIZES = [0, 1, 3, 4, 5, 7, 16, 33, 101];

/** A strided vector of N logical elements: returns the buffer, the offset, and the logical values. */
function strided(N: number, stride: number, pad: number): { buf: Float64Array; off: number; vals: Float64Array } {
  const span = N > 0 ? (N - 1) * Math.abs(stride) + 1 : 0;
  const buf = randomArray(span + 2 * pad, next);
  const off = stride > 0 ? pad : pad + span - 1;
  const vals = new Float64Array(N);
  for (let i = 0; i < N; i++) vals[i] = buf[off + i * stride];
  return { buf, off: N > 0 ? off : pad, vals };
}

test('ddot matches a naive loop for all stride/offset/size combinations', () => {
  for (const N of SIZES)
    for (const sx of STRIDES)
      for (const sy of STRIDES) {
        const x = strided(N, sx, 2);
        const y = strided(N, sy, 3);
        let ref = 0;
        let mag = 0;
        for (let i = 0; i < N; i++) {
          ref += x.vals[i] * y.vals[i];
          mag += Math.abs(x.vals[i] * y.vals[i]);
        }
        const got = ddot(N, x.buf, sx, x.off, y.buf, sy, y.off);
        const err = mag === 0 ? Math.abs(got) : Math.abs(got - ref) / mag;
        track(FILE, 'ddot rel err', err);
        assert.ok(err <= TOL, `ddot N=${N} sx=${sx} sy=${sy}: err ${err}`);
      }
});

test('ddot gives the same bits for unit and non-unit strides', () => {
  const N = 1003;
  const x = strided(N, 3, 1);
  const y = strided(N, -2, 4);
  const a = ddot(N, x.buf, 3, x.off, y.buf, -2, y.off);
  const b = ddot(N, x.vals, 1, 0, y.vals, 1, 0);
  assert.ok(Object.is(a, b), `${a} vs ${b}`);
});

test('daxpy matches y + alpha x and leaves gaps untouched', () => {
  for (const N of SIZES)
    for (const sx of STRIDES)
      for (const sy of STRIDES)
        for (const alpha of [0, 1, -0.7]) {
          const x = strided(N, sx, 1);
          const y = strided(N, sy, 2);
          const before = y.buf.slice();
          daxpy(N, alpha, x.buf, sx, x.off, y.buf, sy, y.off);
          const touched = new Set<number>();
          for (let i = 0; i < N; i++) {
            const idx = y.off + i * sy;
            touched.add(idx);
            const ref = y.vals[i] + alpha * x.vals[i];
            const err = Math.abs(y.buf[idx] - ref) / (Math.abs(y.vals[i]) + Math.abs(alpha * x.vals[i]) || 1);
            track(FILE, 'daxpy rel err', err);
            assert.ok(err <= TOL, `daxpy N=${N} sx=${sx} sy=${sy} alpha=${alpha}`);
          }
          for (let i = 0; i < before.length; i++) if (!touched.has(i)) assert.is(y.buf[i], before[i]);
        }
});

test('dscal matches alpha x on strided vectors', () => {
  for (const N of SIZES)
    for (const s of STRIDES)
      for (const alpha of [0, 1, 2.5, -1e-3]) {
        const x = strided(N, s, 2);
        const before = x.buf.slice();
        dscal(N, alpha, x.buf, s, x.off);
        const touched = new Set<number>();
        for (let i = 0; i < N; i++) {
          const idx = x.off + i * s;
          touched.add(idx);
          assert.is(x.buf[idx], alpha * x.vals[i]);
        }
        for (let i = 0; i < before.length; i++) if (!touched.has(i)) assert.is(x.buf[i], before[i]);
      }
});

test('dnrm2 matches sqrt(sum x²) at ordinary scales', () => {
  for (const N of SIZES)
    for (const s of STRIDES) {
      const x = strided(N, s, 1);
      let ss = 0;
      for (let i = 0; i < N; i++) ss += x.vals[i] * x.vals[i];
      const got = dnrm2(N, x.buf, s, x.off);
      const err = ss === 0 ? got : Math.abs(got - Math.sqrt(ss)) / Math.sqrt(ss);
      track(FILE, 'dnrm2 rel err', err);
      assert.ok(err <= TOL, `dnrm2 N=${N} s=${s}: err ${err}`);
    }
});

test('dnrm2 neither overflows near 1e300 nor underflows near 1e-300', () => {
  assert.ok(Math.abs(dnrm2(2, new Float64Array([3e300, 4e300]), 1, 0) / 5e300 - 1) <= TOL);
  assert.ok(Math.abs(dnrm2(2, new Float64Array([3e-300, 4e-300]), 1, 0) / 5e-300 - 1) <= TOL);
  // 2^-484 … 2^-490 put Σx² on both sides of the fast path's 2^-968 floor; 2^508 and 2^511 overflow it.
  for (const scale of [1e300, 1e-300, 1e-310 /* subnormal */, 1e154, 1e-154, 2 ** -484, 2 ** -488, 2 ** -490, 2 ** 508, 2 ** 511]) {
    const N = 257;
    const v = randomArray(N, next);
    let ss = 0;
    for (let i = 0; i < N; i++) ss += v[i] * v[i];
    const ref = Math.sqrt(ss) * scale;
    const x = v.map((t) => t * scale);
    const got = dnrm2(N, x, 1, 0);
    // Subnormal inputs carry fewer significant bits, so compare against the norm of what was actually stored.
    let ss2 = 0;
    for (let i = 0; i < N; i++) ss2 += (x[i] / scale) * (x[i] / scale);
    const ref2 = Math.sqrt(ss2) * scale;
    const err = Math.abs(got - ref2) / ref2;
    track(FILE, `dnrm2 rel err at scale ${scale}`, err);
    assert.ok(Number.isFinite(got) && got > 0, `dnrm2 at ${scale}: ${got}`);
    assert.ok(err <= (scale < 1e-307 ? 1e-10 : TOL), `dnrm2 at ${scale}: ${got} vs ${ref}`);
  }
  // Mixed: a huge value makes tiny ones irrelevant but must not lose the medium ones.
  const mixed = new Float64Array([1e-300, 3e200, 1, 4e200]);
  assert.ok(Math.abs(dnrm2(4, mixed, 1, 0) / 5e200 - 1) <= TOL);
  assert.ok(Number.isNaN(dnrm2(3, new Float64Array([1, NaN, 2]), 1, 0)));
  assert.is(dnrm2(2, new Float64Array([Infinity, 1]), 1, 0), Infinity);
  assert.is(dnrm2(0, new Float64Array(0), 1, 0), 0);
});

/** Naive y = alpha op(A) x + beta y on logical (unstrided) data; A is M×N row-major. */
function gemvRef(
  trans: boolean,
  M: number,
  N: number,
  alpha: number,
  A: Float64Array,
  x: Float64Array,
  beta: number,
  y: Float64Array,
): { y: Float64Array; mag: Float64Array } {
  const nOut = trans ? N : M;
  const nRed = trans ? M : N;
  const out = new Float64Array(nOut);
  const mag = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = 0;
    let a = 0;
    for (let r = 0; r < nRed; r++) {
      const aij = trans ? A[r * N + o] : A[o * N + r];
      s += aij * x[r];
      a += Math.abs(aij * x[r]);
    }
    out[o] = (beta === 0 ? 0 : beta * y[o]) + alpha * s;
    mag[o] = (beta === 0 ? 0 : Math.abs(beta * y[o])) + Math.abs(alpha) * a;
  }
  return { y: out, mag };
}

/** Maps this file's layout names onto the shared `storeMatrix` layouts. */
function layout(M: number, N: number, A: Float64Array, kind: string): { buf: Float64Array; s1: number; s2: number; off: number } {
  const map: Record<string, Layout> = {
    rowmajor: 'row',
    'rowmajor-lda': 'row-lda',
    colmajor: 'col',
    'colmajor-lda': 'col-lda',
    negative: 'neg',
  };
  return storeMatrix(M, N, A, map[kind]);
}

test('dgemv matches a naive loop for both transposes, layouts, strides, alpha/beta', () => {
  const dims = [
    [0, 3],
    [3, 0],
    [1, 1],
    [3, 5],
    [7, 4],
    [17, 33],
    [64, 9],
  ];
  for (const [M, N] of dims)
    for (const trans of [false, true])
      for (const kind of ['rowmajor', 'rowmajor-lda', 'colmajor', 'colmajor-lda', 'negative'])
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
          [0, 3],
        ])
          for (const sx of [1, -2])
            for (const sy of [1, 3]) {
              const A = randomArray(M * N, next);
              const L = layout(M, N, A, kind);
              const nOut = trans ? N : M;
              const nRed = trans ? M : N;
              const x = strided(nRed, sx, 1);
              const y = strided(nOut, sy, 2);
              if (beta === 0) for (let i = 0; i < nOut; i++) y.buf[y.off + i * sy] = NaN; // beta = 0 must ignore NaN
              const ref = gemvRef(trans, M, N, alpha, A, x.vals, beta, y.vals);
              const before = y.buf.slice();
              dgemv(trans, M, N, alpha, L.buf, L.s1, L.s2, L.off, x.buf, sx, x.off, beta, y.buf, sy, y.off);
              const touched = new Set<number>();
              for (let o = 0; o < nOut; o++) {
                const idx = y.off + o * sy;
                touched.add(idx);
                const err = Math.abs(y.buf[idx] - ref.y[o]) / (ref.mag[o] || 1);
                track(FILE, 'dgemv rel err', err);
                assert.ok(
                  err <= TOL,
                  `dgemv M=${M} N=${N} trans=${trans} ${kind} alpha=${alpha} beta=${beta}: ${y.buf[idx]} vs ${ref.y[o]}`,
                );
              }
              for (let i = 0; i < before.length; i++) if (!touched.has(i)) assert.ok(Object.is(y.buf[i], before[i]));
            }
});

test('dgemv: alpha = 0 does not read A (NaN in A ignored), beta scales y', () => {
  const A = new Float64Array(6).fill(NaN);
  const y = new Float64Array([1, 2]);
  dgemv(false, 2, 3, 0, A, 3, 1, 0, new Float64Array(3), 1, 0, 2, y, 1, 0);
  assert.equal(Array.from(y), [2, 4]);
});

test('dgemv dot form and axpy form give identical bits', () => {
  const M = 37;
  const N = 29;
  const A = randomArray(M * N, next);
  const x = randomArray(Math.max(M, N), next);
  for (const trans of [false, true]) {
    const nOut = trans ? N : M;
    const y1 = randomArray(nOut, next);
    const y2 = y1.slice();
    const R = layout(M, N, A, 'rowmajor');
    const Cm = layout(M, N, A, 'colmajor');
    dgemv(trans, M, N, 0.3, R.buf, R.s1, R.s2, R.off, x, 1, 0, -1.5, y1, 1, 0);
    dgemv(trans, M, N, 0.3, Cm.buf, Cm.s1, Cm.s2, Cm.off, x, 1, 0, -1.5, y2, 1, 0);
    for (let i = 0; i < nOut; i++) assert.ok(Object.is(y1[i], y2[i]), `trans=${trans} i=${i}`);
  }
});

test.after(() => reportWorst(FILE));
test.run();
