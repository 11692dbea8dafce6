// The models of the paper's SM A (warmup, linear, mlp, cnn, wrn), defined by their parameters and a forward pass on the tape.
import { Tensor, tensor } from '../linalg/tensor';
import { RandomState } from '../random/randomState';
import { ops, Var } from '../autodiff';
import type { LossKind } from './loss';
import { layerSpecs, layersForward, parseArch, wrnLayers, Layer, ParamSpec, Parameterization } from './layers';
import { MUP_RULES, mupRole } from './mup';
import { Activation, BaseKind, MODEL_KINDS, MODEL_OPTIONS, ModelKind } from './modelOptions';
import { CatapultInputError, Values, checkValues, describeValue, refuseUnknownKeys } from '../options';
import { checkFits } from '../io/files';

export type { ParamSpec, Parameterization } from './layers';

/** Everything that fixes a model's architecture. `inputDim` comes from the data. */
export interface ModelConfig {
  kind: ModelKind;
  width: number;
  /** Hidden layers (mlp), or the WRN's depth D = 6n + 4 (wrn). */
  depth: number;
  act: Activation;
  param: Parameterization;
  sigmaW: number;
  sigmaB: number;
  /** Outputs k (mlp only; warmup and linear have one). */
  outputs: number;
  inputDim: number;
  /** The training loss (default MSE, the paper's). */
  loss?: LossKind;
  /** mlp only: σ_w of the readout layer (default sigmaW), e.g. 1 for a LeCun readout under He-initialized hidden layers. */
  readoutSigmaW?: number;
  /** mlp only: false drops every bias (deep linear nets); default true. */
  bias?: boolean;
  /** mlp only: 'layer' normalizes each hidden pre-activation row (ops.layerNorm, no gain or bias) before the activation. */
  norm?: 'none' | 'layer';
  /** cnn only: the layer spec, e.g. `conv:16,relu,maxpool:2,flatten,dense:10` (see layers.ts). */
  arch?: string;
  /** cnn and wrn: the image shape (C, H, W) of each row of X (C·H·W = inputDim). */
  inputShape?: readonly number[];
  /** wrn only: the widening factor K (channels 16K, 32K, 64K). */
  widen?: number;
  /** quadratic only: the kind of model it expands (the other fields are that model's); see quadraticModel. */
  base?: BaseKind;
  /** mlp with param 'mup': the base width n0 at which μP is the standard parameterization (default 1, "pure" μP). */
  mupBase?: number;
}

export interface Model {
  readonly config: ModelConfig;
  /** Parameters in initialization (draw) order. */
  readonly specs: readonly ParamSpec[];
  /** f on the inputs X (m×d), shape [m, k]. `params` follow `specs`. */
  forward(params: readonly Var[], X: Var): Var;
  /** Activation values per sample over all layers, where the parameter shapes do not tell it (cnn, wrn). */
  readonly activationsPerSample?: number;
}

/** Bytes of one parameter array's description (its spec object), before any number is drawn. */
const SPEC_BYTES = 256;

/**
 * An mlp's parameter arrays and parameters, from its configuration alone (before its specs are built).
 *
 * @example
 * mlpCounts({ kind: 'mlp', width: 4, depth: 2, inputDim: 3, outputs: 1, … }); // { arrays: 6, parameters: 41 }
 */
export function mlpCounts(c: Pick<ModelConfig, 'width' | 'depth' | 'inputDim' | 'outputs' | 'bias'>): {
  arrays: number;
  parameters: number;
} {
  const biases = c.bias === false ? 0 : 1;
  const weights = c.inputDim * c.width + (c.depth - 1) * c.width * c.width + c.width * c.outputs;
  return { arrays: (c.depth + 1) * (1 + biases), parameters: weights + biases * (c.depth * c.width + c.outputs) };
}

/**
 * Refuses an mlp whose description alone (its parameter arrays' specs, and the numbers they describe) would not
 * fit, before the specs are built: `makeModel({ kind: 'mlp', depth: 1e9, … })` is one line, not a heap exhausted.
 */
function checkMlpFits(c: ModelConfig): void {
  const { arrays, parameters } = mlpCounts(c);
  checkFits(
    `an mlp of depth ${c.depth} and width ${c.width} (${arrays} parameter arrays, ${parameters.toExponential(2)} parameters)`,
    SPEC_BYTES * arrays + 8 * parameters,
  );
}

/**
 * Refuses to draw parameters that would not fit (a library caller who skipped {@link checkTrainingFits}).
 *
 * @example
 * checkParametersFit(warmupModel(1e10)); // Error: the warmup model's 2.00e+10 parameters would need 149.0 GiB, …
 */
function checkParametersFit(model: Model): void {
  const count = model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  checkFits(`the ${model.config.kind} model's ${count.toExponential(2)} parameters`, 8 * count);
}

/**
 * Draws the parameters in `specs` order, each as one `standard_normal(size)` call on a single
 * numpy-compatible RandomState(seed) stream, scaled by its std, so a numpy user can reproduce them.
 */
export function initParams(model: Model, seed: number): Tensor[] {
  checkParametersFit(model);
  const rng = new RandomState(seed);
  return model.specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (s.constant !== undefined) return tensor(s.shape, new Float64Array(size).fill(s.constant));
    const t = tensor(s.shape, rng.standardNormalArray(size));
    if (s.std !== 1) for (let i = 0; i < t.data.length; i++) t.data[i] *= s.std;
    return t;
  });
}

/** f(x) = n^-1/2 vᵀ u x (paper eq. 3); the warmup model is the case d = 1, x = 1. */
function linearForward(n: number, vectorU: boolean) {
  return (params: readonly Var[], X: Var): Var => {
    const [u, v] = params;
    const uMat = vectorU ? ops.reshape(u, [n, 1]) : u;
    const h = ops.matmul(X, uMat, false, true); // [m, n]: row α is u x_α
    return ops.scale(ops.matmul(h, ops.reshape(v, [n, 1])), 1 / Math.sqrt(n));
  };
}

function activation(act: Activation, h: Var): Var {
  switch (act) {
    case 'relu':
      return ops.relu(h);
    case 'tanh':
      return ops.tanh(h);
    case 'identity':
      return h;
  }
}

/** μP's initialization of layer l's W and b (MUP_RULES), `layers` = depth + 1. */
function mupStd(c: ModelConfig, l: number, layers: number): { w: number; b: number } {
  const scale = {
    sigmaW: c.sigmaW,
    sigmaB: c.sigmaB,
    readoutSigmaW: c.readoutSigmaW ?? c.sigmaW,
    inputDim: c.inputDim,
    width: c.width,
    base: c.mupBase ?? 1,
  };
  return { w: MUP_RULES[mupRole('W', l, layers)].std(scale), b: MUP_RULES[mupRole('b', l, layers)].std(scale) };
}

/**
 * Fully connected net with `depth` hidden layers. NTK parameterization: h_{l+1} = σ_w/√n_l · W_l a_l + σ_b b_l
 * with W, b ~ N(0, 1); standard: h_{l+1} = W_l a_l + b_l with W ~ N(0, σ_w²/n_l), b ~ N(0, σ_b²); μP: MUP_RULES (mup.ts).
 */
function mlpSpecs(c: ModelConfig): ParamSpec[] {
  const sizes = [c.inputDim, ...new Array<number>(c.depth).fill(c.width), c.outputs];
  const specs: ParamSpec[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l],
      nOut = sizes[l + 1];
    const sigmaW = l + 2 === sizes.length ? (c.readoutSigmaW ?? c.sigmaW) : c.sigmaW;
    const std =
      c.param === 'ntk' ? { w: 1, b: 1 } : c.param === 'mup' ? mupStd(c, l, sizes.length - 1) : { w: sigmaW / Math.sqrt(nIn), b: c.sigmaB };
    specs.push({ name: `W${l}`, shape: [nOut, nIn], std: std.w });
    if (c.bias !== false) specs.push({ name: `b${l}`, shape: [nOut], std: std.b });
  }
  return specs;
}

function mlpForward(c: ModelConfig, specs: readonly ParamSpec[]) {
  const perLayer = c.bias === false ? 1 : 2;
  return (params: readonly Var[], X: Var): Var => {
    let a = X;
    const layers = specs.length / perLayer;
    for (let l = 0; l < layers; l++) {
      const nIn = specs[perLayer * l].shape[1];
      const sigmaW = l + 1 === layers ? (c.readoutSigmaW ?? c.sigmaW) : c.sigmaW;
      const [alpha, beta] =
        c.param === 'ntk'
          ? [sigmaW / Math.sqrt(nIn), c.sigmaB]
          : c.param === 'mup'
            ? [MUP_RULES[mupRole('W', l, layers)].multiplier(c.width / (c.mupBase ?? 1)), 1]
            : [1, 1];
      const h = ops.dense(a, params[perLayer * l], perLayer === 2 ? params[2 * l + 1] : null, alpha, beta);
      a = l + 1 < layers ? activation(c.act, c.norm === 'layer' ? ops.layerNorm(h) : h) : h;
    }
    return a;
  };
}

/** What the warmup and linear models fix (SM A): one output, no activation, NTK scaling with unit σ. */
const LINEAR_FIXED = { depth: 1, act: 'identity', param: 'ntk', sigmaW: 1, sigmaB: 0, outputs: 1 } as const;

/**
 * The warmup model of §2.1, f = n^-1/2 vᵀu on the single input x = 1.
 *
 * @example
 * const model = warmupModel(1000); const init = initParams(model, 0);
 */
export function warmupModel(n: number): Model {
  return makeModel({ kind: 'warmup', width: n, ...LINEAR_FIXED, inputDim: 1 });
}

/**
 * The linear model of §2.2, f(x) = n^-1/2 vᵀ u x on inputs of dimension d.
 *
 * @example
 * const model = linearModel(1000, 32);
 */
export function linearModel(n: number, d: number): Model {
  return makeModel({ kind: 'linear', width: n, ...LINEAR_FIXED, inputDim: d });
}

/**
 * A cnn (layers from `arch`) or wrn (WRN-depth-widen) on images of `inputShape`: NTK parameterization
 * h = σ_w/√fan_in · (W ⋆ a) + σ_b·b with W, b ~ N(0, 1) and fan-in = in·kh·kw, or standard with W ~ N(0, σ_w²/fan_in).
 */
function convModel(c: ModelConfig): Model {
  const shape = c.inputShape;
  if (shape === undefined || shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`the ${c.kind} model needs --input-shape C,H,W (positive integers)`);
  }
  if (shape[0] * shape[1] * shape[2] !== c.inputDim) {
    throw new Error(`--input-shape ${shape.join(',')} has ${shape[0] * shape[1] * shape[2]} values but the inputs have ${c.inputDim}`);
  }
  let layers: Layer[];
  if (c.kind === 'cnn') {
    if (c.arch === undefined) throw new Error('the cnn model needs --arch (e.g. conv:16,relu,maxpool:2,flatten,dense:10)');
    layers = parseArch(c.arch);
  } else layers = wrnLayers(c.depth, c.widen ?? 1, c.outputs);
  const { specs, output, activations } = layerSpecs(layers, shape, c.param, c.sigmaW, c.sigmaB, c.kind === 'cnn' ? '--arch' : 'wrn');
  const config = { ...c, outputs: output[0] };
  return { config, specs, forward: layersForward(layers, shape, c.param, c.sigmaW, c.sigmaB), activationsPerSample: activations };
}

/** What each kind reads of its config besides `kind`, `width` and `inputDim` (a JavaScript caller may leave any out). */
const READS: Readonly<Record<ModelKind, readonly (keyof ModelConfig)[]>> = {
  warmup: [],
  linear: [],
  mlp: ['depth', 'act', 'param', 'sigmaW', 'sigmaB', 'outputs'],
  cnn: ['param', 'sigmaW', 'sigmaB'],
  wrn: ['depth', 'param', 'sigmaW', 'sigmaB', 'outputs'],
  quadratic: ['base'],
};

/**
 * Refuses a config the CLI could not have given: an unknown key, a missing field, or a value the declared model options
 * refuse (MODEL_OPTIONS, the checks behind --width, --act, --param, …), as a CatapultInputError naming the key.
 */
function checkConfig(c: ModelConfig): void {
  refuseUnknownKeys('makeModel config', c, ['kind', 'inputDim', ...Object.keys(MODEL_OPTIONS)]);
  if (!MODEL_KINDS.includes(c.kind))
    throw new CatapultInputError('kind', `unknown model kind ${describeValue(c.kind)} (expected ${MODEL_KINDS.join(', ')})`);
  for (const key of ['width', 'inputDim', ...READS[c.kind]] as const) {
    if (c[key] === undefined) throw new CatapultInputError(key, `the ${c.kind} model needs ${key} in its config`);
  }
  checkValues(MODEL_OPTIONS, c as Partial<Values<typeof MODEL_OPTIONS>>);
  if (!Number.isInteger(c.inputDim) || c.inputDim < 1)
    throw new CatapultInputError('inputDim', `inputDim must be an integer ≥ 1, got ${describeValue(c.inputDim)}`);
}

/**
 * Builds a model from its configuration, refusing (CatapultInputError) what the CLI's options would refuse.
 *
 * @example
 * const m = makeModel({ kind: 'mlp', width: 64, depth: 2, act: 'relu', param: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0, outputs: 1, inputDim: 8 });
 */
export function makeModel(c: ModelConfig): Model {
  checkConfig(c);
  switch (c.kind) {
    case 'warmup': {
      if (c.inputDim !== 1) throw new Error('the warmup model has one input x = 1; it takes no --data');
      const specs = [
        { name: 'u', shape: [c.width], std: 1 },
        { name: 'v', shape: [c.width], std: 1 },
      ];
      return { config: { ...c, outputs: 1 }, specs, forward: linearForward(c.width, true) };
    }
    case 'linear': {
      const specs = [
        { name: 'u', shape: [c.width, c.inputDim], std: 1 },
        { name: 'v', shape: [c.width], std: 1 },
      ];
      return { config: { ...c, outputs: 1 }, specs, forward: linearForward(c.width, false) };
    }
    case 'mlp': {
      checkMlpFits(c);
      const specs = mlpSpecs(c);
      return { config: c, specs, forward: mlpForward(c, specs) };
    }
    case 'quadratic':
      // Its expansion point θ0 is no part of a config: quadraticModel(makeModel({ ...c, kind: c.base }), θ0) builds it.
      throw new CatapultInputError('kind', 'the quadratic model expands a base model at its θ0: build it with quadraticModel(base, θ0)');
    case 'cnn':
    case 'wrn':
      if (c.param === 'mup')
        throw new Error(`--param mup applies to the mlp model only (its input, hidden and output layers), not ${c.kind}`);
      return convModel(c);
  }
}
