// The options that fix a model's architecture, declared once: the CLI's flags (through SETUP_OPTIONS) and makeModel's checks.
import { choice, int, num, oneOf, parsed, text } from '../options/optionKit';
import { LOSSES } from './loss';
import type { Parameterization } from './layers';

export type ModelKind = 'warmup' | 'linear' | 'mlp' | 'cnn' | 'wrn' | 'quadratic';
/** The models a neural quadratic model (--model quadratic) can expand: every kind but itself. */
export type BaseKind = Exclude<ModelKind, 'quadratic'>;
export type Activation = 'relu' | 'tanh' | 'identity';

export const BASE_KINDS: readonly BaseKind[] = ['warmup', 'linear', 'mlp', 'cnn', 'wrn'];
export const MODEL_KINDS: readonly ModelKind[] = [...BASE_KINDS, 'quadratic'];
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'identity'];
export const PARAMETERIZATIONS: readonly Parameterization[] = ['ntk', 'standard', 'mup'];

/** The width when neither --width nor an --init file gives one. */
export const DEFAULT_WIDTH = 1000;
/** Hidden layers of an mlp, and the depth of a Wide ResNet, when --depth (or --init) does not say. */
export const DEFAULT_MLP_DEPTH = 1;
export const DEFAULT_WRN_DEPTH = 16;

const MLP_ONLY = { option: 'model', values: ['mlp'] };
const NETWORKS = { option: 'model', values: ['mlp', 'cnn', 'wrn'] };
const IMAGE_NETS = { option: 'model', values: ['cnn', 'wrn'] };

/** `--input-shape C,H,W`: three positive integers. */
function imageShape(s: string): number[] {
  const v = s.split(',').map((c) => (/^\s*\d+\s*$/.test(c) ? Number(c) : NaN));
  if (v.length !== 3 || !v.every((x) => x >= 1 && x <= 1e5))
    throw new Error(`--input-shape must be three positive integers C,H,W (e.g. 1,28,28), got '${s}'`);
  return v;
}

function onOff(flagName: string) {
  return (t: string): boolean => {
    if (t !== 'true' && t !== 'false') throw new Error(`--${flagName} must be true or false, got '${t}'`);
    return t === 'true';
  };
}

/**
 * The options of `ModelConfig` under its own keys (with `kind` and `inputDim`, which the run's `--model` and data give,
 * they are all of it). SETUP_OPTIONS lists them among the data and initialization options; makeModel checks a config
 * with their declared checks, so a library call is refused exactly where the CLI would refuse the flag.
 */
export const MODEL_OPTIONS = {
  base: parsed({
    flag: 'base',
    arg: BASE_KINDS.join('|'),
    help: 'the model whose second-order Taylor expansion in the weights at θ0 --model quadratic trains (its options apply)',
    parse: oneOf<BaseKind>('base', BASE_KINDS),
    check: (v) => (BASE_KINDS.includes(v) ? null : `must be one of ${BASE_KINDS.join('|')}`),
    onlyWhen: { option: 'model', values: ['quadratic'] },
  }),
  width: int({
    flag: 'width',
    arg: 'N',
    help: 'width n',
    defaultText: `${DEFAULT_WIDTH}, or the --init file's`,
    min: 1,
    onlyWhen: { option: 'model', values: ['warmup', 'linear', 'mlp'] },
  }),
  depth: int({
    flag: 'depth',
    arg: 'L',
    help: 'mlp: hidden layers; wrn: depth D = 6n + 4',
    defaultText: `mlp ${DEFAULT_MLP_DEPTH} or the --init file's, wrn ${DEFAULT_WRN_DEPTH}`,
    min: 1,
    onlyWhen: { option: 'model', values: ['mlp', 'wrn'] },
  }),
  arch: text({
    flag: 'arch',
    arg: 'SPEC',
    help: 'cnn layers, comma-separated: conv:C[:same|valid][:k<size>][:s<stride>], relu, tanh, maxpool:K, avgpool:K, gap, bn, flatten, dense:N',
    onlyWhen: { option: 'model', values: ['cnn'] },
  }),
  widen: int({
    flag: 'widen',
    arg: 'K',
    help: 'wrn: widening factor K (channels 16K, 32K, 64K)',
    defaultText: '1',
    min: 1,
    onlyWhen: { option: 'model', values: ['wrn'] },
  }),
  inputShape: parsed({
    flag: 'input-shape',
    arg: 'C,H,W',
    help: 'cnn/wrn: the image shape of each input row',
    defaultText: '1,28,28 for 784 inputs, 3,32,32 for 3072',
    parse: imageShape,
    onlyWhen: IMAGE_NETS,
  }),
  act: choice({ flag: 'act', help: 'activation', values: ACTIVATIONS, default: 'relu', onlyWhen: MLP_ONLY }),
  param: choice({
    flag: 'param',
    help: 'NTK, standard, or μP (mlp: Tensor Programs V, Table 8; see docs/commands.md) parameterization',
    values: PARAMETERIZATIONS,
    default: 'ntk',
    onlyWhen: NETWORKS,
  }),
  mupBase: int({
    flag: 'mup-base',
    arg: 'N0',
    help: 'μP base width n0: at width n0 μP is the standard parameterization',
    defaultText: '1, "pure" μP',
    min: 1,
    onlyWhen: { option: 'param', values: ['mup'] },
  }),
  sigmaW: num({
    flag: 'sigma-w',
    arg: 'S',
    help: 'weight scale σ_w',
    defaultText: '√2',
    atLeast: 0,
    default: Math.SQRT2,
    onlyWhen: NETWORKS,
  }),
  sigmaB: num({ flag: 'sigma-b', arg: 'S', help: 'bias scale σ_b', atLeast: 0, default: 0, onlyWhen: NETWORKS }),
  outputs: int({
    flag: 'outputs',
    arg: 'K',
    help: 'outputs k',
    defaultText: "the targets' columns",
    min: 1,
    onlyWhen: { option: 'model', values: ['mlp', 'wrn'] },
  }),
  loss: choice({
    flag: 'loss',
    help: 'training loss (logistic turns 2-class one-hot targets into ±1 labels)',
    values: LOSSES,
    default: 'mse',
  }),
  readoutSigmaW: num({
    flag: 'readout-sigma-w',
    arg: 'S',
    help: 'σ_w of the readout layer',
    defaultText: '--sigma-w',
    atLeast: 0,
    onlyWhen: MLP_ONLY,
  }),
  bias: parsed({
    flag: 'bias',
    arg: 'true|false',
    help: 'false drops every bias (deep linear nets)',
    defaultText: 'true',
    parse: onOff('bias'),
    check: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
    onlyWhen: MLP_ONLY,
  }),
  norm: choice({
    flag: 'norm',
    help: 'layer: normalize each hidden pre-activation row before the activation',
    values: ['none', 'layer'] as const,
    onlyWhen: MLP_ONLY,
  }),
} as const;
