// The primitive set and its one rule table: every primitive defines both a vjp and a jvp rule.
import { kernels } from '../linalg/kernels';
import { allocF64, freeF64 } from '../linalg/backend';
import { copyF64, Tensor } from '../linalg/tensor';
import type { Node } from './tape';

/** What each primitive keeps from its forward pass (beyond input and output values). */
export interface SavedByPrim {
  add: null;
  sub: null;
  mul: null;
  neg: null;
  scale: { alpha: number };
  /** out = op(A)·op(B); A is stored [M,K] (or [K,M] when transA), B is [K,N] (or [N,K]). */
  matmul: { transA: boolean; transB: boolean; M: number; N: number; K: number };
  /** out[i,j] = x[i,j] + b[j]. */
  addBias: null;
  sum: null;
  mean: null;
  reshape: null;
  square: null;
  /** 1 where the input was positive: the rule for both sweeps is multiplication by this mask. */
  relu: { mask: Uint8Array };
  tanh: null;
  exp: null;
  log: null;
  softplus: null;
}
export type Prim = keyof SavedByPrim;
export type SavedOf<P extends Prim> = SavedByPrim[P];

/** Reverse-sweep context: add the input cotangents into `acc(i)` (null when input i is inactive). */
export interface VjpCtx<P extends Prim> {
  node: Node<P>;
  g: Float64Array;
  x: readonly Tensor[];
  y: Tensor;
  acc(i: number): Float64Array | null;
}

/** Forward-sweep context: `t[i]` is the tangent of input i (null = zero); return the output tangent. */
export interface JvpCtx<P extends Prim> {
  node: Node<P>;
  t: readonly (Float64Array | null)[];
  x: readonly Tensor[];
  y: Tensor;
}

export interface Rule<P extends Prim> {
  vjp(c: VjpCtx<P>): void;
  jvp(c: JvpCtx<P>): Float64Array | null;
}

/** acc += alpha·g, elementwise. */
function addScaled(acc: Float64Array | null, alpha: number, g: Float64Array): void {
  if (acc === null) return;
  for (let i = 0; i < g.length; i++) acc[i] += alpha * g[i];
}

/** acc += g ⊙ w, elementwise. */
function addProduct(acc: Float64Array | null, g: Float64Array, w: Float64Array): void {
  if (acc === null) return;
  for (let i = 0; i < g.length; i++) acc[i] += g[i] * w[i];
}

/** t ⊙ w, or null when the tangent is zero. */
function product(t: Float64Array | null, w: Float64Array): Float64Array | null {
  if (t === null) return null;
  const out = allocF64(t.length);
  for (let i = 0; i < t.length; i++) out[i] = t[i] * w[i];
  return out;
}

/** alpha·t, or null when the tangent is zero. */
function scaled(t: Float64Array | null, alpha: number): Float64Array | null {
  if (t === null) return null;
  const out = allocF64(t.length);
  for (let i = 0; i < t.length; i++) out[i] = alpha * t[i];
  return out;
}

/** a + beta·b with either side possibly zero (null). */
function combine(a: Float64Array | null, b: Float64Array | null, beta: number): Float64Array | null {
  if (b === null) return a === null ? null : copyF64(a);
  const out = a === null ? allocF64(b.length) : copyF64(a);
  for (let i = 0; i < b.length; i++) out[i] += beta * b[i];
  return out;
}

/** Elementwise derivative dy/dx of a unary primitive, from its saved input x and output y. */
function unaryDerivative(prim: 'square' | 'tanh' | 'exp' | 'log' | 'softplus', x: Float64Array, y: Float64Array): Float64Array {
  const d = allocF64(x.length);
  for (let i = 0; i < x.length; i++) {
    switch (prim) {
      case 'square': d[i] = 2 * x[i]; break;
      case 'tanh': d[i] = 1 - y[i] * y[i]; break;
      case 'exp': d[i] = y[i]; break;
      case 'log': d[i] = 1 / x[i]; break;
      // softplus' = sigmoid, written to never overflow: exp of a non-positive number only.
      case 'softplus': { const e = Math.exp(-Math.abs(x[i])); d[i] = x[i] >= 0 ? 1 / (1 + e) : e / (1 + e); break; }
    }
  }
  return d;
}

/** The rules for an elementwise unary primitive, from its derivative. */
function unaryRule<P extends 'square' | 'tanh' | 'exp' | 'log' | 'softplus'>(prim: P): Rule<P> {
  return {
    vjp: (c) => {
      const d = unaryDerivative(prim, c.x[0].data, c.y.data);
      addProduct(c.acc(0), c.g, d);
      freeF64(d);
    },
    jvp: (c) => {
      if (c.t[0] === null) return null;
      const d = unaryDerivative(prim, c.x[0].data, c.y.data), out = product(c.t[0], d);
      freeF64(d);
      return out;
    },
  };
}

export const rules: { [P in Prim]: Rule<P> } = {
  add: {
    vjp: (c) => { addScaled(c.acc(0), 1, c.g); addScaled(c.acc(1), 1, c.g); },
    jvp: (c) => combine(c.t[0], c.t[1], 1),
  },
  sub: {
    vjp: (c) => { addScaled(c.acc(0), 1, c.g); addScaled(c.acc(1), -1, c.g); },
    jvp: (c) => combine(c.t[0], c.t[1], -1),
  },
  mul: {
    vjp: (c) => { addProduct(c.acc(0), c.g, c.x[1].data); addProduct(c.acc(1), c.g, c.x[0].data); },
    jvp: (c) => combine(product(c.t[0], c.x[1].data), product(c.t[1], c.x[0].data), 1),
  },
  neg: {
    vjp: (c) => addScaled(c.acc(0), -1, c.g),
    jvp: (c) => scaled(c.t[0], -1),
  },
  scale: {
    vjp: (c) => addScaled(c.acc(0), c.node.saved.alpha, c.g),
    jvp: (c) => scaled(c.t[0], c.node.saved.alpha),
  },
  matmul: {
    // Both cotangents are gemms with beta = 1 into the accumulators; transposes are stride swaps.
    vjp: (c) => {
      const { transA, transB, M, N, K } = c.node.saved;
      const A = c.x[0].data, B = c.x[1].data, g = c.g;
      const gA = c.acc(0), gB = c.acc(1);
      const lda = transA ? M : K, ldb = transB ? K : N;
      if (gA !== null) {
        // op(A)ᵀ-shaped result: dA = g·op(B)ᵀ (A stored M×K) or op(B)·gᵀ (A stored K×M).
        if (!transA) kernels.dgemm(false, !transB, M, K, N, 1, g, N, 1, 0, B, ldb, 1, 0, 1, gA, K, 1, 0);
        else kernels.dgemm(transB, true, K, M, N, 1, B, ldb, 1, 0, g, N, 1, 0, 1, gA, M, 1, 0);
      }
      if (gB !== null) {
        // dB = op(A)ᵀ·g (B stored K×N) or gᵀ·op(A) (B stored N×K).
        if (!transB) kernels.dgemm(!transA, false, K, N, M, 1, A, lda, 1, 0, g, N, 1, 0, 1, gB, N, 1, 0);
        else kernels.dgemm(true, transA, N, K, M, 1, g, N, 1, 0, A, lda, 1, 0, 1, gB, K, 1, 0);
      }
    },
    jvp: (c) => {
      const { transA, transB, M, N, K } = c.node.saved;
      const [tA, tB] = c.t;
      if (tA === null && tB === null) return null;
      const lda = transA ? M : K, ldb = transB ? K : N;
      const out = allocF64(M * N);
      if (tA !== null) kernels.dgemm(transA, transB, M, N, K, 1, tA, lda, 1, 0, c.x[1].data, ldb, 1, 0, 0, out, N, 1, 0);
      if (tB !== null) kernels.dgemm(transA, transB, M, N, K, 1, c.x[0].data, lda, 1, 0, tB, ldb, 1, 0, 1, out, N, 1, 0);
      return out;
    },
  },
  addBias: {
    vjp: (c) => {
      addScaled(c.acc(0), 1, c.g);
      const gb = c.acc(1);
      if (gb === null) return;
      const n = gb.length, m = c.g.length / n;
      // Column sums, row by row: a fixed order, so the result is the same whatever the backend.
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) gb[j] += c.g[i * n + j];
    },
    jvp: (c) => {
      const [tx, tb] = c.t;
      if (tb === null) return tx === null ? null : copyF64(tx);
      const n = tb.length, m = c.y.data.length / n;
      const out = tx === null ? allocF64(m * n) : copyF64(tx);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += tb[j];
      return out;
    },
  },
  sum: {
    vjp: (c) => { const a = c.acc(0); if (a !== null) for (let i = 0; i < a.length; i++) a[i] += c.g[0]; },
    jvp: (c) => { const t = c.t[0]; if (t === null) return null; let s = 0; for (let i = 0; i < t.length; i++) s += t[i]; return Float64Array.of(s); },
  },
  mean: {
    vjp: (c) => { const a = c.acc(0); if (a !== null) { const w = c.g[0] / a.length; for (let i = 0; i < a.length; i++) a[i] += w; } },
    jvp: (c) => { const t = c.t[0]; if (t === null) return null; let s = 0; for (let i = 0; i < t.length; i++) s += t[i]; return Float64Array.of(s / t.length); },
  },
  reshape: {
    vjp: (c) => addScaled(c.acc(0), 1, c.g),
    jvp: (c) => c.t[0],
  },
  square: unaryRule('square'),
  relu: {
    vjp: (c) => { const a = c.acc(0), m = c.node.saved.mask; if (a !== null) for (let i = 0; i < a.length; i++) if (m[i]) a[i] += c.g[i]; },
    jvp: (c) => { const t = c.t[0], m = c.node.saved.mask; if (t === null) return null; const o = allocF64(t.length); for (let i = 0; i < t.length; i++) o[i] = m[i] ? t[i] : 0; return o; },
  },
  tanh: unaryRule('tanh'),
  exp: unaryRule('exp'),
  log: unaryRule('log'),
  softplus: unaryRule('softplus'),
};
