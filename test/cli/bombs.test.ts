// Files that declare, honestly, more than memory allows, and sizes that cannot fit: refused before anything is inflated
// or allocated, in one line, quickly, at a peak resident memory close to a run refused at once (measured in the child).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scratch } from './helpers';
import { gzipZeros, idxHeaderBytes, npzOfZeros } from '../io/bombs';

const { measure, file, cleanup } = scratch('catapult-bombs-');
const MIB = 2 ** 20;
const train = ['train', '--lr', '1', '--steps', '1', '--quiet', '--out', 'o'];
/** A limit below what the crafted files declare, so that the refusals do not depend on this machine's memory. */
const LIMIT = { CATAPULT_MEMORY_LIMIT: '128M' };
let baseline = NaN;

/** Exit 2, one line matching `pattern`, no stack trace, under 10 s, and no more than 64 MiB above a run refused at once. */
function refusedLean(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  const r = measure(args, env);
  const what = args.join(' ');
  assert.is(r.code, 2, `exit code for ${what}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `one stderr line for ${what}, got:\n${r.stderr.slice(0, 2000)}`);
  assert.ok(pattern.test(lines[0]), `'${lines[0].slice(0, 500)}' should match ${pattern}`);
  assert.ok(r.seconds < 10, `${what}: ${r.seconds.toFixed(1)} s`);
  assert.ok(
    r.peakMiB < baseline + 64,
    `${what}: peak RSS ${r.peakMiB.toFixed(0)} MiB, a run refused at once peaks at ${baseline.toFixed(0)}`,
  );
}

test.before(() => {
  baseline = measure([...train, '--model', 'linear', '--data', 'missing.npz']).peakMiB;
  assert.ok(Number.isFinite(baseline), 'the child reports its peak RSS');
});

test('an .npz lacking the arrays a command needs is refused from its directory, before 256 MiB are inflated', () => {
  fs.writeFileSync(file('a.npz'), npzOfZeros([{ name: 'A', descr: '<f8', shape: [32 * MIB] }]));
  assert.ok(fs.statSync(file('a.npz')).size < MIB, 'the file is small');
  refusedLean([...train, '--model', 'linear', '--data', 'a.npz'], /^catapult: error: a\.npz: needs arrays named X and Y, found A$/);
  refusedLean([...train, '--model', 'mlp', '--dataset', 'npz:a.npz'], /^catapult: error: a\.npz: needs an array X \(m, d\)/);
  refusedLean(
    [...train, '--model', 'warmup', '--init', 'a.npz'],
    /^catapult: error: a\.npz: missing array 'u' \(expected shape \(1000,\)\)$/,
  );
});

test('an .npz whose arrays as float64 exceed the limit is refused before inflating: |u1 counts 8 bytes an element', () => {
  // 64 MiB of |u1 inflate to 64 MiB, and become 512 MiB as float64.
  fs.writeFileSync(
    file('u1.npz'),
    npzOfZeros([
      { name: 'X', descr: '|u1', shape: [65536, 1024] },
      { name: 'labels', descr: '|u1', shape: [65536] },
    ]),
  );
  refusedLean(
    [...train, '--model', 'mlp', '--dataset', 'npz:u1.npz', '--classes', '3'],
    /^catapult: error: u1\.npz: its arrays would need 576\.\d MiB, over the memory limit of 128\.0 MiB \(CATAPULT_MEMORY_LIMIT=128M\)$/,
    LIMIT,
  );
  // A run on X and Y is sized from their headers, before either is read.
  fs.writeFileSync(
    file('xy.npz'),
    npzOfZeros([
      { name: 'X', descr: '|u1', shape: [65536, 1024] },
      { name: 'Y', descr: '<f8', shape: [65536, 1] },
    ]),
  );
  refusedLean(
    [...train, '--model', 'linear', '--width', '1', '--data', 'xy.npz'],
    /^catapult: error: a linear model of 1\.03e\+3 parameters on 65536 samples would need [\d.]+ MiB, over the memory limit of 128\.0 MiB/,
    LIMIT,
  );
});

/** An MNIST-format directory of gzipped IDX files with these shapes, all zeros. */
function idxDir(name: string, trainCount: number, testCount: number): string {
  const dir = file(name);
  fs.mkdirSync(dir);
  const files: [string, number[]][] = [
    ['train-images-idx3-ubyte.gz', [trainCount, 1, 1]],
    ['train-labels-idx1-ubyte.gz', [trainCount]],
    ['t10k-images-idx3-ubyte.gz', [testCount, 1, 1]],
    ['t10k-labels-idx1-ubyte.gz', [testCount]],
  ];
  for (const [f, dims] of files) fs.writeFileSync(path.join(dir, f), gzipZeros(idxHeaderBytes(dims), dims[0]));
  return dir;
}

test('gzipped IDX files: their inflated sizes and the labels as float64 and int32 are counted before inflating', () => {
  // 16 Mi images of one pixel and their labels: 64 MiB inflated, 192 MiB more as labels (float64, then int32).
  idxDir('idx', 16 * MIB, 1);
  refusedLean(
    [...train, '--model', 'mlp', '--dataset', 'mnist:idx', '--classes', '3'],
    /^catapult: error: mnist:idx \(idx\): its IDX files would need [\d.]+ MiB, over the memory limit of 128\.0 MiB/,
    LIMIT,
  );
});

test('CIFAR-10 batch files are counted before they are read; a directory in place of one is named', () => {
  const dir = file('cifar');
  fs.mkdirSync(dir);
  const batch = path.join(dir, 'data_batch_1.bin');
  fs.closeSync(fs.openSync(batch, 'w'));
  fs.truncateSync(batch, 100_000 * 3073); // sparse: 307 MB that take no disk
  refusedLean(
    [...train, '--model', 'mlp', '--dataset', 'cifar10:cifar', '--classes', '3'],
    /^catapult: error: cifar10:cifar: its batch files \(data_batch_1\.bin\) would need [\d.]+ MiB, over the memory limit of 128\.0 MiB/,
    LIMIT,
  );
  fs.mkdirSync(path.join(dir, 'data_batch_2.bin'));
  refusedLean(
    [...train, '--model', 'mlp', '--dataset', 'cifar10:cifar'],
    /^catapult: error: cifar\/data_batch_2\.bin: is a directory \(expected a CIFAR-10 binary batch file\)$/,
  );
});

test('sizes that cannot fit are refused before anything is drawn: train-size, depth, a figure width', () => {
  const limit = { CATAPULT_MEMORY_LIMIT: '4G' };
  refusedLean(
    [...train, '--model', 'mlp', '--dataset', 'synthetic', '--train-size', '1e7'],
    /^catapult: error: an mlp model of [\d.e+]+ parameters on 10000000 samples would need [\d.]+ GiB, over the memory limit of 4\.0 GiB/,
    limit,
  );
  refusedLean(
    [...train, '--model', 'mlp', '--width', '4', '--depth', '1000000'],
    /^catapult: error: an mlp model of [\d.e+]+ parameters in 2000002 arrays on 16 samples would need [\d.]+ GiB/,
    limit,
  );
  for (const id of ['fig2', 'figS12'])
    refusedLean(
      ['figure', id, '--width', '1e9', '--quiet', '--out', id],
      /^catapult: error: a warmup model of 2\.00e\+9 parameters on 1 samples would need [\d.]+ GiB, over the memory limit of 4\.0 GiB/,
      limit,
    );
});

test('more kernel threads than cores are refused before any worker starts', () => {
  const max = Math.max(2, os.availableParallelism());
  for (const n of [max + 1, 2000])
    refusedLean(
      ['--backend', 'wasm', '--threads', String(n), ...train, '--model', 'warmup'],
      new RegExp(
        `^catapult: error: --threads must be an integer in \\[1, ${max}\\] \\(this machine has \\d+ cores; more threads only slow the kernels down\\), got '${n}'$`,
      ),
    );
});

test.after(cleanup);
test.run();
