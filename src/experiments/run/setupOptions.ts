// The model, data and initialization options of a run, declared once (train, ntk, hessian, phase-sweep, oracle, sweep).
import { Values, choice, decimal, int, num, oneOf, parsed, seed, text } from '../../options';
import { ACTIVATIONS, LOSSES, MODEL_KINDS, ModelKind, PARAMETERIZATIONS } from '../../models';
import { DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE } from '../../data';

/** The initialization generators: only numpy's legacy RandomState (MT19937 + polar Box–Muller). */
export const RNGS = ['numpy'] as const;

const MLP_ONLY = { option: 'model', values: ['mlp'] };
const NETWORKS = { option: 'model', values: ['mlp', 'cnn', 'wrn'] };
const IMAGE_NETS = { option: 'model', values: ['cnn', 'wrn'] };
const GAUSSIAN_DATA = { option: 'model', values: ['linear', 'mlp', 'cnn', 'wrn'] };

/** `--classes 0,1,…`: distinct non-negative integer labels. */
function classList(s: string): number[] {
  const classes = s.split(',').map(decimal);
  const bad = classes.findIndex((c, i) => !Number.isInteger(c) || c < 0 || classes.indexOf(c) !== i);
  if (bad >= 0) throw new Error(`--classes must be distinct non-negative integer labels separated by commas (e.g. 0,1), got '${s}'`);
  return classes;
}

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
 * Every option that fixes the model, its data and its initialization, in the order golden files and sweep.json
 * record them (config.setup). Options without a default are left out of those files when not given.
 */
/** The width when neither --width nor an --init file gives one. */
export const DEFAULT_WIDTH = 1000;
/** Hidden layers of an mlp, and the depth of a Wide ResNet, when --depth (or --init) does not say. */
export const DEFAULT_MLP_DEPTH = 1;
export const DEFAULT_WRN_DEPTH = 16;
/** The input dimension of Gaussian and of synthetic data when --input-dim does not say. */
const GAUSSIAN_INPUT_DIM = 8;
const SYNTHETIC_INPUT_DIM = 20;

export const SETUP_OPTIONS = {
  model: parsed({
    flag: 'model',
    arg: MODEL_KINDS.join('|'),
    help: 'the model (SM A): warmup f = n^-1/2 vᵀu, linear, a fully connected net, a cnn (--arch) or a Wide ResNet',
    required: `one of ${MODEL_KINDS.join('|')}`,
    parse: oneOf<ModelKind>('model', MODEL_KINDS),
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
  seed: seed({ flag: 'seed', help: 'initialization seed: numpy.random.RandomState(S)', default: 0 }),
  init: text({ flag: 'init', arg: 'FILE', help: 'initial parameters from an .npz (names as in docs/commands.md); replaces --seed' }),
  data: text({ flag: 'data', arg: 'FILE', help: '.npz with X (m×d) and Y (m×k)' }),
  samples: int({
    flag: 'samples',
    arg: 'M',
    help: 'Gaussian samples m (cnn/wrn: images of --input-shape)',
    min: 1,
    default: 16,
    onlyWhen: GAUSSIAN_DATA,
  }),
  inputDim: int({
    flag: 'input-dim',
    arg: 'D',
    help: 'input dimension d of Gaussian or synthetic data',
    defaultText: `${GAUSSIAN_INPUT_DIM} for Gaussian, ${SYNTHETIC_INPUT_DIM} for synthetic data`,
    min: 1,
    default: (v) => (v.dataset === 'synthetic' ? SYNTHETIC_INPUT_DIM : GAUSSIAN_INPUT_DIM),
    onlyWhen: { option: 'model', values: ['linear', 'mlp'] },
  }),
  dataSeed: seed({ flag: 'data-seed', help: 'seeds the Gaussian data and the subsets of --dataset', default: 0 }),
  dataset: text({
    flag: 'dataset',
    arg: 'fashion-mnist|mnist|mnist:DIR|cifar10:DIR|npz:FILE|synthetic',
    help: 'a classification data set: balanced subsets, one-hot targets',
  }),
  trainSize: int({
    flag: 'train-size',
    help: 'training examples',
    defaultText: `${DEFAULT_TRAIN_SIZE}, rounded down to a multiple of the classes`,
    min: 1,
    needs: 'dataset',
  }),
  testSize: int({
    flag: 'test-size',
    help: 'test examples',
    defaultText: `${DEFAULT_TEST_SIZE}, likewise`,
    min: 0,
    needs: 'dataset',
  }),
  classes: parsed({ flag: 'classes', arg: '0,1,...', help: 'the classes to keep', defaultText: 'all', parse: classList, needs: 'dataset' }),
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
    onlyWhen: MLP_ONLY,
  }),
  norm: choice({
    flag: 'norm',
    help: 'layer: normalize each hidden pre-activation row before the activation',
    values: ['none', 'layer'] as const,
    onlyWhen: MLP_ONLY,
  }),
  rng: choice({
    flag: 'rng',
    help: 'the generator of --seed: numpy.random.RandomState (the only one; see docs/commands.md)',
    values: RNGS,
  }),
} as const;

/** Every setup option, defaults filled in (what the CLI parses and golden files record). */
export type SetupOptions = Values<typeof SETUP_OPTIONS>;

/** What `setup` needs: the model kind, and any other option (the rest take their declared defaults). */
export type SetupInput = Pick<SetupOptions, 'model'> & Partial<SetupOptions>;

/**
 * The checks across setup flags that no single declaration can make (given = the flags on the command line).
 *
 * @example
 * checkSetupFlags(new Set(['samples', 'dataset']), 'fashion-mnist'); // throws: --samples sizes the Gaussian data…
 */
export function checkSetupFlags(given: ReadonlySet<string>, dataset: string | undefined): void {
  if (given.has('seed') && given.has('init')) throw new Error('--seed and --init both give the initialization; use one of them');
  if (dataset === undefined) return;
  if (given.has('samples')) throw new Error('--samples sizes the Gaussian data; with --dataset use --train-size');
  if (given.has('input-dim') && dataset !== 'synthetic')
    throw new Error(`--input-dim sizes Gaussian or synthetic data; ${dataset} fixes the input dimension`);
}
