// phase-sweep --critical: the constants checked against their definitions on every point's data, GD and SGD; the grid; refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  BARRIER_SEGMENTS,
  CRITICAL_MAX_LOSS,
  CriticalResult,
  criticalSweep,
  hasBarrier,
  parseCriticalGrid,
  saveParams,
  setup,
} from '../../src/experiments';
import { hessianAt } from '../../src/models';
import { writeNpz } from '../../src/io/npz';
import { rejects as throwsLine } from '../util';
import { scratch } from '../cli/helpers';

const HORIZON = 6;
// A small NTK ReLU net without biases (Kalra & Barkeshli's nets, narrower): its losses rise, and it diverges, on the grid.
const SMALL = {
  model: 'mlp',
  param: 'ntk',
  act: 'relu',
  width: 16,
  depth: 2,
  bias: false,
  readoutSigmaW: 1,
  samples: 8,
  inputDim: 3,
  seed: 3,
} as const;
const GRID = '2^0:6:0.25';

const { run, rejects, file, cleanup } = scratch('catapult-critical-');

/** The constants recomputed from the per-point data by the definitions, and the shape of every point. */
function checkDefinitions(r: CriticalResult, cs: readonly number[]): void {
  const T = r.horizon;
  const divergent = r.points.findIndex((p) => p.diverged_at !== null);
  // The grid runs in order up to and with its first divergence, and no further.
  assert.equal(
    r.points.map((p) => p.c),
    cs.slice(0, divergent < 0 ? cs.length : divergent + 1),
  );
  for (const p of r.points) {
    assert.is(p.eta, p.c / r.hessian0, `η = c/λ_H0 at c = ${p.c}`);
    assert.is(p.losses[0], r.loss0);
    assert.is(p.hessians[0], r.hessian0, 'λ_H at step 0 is λ_H0, measured the same way');
    if (p.diverged_at === null) {
      assert.is(p.losses.length, T + 1);
      assert.is(p.hessians.length, T + 1, 'λ_H at every step of the horizon');
      assert.is(p.line_losses!.length, BARRIER_SEGMENTS + 1);
      assert.is(p.line_losses![0], p.losses[0]);
      assert.is(p.line_losses![BARRIER_SEGMENTS], p.losses[T]);
      assert.ok(p.losses.every((L) => Number.isFinite(L) && L <= CRITICAL_MAX_LOSS));
    } else {
      const L = p.losses[p.diverged_at];
      assert.ok(!(L <= CRITICAL_MAX_LOSS), `the divergent loss ${L}`);
      assert.is(p.hessians.length, p.diverged_at, 'λ_H on the steps before the divergence');
    }
  }
  const rose = (xs: number[], x0: number) => xs.slice(1).some((x) => x > x0);
  const first = (has: (i: number) => boolean) => r.points.find((_, i) => has(i))?.c ?? null;
  const pts = r.points;
  assert.is(
    r.c_loss,
    first((i) => pts[i].diverged_at !== null || rose(pts[i].losses, r.loss0)),
  );
  assert.is(
    r.c_sharp,
    first((i) => rose(pts[i].hessians, r.hessian0)),
  );
  assert.is(
    r.c_barrier,
    first((i) => pts[i].line_losses !== null && hasBarrier(pts[i].line_losses!)),
  );
  assert.is(r.c_max, divergent > 0 ? pts[divergent - 1].c : null);
  assert.is(r.first_divergent_c, divergent < 0 ? null : pts[divergent].c);
  // Each point's flags as the definitions read its data.
  for (const p of pts) {
    assert.is(p.loss_rose, p.diverged_at !== null || rose(p.losses, r.loss0));
    assert.is(p.sharpness_rose, rose(p.hessians, r.hessian0));
    const line = p.line_losses;
    assert.is(p.barrier, line === null ? null : line.slice(1, -1).some((L) => L > Math.max(line[0], line[BARRIER_SEGMENTS])));
  }
}

test('the grid: 2^a:b:h is c = 2^x with x = a + i·h (not repeated addition), a:b:h and lists; bad grids are one line', () => {
  const cs = parseCriticalGrid('2^0:10:0.1');
  assert.is(cs.length, 101);
  assert.is(cs[3], 2 ** 0.3, 'x = 0.3, not 0.1 + 0.1 + 0.1');
  assert.is(cs[10], 2);
  assert.equal(parseCriticalGrid('1:2:0.5'), [1, 1.5, 2]);
  assert.equal(parseCriticalGrid('1,2.5,4'), [1, 2.5, 4]);
  throwsLine(() => parseCriticalGrid('2,1'), /--cs '2,1' must give increasing finite values of c > 0/);
  throwsLine(() => parseCriticalGrid('0,1'), /c > 0/);
  throwsLine(() => parseCriticalGrid('2^0:2000:1'), /increasing finite values/);
  throwsLine(() => parseCriticalGrid('1:2'), /must be start:stop:step/);
  throwsLine(() => parseCriticalGrid('0x10'), /'0x10' is not a decimal number/);
});

test('GD on a small ReLU net: the constants are what the definitions give on the recorded points, in their order', () => {
  const s = setup(SMALL);
  const cs = parseCriticalGrid(GRID);
  const r = criticalSweep(s, { cs, horizon: HORIZON });
  assert.is(r.hessian0, hessianAt(s.model, s.init, s.data));
  checkDefinitions(r, cs);
  for (const k of ['c_loss', 'c_sharp', 'c_max'] as const) assert.ok(r[k] !== null, `${k} is on the grid`);
  assert.ok(r.c_loss! <= r.c_max! && r.c_sharp! <= r.c_max!, JSON.stringify({ ...r, points: undefined }));
});

test('SGD (--batch 4 of 8 rows): the same definitions on the whole training set, through the CLI; critical.json records the settings', () => {
  const s = setup(SMALL);
  saveParams(file('init.npz'), s.model, s.init);
  writeNpz(file('data.npz'), { X: s.data.X, Y: s.data.Y });
  const model = ['--model', 'mlp', '--param', 'ntk', '--act', 'relu', '--bias', 'false', '--readout-sigma-w', '1'];
  const given = [...model, '--init', 'init.npz', '--data', 'data.npz', '--cs', GRID, '--horizon', String(HORIZON)];
  const r = run(['phase-sweep', '--critical', ...given, '--batch', '4', '--out', 'sgd', '--quiet']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /c_loss +=/);
  const json = JSON.parse(fs.readFileSync(path.join(file('sgd'), 'critical.json'), 'utf8'));
  assert.equal(json.settings.train, { optimizer: 'gd', batch: 4, momentum: 0, l2: 0 });
  assert.is(json.settings.horizon, HORIZON);
  assert.is(json.settings.max_loss, CRITICAL_MAX_LOSS);
  assert.equal(json.grid, parseCriticalGrid(GRID));
  checkDefinitions(json, parseCriticalGrid(GRID));
  // Minibatches make other steps than GD's: the sweep is not GD's under another name.
  const gd = criticalSweep(s, { cs: parseCriticalGrid(GRID), horizon: HORIZON });
  assert.not.equal(json.points[0].losses, gd.points[0].losses);
});

test('flags that do not apply are refused in one line: --horizon and --cs without --critical, what --critical fixes beside it', () => {
  const base = ['phase-sweep', '--model', 'mlp', '--width', '4', '--samples', '4', '--input-dim', '2', '--out', 'refused'];
  rejects([...base, '--horizon', '5'], /--horizon needs --critical/);
  rejects([...base, '--cs', '1,2'], /--cs needs --critical/);
  for (const [flag, value, why] of [
    ['--lrs', '1x,2x', /the grid is --cs/],
    ['--steps', '10', /the run length is --horizon/],
    ['--eig-every', '2', /measured at every step/],
    ['--track', 'hessian', /tracked at every step/],
    ['--max-loss', '1e3', /a divergence is a loss above 100000/],
    ['--precision', 'dd', /float64 only/],
  ] as const)
    rejects([...base, '--critical', flag, value], new RegExp(`${flag} does not apply with --critical: .*${why.source}`));
  rejects([...base, '--critical', '--horizon', '0'], /--horizon must be an integer ≥ 1/);
  rejects([...base, '--critical', '--cs', '2^0:1:0'], /--cs '2\^0:1:0' needs a step > 0/);
  assert.not.ok(fs.existsSync(file('refused/critical.json')));
});

test.after(cleanup);
test.run();
