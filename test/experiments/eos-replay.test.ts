// python/eos_replay.py: a GD run into the edge of stability, its loss and sharpness replayed by PyTorch float64 and eigsh.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { SetupInput, saveParams, setup } from '../../src/experiments';
import { writeNpz } from '../../src/io/npz';
import { TORCH_PYTHON, torchPythonHas } from '../util';
import { scratch } from '../cli/helpers';

const REPLAY = path.resolve(__dirname, '../../../python/eos_replay.py');
/** Two float64 computations in their own reduction orders, eigsh at machine precision: rounding, grown over the steps. */
const REPLAY_TOL = 1e-10;
const STEPS = 100;
/** The edge of stability: S·η/2 = 1 (GD's stability limit on a quadratic); "reached" from 90% of it on. */
const EDGE_FRACTION = 0.9;

interface ReplayCase {
  name: string;
  setup: SetupInput;
  /** η relative to the curvature at θ_0 (`Cx` = C·2/λ0, λ0 the NTK's for MSE and the loss Hessian's for ce). */
  lr: string;
  /** A short run of a rebuild's other branches (no claim about the edge); STEPS otherwise. */
  steps?: number;
}

// Standard parameterization, biases, two hidden layers. The tanh net sharpens progressively from S·η/2 = 0.83 to past
// the edge and oscillates about it; the relu net on cross-entropy starts past it (1.6), falls back and hovers at it
// for some 15 steps before the loss's decay flattens it.
const CASES: ReplayCase[] = [
  {
    name: 'tanh, MSE, 60 MNIST digits',
    setup: { model: 'mlp', act: 'tanh', width: 32, dataset: 'mnist', trainSize: 60, testSize: 0 },
    lr: '1.2x',
  },
  {
    name: 'relu, cross-entropy, 100 synthetic-teacher samples',
    setup: { model: 'mlp', act: 'relu', width: 32, dataset: 'synthetic', inputDim: 20, trainSize: 100, testSize: 0, loss: 'ce' },
    lr: '1.6x',
  },
  {
    name: 'μP tanh, MSE, Gaussian data (the readout times n0/n, per-layer rates)',
    setup: { model: 'mlp', act: 'tanh', param: 'mup', mupBase: 4, width: 16, samples: 20, inputDim: 5 },
    lr: '0.6x',
    steps: 20,
  },
];

const { run, file, cleanup } = scratch('catapult-eos-replay-');

/** A run directory as the replay reads it: init.npz and data.npz from the library, then `catapult train` from them. */
function trainedRun(c: ReplayCase, dir: string): void {
  fs.mkdirSync(dir);
  const s = setup({ param: 'standard', depth: 2, sigmaB: 0.1, seed: 1, ...c.setup });
  const param = s.model.config.param;
  saveParams(path.join(dir, 'init.npz'), s.model, s.init);
  writeNpz(path.join(dir, 'data.npz'), { X: s.data.X, Y: s.data.Y });
  const r = run([
    'train',
    ...['--model', 'mlp', '--act', c.setup.act!, '--param', param, ...(param === 'mup' ? ['--mup-base', String(c.setup.mupBase)] : [])],
    ...['--loss', c.setup.loss ?? 'mse'],
    ...['--init', path.join(dir, 'init.npz'), '--data', path.join(dir, 'data.npz')],
    ...['--track', 'hessian', '--eig-every', '1', '--steps', String(c.steps ?? STEPS), '--lr', c.lr, '--out', dir, '--quiet'],
  ]);
  assert.is(r.code, 0, r.stderr);
}

/** The largest S·η/2 after step 0 (where the run got to by itself), from trajectory.csv and summary.json. */
function edgeReached(dir: string): number {
  const eta = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).eta;
  const [header, ...rows] = fs.readFileSync(path.join(dir, 'trajectory.csv'), 'utf8').trim().split('\n');
  const col = header.split(',').indexOf('hessian');
  return Math.max(...rows.slice(1).map((r) => (Number(r.split(',')[col]) * eta) / 2));
}

function replay(dir: string, steps = STEPS) {
  return spawnSync(TORCH_PYTHON, [REPLAY, dir, '--steps', String(steps), '--tol', String(REPLAY_TOL)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** A copy of a run directory with one file's text edited. */
function edited(from: string, to: string, name: string, edit: (text: string) => string): string {
  fs.cpSync(from, to, { recursive: true });
  const f = path.join(to, name);
  fs.writeFileSync(f, edit(fs.readFileSync(f, 'utf8')));
  return to;
}

if (!torchPythonHas('torch, scipy, numpy')) {
  console.log(`  skipped: python/eos_replay.py needs ${TORCH_PYTHON} with torch, scipy and numpy (Debian python3-torch, python3-scipy)`);
} else {
  for (const [i, c] of CASES.entries()) {
    const steps = c.steps ?? STEPS;
    const edge = c.steps === undefined ? `GD reaches S·η/2 ≥ ${EDGE_FRACTION}, and ` : '';
    test(`${c.name}: ${edge}PyTorch float64 with eigsh replays its loss and sharpness over ${steps} steps within ${REPLAY_TOL}`, () => {
      const dir = file(`case${i}`);
      trainedRun(c, dir);
      if (edge) assert.ok(edgeReached(dir) >= EDGE_FRACTION, `largest S·η/2 after step 0 is ${edgeReached(dir)}`);
      const r = replay(dir, steps);
      assert.is(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, `replayed t = 0 ... ${steps} `);
      assert.match(r.stdout, `replay agrees within ${REPLAY_TOL}`);
    });
  }

  test('a sharpness 1e-8 off at one step is a departure: exit 1 naming the sharpness', () => {
    const dir = edited(file('case0'), file('off'), 'trajectory.csv', (text) => {
      const lines = text.split('\n'),
        cells = lines[3].split(','),
        col = lines[0].split(',').indexOf('hessian');
      cells[col] = String(Number(cells[col]) * (1 + 1e-8));
      lines[3] = cells.join(',');
      return lines.join('\n');
    });
    const r = replay(dir, 3);
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /sharpness max relative difference 1\.000e-08 at t = 2/);
    assert.match(r.stdout, `DEPARTS beyond ${REPLAY_TOL}: sharpness`);
  });

  /** trajectory.csv with the sharpness blanked on the rows `which` picks (as --eig-every leaves unmeasured steps). */
  const blanked = (which: (t: number) => boolean) => (text: string) => {
    const lines = text.split('\n'),
      col = lines[0].split(',').indexOf('hessian');
    return lines
      .map((line, i) => {
        if (i === 0 || line === '' || !which(i - 1)) return line;
        const cells = line.split(',');
        cells[col] = '';
        return cells.join(',');
      })
      .join('\n');
  };

  test('steps without the sharpness (--eig-every > 1) are compared on the loss only, and the replay still agrees', () => {
    const r = replay(
      edited(
        file('case0'),
        file('sparse'),
        'trajectory.csv',
        blanked((t) => t % 5 !== 0),
      ),
    );
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /sharpness max relative difference \S+ at t = \d*[05]\n/);
  });

  test('what the replay does not rebuild (a minibatch run, no sharpness at all) is one line and exit 2', () => {
    const sgd = edited(file('case0'), file('sgd'), 'trajectory.csv', (text) => text.replace('param_norm\n', 'param_norm,batch_loss\n'));
    const blank = edited(
      file('case0'),
      file('blank'),
      'trajectory.csv',
      blanked(() => true),
    );
    for (const [dir, pattern] of [
      [sgd, /trajectory\.csv: a minibatch SGD run \(column batch_loss\) is not replayed/],
      [blank, /trajectory\.csv: no sharpness recorded in the steps compared/],
    ] as const) {
      const r = replay(dir);
      assert.is(r.status, 2, r.stdout + r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.is(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    }
  });
}

test.after(cleanup);
test.run();
