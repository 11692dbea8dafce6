// The double-double rule table: for every primitive, its forward value, vjp and jvp in dd over the same recorded node.
import * as D from '../../linalg/dd/arith';
import { DD } from '../../linalg/dd/arith';
import { DdTensor, ddAddAt, ddGemm, ddGet, ddMap, ddMap2, ddSet, ddSum, ddView, ddZeros } from '../../linalg/dd/tensor';
import type { Node, Prim } from '../prims';
import type { DdRule } from './prims';
import { ddConvolve, ddIm2col, ddMaxPool2d, ddPermute, ddRowMax } from './moves';

export type { DdRule, DdVjpCtx, DdJvpCtx } from './prims';

/** acc += alpha·g elementwise (alpha a double: exact constants such as ±1 or a recorded scale). */
function addScaled(acc: DdTensor | null, alpha: number, g: DdTensor): void {
  if (acc === null) return;
  for (let i = 0; i < g.hi.length; i++) ddAddAt(acc, i, D.mulD(ddGet(g, i), alpha));
}

/** acc += g ⊙ w elementwise. */
function addProduct(acc: DdTensor | null, g: DdTensor, w: DdTensor): void {
  if (acc === null) return;
  for (let i = 0; i < g.hi.length; i++) ddAddAt(acc, i, D.mul(ddGet(g, i), ddGet(w, i)));
}

const scaledOrNull = (t: DdTensor | null, alpha: number) => (t === null ? null : ddMap(t, (v) => D.mulD(v, alpha)));
const productOrNull = (t: DdTensor | null, w: DdTensor) => (t === null ? null : ddMap2(t, w, D.mul));

/** a + beta·b with either side possibly zero (null). */
function combine(a: DdTensor | null, b: DdTensor | null, beta: number): DdTensor | null {
  if (b === null) return a;
  if (a === null) return scaledOrNull(b, beta);
  return ddMap2(a, b, (u, v) => D.add(u, D.mulD(v, beta)));
}

/** An elementwise primitive y = f(x) with derivative f'(x, y). */
function unary<P extends Prim>(f: (x: DD) => DD, derivative: (x: DD, y: DD) => DD): DdRule<P> {
  const d = (c: { x: readonly DdTensor[]; y: DdTensor }) => ddMap(c.x[0], (x, i) => derivative(x, ddGet(c.y, i)));
  return {
    forward: (x) => ddMap(x[0], f),
    vjp: (c) => addProduct(c.acc(0), c.g, d(c)),
    jvp: (c) => productOrNull(c.t[0], d(c)),
  };
}

/**
 * alpha·t for the matmul's recorded double alpha, in dd (mulD per entry), as a scale node after the product would
 * compute it: the dd run keeps the product exact to dd and applies alpha once, so it is the unfolded composite's
 * dd value bit for bit. alpha = 1 returns t itself.
 */
function timesAlpha(node: Node<'matmul'>, t: DdTensor): DdTensor {
  const { alpha } = node.saved;
  return alpha === 1 ? t : ddMap(t, (v) => D.mulD(v, alpha));
}

/** alpha·op(A)·op(B) from the node's saved flags and alpha. */
function matmulForward(node: Node<'matmul'>, A: DdTensor, B: DdTensor): DdTensor {
  const { transA, transB, M, N, K } = node.saved;
  const out = ddZeros([M, N]);
  ddGemm(transA, transB, M, N, K, A, B, out);
  return timesAlpha(node, out);
}

/** Column sums of g (m×n) into gb, row by row (the float64 rule's order). */
function addColumnSums(gb: DdTensor, g: DdTensor): void {
  const n = gb.hi.length,
    m = g.hi.length / n;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ddAddAt(gb, j, ddGet(g, i * n + j));
}

/** p_ij = exp(x_ij − y_i), the row-wise softmax from logSumExp's output. */
function softmaxRows(x: DdTensor, y: DdTensor, k: number): DdTensor {
  return ddMap(x, (v, i) => D.exp(D.sub(v, ddGet(y, (i / k) | 0))));
}

const isPositive = (v: DD) => v.hi > 0 || (v.hi === 0 && v.lo > 0);

export const ddRules: { [P in Prim]: DdRule<P> } = {
  im2col: ddIm2col,
  convolve: ddConvolve,
  permute: ddPermute,
  rowMax: ddRowMax,
  maxPool2d: ddMaxPool2d,
  add: {
    forward: (x) => ddMap2(x[0], x[1], D.add),
    vjp: (c) => (addScaled(c.acc(0), 1, c.g), addScaled(c.acc(1), 1, c.g)),
    jvp: (c) => combine(c.t[0], c.t[1], 1),
  },
  sub: {
    forward: (x) => ddMap2(x[0], x[1], D.sub),
    vjp: (c) => (addScaled(c.acc(0), 1, c.g), addScaled(c.acc(1), -1, c.g)),
    jvp: (c) => combine(c.t[0], c.t[1], -1),
  },
  mul: {
    forward: (x) => ddMap2(x[0], x[1], D.mul),
    vjp: (c) => (addProduct(c.acc(0), c.g, c.x[1]), addProduct(c.acc(1), c.g, c.x[0])),
    jvp: (c) => combine(productOrNull(c.t[0], c.x[1]), productOrNull(c.t[1], c.x[0]), 1),
  },
  neg: {
    forward: (x) => ddMap(x[0], D.neg),
    vjp: (c) => addScaled(c.acc(0), -1, c.g),
    jvp: (c) => scaledOrNull(c.t[0], -1),
  },
  // alpha is the recorded double: the dd run evaluates the same model, whose constant is that double.
  scale: {
    forward: (x, node) => ddMap(x[0], (v) => D.mulD(v, node.saved.alpha)),
    vjp: (c) => addScaled(c.acc(0), c.node.saved.alpha, c.g),
    jvp: (c) => scaledOrNull(c.t[0], c.node.saved.alpha),
  },
  matmul: {
    forward: (x, node) => matmulForward(node, x[0], x[1]),
    // With ĝ = alpha·g: dA = ĝ·op(B)ᵀ (A stored M×K) or op(B)·ĝᵀ (K×M); dB = op(A)ᵀ·ĝ (K×N) or ĝᵀ·op(A) (N×K).
    vjp: (c) => {
      const { transA, transB, M, N, K } = c.node.saved;
      const [A, B] = c.x,
        gA = c.acc(0),
        gB = c.acc(1),
        g = timesAlpha(c.node, c.g);
      if (gA !== null) {
        if (!transA) ddGemm(false, !transB, M, K, N, g, B, gA);
        else ddGemm(transB, true, K, M, N, B, g, gA);
      }
      if (gB !== null) {
        if (!transB) ddGemm(!transA, false, K, N, M, A, g, gB);
        else ddGemm(true, transA, N, K, M, g, A, gB);
      }
    },
    jvp: (c) => {
      const [tA, tB] = c.t;
      if (tA === null && tB === null) return null;
      const { transA, transB, M, N, K } = c.node.saved;
      const out = ddZeros([M, N]);
      if (tA !== null) ddGemm(transA, transB, M, N, K, tA, c.x[1], out);
      if (tB !== null) ddGemm(transA, transB, M, N, K, c.x[0], tB, out);
      return timesAlpha(c.node, out);
    },
  },
  addBias: {
    forward: (x) => {
      const n = x[1].hi.length;
      return ddMap(x[0], (v, i) => D.add(v, ddGet(x[1], i % n)));
    },
    vjp: (c) => {
      addScaled(c.acc(0), 1, c.g);
      const gb = c.acc(1);
      if (gb !== null) addColumnSums(gb, c.g);
    },
    jvp: (c) => {
      const [tx, tb] = c.t;
      if (tb === null) return tx;
      const n = tb.hi.length;
      const base = tx ?? ddZeros(c.y.shape);
      return ddMap(base, (v, i) => D.add(v, ddGet(tb, i % n)));
    },
  },
  sum: {
    forward: (x) => scalar(ddSum(x[0])),
    vjp: (c) => {
      const a = c.acc(0);
      if (a !== null) for (let i = 0; i < a.hi.length; i++) ddAddAt(a, i, ddGet(c.g, 0));
    },
    jvp: (c) => (c.t[0] === null ? null : scalar(ddSum(c.t[0]))),
  },
  // The mean is the dd sum divided by n in dd (not multiplied by a rounded 1/n).
  mean: {
    forward: (x) => scalar(D.div(ddSum(x[0]), D.dd(x[0].hi.length))),
    vjp: (c) => {
      const a = c.acc(0);
      if (a === null) return;
      const w = D.div(ddGet(c.g, 0), D.dd(a.hi.length));
      for (let i = 0; i < a.hi.length; i++) ddAddAt(a, i, w);
    },
    jvp: (c) => (c.t[0] === null ? null : scalar(D.div(ddSum(c.t[0]), D.dd(c.t[0].hi.length)))),
  },
  reshape: {
    forward: (x, _node, shape) => ddView(x[0], shape),
    vjp: (c) => addScaled(c.acc(0), 1, c.g),
    jvp: (c) => (c.t[0] === null ? null : ddView(c.t[0], c.y.shape)),
  },
  square: unary(
    (x) => D.mul(x, x),
    (x) => D.mulD(x, 2),
  ),
  relu: {
    forward: (x) => ddMap(x[0], (v) => (isPositive(v) ? v : D.DD_ZERO)),
    vjp: (c) => {
      const a = c.acc(0);
      if (a !== null) for (let i = 0; i < a.hi.length; i++) if (isPositive(ddGet(c.x[0], i))) ddAddAt(a, i, ddGet(c.g, i));
    },
    jvp: (c) => (c.t[0] === null ? null : ddMap(c.t[0], (v, i) => (isPositive(ddGet(c.x[0], i)) ? v : D.DD_ZERO))),
  },
  tanh: unary(D.tanh, (_x, y) => D.sub(D.DD_ONE, D.mul(y, y))),
  exp: unary(D.exp, (_x, y) => y),
  log: unary(D.log, (x) => D.div(D.DD_ONE, x)),
  // softplus' = σ(x) = 1/(1 + e⁻ˣ), written with e = e^−|x| ≤ 1 as in the float64 rule.
  softplus: unary(D.softplus, (x) => {
    const e = D.exp(D.neg(x.hi < 0 ? D.neg(x) : x));
    return x.hi >= 0 ? D.div(D.DD_ONE, D.addD(e, 1)) : D.div(e, D.addD(e, 1));
  }),
  logSumExp: {
    forward: (x, node) => logSumExpRows(x[0], node.saved.k),
    vjp: (c) => {
      const a = c.acc(0),
        k = c.node.saved.k;
      if (a === null) return;
      const p = softmaxRows(c.x[0], c.y, k);
      for (let i = 0; i < a.hi.length; i++) ddAddAt(a, i, D.mul(ddGet(c.g, (i / k) | 0), ddGet(p, i)));
    },
    jvp: (c) => {
      const t = c.t[0],
        k = c.node.saved.k;
      if (t === null) return null;
      const p = softmaxRows(c.x[0], c.y, k),
        out = ddZeros(c.y.shape);
      for (let i = 0; i < t.hi.length; i++) ddAddAt(out, (i / k) | 0, D.mul(ddGet(p, i), ddGet(t, i)));
      return out;
    },
  },
};

function scalar(v: DD): DdTensor {
  const out = ddZeros([]);
  ddSet(out, 0, v);
  return out;
}

/** Row-wise log Σ_j exp(x_ij), each row shifted by its (dd) maximum so no exponent is positive. */
function logSumExpRows(x: DdTensor, k: number): DdTensor {
  const m = x.hi.length / k,
    out = ddZeros([m]);
  for (let i = 0; i < m; i++) {
    let max = ddGet(x, i * k);
    for (let j = 1; j < k; j++) if (D.gt(ddGet(x, i * k + j), max)) max = ddGet(x, i * k + j);
    let s = D.DD_ZERO;
    for (let j = 0; j < k; j++) s = D.add(s, D.exp(D.sub(ddGet(x, i * k + j), max)));
    ddSet(out, i, D.add(max, D.log(s)));
  }
  return out;
}
