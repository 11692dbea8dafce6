// python/critical_reference.py: phase-sweep --critical's c_loss, c_sharp, c_max (and c_barrier) found again by PyTorch float64 GD and eigsh.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { saveParams, setup } from '../../src/experiments';
import { writeNpz } from '../../src/io/npz';
import { TORCH_PYTHON, torchPythonHas } from '../util';
import { scratch } from '../cli/helpers';

const REFERENCE = path.resolve(__dirname, '../../../python/critical_reference.py');
// Kalra & Barkeshli's nets (NTK, ReLU, no biases, σ_w² = 2, readout σ_w = 1), 5 hidden layers of width 64, on 16
// Gaussian points in 4 dimensions: its sweep has a sharpness-reduction phase (c_sharp > c_loss) and c_loss > 2.
const NET = {
  model: 'mlp',
  param: 'ntk',
  act: 'relu',
  width: 64,
  depth: 5,
  bias: false,
  readoutSigmaW: 1,
  samples: 16,
  inputDim: 4,
  seed: 1,
} as const;

const { run, file, cleanup } = scratch('catapult-critical-reference-');

if (!torchPythonHas('torch, scipy, numpy')) {
  console.log(
    `  skipped: python/critical_reference.py needs ${TORCH_PYTHON} with torch, scipy and numpy (Debian python3-torch, python3-scipy)`,
  );
} else {
  test('ReLU MLP (NTK, width 64, 5 layers) on the 2^x grid, T = 10: PyTorch float64 GD + eigsh finds the same c_loss, c_sharp, c_max, c_barrier', () => {
    const dir = file('net');
    fs.mkdirSync(dir);
    const s = setup(NET);
    saveParams(path.join(dir, 'init.npz'), s.model, s.init);
    writeNpz(path.join(dir, 'data.npz'), { X: s.data.X, Y: s.data.Y });
    const model = ['--model', 'mlp', '--param', 'ntk', '--act', 'relu', '--bias', 'false', '--readout-sigma-w', '1'];
    const r = run(['phase-sweep', '--critical', ...model, '--init', 'net/init.npz', '--data', 'net/data.npz', '--out', 'net', '--quiet']);
    assert.is(r.code, 0, r.stderr);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'critical.json'), 'utf8'));
    assert.ok(
      json.c_loss < json.c_sharp && json.c_sharp <= json.c_max,
      `c_loss ${json.c_loss}, c_sharp ${json.c_sharp}, c_max ${json.c_max}`,
    );
    const ref = spawnSync(TORCH_PYTHON, [REFERENCE, dir], { encoding: 'utf8', timeout: 300_000 });
    assert.is(ref.status, 0, ref.stdout + ref.stderr);
    for (const k of ['c_loss', 'c_sharp', 'c_max', 'c_barrier'])
      assert.match(ref.stdout, new RegExp(`${k} +reference \\S+ +catapult \\S+ +same grid point`));
    assert.match(ref.stdout, 'constants agree');
  });

  test('what the reference does not rebuild (a minibatch run) is one line and exit 2', () => {
    const dir = file('sgd');
    fs.cpSync(file('net'), dir, { recursive: true });
    const f = path.join(dir, 'critical.json');
    const json = JSON.parse(fs.readFileSync(f, 'utf8'));
    json.settings.train.batch = 8;
    fs.writeFileSync(f, JSON.stringify(json));
    const ref = spawnSync(TORCH_PYTHON, [REFERENCE, dir], { encoding: 'utf8', timeout: 60_000 });
    assert.is(ref.status, 2, ref.stdout + ref.stderr);
    assert.is(ref.stderr.trimEnd().split('\n').length, 1, ref.stderr);
    assert.match(ref.stderr, /the reference runs plain full-batch GD only/);
  });
}

test.after(cleanup);
test.run();
