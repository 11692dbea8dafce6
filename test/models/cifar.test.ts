// The CIFAR-10 binary reader on files this test writes: records, C-order images, the test split, malformed files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { CIFAR_RECORD, loadClassification } from '../../src/data';
import { scratch } from '../cli/helpers';

const s = scratch('catapult-cifar-');

/** `n` records: label r % 10, pixel j of record r = (7r + 3j) mod 256 (so every record differs). */
function records(n: number, first = 0): Buffer {
  const b = Buffer.alloc(n * CIFAR_RECORD);
  for (let r = 0; r < n; r++) {
    b[r * CIFAR_RECORD] = (first + r) % 10;
    for (let j = 0; j < CIFAR_RECORD - 1; j++) b[r * CIFAR_RECORD + 1 + j] = (7 * (first + r) + 3 * j) % 256;
  }
  return b;
}

const good = s.file('good');
fs.mkdirSync(good);
fs.writeFileSync(path.join(good, 'data_batch_1.bin'), records(20));
fs.writeFileSync(path.join(good, 'data_batch_2.bin'), records(10, 20));
fs.writeFileSync(path.join(good, 'test_batch.bin'), records(10, 100));

test('cifar10:DIR reads every training batch and test_batch.bin; images are C·H·W pixel/255, labels one-hot', () => {
  const c = loadClassification(`cifar10:${good}`, { trainSize: 30, testSize: 10, seed: 0, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  assert.equal(c.train.X.shape, [30, 3072]);
  assert.equal(c.test.X.shape, [10, 3072]);
  const { mean, std } = c.standardization;
  // Row r·10 + j holds class j; every record of class j has pixel values (7·rec + 3·pix) mod 256 for some rec ≡ j (mod 10).
  for (const [set, base] of [
    [c.train, 0],
    [c.test, 100],
  ] as const) {
    for (let row = 0; row < set.X.shape[0]; row++) {
      const cls = row % 10;
      assert.is(set.Y.data[row * 10 + cls], 1);
      const pixel = (j: number) => Math.round((set.X.data[row * 3072 + j] * std + mean) * 255);
      const rec = [...Array(30).keys()].map((k) => base + 10 * k + cls).find((r) => (7 * r) % 256 === pixel(0));
      assert.ok(rec !== undefined, `row ${row}: no record of class ${cls} starts with pixel ${pixel(0)}`);
      for (const j of [1, 1023, 1024, 2047, 3071]) assert.is(pixel(j), (7 * rec! + 3 * j) % 256, `row ${row} pixel ${j}`);
    }
  }
});

test('cifar10:DIR without test_batch.bin splits the test subset off the training pool', () => {
  const dir = s.file('notest');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'data_batch_1.bin'), records(40));
  const c = loadClassification(`cifar10:${dir}`, { trainSize: 20, testSize: 20, seed: 1 });
  assert.equal([c.train.X.shape[0], c.test.X.shape[0]], [20, 20]);
});

test('malformed or hostile CIFAR-10 directories: exit 2 with one line naming the file', () => {
  const bad = (name: string, files: Record<string, Buffer>) => {
    const dir = s.file(name);
    fs.mkdirSync(dir);
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), b);
    return `cifar10:${dir}`;
  };
  const args = (ds: string) => [
    'ntk',
    '--model',
    'cnn',
    '--arch',
    'conv:2,gap,dense:2',
    '--dataset',
    ds,
    '--train-size',
    '4',
    '--test-size',
    '0',
  ];
  s.rejects(args(bad('empty', {})), /data_batch_1\.bin: no such file; cifar10:DIR needs/);
  s.rejects(
    args(bad('truncated', { 'data_batch_1.bin': records(3).subarray(0, 2 * CIFAR_RECORD + 100) })),
    /data_batch_1\.bin: 6246 bytes is not a whole number of CIFAR-10 records/,
  );
  s.rejects(args(bad('zero', { 'data_batch_1.bin': Buffer.alloc(0) })), /data_batch_1\.bin: 0 bytes is not a whole number/);
  const label = records(4);
  label[2 * CIFAR_RECORD] = 200;
  s.rejects(args(bad('label', { 'data_batch_1.bin': label })), /data_batch_1\.bin: record 2 has label 200; CIFAR-10 labels are 0–9/);
  s.rejects(args(bad('testbad', { 'data_batch_1.bin': records(4), 'test_batch.bin': Buffer.alloc(5) })), /test_batch\.bin: 5 bytes/);
  s.rejects(args('cifar10:'), /needs a directory after 'cifar10:'/);
});

test('a cnn trains on cifar10:DIR with the 3,32,32 input shape by default', () => {
  const r = s.run([
    'ntk',
    '--model',
    'cnn',
    '--arch',
    'conv:2:s2,relu,gap,dense:2',
    '--dataset',
    `cifar10:${good}`,
    '--train-size',
    '4',
    '--test-size',
    '0',
    '--classes',
    '0,1',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /λ1 = /);
});

test.after(() => s.cleanup());
test.run();
