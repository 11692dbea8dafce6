// The one rule table: every primitive (prims.ts) defines a vjp, a jvp and a forward-over-reverse rule.
import { kernels } from '../linalg/kernels';
import { allocF64, freeF64 } from '../linalg/backend';
import { copyF64 } from '../linalg/tensor';
import type { Prim, Rule, SavedByPrim, Target } from './prims';
import { addConstant, addProduct, addScaled, adding, combine, linear, product, scaled, unaryRule } from './elementwise';
export type { Prim, Rule, SavedByPrim, SavedOf, Target, VjpCtx, JvpCtx, VjpTangentCtx } from './prims';
import { im2colRule, maxPool2dRule, permuteRule, rowMaxRule } from './gather';
import { convolveRule } from './convolve';

/**
 * The cotangents of out = alpha·op(A)·op(B) added into gA and gB (either may be null): each is a gemm with the
 * node's alpha. Forward-over-reverse calls it again with a tangent in place of A or B, since each cotangent is
 * bilinear in (g, other operand).
 */
function matmulVjp(
  s: SavedByPrim['matmul'],
  g: Float64Array,
  A: Float64Array,
  B: Float64Array,
  gA: Target | null,
  gB: Target | null,
): void {
  const { transA, transB, M, N, K, alpha } = s;
  const lda = transA ? M : K,
    ldb = transB ? K : N;
  if (gA !== null) {
    // op(A)ᵀ-shaped result: dA = alpha·g·op(B)ᵀ (A stored M×K) or alpha·op(B)·gᵀ (A stored K×M).
    if (!transA) kernels.dgemm(false, !transB, M, K, N, alpha, g, N, 1, 0, B, ldb, 1, 0, gA.beta, gA.a, K, 1, 0);
    else kernels.dgemm(transB, true, K, M, N, alpha, B, ldb, 1, 0, g, N, 1, 0, gA.beta, gA.a, M, 1, 0);
  }
  if (gB !== null) {
    // dB = alpha·op(A)ᵀ·g (B stored K×N) or alpha·gᵀ·op(A) (B stored N×K).
    if (!transB) kernels.dgemm(!transA, false, K, N, M, alpha, A, lda, 1, 0, g, N, 1, 0, gB.beta, gB.a, N, 1, 0);
    else kernels.dgemm(true, transA, N, K, M, alpha, g, N, 1, 0, A, lda, 1, 0, gB.beta, gB.a, K, 1, 0);
  }
}

/** p_ij = exp(x_ij − y_i): the row-wise softmax of x, from logSumExp's output y (every exponent ≤ 0). */
function softmaxRows(x: Float64Array, y: Float64Array, k: number): Float64Array {
  const p = allocF64(x.length);
  for (let i = 0; i < x.length; i++) p[i] = Math.exp(x[i] - y[(i / k) | 0]);
  return p;
}

export const rules: { [P in Prim]: Rule<P> } = {
  add: {
    vjp: (c) => {
      addScaled(c.target(0), 1, c.g);
      addScaled(c.target(1), 1, c.g);
    },
    jvp: (c) => combine(c.t[0], c.t[1], 1),
    vjpTangent: linear,
  },
  sub: {
    vjp: (c) => {
      addScaled(c.target(0), 1, c.g);
      addScaled(c.target(1), -1, c.g);
    },
    jvp: (c) => combine(c.t[0], c.t[1], -1),
    vjpTangent: linear,
  },
  mul: {
    vjp: (c) => {
      addProduct(c.target(0), c.g, c.x[1].data);
      addProduct(c.target(1), c.g, c.x[0].data);
    },
    jvp: (c) => combine(product(c.t[0], c.x[1].data), product(c.t[1], c.x[0].data), 1),
    // acc0 += g ⊙ x1 moves by g ⊙ t1, and acc1 by g ⊙ t0.
    vjpTangent: (c) => {
      if (c.t[1] !== null) addProduct(adding(c.acc(0)), c.g, c.t[1]);
      if (c.t[0] !== null) addProduct(adding(c.acc(1)), c.g, c.t[0]);
    },
  },
  neg: {
    vjp: (c) => addScaled(c.target(0), -1, c.g),
    jvp: (c) => scaled(c.t[0], -1),
    vjpTangent: linear,
  },
  scale: {
    vjp: (c) => addScaled(c.target(0), c.node.saved.alpha, c.g),
    jvp: (c) => scaled(c.t[0], c.node.saved.alpha),
    vjpTangent: linear,
  },
  matmul: {
    // Both cotangents are gemms into the targets (beta 0 for a first one); transposes are stride swaps.
    vjp: (c) => matmulVjp(c.node.saved, c.g, c.x[0].data, c.x[1].data, c.target(0), c.target(1)),
    // alpha·(Ȧ·B + A·Ḃ): each gemm carries alpha, the second adding into the first.
    jvp: (c) => {
      const { transA, transB, M, N, K, alpha } = c.node.saved;
      const [tA, tB] = c.t;
      if (tA === null && tB === null) return null;
      const lda = transA ? M : K,
        ldb = transB ? K : N;
      const out = allocF64(M * N, tA === null); // unwritten when the first gemm below has beta = 0
      if (tA !== null) kernels.dgemm(transA, transB, M, N, K, alpha, tA, lda, 1, 0, c.x[1].data, ldb, 1, 0, 0, out, N, 1, 0);
      if (tB !== null) kernels.dgemm(transA, transB, M, N, K, alpha, c.x[0].data, lda, 1, 0, tB, ldb, 1, 0, 1, out, N, 1, 0);
      return out;
    },
    // dA = alpha·g·op(B)ᵀ moves by alpha·g·op(Ḃ)ᵀ, and dB = alpha·op(A)ᵀ·g by alpha·op(Ȧ)ᵀ·g.
    vjpTangent: (c) => {
      const [tA, tB] = c.t,
        A = c.x[0].data,
        B = c.x[1].data;
      if (tB !== null) matmulVjp(c.node.saved, c.g, A, tB, adding(c.acc(0)), null);
      if (tA !== null) matmulVjp(c.node.saved, c.g, tA, B, null, adding(c.acc(1)));
    },
  },
  addBias: {
    vjp: (c) => {
      addScaled(c.target(0), 1, c.g);
      const gb = c.target(1);
      if (gb === null) return;
      const b = gb.a,
        n = b.length,
        m = c.g.length / n;
      // Column sums, row by row: a fixed order, so the result is the same whatever the backend.
      if (gb.beta === 0) b.fill(0);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) b[j] += c.g[i * n + j];
    },
    jvp: (c) => {
      const [tx, tb] = c.t;
      if (tb === null) return tx === null ? null : copyF64(tx);
      const n = tb.length,
        m = c.y.data.length / n;
      const out = tx === null ? allocF64(m * n) : copyF64(tx);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += tb[j];
      return out;
    },
    vjpTangent: linear,
  },
  sum: {
    vjp: (c) => {
      addConstant(c.target(0), c.g[0]);
    },
    jvp: (c) => {
      const t = c.t[0];
      if (t === null) return null;
      let s = 0;
      for (let i = 0; i < t.length; i++) s += t[i];
      return Float64Array.of(s);
    },
    vjpTangent: linear,
  },
  mean: {
    vjp: (c) => {
      const t = c.target(0);
      if (t !== null) addConstant(t, c.g[0] / t.a.length);
    },
    jvp: (c) => {
      const t = c.t[0];
      if (t === null) return null;
      let s = 0;
      for (let i = 0; i < t.length; i++) s += t[i];
      return Float64Array.of(s / t.length);
    },
    vjpTangent: linear,
  },
  reshape: {
    vjp: (c) => c.pass(0),
    jvp: (c) => c.t[0],
    vjpTangent: linear,
  },
  square: unaryRule('square'),
  relu: {
    // g where y > 0 (y > 0 exactly where x > 0); a sum in progress takes only those entries.
    vjp: (c) => {
      const t = c.target(0),
        y = c.y.data;
      if (t === null) return;
      const a = t.a;
      if (t.beta === 0) kernels.dkeep(a.length, y, 0, c.g, 0, a, 0);
      else for (let i = 0; i < a.length; i++) if (y[i] > 0) a[i] += c.g[i];
    },
    jvp: (c) => {
      const t = c.t[0];
      if (t === null) return null;
      const o = allocF64(t.length, false);
      kernels.dkeep(t.length, c.y.data, 0, t, 0, o, 0);
      return o;
    },
    // The mask is locally constant (ReLU'' = 0 away from the kink, which has measure zero).
    vjpTangent: linear,
  },
  tanh: unaryRule('tanh'),
  exp: unaryRule('exp'),
  log: unaryRule('log'),
  softplus: unaryRule('softplus'),
  logSumExp: {
    // ∂/∂x_ij = p_ij, the row's softmax.
    vjp: (c) => {
      const t = c.target(0),
        k = c.node.saved.k;
      if (t === null) return;
      const p = softmaxRows(c.x[0].data, c.y.data, k),
        a = t.a;
      if (t.beta === 0) for (let i = 0; i < a.length; i++) a[i] = c.g[(i / k) | 0] * p[i];
      else for (let i = 0; i < a.length; i++) a[i] += c.g[(i / k) | 0] * p[i];
      freeF64(p);
    },
    jvp: (c) => {
      const t = c.t[0],
        k = c.node.saved.k;
      if (t === null) return null;
      const p = softmaxRows(c.x[0].data, c.y.data, k),
        out = allocF64(c.y.data.length);
      for (let i = 0; i < t.length; i++) out[(i / k) | 0] += p[i] * t[i];
      freeF64(p);
      return out;
    },
    // g_i p_ij moves by g_i p_ij (t_ij − Σ_l p_il t_il): the softmax Jacobian diag(p) − p pᵀ.
    vjpTangent: (c) => {
      const a = c.acc(0),
        t = c.t[0],
        k = c.node.saved.k;
      if (a === null || t === null) return;
      const p = softmaxRows(c.x[0].data, c.y.data, k);
      let i = 0,
        j = 0,
        pt = 0.0;
      for (i = 0; i < c.y.data.length; i++) {
        pt = 0;
        for (j = 0; j < k; j++) pt += p[i * k + j] * t[i * k + j];
        for (j = 0; j < k; j++) a[i * k + j] += c.g[i] * p[i * k + j] * (t[i * k + j] - pt);
      }
      freeF64(p);
    },
  },
  im2col: im2colRule,
  convolve: convolveRule,
  permute: permuteRule,
  rowMax: rowMaxRule,
  maxPool2d: maxPool2dRule,
};
