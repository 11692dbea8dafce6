// Forward constructors for the primitives: compute the value, check shapes, record the node.
import { kernels } from '../linalg/kernels';
import { kernelTensor, sameShape, sizeOf, tensor, Tensor, shapeString } from '../linalg/tensor';
import type { Var } from './tape';
import { Padding, im2colForward, im2colGeometry, maxPoolForward, permuteForward, rowMaxForward } from './gather';
import { convolveInto } from './convolve';

export type { Padding } from './gather';

function requireSameShape(op: string, a: Var, b: Var): void {
  if (!sameShape(a.value.shape, b.value.shape)) {
    throw new Error(`${op}: shapes ${shapeString(a.value.shape)} and ${shapeString(b.value.shape)} differ`);
  }
}

function map1(a: Tensor, f: (x: number) => number): Tensor {
  const out = kernelTensor(a.shape, false),
    x = a.data,
    y = out.data;
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return out;
}

function map2(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const out = kernelTensor(a.shape, false),
    x = a.data,
    y = b.data,
    z = out.data;
  for (let i = 0; i < x.length; i++) z[i] = f(x[i], y[i]);
  return out;
}

export function add(a: Var, b: Var): Var {
  requireSameShape('add', a, b);
  return a.tape.record(
    'add',
    [a, b],
    map2(a.value, b.value, (x, y) => x + y),
    null,
  );
}

export function sub(a: Var, b: Var): Var {
  requireSameShape('sub', a, b);
  return a.tape.record(
    'sub',
    [a, b],
    map2(a.value, b.value, (x, y) => x - y),
    null,
  );
}

/** Elementwise product. */
export function mul(a: Var, b: Var): Var {
  requireSameShape('mul', a, b);
  return a.tape.record(
    'mul',
    [a, b],
    map2(a.value, b.value, (x, y) => x * y),
    null,
  );
}

export function neg(a: Var): Var {
  return a.tape.record(
    'neg',
    [a],
    map1(a.value, (x) => -x),
    null,
  );
}

/** alpha·a for a constant alpha. */
export function scale(a: Var, alpha: number): Var {
  return a.tape.record(
    'scale',
    [a],
    map1(a.value, (x) => alpha * x),
    { alpha },
  );
}

/**
 * alpha·op(A)·op(B) for 2-D A and B, where op transposes when the flag is set. No operand is copied:
 * the transpose is a stride swap inside gemm, and alpha is the gemm's (applied inside the product, see gemm.ts).
 *
 * @example
 * const h = matmul(x, W, false, true, Math.SQRT2 / Math.sqrt(784)); // σ_w/√n_in · x Wᵀ
 */
export function matmul(a: Var, b: Var, transA = false, transB = false, alpha = 1): Var {
  const sa = a.value.shape,
    sb = b.value.shape;
  if (sa.length !== 2 || sb.length !== 2) throw new Error(`matmul: needs 2-D operands, got ${shapeString(sa)} and ${shapeString(sb)}`);
  const M = transA ? sa[1] : sa[0],
    K = transA ? sa[0] : sa[1];
  const Kb = transB ? sb[1] : sb[0],
    N = transB ? sb[0] : sb[1];
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: op(A) is ${M}×${K}, op(B) is ${Kb}×${N}`);
  const out = kernelTensor([M, N], false); // gemm with beta = 0 writes every entry
  kernels.dgemm(transA, transB, M, N, K, alpha, a.value.data, sa[1], 1, 0, b.value.data, sb[1], 1, 0, 0, out.data, N, 1, 0);
  return a.tape.record('matmul', [a, b], out, { transA, transB, M, N, K, alpha });
}

/** x[i,j] + b[j]: a bias row broadcast over the rows of x. */
export function addBias(x: Var, b: Var): Var {
  const sx = x.value.shape,
    sb = b.value.shape;
  if (sx.length !== 2 || sb.length !== 1 || sb[0] !== sx[1]) {
    throw new Error(`addBias: needs x of shape (m, n) and b of shape (n,), got ${shapeString(sx)} and ${shapeString(sb)}`);
  }
  const out = kernelTensor(sx, false),
    n = sx[1],
    X = x.value.data,
    B = b.value.data,
    Y = out.data;
  for (let i = 0; i < Y.length; i++) Y[i] = X[i] + B[i % n];
  return x.tape.record('addBias', [x, b], out, null);
}

/** Sum of all elements, in index order; a scalar of shape []. */
export function sum(a: Var): Var {
  let s = 0;
  const x = a.value.data;
  for (let i = 0; i < x.length; i++) s += x[i];
  return a.tape.record('sum', [a], tensor([], Float64Array.of(s)), null);
}

/** Mean of all elements; a scalar of shape []. */
export function mean(a: Var): Var {
  let s = 0;
  const x = a.value.data;
  for (let i = 0; i < x.length; i++) s += x[i];
  return a.tape.record('mean', [a], tensor([], Float64Array.of(s / x.length)), null);
}

/** Same data, new shape (no copy). */
export function reshape(a: Var, shape: readonly number[]): Var {
  if (sizeOf(shape) !== a.value.data.length) throw new Error(`reshape: cannot view ${shapeString(a.value.shape)} as ${shapeString(shape)}`);
  return a.tape.record('reshape', [a], tensor(shape, a.value.data), null);
}

export function square(a: Var): Var {
  return a.tape.record(
    'square',
    [a],
    map1(a.value, (x) => x * x),
    null,
  );
}

/** max(x, 0). Nothing is saved: both sweeps read the output, which is positive exactly where x is. */
export function relu(a: Var): Var {
  const out = kernelTensor(a.value.shape, false); // every entry is written
  kernels.dkeep(out.data.length, a.value.data, 0, a.value.data, 0, out.data, 0);
  return a.tape.record('relu', [a], out, null);
}

export function tanh(a: Var): Var {
  return a.tape.record('tanh', [a], map1(a.value, Math.tanh), null);
}

export function exp(a: Var): Var {
  return a.tape.record('exp', [a], map1(a.value, Math.exp), null);
}

export function log(a: Var): Var {
  return a.tape.record('log', [a], map1(a.value, Math.log), null);
}

/** log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it never overflows. */
export function softplus(a: Var): Var {
  return a.tape.record(
    'softplus',
    [a],
    map1(a.value, (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))),
    null,
  );
}

/**
 * Row-wise log Σ_j exp(x_ij) of a 2-D x (m×k), shape [m]. Each row is shifted by its maximum first, so no
 * exponent is positive: finite for any finite logits (±1e3 included).
 */
export function logSumExp(a: Var): Var {
  const s = a.value.shape;
  if (s.length !== 2) throw new Error(`logSumExp: needs a 2-D (m, k) input, got ${shapeString(s)}`);
  const [m, k] = s,
    x = a.value.data,
    out = kernelTensor([m], false),
    y = out.data;
  let i = 0,
    j = 0,
    max = 0.0,
    acc = 0.0;
  for (i = 0; i < m; i++) {
    max = -Infinity;
    for (j = 0; j < k; j++) if (x[i * k + j] > max) max = x[i * k + j];
    acc = 0;
    for (j = 0; j < k; j++) acc += Math.exp(x[i * k + j] - max);
    y[i] = max + Math.log(acc);
  }
  return a.tape.record('logSumExp', [a], out, { k });
}

/**
 * The kh×kw patches of an (N, C, H, W) input as a matrix: row (n, oh, ow), column (c, i, j), zeros where a
 * window overhangs (SAME is TensorFlow's padding, the odd pixel at the bottom/right).
 *
 * @example
 * const cols = im2col(x, 3, 3, 1, 'same'); // (N·H·W) × (C·9)
 */
export function im2col(x: Var, kh: number, kw: number, stride: number, padding: Padding): Var {
  const s = x.value.shape;
  if (s.length !== 4) throw new Error(`im2col: needs an (N, C, H, W) input, got ${shapeString(s)}`);
  if (![kh, kw, stride].every((v) => Number.isInteger(v) && v >= 1))
    throw new Error(`im2col: kernel ${kh}×${kw} and stride ${stride} must be positive integers`);
  const g = im2colGeometry(s, kh, kw, stride, padding);
  const out = tensor([g.N * g.oH * g.oW, g.C * kh * kw], im2colForward(g, x.value.data));
  return x.tape.record('im2col', [x], out, g);
}

/**
 * The cross-correlation of x (N, C, H, W) with W (O, C, kh, kw) plus b (O) per channel when given, as PyTorch's
 * conv2d: out (N, O, oH, oW), windows as im2col's. The primitive behind the conv2d composite: each image's patches
 * and one gemm, no batch-sized patch matrix.
 *
 * @example
 * const y = convolve(x, W, b, 1, 'same'); // (N, O, H, W)
 */
export function convolve(x: Var, W: Var, b: Var | null, stride: number, padding: Padding): Var {
  const s = x.value.shape,
    ws = W.value.shape;
  if (s.length !== 4) throw new Error(`convolve: needs an (N, C, H, W) input, got ${shapeString(s)}`);
  if (ws.length !== 4 || ws[1] !== s[1])
    throw new Error(`convolve: weights ${shapeString(ws)} do not fit (O, ${s[1]}, kh, kw) for input ${shapeString(s)}`);
  if (b !== null && b.value.shape.join() !== String(ws[0]))
    throw new Error(`convolve: bias ${shapeString(b.value.shape)} does not fit (${ws[0]}) output channels`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`convolve: stride ${stride} must be a positive integer`);
  const g = { ...im2colGeometry(s, ws[2], ws[3], stride, padding), O: ws[0] };
  const out = kernelTensor([g.N, g.O, g.oH, g.oW], false);
  convolveInto(g, x.value.data, W.value.data, out.data, 0, b === null ? null : b.value.data);
  return x.tape.record('convolve', b === null ? [x, W] : [x, W, b], out, g);
}

/**
 * k×k max pooling, stride k, VALID: (N, C, H, W) → (N, C, ⌊H/k⌋, ⌊W/k⌋). Ties go to the first entry of the window
 * in row-major order.
 *
 * @example
 * const p = maxPool2d(h, 2); // (N, C, ⌊H/2⌋, ⌊W/2⌋)
 */
export function maxPool2d(x: Var, k: number): Var {
  const s = x.value.shape;
  if (s.length !== 4) throw new Error(`maxPool2d: needs an (N, C, H, W) input, got ${shapeString(s)}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`maxPool2d: window ${k} must be a positive integer`);
  const [N, C, H, W] = s,
    windows = im2colGeometry([N * C, 1, H, W], k, k, k, 'valid');
  const { y, argmax } = maxPoolForward(x.value.data, windows);
  return x.tape.record('maxPool2d', [x], tensor([N, C, windows.oH, windows.oW], y), { argmax, windows });
}

/**
 * The axes of x reordered, out.shape[d] = x.shape[axes[d]], as numpy.transpose (a copy in C order).
 *
 * @example
 * const nchw = permute(nhwc, [0, 3, 1, 2]);
 */
export function permute(x: Var, axes: readonly number[]): Var {
  const s = x.value.shape;
  if (axes.length !== s.length || [...axes].sort((a, b) => a - b).some((a, i) => a !== i)) {
    throw new Error(`permute: [${axes.join(', ')}] is not a permutation of the axes of ${shapeString(s)}`);
  }
  const out = tensor(
    axes.map((a) => s[a]),
    permuteForward(s, axes, x.value.data),
  );
  return x.tape.record('permute', [x], out, { shape: [...s], axes: [...axes] });
}

/**
 * The maximum of each row of a 2-D x (m×k), shape [m]; on ties the first (lowest-index) entry is the one selected,
 * so the derivative goes to it alone.
 *
 * @example
 * const m = rowMax(scores); // [m]
 */
export function rowMax(x: Var): Var {
  const s = x.value.shape;
  if (s.length !== 2 || s[1] < 1) throw new Error(`rowMax: needs a 2-D (m, k) input with k ≥ 1, got ${shapeString(s)}`);
  const { y, argmax } = rowMaxForward(x.value.data, s[0], s[1]);
  return x.tape.record('rowMax', [x], tensor([s[0]], y), { argmax });
}

// ---- Composites: built from the primitives, never given rules of their own. ----

/** log σ(x) = −softplus(−x). */
export function logSigmoid(a: Var): Var {
  return neg(softplus(neg(a)));
}

/**
 * Dense layer: alpha · x Wᵀ + beta · b, with W stored [n_out, n_in] as in the paper's W_l. alpha goes into the
 * gemm: a separate scale would be one more pass over the layer's output in each sweep.
 */
export function dense(x: Var, W: Var, b: Var | null, alpha = 1, beta = 1): Var {
  const h = matmul(x, W, false, true, alpha);
  if (b === null || beta === 0) return h;
  return addBias(h, beta === 1 ? b : scale(b, beta));
}

/**
 * Per-row normalization without gain or bias (layer norm): (x_i − mean_i)/√(var_i + eps) over the n entries
 * of each row of x (m×n). Composed from primitives: the row mean and variance are products with constant
 * ones, and 1/√· is exp(−½ log ·). With eps = 0 the result is invariant to scaling x, which is what makes a
 * network scale-invariant in the weights before it.
 */
export function layerNorm(x: Var, eps = 0): Var {
  const s = x.value.shape;
  if (s.length !== 2) throw new Error(`layerNorm: needs a 2-D (m, n) input, got ${shapeString(s)}`);
  const [m, n] = s,
    tape = x.tape;
  const ones = (rows: number, cols: number, value: number) =>
    tape.constant(tensor([rows, cols], new Float64Array(rows * cols).fill(value)));
  const meanCol = ones(n, 1, 1 / n),
    row = ones(1, n, 1);
  const centred = sub(x, matmul(matmul(x, meanCol), row));
  let variance = matmul(square(centred), meanCol); // [m, 1]
  if (eps > 0) variance = add(variance, ones(m, 1, eps));
  const invStd = exp(scale(log(variance), -0.5));
  return mul(centred, matmul(invStd, row));
}

/** MSE over all m·k entries: 1/(2km) Σ (f − y)², the paper's normalization (SM A). */
export function mseLoss(f: Var, y: Var): Var {
  return scale(mean(square(sub(f, y))), 0.5);
}

/** Binary logistic loss 1/m Σ log(1 + e^(−y·f)) for f (m×1) and labels y = ±1, through the overflow-free softplus. */
export function logisticLoss(f: Var, y: Var): Var {
  requireSameShape('logisticLoss', f, y);
  return mean(softplus(neg(mul(y, f))));
}

/**
 * Softmax cross-entropy 1/m Σ_i (logΣ_j e^(f_ij) − Σ_j y_ij f_ij) for logits f (m×k) and target rows y that
 * sum to one (one-hot labels), with the stable log-sum-exp.
 */
export function crossEntropyLoss(f: Var, y: Var): Var {
  requireSameShape('crossEntropyLoss', f, y);
  return scale(sub(sum(logSumExp(f)), sum(mul(y, f))), 1 / f.value.shape[0]);
}
