// Convolutional composites (conv2d, average pools, batch norm, flatten) built from convolve, im2col, permute and matmul: no rules of their own.
import { shapeString, tensor } from '../linalg/tensor';
import type { Var } from './tape';
import { im2colGeometry } from './gather';
import { Padding, addBias, add, convolve, exp, im2col, log, matmul, mul, permute, reshape, scale, square, sub } from './basicOps';

function shape4(op: string, x: Var): [number, number, number, number] {
  const s = x.value.shape;
  if (s.length !== 4) throw new Error(`${op}: needs an (N, C, H, W) input, got ${shapeString(s)}`);
  return [s[0], s[1], s[2], s[3]];
}

/** A constant rows×cols matrix filled with `value`, on x's tape. */
function filled(x: Var, rows: number, cols: number, value: number): Var {
  return x.tape.constant(tensor([rows, cols], new Float64Array(rows * cols).fill(value)));
}

export interface ConvOptions {
  stride?: number;
  padding?: Padding;
  /** The weights' multiplier (σ_w/√fan_in in the NTK parameterization); default 1. */
  alpha?: number;
  /** The bias's multiplier (σ_b in the NTK parameterization); default 1. */
  beta?: number;
}

/**
 * 2-D cross-correlation as PyTorch's conv2d (no kernel flip): x (N, C, H, W), W (O, C, kh, kw), b (O) or null,
 * out (N, O, oH, oW) = (alpha·W) ⋆ x + beta·b. It is the convolve primitive (each image's patches and one gemm,
 * landing in NCHW) on the scaled weights and bias.
 *
 * @example
 * const h = conv2d(x, W, b, { stride: 2, padding: 'same', alpha: Math.SQRT2 / Math.sqrt(C * 9) });
 */
export function conv2d(x: Var, W: Var, b: Var | null, o: ConvOptions = {}): Var {
  const C = shape4('conv2d', x)[1],
    ws = W.value.shape;
  if (ws.length !== 4 || ws[1] !== C)
    throw new Error(`conv2d: weights ${shapeString(ws)} do not fit (O, ${C}, kh, kw) for input ${shapeString(x.value.shape)}`);
  const alpha = o.alpha ?? 1,
    beta = o.beta ?? 1;
  // alpha scales the O·C·kh·kw weights, not the N·O·oH·oW outputs: the same product, a much smaller pass.
  const bias = b === null || beta === 0 ? null : beta === 1 ? b : scale(b, beta);
  return convolve(x, alpha === 1 ? W : scale(W, alpha), bias, o.stride ?? 1, o.padding ?? 'same');
}

/** Each channel's k×k VALID windows (stride k) as rows of (N·C·oH·oW, k²), with (oH, oW). */
function poolWindows(op: string, x: Var, k: number): { cols: Var; oH: number; oW: number } {
  const [N, C, H, W] = shape4(op, x);
  const cols = im2col(reshape(x, [N * C, 1, H, W]), k, k, k, 'valid');
  const { oH, oW } = im2colGeometry([N * C, 1, H, W], k, k, k, 'valid');
  return { cols, oH, oW };
}

/**
 * k×k average pooling, stride k, VALID.
 *
 * @example
 * const p = avgPool2d(h, 2);
 */
export function avgPool2d(x: Var, k: number): Var {
  const [N, C] = shape4('avgPool2d', x);
  const { cols, oH, oW } = poolWindows('avgPool2d', x, k);
  return reshape(matmul(cols, filled(x, k * k, 1, 1 / (k * k))), [N, C, oH, oW]);
}

/**
 * The mean over H×W of each channel: (N, C, H, W) → (N, C).
 *
 * @example
 * const features = globalAvgPool(h);
 */
export function globalAvgPool(x: Var): Var {
  const [N, C, H, W] = shape4('globalAvgPool', x);
  return reshape(matmul(reshape(x, [N * C, H * W]), filled(x, H * W, 1, 1 / (H * W))), [N, C]);
}

/**
 * (N, C, H, W) → (N, C·H·W) in C order, as torch.flatten(x, 1).
 *
 * @example
 * const z = flatten(h);
 */
export function flatten(x: Var): Var {
  const s = x.value.shape;
  return reshape(x, [s[0], s.slice(1).reduce((a, b) => a * b, 1)]);
}

/**
 * Batch normalization with the batch's statistics per channel (training mode, also at test time as in the
 * paper's JAX code): γ_c (x − μ_c)/√(σ²_c + eps) + β_c, μ and the biased σ² over (N, H, W). Composed: the
 * channels go last by a permute, the statistics are products with constant rows of 1/M, 1/√· is exp(−½ log ·).
 *
 * @example
 * const y = batchNorm(h, gamma, beta); // gamma, beta of shape (C)
 */
export function batchNorm(x: Var, gamma: Var, beta: Var, eps = 1e-5): Var {
  const [N, C, H, W] = shape4('batchNorm', x),
    M = N * H * W;
  if (gamma.value.shape.join() !== String(C) || beta.value.shape.join() !== String(C)) {
    throw new Error(
      `batchNorm: scale and shift must have shape (${C}), got ${shapeString(gamma.value.shape)} and ${shapeString(beta.value.shape)}`,
    );
  }
  const X = reshape(permute(x, [0, 2, 3, 1]), [M, C]);
  const meanRow = filled(x, 1, M, 1 / M),
    onesCol = filled(x, M, 1, 1);
  const centred = sub(X, matmul(onesCol, matmul(meanRow, X)));
  const variance = add(matmul(meanRow, square(centred)), filled(x, 1, C, eps));
  const invStd = exp(scale(log(variance), -0.5));
  const scaled = mul(mul(centred, matmul(onesCol, invStd)), matmul(onesCol, reshape(gamma, [1, C])));
  return permute(reshape(addBias(scaled, beta), [N, H, W, C]), [0, 3, 1, 2]);
}
