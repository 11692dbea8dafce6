// The model, data and initialization options of a run, declared once (train, ntk, hessian, phase-sweep, oracle, sweep).
import { Values, choice, decimal, int, notApplied, oneOf, parsed, seed, text } from '../../options';
import { MODEL_KINDS, MODEL_OPTIONS, ModelKind } from '../../models';
import { DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE } from '../../data';

/** The initialization generators: only numpy's legacy RandomState (MT19937 + polar Box–Muller). */
export const RNGS = ['numpy'] as const;

const GAUSSIAN_DATA = { option: 'model', values: ['linear', 'mlp', 'cnn', 'wrn'] };

/** `--classes 0,1,…`: distinct non-negative integer labels. */
function classList(s: string): number[] {
  const classes = s.split(',').map(decimal);
  const bad = classes.findIndex((c, i) => !Number.isInteger(c) || c < 0 || classes.indexOf(c) !== i);
  if (bad >= 0) throw new Error(`--classes must be distinct non-negative integer labels separated by commas (e.g. 0,1), got '${s}'`);
  return classes;
}

/**
 * Every option that fixes the model, its data and its initialization, in the order golden files and sweep.json
 * record them (config.setup). Options without a default are left out of those files when not given.
 */
export { DEFAULT_MLP_DEPTH, DEFAULT_WIDTH, DEFAULT_WRN_DEPTH } from '../../models';
/** The input dimension of Gaussian and of synthetic data when --input-dim does not say. */
const GAUSSIAN_INPUT_DIM = 8;
const SYNTHETIC_INPUT_DIM = 20;

export const SETUP_OPTIONS = {
  model: parsed({
    flag: 'model',
    arg: MODEL_KINDS.join('|'),
    help: 'the model (SM A): warmup f = n^-1/2 vᵀu, linear, a fully connected net, a cnn (--arch), a Wide ResNet, or the quadratic model of --base',
    required: `one of ${MODEL_KINDS.join('|')}`,
    parse: oneOf<ModelKind>('model', MODEL_KINDS),
    // The neural quadratic model has its base model's options: --width etc. apply by --base.
    standsFor: { value: 'quadratic', by: 'base' },
  }),
  base: MODEL_OPTIONS.base,
  // The model's own options (MODEL_OPTIONS, which makeModel checks with) in their places of the saved order.
  width: MODEL_OPTIONS.width,
  depth: MODEL_OPTIONS.depth,
  arch: MODEL_OPTIONS.arch,
  widen: MODEL_OPTIONS.widen,
  inputShape: MODEL_OPTIONS.inputShape,
  act: MODEL_OPTIONS.act,
  param: MODEL_OPTIONS.param,
  mupBase: MODEL_OPTIONS.mupBase,
  sigmaW: MODEL_OPTIONS.sigmaW,
  sigmaB: MODEL_OPTIONS.sigmaB,
  outputs: MODEL_OPTIONS.outputs,
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
  loss: MODEL_OPTIONS.loss,
  readoutSigmaW: MODEL_OPTIONS.readoutSigmaW,
  bias: MODEL_OPTIONS.bias,
  norm: MODEL_OPTIONS.norm,
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

/**
 * Why a setup value does not apply to the run the others describe, or null: its declaration's `onlyWhen` and `needs`,
 * and the rules across flags (--init replaces --seed; --data and --dataset size the data; the warmup's is one point).
 *
 * @example
 * setupNotApplied({ model: 'cnn', act: 'relu' }, 'act'); // 'only with --model mlp'
 */
export function setupNotApplied(o: SetupInput, key: keyof SetupOptions): string | null {
  const own = notApplied(SETUP_OPTIONS, o, key);
  if (own !== null) return own;
  if (key === 'seed' && o.init !== undefined) return '--init gives the initialization';
  // Under standard and μP parameterization the σ's set only the std of the initial draw, which --init replaces.
  if (['sigmaW', 'sigmaB', 'readoutSigmaW'].includes(key) && o.init !== undefined && (o.param ?? 'ntk') !== 'ntk')
    return `--init gives the initialization, and under --param ${o.param} the σ's only scale its draw`;
  const fixedData = o.model === 'warmup' ? 'the warmup model trains on x = 1' : o.data !== undefined ? '--data gives the data' : undefined;
  if (fixedData !== undefined && (key === 'samples' || key === 'inputDim' || key === 'dataSeed')) return fixedData;
  if (o.dataset !== undefined && (key === 'samples' || (key === 'inputDim' && o.dataset !== 'synthetic')))
    return `--dataset ${o.dataset} sizes the data`;
  return null;
}

/**
 * The setup values that apply (what golden files record as config.setup): a cnn's run has no --act or --width.
 *
 * @example
 * appliedSetup({ model: 'cnn', act: 'relu', arch: 'dense:1' }); // { model: 'cnn', arch: 'dense:1' }
 */
export function appliedSetup(o: SetupInput): SetupInput {
  const keys = (Object.keys(SETUP_OPTIONS) as (keyof SetupOptions)[]).filter((k) => o[k] !== undefined && setupNotApplied(o, k) === null);
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as SetupInput;
}
