// A busy run stops on SIGTERM (Slurm preemption, `kill`), and an output path that cannot hold directories fails at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, npyBytes, scratch } from './helpers';
import { serializeNpz } from '../../src/io/npz';

const { dir, rejects, cleanup } = scratch('catapult-signals-');

test('SIGTERM ends a long synchronous training run within a second', async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'train', '--model', 'warmup', '--width', '100000', '--lr', '1x', '--steps', '1000000', '--quiet', '--out', 'long'],
    { cwd: dir, stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 1500));
  const sent = Date.now();
  child.kill('SIGTERM');
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
  const waited = Date.now() - sent;
  if (signal === null) child.kill('SIGKILL');
  assert.is(signal, 'SIGTERM');
  assert.ok(waited < 1000, `exited ${waited} ms after SIGTERM`);
});

test('train streams trajectory.csv as it runs: a run killed mid-way keeps every step it finished, in whole lines', async () => {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'train',
      '--model',
      'warmup',
      '--width',
      '1000',
      '--lr',
      '1x',
      '--steps',
      '200000',
      '--eig-every',
      '0',
      '--quiet',
      '--out',
      'streamed',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const csv = path.join(dir, 'streamed', 'trajectory.csv');
  const lines = () => (fs.existsSync(csv) ? fs.readFileSync(csv, 'utf8').split('\n') : []);
  const deadline = Date.now() + 30_000;
  while (lines().length < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const got = lines();
  assert.ok(got.length >= 2000, `rows on disk before the kill: ${got.length}`);
  assert.is(got[0], 't,t_eta,loss,lambda,hessian,param_norm');
  const whole = got.slice(1, -1); // the text after the last newline may be a line cut by the kill
  whole.forEach((l, i) => assert.is(Number(l.split(',')[0]), i, `row ${i} is step ${i}`));
});

test('an error after the progress bar started is still the only stderr line (off a terminal, progress waits 5 s)', () => {
  const X = Buffer.from(Float64Array.of(1, NaN, 2, 3).buffer),
    Y = Buffer.from(Float64Array.of(1, -1).buffer);
  fs.writeFileSync(path.join(dir, 'nan.npz'), serializeNpz({ X: npyBytes('<f8', [2, 2], X), Y: npyBytes('<f8', [2, 1], Y) }));
  // The sweep reports progress (0 of 1 runs) before its worker reads the data and fails.
  rejects(
    ['sweep', '--model', 'linear', '--width', '8', '--data', 'nan.npz', '--lrs', '1x', '--steps', '2', '--out', 'sw'],
    /nan\.npz: X contains NaN or infinite values/,
  );
});

test('--out under /proc (mkdir gets ENOENT below an existing parent) is a one-line error, not a spin', () => {
  const started = Date.now();
  rejects(
    ['train', '--model', 'warmup', '--lr', '1', '--steps', '1', '--quiet', '--out', '/proc/catapult-x/y'],
    /cannot create output directory \/proc\/catapult-x\/y: ENOENT/,
  );
  assert.ok(Date.now() - started < 10_000);
});

test.after(cleanup);
test.run();
