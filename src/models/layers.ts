// Convolutional layer lists (the --arch spec of --model cnn, the WRN's blocks): parsing, parameter specs and the forward pass.
import { ops, Var } from '../autodiff';
import type { Padding } from '../autodiff/ops';

/** The parameterization of the weights: NTK or standard (SM A), or μP (mlp only, mup.ts). */
export type Parameterization = 'ntk' | 'standard' | 'mup';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Standard deviation of the N(0, std²) initialization. */
  std: number;
  /** A parameter that starts at this value and draws nothing from the stream (batch norm's scale 1 and shift 0). */
  constant?: number;
}

export type Layer =
  | { kind: 'conv'; channels: number; padding: Padding; k: number; stride: number }
  | { kind: 'relu' | 'tanh' | 'gap' | 'bn' | 'flatten' }
  | { kind: 'maxpool' | 'avgpool'; k: number }
  | { kind: 'dense'; n: number }
  /** Pre-activation residual block: p = pre(x); out = main(p) + (projection ? projection(p) : x). */
  | { kind: 'residual'; pre: Layer[]; main: Layer[]; projection: Layer | null };

/** An activation's shape without the batch axis: (C, H, W) or (n). */
export type FeatureShape = readonly number[];

const TOKENS = 'conv:C[:same|valid][:k<size>][:s<stride>], relu, tanh, maxpool:K, avgpool:K, gap, bn, flatten, dense:N';

function positive(token: string, text: string): number {
  const v = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(v >= 1 && v <= 1e6)) throw new Error(`--arch: '${token}' needs a positive integer, got '${text}'`);
  return v;
}

function parseToken(token: string): Layer {
  const [name, ...args] = token.split(':');
  if (['relu', 'tanh', 'gap', 'bn', 'flatten'].includes(name) && args.length === 0) return { kind: name as 'relu' };
  if ((name === 'maxpool' || name === 'avgpool' || name === 'dense') && args.length === 1) {
    const v = positive(token, args[0]);
    return name === 'dense' ? { kind: 'dense', n: v } : { kind: name, k: v };
  }
  if (name === 'conv' && args.length >= 1) {
    const layer: Layer = { kind: 'conv', channels: positive(token, args[0]), padding: 'same', k: 3, stride: 1 };
    for (const a of args.slice(1)) {
      if (a === 'same' || a === 'valid') layer.padding = a;
      else if (/^k\d+$/.test(a)) layer.k = positive(token, a.slice(1));
      else if (a === 's1' || a === 's2') layer.stride = Number(a.slice(1));
      else throw new Error(`--arch: '${token}': unknown conv option '${a}' (same, valid, k<size>, s1 or s2)`);
    }
    return layer;
  }
  throw new Error(`--arch: unknown layer '${token}' (tokens: ${TOKENS})`);
}

/**
 * The layers of a comma-separated architecture spec.
 *
 * @example
 * parseArch('conv:16,relu,maxpool:2,flatten,dense:10'); // [{ kind: 'conv', channels: 16, … }, …]
 */
export function parseArch(spec: string): Layer[] {
  const tokens = spec.split(',').map((t) => t.trim());
  if (tokens.some((t) => t === '')) throw new Error(`--arch: empty layer in '${spec}' (tokens: ${TOKENS})`);
  return tokens.map(parseToken);
}

/** The output side of a k-window with `stride` (SAME: ⌈n/s⌉, VALID: ⌊(n − k)/s⌋ + 1), as ops.im2col computes it. */
function side(n: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
}

interface SpecWalk {
  specs: ParamSpec[];
  /** Doubles of activation per sample, summed over layers (for the memory estimate). */
  activations: number;
  param: Parameterization;
  sigmaW: number;
  sigmaB: number;
}

function addWeights(w: SpecWalk, shape: number[], fanIn: number): void {
  const l = w.specs.length / 2;
  const std = w.param === 'ntk' ? { w: 1, b: 1 } : { w: w.sigmaW / Math.sqrt(fanIn), b: w.sigmaB };
  w.specs.push({ name: `W${l}`, shape, std: std.w }, { name: `b${l}`, shape: [shape[0]], std: std.b });
}

/** The shape after one layer, pushing its parameters (W_l, b_l) onto the walk; throws where a layer does not fit. */
function walkLayer(w: SpecWalk, layer: Layer, s: FeatureShape, where: string): FeatureShape {
  const image = (what: string) => {
    if (s.length !== 3)
      throw new Error(`${where}: ${what} needs an image (C, H, W) input, got features (${s.join(', ')}); put it before flatten/gap`);
    return s as [number, number, number];
  };
  let out: FeatureShape = s;
  switch (layer.kind) {
    case 'conv': {
      const [C, H, W] = image('conv');
      const [oH, oW] = [side(H, layer.k, layer.stride, layer.padding), side(W, layer.k, layer.stride, layer.padding)];
      if (oH < 1 || oW < 1) throw new Error(`${where}: a ${layer.k}×${layer.k} VALID conv does not fit a ${H}×${W} input`);
      addWeights(w, [layer.channels, C, layer.k, layer.k], C * layer.k * layer.k);
      out = [layer.channels, oH, oW];
      break;
    }
    case 'maxpool':
    case 'avgpool': {
      const [C, H, W] = image(layer.kind);
      if (H < layer.k || W < layer.k) throw new Error(`${where}: ${layer.kind}:${layer.k} does not fit a ${H}×${W} input`);
      out = [C, Math.floor(H / layer.k), Math.floor(W / layer.k)];
      break;
    }
    case 'gap':
      out = [image('gap')[0]];
      break;
    case 'flatten':
      out = [image('flatten').reduce((a, b) => a * b, 1)];
      break;
    case 'bn': {
      const C = image('bn')[0];
      // The batch-norm scale γ (W_l) starts at 1 and the shift β (b_l) at 0, whatever the parameterization.
      const l = w.specs.length / 2;
      w.specs.push({ name: `W${l}`, shape: [C], std: 0, constant: 1 }, { name: `b${l}`, shape: [C], std: 0, constant: 0 });
      break;
    }
    case 'dense':
      if (s.length !== 1) throw new Error(`${where}: dense needs features, got an image (${s.join(', ')}); put flatten or gap before it`);
      addWeights(w, [layer.n, s[0]], s[0]);
      out = [layer.n];
      break;
    case 'relu':
    case 'tanh':
      break;
    case 'residual': {
      const p = walkLayers(w, layer.pre, s, where);
      const main = walkLayers(w, layer.main, p, where);
      const short = layer.projection ? walkLayer(w, layer.projection, p, where) : s;
      if (main.join() !== short.join())
        throw new Error(`${where}: residual branches differ: (${main.join(', ')}) and (${short.join(', ')})`);
      out = main;
      break;
    }
  }
  w.activations += out.reduce((a, b) => a * b, 1);
  return out;
}

function walkLayers(w: SpecWalk, layers: readonly Layer[], s: FeatureShape, where: string): FeatureShape {
  return layers.reduce((shape, layer) => walkLayer(w, layer, shape, where), s);
}

/**
 * The parameters of a layer list on inputs of `inputShape` (C, H, W), named W0, b0, W1, b1, … in layer order
 * (conv and dense weights and biases; a batch norm's scale as W_l and shift as b_l), the output features, and
 * the activations per sample.
 *
 * @example
 * const { specs, output } = layerSpecs(parseArch('conv:8,relu,flatten,dense:10'), [1, 28, 28], 'ntk', Math.SQRT2, 0.05);
 */
export function layerSpecs(
  layers: readonly Layer[],
  inputShape: readonly number[],
  param: Parameterization,
  sigmaW: number,
  sigmaB: number,
  where = '--arch',
): { specs: ParamSpec[]; output: FeatureShape; activations: number } {
  const w: SpecWalk = { specs: [], activations: 0, param, sigmaW, sigmaB };
  const output = walkLayers(w, layers, inputShape, where);
  if (output.length !== 1)
    throw new Error(`${where}: the network must end in features (flatten or gap, then dense), not an image (${output.join(', ')})`);
  return { specs: w.specs, output, activations: w.activations };
}

interface ForwardWalk {
  params: readonly Var[];
  next: number;
  param: Parameterization;
  sigmaW: number;
  sigmaB: number;
}

/** The next (W, b) pair with its NTK multipliers (σ_w/√fan_in, σ_b; fan-in from W's shape), or (1, 1) in standard. */
function takeWeights(f: ForwardWalk): { W: Var; b: Var; alpha: number; beta: number } {
  const W = f.params[f.next],
    b = f.params[f.next + 1];
  f.next += 2;
  const fanIn = W.value.shape.slice(1).reduce((a, c) => a * c, 1);
  return f.param === 'ntk' ? { W, b, alpha: f.sigmaW / Math.sqrt(fanIn), beta: f.sigmaB } : { W, b, alpha: 1, beta: 1 };
}

function forwardLayer(f: ForwardWalk, layer: Layer, x: Var): Var {
  switch (layer.kind) {
    case 'conv': {
      const { W, b, alpha, beta } = takeWeights(f);
      return ops.conv2d(x, W, b, { stride: layer.stride, padding: layer.padding, alpha, beta });
    }
    case 'dense': {
      const { W, b, alpha, beta } = takeWeights(f);
      return ops.dense(x, W, b, alpha, beta);
    }
    case 'bn': {
      const [gamma, shift] = [f.params[f.next], f.params[f.next + 1]];
      f.next += 2;
      return ops.batchNorm(x, gamma, shift);
    }
    case 'relu':
      return ops.relu(x);
    case 'tanh':
      return ops.tanh(x);
    case 'maxpool':
      return ops.maxPool2d(x, layer.k);
    case 'avgpool':
      return ops.avgPool2d(x, layer.k);
    case 'gap':
      return ops.globalAvgPool(x);
    case 'flatten':
      return ops.flatten(x);
    case 'residual': {
      const p = forwardLayers(f, layer.pre, x);
      const main = forwardLayers(f, layer.main, p);
      return ops.add(main, layer.projection ? forwardLayer(f, layer.projection, p) : x);
    }
  }
}

function forwardLayers(f: ForwardWalk, layers: readonly Layer[], x: Var): Var {
  return layers.reduce((h, layer) => forwardLayer(f, layer, h), x);
}

/**
 * The forward pass of a layer list: X (m, C·H·W) is viewed as (m, C, H, W) (C order, as torch's reshape) and
 * the parameters are consumed in `layerSpecs` order.
 *
 * @example
 * const f = layersForward(layers, [1, 28, 28], 'ntk', Math.SQRT2, 0)(params, X); // (m, k)
 */
export function layersForward(
  layers: readonly Layer[],
  inputShape: readonly number[],
  param: Parameterization,
  sigmaW: number,
  sigmaB: number,
) {
  return (params: readonly Var[], X: Var): Var => {
    const f: ForwardWalk = { params, next: 0, param, sigmaW, sigmaB };
    return forwardLayers(f, layers, ops.reshape(X, [X.value.shape[0], ...inputShape]));
  };
}

/**
 * The pre-activation Wide ResNet WRN-D-K (Zagoruyko & Komodakis 2016): a 3×3 conv to 16 channels, three groups of
 * n = (D − 4)/6 blocks with 16K, 32K, 64K channels and strides 1, 2, 2, then bn, relu, global average pool and a
 * dense readout. A block is bn → relu → conv3×3(stride) → bn → relu → conv3×3, plus the input, or a 1×1
 * conv(stride) of the pre-activated input where the channels or the size change.
 *
 * @example
 * wrnLayers(16, 1, 10); // WRN-16-1: n = 2 blocks per group
 */
export function wrnLayers(depth: number, widen: number, outputs: number): Layer[] {
  if (!Number.isInteger(depth) || depth < 10 || (depth - 4) % 6 !== 0)
    throw new Error(`--depth of a WRN must be 6n + 4 with n ≥ 1 (10, 16, 22, 28, …), got ${depth}`);
  if (!Number.isInteger(widen) || widen < 1) throw new Error(`--widen must be a positive integer, got ${widen}`);
  const conv = (channels: number, k: number, stride: number): Layer => ({ kind: 'conv', channels, k, stride, padding: 'same' });
  const layers: Layer[] = [conv(16, 3, 1)];
  let channels = 16;
  [1, 2, 2].forEach((groupStride, g) => {
    const out = 16 * widen * 2 ** g;
    for (let j = 0; j < (depth - 4) / 6; j++) {
      const stride = j === 0 ? groupStride : 1;
      const main = [conv(out, 3, stride), { kind: 'bn' } as const, { kind: 'relu' } as const, conv(out, 3, 1)];
      const projection = channels !== out || stride !== 1 ? conv(out, 1, stride) : null;
      layers.push({ kind: 'residual', pre: [{ kind: 'bn' }, { kind: 'relu' }], main, projection });
      channels = out;
    }
  });
  layers.push({ kind: 'bn' }, { kind: 'relu' }, { kind: 'gap' }, { kind: 'dense', n: outputs });
  return layers;
}
