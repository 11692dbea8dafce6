// Second-order jets: each primitive's Taylor rule written in primitives, so a tape can be replayed along a direction and differentiated again.
import { kernelTensor, tensor, Tensor } from '../linalg/tensor';
import type { Node, Prim, SavedOf } from './prims';
import { Tape, Var } from './tape';
import * as ops from './basicOps';
import { im2colForward } from './gather';
import { convolveInto } from './convolve';

/**
 * A value with its first two derivatives along a direction u: v = x(θ), t1 = Dx[u], t2 = D²x[u, u] (not halved).
 * Null derivatives are zero. Every part is a Var on the replay tape, so a reverse sweep differentiates through them.
 */
export interface Jet {
  v: Var;
  t1: Var | null;
  t2: Var | null;
}

export interface JetCtx<P extends Prim> {
  node: Node<P>;
  /** The inputs' jets, on the replay tape. */
  x: readonly Jet[];
  /** The replay tape, for constants. */
  tape: Tape;
  /** The node's output on the recorded tape (its shape; relu's and rowMax's selections are re-derived from the replayed values). */
  y: Tensor;
}

/** A primitive's jet rule: the output's value and derivatives from the inputs', built from primitives only. */
export type JetRule<P extends Prim> = (c: JetCtx<P>) => Jet;

type MaybeVar = Var | null;

/** Σ of the non-null terms (null when all are). Order is fixed: left to right. */
function plus(...terms: MaybeVar[]): MaybeVar {
  return terms.reduce<MaybeVar>((acc, t) => (t === null ? acc : acc === null ? t : ops.add(acc, t)), null);
}

/** f applied where the argument is non-null: the linear maps of a tangent, whose zero stays zero. */
const lift =
  <A extends unknown[]>(f: (x: Var, ...a: A) => Var) =>
  (x: MaybeVar, ...a: A): MaybeVar =>
    x === null ? null : f(x, ...a);

const times = lift(ops.mul);
const mulBy = (a: MaybeVar, b: MaybeVar): MaybeVar => (a === null || b === null ? null : ops.mul(a, b));

function full(tape: Tape, shape: readonly number[], value: number): Var {
  return tape.constant(tensor([...shape], new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(value)));
}

/** A linear primitive: the same map on the value and on both derivatives. */
function linearJet<P extends Prim>(apply: (x: Var, c: JetCtx<P>) => Var): JetRule<P> {
  return (c) => {
    const [x] = c.x;
    return { v: apply(x.v, c), t1: x.t1 && apply(x.t1, c), t2: x.t2 && apply(x.t2, c) };
  };
}

/**
 * An elementwise y = f(x) from f' and f'' as Vars of the replayed value: t1 = f'·ẋ, t2 = f'·ẍ + f''·ẋ².
 * f' and f'' are themselves differentiable, which is what carries the third derivative into a reverse sweep.
 */
function elementwiseJet<P extends Prim>(
  f: (x: Var) => Var,
  derivatives: (x: Var, y: Var, tape: Tape) => { d1: Var; d2: Var | null },
): JetRule<P> {
  return (c) => {
    const [x] = c.x;
    const v = f(x.v);
    if (x.t1 === null && x.t2 === null) return { v, t1: null, t2: null };
    const { d1, d2 } = derivatives(x.v, v, c.tape);
    return { v, t1: times(x.t1, d1), t2: plus(times(x.t2, d1), mulBy(d2, x.t1 && ops.square(x.t1))) };
  };
}

/** A bilinear y = B(a, b): t1 = B(ȧ, b) + B(a, ḃ), t2 = B(ä, b) + 2B(ȧ, ḃ) + B(a, b̈). */
function bilinearJet<P extends Prim>(B: (a: Var, b: Var, c: JetCtx<P>) => Var): JetRule<P> {
  return (c) => {
    const [a, b] = c.x;
    const at = (x: MaybeVar, y: MaybeVar) => (x === null || y === null ? null : B(x, y, c));
    const cross = at(a.t1, b.t1);
    return {
      v: B(a.v, b.v, c),
      t1: plus(at(a.t1, b.v), at(a.v, b.t1)),
      t2: plus(at(a.t2, b.v), cross && ops.scale(cross, 2), at(a.v, b.t2)),
    };
  };
}

/** The row sums of an (m, k) Var, shape [m] (a product with ones: the reduction order of the gemm). */
function rowSums(z: Var, tape: Tape): Var {
  const [m, k] = z.value.shape;
  return ops.reshape(ops.matmul(z, full(tape, [k, 1], 1)), [m]);
}

/** A constant 0/1 mask of `shape` that is 1 where `on(i)`. */
function mask(tape: Tape, shape: readonly number[], on: (i: number) => boolean): Var {
  const n = shape.reduce((a, b) => a * b, 1);
  return tape.constant(
    tensor(
      [...shape],
      Float64Array.from({ length: n }, (_, i) => (on(i) ? 1 : 0)),
    ),
  );
}

/** log-sum-exp over rows: p = softmax, t1 = Σ p ẋ, t2 = Σ p ẍ + Σ p ẋ² − (Σ p ẋ)². */
const logSumExpJet: JetRule<'logSumExp'> = (c) => {
  const [x] = c.x;
  const v = ops.logSumExp(x.v);
  if (x.t1 === null && x.t2 === null) return { v, t1: null, t2: null };
  const [m, k] = x.v.value.shape;
  const spread = ops.matmul(ops.reshape(v, [m, 1]), full(c.tape, [1, k], 1));
  const p = ops.exp(ops.sub(x.v, spread));
  const mean1 = x.t1 && rowSums(ops.mul(p, x.t1), c.tape);
  const t2 = plus(
    x.t2 && rowSums(ops.mul(p, x.t2), c.tape),
    x.t1 && rowSums(ops.mul(p, ops.square(x.t1)), c.tape),
    mean1 && ops.neg(ops.square(mean1)),
  );
  return { v, t1: mean1, t2 };
};

/** The row maximum: locally a selection of one entry per row, so linear in the tangents. */
const rowMaxJet: JetRule<'rowMax'> = (c) => {
  const [x] = c.x;
  const v = ops.rowMax(x.v);
  const { argmax } = c.tape.nodes[c.tape.nodes.length - 1].saved as { argmax: Int32Array };
  const k = x.v.value.shape[1];
  // argmax holds flat positions in x.
  const pick = mask(c.tape, x.v.value.shape, (i) => argmax[Math.floor(i / k)] === i);
  const select = (t: MaybeVar) => t && rowSums(ops.mul(pick, t), c.tape);
  return { v, t1: select(x.t1), t2: select(x.t2) };
};

/**
 * max pooling selects one entry per window (fixed near a point without ties): the selection applied to ẋ and ẍ, built
 * from primitives as the windows' im2col times a constant 0/1 mask of the chosen entries, summed over each window.
 */
const maxPool2dJet: JetRule<'maxPool2d'> = (c) => {
  const [x] = c.x;
  const v = ops.maxPool2d(x.v, c.node.saved.windows.kh);
  const { argmax, windows } = c.tape.nodes[c.tape.nodes.length - 1].saved as SavedOf<'maxPool2d'>;
  const { N: planes, H, W, kh: k } = windows,
    taps = k * k;
  // Entry (r, q) of the windows' im2col reads x at the position im2col maps it to: 1 where that is the window's argmax.
  const position = im2colForward(
    windows,
    Float64Array.from({ length: planes * H * W }, (_, i) => i + 1),
  );
  const pick = mask(c.tape, [argmax.length, taps], (i) => position[i] - 1 === argmax[Math.floor(i / taps)]);
  const select = (t: MaybeVar) =>
    t && ops.reshape(rowSums(ops.mul(pick, ops.im2col(ops.reshape(t, [planes, 1, H, W]), k, k, k, 'valid')), c.tape), c.y.shape);
  return { v, t1: select(x.t1), t2: select(x.t2) };
};

/**
 * convolve, bilinear in (x, W) plus a linear bias: t1 = (ẋ ⋆ W) + (x ⋆ Ẇ) + ḃ, t2 = (ẍ ⋆ W) + 2(ẋ ⋆ Ẇ) + (x ⋆ Ẅ) + b̈.
 * A bias derivative rides on the first unscaled product there is (added once), else on a convolution of zeros.
 */
const convolveJet: JetRule<'convolve'> = (c) => {
  const [x, W] = c.x,
    b = c.x.length > 2 ? c.x[2] : null;
  const record = (u: Var, V: Var, bias: MaybeVar) => {
    const out = kernelTensor(c.y.shape, false);
    convolveInto(c.node.saved, u.value.data, V.value.data, out.data, 0, bias === null ? null : bias.value.data);
    return u.tape.record('convolve', bias === null ? [u, V] : [u, V, bias], out, c.node.saved);
  };
  const affine = (terms: [MaybeVar, MaybeVar, number][], bias: MaybeVar): MaybeVar => {
    const parts: MaybeVar[] = [];
    for (const [u, V, k] of terms) {
      if (u === null || V === null) continue;
      const rides = k === 1 ? bias : null;
      if (k === 1) bias = null;
      parts.push(k === 1 ? record(u, V, rides) : ops.scale(record(u, V, null), k));
    }
    if (bias !== null) parts.push(record(full(c.tape, x.v.value.shape, 0), W.v, bias));
    return plus(...parts);
  };
  return {
    v: record(x.v, W.v, b && b.v),
    t1: affine(
      [
        [x.t1, W.v, 1],
        [x.v, W.t1, 1],
      ],
      b && b.t1,
    ),
    t2: affine(
      [
        [x.t2, W.v, 1],
        [x.v, W.t2, 1],
        [x.t1, W.t1, 2],
      ],
      b && b.t2,
    ),
  };
};

/**
 * Every primitive's jet rule: a new primitive without one is a compile error. Only primitives appear on the
 * right-hand sides, so the replay is an ordinary tape and its reverse sweep uses the rules of rules.ts.
 */
export const jetRules: { [P in Prim]: JetRule<P> } = {
  add: (c) => {
    const [a, b] = c.x;
    return { v: ops.add(a.v, b.v), t1: plus(a.t1, b.t1), t2: plus(a.t2, b.t2) };
  },
  sub: (c) => {
    const [a, b] = c.x;
    const minus = lift(ops.neg);
    return { v: ops.sub(a.v, b.v), t1: plus(a.t1, minus(b.t1)), t2: plus(a.t2, minus(b.t2)) };
  },
  mul: bilinearJet((a, b) => ops.mul(a, b)),
  neg: linearJet((x) => ops.neg(x)),
  scale: linearJet((x, c) => ops.scale(x, c.node.saved.alpha)),
  matmul: bilinearJet((a, b, c) => ops.matmul(a, b, c.node.saved.transA, c.node.saved.transB, c.node.saved.alpha)),
  addBias: (c) => {
    const [x, b] = c.x;
    const biasOnly = (t: MaybeVar) => t && ops.addBias(full(c.tape, x.v.value.shape, 0), t);
    const both = (tx: MaybeVar, tb: MaybeVar) => (tx && tb ? ops.addBias(tx, tb) : (tx ?? biasOnly(tb)));
    return { v: ops.addBias(x.v, b.v), t1: both(x.t1, b.t1), t2: both(x.t2, b.t2) };
  },
  sum: linearJet((x) => ops.sum(x)),
  mean: linearJet((x) => ops.mean(x)),
  reshape: linearJet((x, c) => ops.reshape(x, c.y.shape)),
  square: elementwiseJet(ops.square, (x, _y, tape) => ({ d1: ops.scale(x, 2), d2: full(tape, x.value.shape, 2) })),
  // relu'' is zero away from the kink; at it, the recorded forward pass's choice (x > 0) is kept.
  relu: elementwiseJet(ops.relu, (x, _y, tape) => ({ d1: mask(tape, x.value.shape, (i) => x.value.data[i] > 0), d2: null })),
  tanh: elementwiseJet(ops.tanh, (_x, y, tape) => {
    const d1 = ops.sub(full(tape, y.value.shape, 1), ops.square(y));
    return { d1, d2: ops.scale(ops.mul(y, d1), -2) };
  }),
  exp: elementwiseJet(ops.exp, (_x, y) => ({ d1: y, d2: y })),
  // 1/x as exp(−log x): the primitives have no division.
  log: elementwiseJet(ops.log, (_x, y) => {
    const r = ops.exp(ops.neg(y));
    return { d1: r, d2: ops.neg(ops.square(r)) };
  }),
  // softplus' = σ(x) = exp(x − softplus(x)), softplus'' = σ(1 − σ).
  softplus: elementwiseJet(ops.softplus, (x, y) => {
    const s = ops.exp(ops.sub(x, y));
    return { d1: s, d2: ops.sub(s, ops.square(s)) };
  }),
  logSumExp: logSumExpJet,
  // The gathers are linear: the recorded geometry and axes applied to each part.
  im2col: linearJet((x, c) => x.tape.record('im2col', [x], tensor(c.y.shape, im2colForward(c.node.saved, x.value.data)), c.node.saved)),
  convolve: convolveJet,
  permute: linearJet((x, c) => ops.permute(x, c.node.saved.axes)),
  rowMax: rowMaxJet,
  maxPool2d: maxPool2dJet,
};

/**
 * Replays `output`'s tape on `target` as jets: each parameter leaf starts from `seed(i, value)` (i its index among
 * the tape's parameters), constants as themselves, and every node by its jet rule. Nodes that no parameter
 * reaches are copied as constants. Returns the output's jet.
 *
 * @example
 * const t2 = new Tape();
 * const jet = replayJets(loss, t2, (i, p) => ({ v: t2.param(p), t1: t2.constant(u[i]), t2: null }));
 * const gradS = vjp(jet.t2!, Float64Array.of(1)); // ∇_θ D²L[u, u] = D³L[u, u, ·]
 */
export function replayJets(output: Var, target: Tape, seed: (index: number, value: Tensor) => Jet): Jet {
  const tape = output.tape;
  const jets: (Jet | undefined)[] = new Array(output.id + 1);
  tape.params.forEach((id, i) => id <= output.id && (jets[id] = seed(i, tape.values[id])));
  const of = (id: number): Jet => (jets[id] ??= { v: target.constant(tape.values[id]), t1: null, t2: null });
  for (const node of tape.nodes) {
    if (node.out > output.id) break;
    if (!tape.active[node.out]) continue;
    const rule = jetRules[node.prim] as JetRule<Prim>;
    jets[node.out] = rule({ node, x: node.inputs.map(of), tape: target, y: tape.values[node.out] });
  }
  return of(output.id);
}
