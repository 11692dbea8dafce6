// Sizes that cannot fit are refused before anything is allocated, with one line saying what they would need.
import { test } from 'uvu';
import * as os from 'os';
import * as assert from 'uvu/assert';
import { scratch } from './helpers';

const { rejects, cleanup } = scratch('catapult-limits-');
const train = ['train', '--lr', '1', '--steps', '1', '--quiet', '--out', 'o'];

/** Refused, and quickly: the estimate runs before any allocation. */
function refusedFast(args: string[], pattern: RegExp): void {
  const started = Date.now();
  rejects(args, pattern);
  assert.ok(Date.now() - started < 15_000, `${args.join(' ')}: refused in ${Date.now() - started} ms`);
}

test('a model too large for memory: width, depth', () => {
  refusedFast(
    [...train, '--model', 'mlp', '--width', '100000000'],
    /an mlp model of 1\.00e\+9 parameters on 16 samples would need [\d.]+ GiB, over the memory limit of [\d.]+ GiB \(half of this machine's [\d.]+ GiB; CATAPULT_MEMORY_LIMIT sets it\)$/,
  );
  refusedFast(
    [...train, '--model', 'mlp', '--depth', '100000'],
    /an mlp model of 1\.00e\+11 parameters in 200002 arrays on 16 samples would need/,
  );
  refusedFast(
    ['oracle', '--model', 'warmup', '--width', '10000000000', '--lr', '1', '--out', 'g.json'],
    /a warmup model of 2\.00e\+10 parameters/,
  );
});

test('data too large for memory, and a trajectory too long to keep', () => {
  refusedFast(
    [...train, '--model', 'linear', '--samples', '1000000000'],
    /Gaussian data of 1000000000 samples × 8 inputs would need [\d.]+ GiB/,
  );
  // A golden file holds every step in memory; `train` streams its trajectory instead (see signals.test.ts).
  refusedFast(
    ['oracle', '--model', 'warmup', '--lr', '1', '--steps', '1e12', '--out', 'g.json'],
    /a trajectory of 1000000000000 steps would need [\d.]+ GiB/,
  );
});

test('more sweep workers than cores', () => {
  const n = os.availableParallelism() + 1;
  refusedFast(
    ['sweep', '--model', 'warmup', '--lrs', '1x', '--workers', String(n), '--quiet', '--out', 'sw'],
    new RegExp(`--workers ${n}: this machine has ${n - 1} cores`),
  );
});

test('a full disk is one line naming the file (/dev/full answers every write with ENOSPC)', () => {
  if (!require('fs').existsSync('/dev/full')) return void console.log('  skipped: no /dev/full on this machine');
  rejects(
    ['train', '--model', 'warmup', '--lr', '1', '--steps', '1', '--quiet', '--out', 'o', '--save-params', '/dev/full'],
    /^catapult: error: \/dev\/full: cannot write \(no space left on the device\)$/,
  );
});

test.after(cleanup);
test.run();
