// Turns run options into a model, a data set and initial parameters (seeded, or read from an .npz file).
import { Tensor, sameShape, shapeString } from '../../linalg/tensor';
import { NpzArchive, openNpzFile, writeNpz } from '../../io/npz';
import { DEFAULT_MLP_DEPTH, DEFAULT_WIDTH, DEFAULT_WRN_DEPTH, SETUP_OPTIONS, SetupInput, SetupOptions } from './setupOptions';
import { CatapultInputError, checkValues, refuseUnknownKeys, withDefaults } from '../../options';
import { Dataset, gaussianData, loadClassification, readDataNpz, warmupData } from '../../data';
import {
  Model,
  ModelConfig,
  ModelKind,
  binaryLabels,
  checkTrainingFits,
  initParams,
  linearModel,
  makeModel,
  mlpSize,
  parseArch,
  quadraticModel,
  validateTargets,
} from '../../models';

export interface Setup {
  model: Model;
  data: Dataset;
  /** The held-out subset, when the data come from `dataset`. */
  test?: Dataset;
  init: Tensor[];
}

/** Reads the shapes an init file implies (width, depth, outputs) when the options leave them open. */
function shapesFromInit(kind: ModelKind, shapes: InitShapes): { width?: number; depth?: number; outputs?: number } {
  if (kind === 'cnn' || kind === 'wrn') return {};
  if (kind !== 'mlp') return { width: shapes.get('u')?.[0] };
  let layers = 0;
  while (shapes.has(`W${layers}`)) layers++;
  if (layers < 2) return {};
  return { width: shapes.get('W0')![0], depth: layers - 1, outputs: shapes.get(`W${layers - 1}`)![0] };
}

/** The data of a run; `sizeRun` sizes the run from an .npz's headers before it is read (not for a sweep's row count). */
function loadData(o: SetupOptions, sizeRun = true): { data: Dataset; test?: Dataset } {
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
  if (o.data) {
    // Sized from the headers: X as (m, d) or images (m, C, H, W), Y as (m, k) or (m,).
    const fits = sizeRun
      ? (X: readonly number[], Y: readonly number[]) =>
          checkRunFits(
            o,
            X[0],
            X.slice(1).reduce((a, b) => a * b, 1),
            Y[1] ?? 1,
          )
      : undefined;
    return { data: readDataNpz(o.data, fits) };
  }
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

/** Parameter name → the shape its --init entry declares (read from the headers; nothing inflated yet). */
type InitShapes = Map<string, readonly number[]>;

/**
 * The parameter entries of an --init file: a params .npz as written by --save-params (names W0, b0, … or u, v), or a
 * golden .npz, whose initial parameters are stored as init_<name> beside its trajectory (those are used).
 */
function initEntries(archive: NpzArchive): { shapes: InitShapes; entry: (name: string) => string } {
  const golden = archive.names.includes('meta') && archive.names.some((k) => k.startsWith('init_'));
  const names = golden ? archive.names.filter((k) => k.startsWith('init_')).map((k) => k.slice('init_'.length)) : archive.names;
  const entry = (name: string) => (golden ? `init_${name}` : name);
  return { shapes: new Map(names.map((n) => [n, archive.shape(entry(n))!])), entry };
}

/** The --init arrays for the model: names and shapes checked against its specs before any array is inflated. */
function readInit(file: string, archive: NpzArchive, model: Model): Tensor[] {
  const { shapes, entry } = initEntries(archive);
  for (const s of model.specs) {
    const shape = shapes.get(s.name);
    if (!shape) throw new Error(`${file}: missing array '${s.name}' (expected shape ${shapeString(s.shape)})`);
    if (!sameShape(shape, s.shape))
      throw new Error(`${file}: array '${s.name}' has shape ${shapeString(shape)}, expected ${shapeString(s.shape)}`);
  }
  const extra = [...shapes.keys()].filter((k) => !model.specs.some((s) => s.name === k));
  if (extra.length > 0) throw new Error(`${file}: unexpected arrays for the ${model.config.kind} model: ${extra.join(', ')}`);
  const arrays = archive.read(model.specs.map((s) => entry(s.name)));
  return model.specs.map((s) => {
    const t = arrays.get(entry(s.name))!;
    if (!t.data.every(Number.isFinite)) throw new Error(`${file}: array '${s.name}' contains NaN or infinite values`);
    return t;
  });
}

/** The options of a quadratic model's base: the same, with --base as the model. */
function baseInput<I extends Partial<SetupInput>>(input: I): I {
  const { base, ...rest } = input;
  if (base === undefined) throw new CatapultInputError('base', '--model quadratic needs --base (the model it expands)');
  checkValues(SETUP_OPTIONS, { base });
  return { ...rest, model: base } as unknown as I;
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
  if (input.model === 'quadratic') return trainingRows(baseInput(input));
  // No width is given here (a sweep has several): the run is sized per width when each is set up.
  return loadData(withDefaults(SETUP_OPTIONS, input), false).data.X.shape[0];
}

/**
 * Refuses, before a data set is drawn or read, an mlp run on more rows than could fit even with a single
 * input and output per row where the data would tell more (a lower bound): `--dataset synthetic --train-size 1e7`
 * is one line at once, not minutes of drawing followed by the same refusal.
 */
function checkRowsFit(o: SetupOptions): void {
  if (o.dataset === undefined || o.trainSize === undefined) return;
  checkRunFits(o, o.trainSize, o.dataset === 'synthetic' ? o.inputDim : 1, o.classes?.length ?? 1);
}

/**
 * Refuses an mlp or linear run on `rows` rows of `inputDim` inputs and `outputs` targets that could not fit, before
 * the data are drawn or read (sizes from the options, or from a file's headers). Runs from --init are left to the
 * check after the model is built, since the file may set the width.
 */
function checkRunFits(o: SetupOptions, rows: number, inputDim: number, outputs: number): void {
  if (o.init !== undefined) return;
  const width = o.width ?? DEFAULT_WIDTH;
  if (o.model === 'mlp')
    checkTrainingFits(mlpSize({ width, depth: o.depth ?? DEFAULT_MLP_DEPTH, inputDim, outputs: o.outputs ?? outputs, bias: o.bias }), rows);
  else if (o.model === 'linear') checkTrainingFits(linearModel(width, inputDim), rows);
}

/**
 * Builds everything a run needs, with one-line errors for any inconsistency; options the CLI would refuse (unknown
 * keys, values its declared checks refuse) are a CatapultInputError naming the key. `dataFile` is the content of
 * `input.data` where the caller has it in memory (the explorer page reads no files); the rest is as for the file.
 *
 * @example
 * const s = setup({ model: 'mlp', width: 64, depth: 2, samples: 32 });
 * const t = setup({ model: 'mlp', width: 16, data: 'eos-chebyshev.npz' }, chebyshevData(20, 'eos-chebyshev.npz'));
 */
export function setup(input: SetupInput, dataFile?: Dataset): Setup {
  checkSetupInput(input);
  if (input.model === 'quadratic') {
    // The base model's run (its data, θ0 from --seed or --init, its checks), then its expansion at θ0, trained from θ0.
    const s = setup(baseInput(input), dataFile);
    const model = quadraticModel(s.model, s.init);
    checkTrainingFits(model, s.data.X.shape[0]);
    return { ...s, model };
  }
  const o: SetupOptions = withDefaults(SETUP_OPTIONS, input);
  if (dataFile !== undefined && (o.data === undefined || o.dataset !== undefined || o.model === 'warmup'))
    throw new Error(
      'setup: data given in memory stand for --data FILE; give data (the file name) and no dataset, on a model that takes data',
    );
  const loss = o.loss ?? 'mse';
  checkRowsFit(o);
  let { data, test } = dataFile !== undefined ? { data: dataFile, test: undefined } : loadData(o);
  if (loss === 'logistic') {
    data = binaryLabels(data);
    test = test && binaryLabels(test);
  }
  validateTargets(loss, data);
  const archive = o.init ? openNpzFile(o.init) : null;
  const implied = archive ? shapesFromInit(o.model, initEntries(archive).shapes) : {};
  const pick = (given: number | undefined, fromFile: number | undefined, fallback: number) => given ?? fromFile ?? fallback;
  const config: ModelConfig = {
    kind: o.model,
    width: pick(o.width, implied.width, DEFAULT_WIDTH),
    depth: pick(o.depth, implied.depth, o.model === 'wrn' ? DEFAULT_WRN_DEPTH : DEFAULT_MLP_DEPTH),
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
  };
  // An mlp is sized before it is built: the specs of a million layers alone are hundreds of megabytes.
  if (config.kind === 'mlp') checkTrainingFits(mlpSize(config), data.X.shape[0]);
  const model = makeModel(config);
  if (model.config.outputs !== data.Y.shape[1]) {
    throw new Error(`the model has ${model.config.outputs} outputs but the targets Y have ${data.Y.shape[1]} columns`);
  }
  checkTrainingFits(model, data.X.shape[0]);
  if (!archive) return { model, data, test, init: initParams(model, o.seed) };
  return { model, data, test, init: readInit(o.init!, archive, model) };
}

/** Writes parameters to an .npz under their spec names (loadable with numpy.load). */
export function saveParams(path: string, model: Model, params: readonly Tensor[]): void {
  writeNpz(path, new Map(model.specs.map((s, i) => [s.name, params[i]])));
}
