// Turns run options into a model, a data set and initial parameters (seeded, or read from an .npz file).
import { Tensor, sameShape, shapeString } from '../../linalg/tensor';
import { readNpz, writeNpz } from '../../io/npz';
import { SETUP_OPTIONS, SetupInput, SetupOptions } from './setupOptions';
import { CatapultInputError, refuseUnknownKeys, withDefaults } from '../../options';
import { Dataset, gaussianData, loadClassification, readDataNpz, warmupData } from '../../data';
import { Model, ModelKind, binaryLabels, checkTrainingFits, initParams, makeModel, parseArch, validateTargets } from '../../models';

export interface Setup {
  model: Model;
  data: Dataset;
  /** The held-out subset, when the data come from `dataset`. */
  test?: Dataset;
  init: Tensor[];
}

/** Reads the shapes an init file implies (width, depth, outputs) when the options leave them open. */
function shapesFromInit(kind: ModelKind, arrays: Map<string, Tensor>): { width?: number; depth?: number; outputs?: number } {
  if (kind === 'cnn' || kind === 'wrn') return {};
  if (kind !== 'mlp') return { width: arrays.get('u')?.shape[0] };
  let layers = 0;
  while (arrays.has(`W${layers}`)) layers++;
  if (layers < 2) return {};
  return { width: arrays.get('W0')!.shape[0], depth: layers - 1, outputs: arrays.get(`W${layers - 1}`)!.shape[0] };
}

function loadData(o: SetupOptions): { data: Dataset; test?: Dataset } {
  if (o.dataset !== undefined) {
    if (o.data) throw new Error('--data and --dataset both give the training data; use one of them');
    if (o.model === 'warmup') throw new Error('the warmup model trains on the single point x = 1, y = 0; it takes no --dataset');
    const synthetic = o.dataset === 'synthetic';
    const c = loadClassification(o.dataset, {
      trainSize: o.trainSize,
      testSize: o.testSize,
      classes: o.classes,
      seed: o.dataSeed,
      inputDim: synthetic ? o.inputDim : undefined,
    });
    if (o.model === 'linear' && c.classes.length > 1) {
      throw new Error(`the linear model has one output but --dataset gives ${c.classes.length} one-hot target columns (use --model mlp)`);
    }
    return { data: c.train, test: c.test };
  }
  if (o.model === 'warmup') {
    if (o.data) throw new Error('the warmup model trains on the single point x = 1, y = 0; it takes no --data');
    return { data: warmupData() };
  }
  if (o.data) return { data: readDataNpz(o.data) };
  if (o.model === 'cnn' || o.model === 'wrn') {
    if (o.inputShape === undefined)
      throw new Error(`Gaussian images for the ${o.model} model need --input-shape C,H,W (or give --data or --dataset)`);
    const d = o.inputShape.reduce((a, b) => a * b, 1);
    return { data: gaussianData(o.samples, d, o.model === 'cnn' ? archOutputs(o.arch) : (o.outputs ?? 1), o.dataSeed) };
  }
  return { data: gaussianData(o.samples, o.inputDim, o.model === 'mlp' ? (o.outputs ?? 1) : 1, o.dataSeed) };
}

/** The outputs of a cnn spec: its last dense layer's width (the model checks the rest). */
function archOutputs(arch: string | undefined): number {
  const last = parseArch(arch ?? 'dense:1')
    .filter((l) => l.kind === 'dense')
    .pop();
  if (last === undefined || last.kind !== 'dense') throw new Error('--arch must end in a dense layer (e.g. …,flatten,dense:10)');
  return last.n;
}

/** --input-shape, or the usual image shape for 784 (1×28×28) and 3072 (3×32×32) inputs. */
function imageShapeOf(given: readonly number[] | undefined, inputDim: number): readonly number[] | undefined {
  if (given !== undefined) return given;
  return inputDim === 784 ? [1, 28, 28] : inputDim === 3072 ? [3, 32, 32] : undefined;
}

/**
 * The parameter arrays of an --init file: a params .npz as written by --save-params (names W0, b0, … or u, v), or a
 * golden .npz, whose initial parameters are stored as init_<name> beside its trajectory (those are used).
 */
function initArrays(arrays: Map<string, Tensor>): Map<string, Tensor> {
  if (!arrays.has('meta') || ![...arrays.keys()].some((k) => k.startsWith('init_'))) return arrays;
  return new Map([...arrays].filter(([k]) => k.startsWith('init_')).map(([k, t]) => [k.slice('init_'.length), t]));
}

/** An options object of known keys with a model: what the declared checks (in withDefaults) cannot say alone. */
function checkSetupInput(input: Partial<SetupInput>): void {
  refuseUnknownKeys('setup options', input, Object.keys(SETUP_OPTIONS));
  if (input.model === undefined) throw new CatapultInputError('model', `setup options need model (${SETUP_OPTIONS.model.required})`);
}

/**
 * How many training rows the options give, from the data alone (no model, no initialization): what a sweep checks
 * its batch sizes against before its workers start.
 *
 * @example
 * trainingRows({ model: 'mlp', samples: 32 }); // 32
 */
export function trainingRows(input: Omit<SetupInput, 'width' | 'seed' | 'init'>): number {
  checkSetupInput(input);
  return loadData(withDefaults(SETUP_OPTIONS, input)).data.X.shape[0];
}

/**
 * Builds everything a run needs, with one-line errors for any inconsistency; options the CLI would refuse (unknown
 * keys, values its declared checks refuse) are a CatapultInputError naming the key.
 *
 * @example
 * const s = setup({ model: 'mlp', width: 64, depth: 2, samples: 32 });
 */
export function setup(input: SetupInput): Setup {
  checkSetupInput(input);
  const o: SetupOptions = withDefaults(SETUP_OPTIONS, input);
  const loss = o.loss ?? 'mse';
  let { data, test } = loadData(o);
  if (loss === 'logistic') {
    data = binaryLabels(data);
    test = test && binaryLabels(test);
  }
  validateTargets(loss, data);
  const arrays = o.init ? initArrays(readNpz(o.init)) : null;
  const implied = arrays ? shapesFromInit(o.model, arrays) : {};
  const pick = (given: number | undefined, fromFile: number | undefined, fallback: number) => given ?? fromFile ?? fallback;
  const model = makeModel({
    kind: o.model,
    width: pick(o.width, implied.width, 1000),
    depth: pick(o.depth, implied.depth, o.model === 'wrn' ? 16 : 1),
    act: o.act,
    param: o.param,
    sigmaW: o.sigmaW,
    sigmaB: o.sigmaB,
    outputs: pick(o.outputs, implied.outputs, data.Y.shape[1]),
    inputDim: data.X.shape[1],
    loss,
    // Only when given, so configs written before these options existed stay byte-identical.
    ...(o.readoutSigmaW !== undefined && { readoutSigmaW: o.readoutSigmaW }),
    ...(o.bias !== undefined && { bias: o.bias }),
    ...(o.norm !== undefined && { norm: o.norm }),
    ...((o.model === 'cnn' || o.model === 'wrn') && { inputShape: imageShapeOf(o.inputShape ?? data.imageShape, data.X.shape[1]) }),
    ...(o.arch !== undefined && { arch: o.arch }),
    ...(o.widen !== undefined && { widen: o.widen }),
    ...(o.param === 'mup' && { mupBase: o.mupBase ?? 1 }),
  });
  if (model.config.outputs !== data.Y.shape[1]) {
    throw new Error(`the model has ${model.config.outputs} outputs but the targets Y have ${data.Y.shape[1]} columns`);
  }
  checkTrainingFits(model, data.X.shape[0]);
  if (!arrays) return { model, data, test, init: initParams(model, o.seed) };
  const init = model.specs.map((s) => {
    const t = arrays.get(s.name);
    if (!t) throw new Error(`${o.init}: missing array '${s.name}' (expected shape ${shapeString(s.shape)})`);
    if (!sameShape(t.shape, s.shape))
      throw new Error(`${o.init}: array '${s.name}' has shape ${shapeString(t.shape)}, expected ${shapeString(s.shape)}`);
    if (!t.data.every(Number.isFinite)) throw new Error(`${o.init}: array '${s.name}' contains NaN or infinite values`);
    return t;
  });
  const extra = [...arrays.keys()].filter((k) => !model.specs.some((s) => s.name === k));
  if (extra.length > 0) throw new Error(`${o.init}: unexpected arrays for the ${o.model} model: ${extra.join(', ')}`);
  return { model, data, test, init };
}

/** Writes parameters to an .npz under their spec names (loadable with numpy.load). */
export function saveParams(path: string, model: Model, params: readonly Tensor[]): void {
  writeNpz(path, new Map(model.specs.map((s, i) => [s.name, params[i]])));
}
