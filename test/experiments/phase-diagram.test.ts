// The phase-diagram figure at its CI size: the sweeps' files, a peer's CLI replay bit for bit, the checkpoint, the report's checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { SUITES, figureById } from '../../src/experiments/figures';
import { runSpec } from '../../src/experiments/figures/reproduce';
import { criticalConstants } from '../../src/experiments/sweep/critical';
import { PHASE_DIAGRAM_DEFAULTS } from '../../src/experiments/figures/kalra2023/options';
import { PhaseSweep, sweepKeys, sweepName, standardizeExamples } from '../../src/experiments/figures/kalra2023/sweeps';
import { ordering } from '../../src/experiments/figures/kalra2023/analysis';
import { tensor } from '../../src/linalg/tensor';
import { scratch } from '../cli/helpers';

const { run, file, cleanup } = scratch('catapult-phase-diagram-');
const DIR = file('phase-diagram');
const fig = figureById('phase-diagram');
const first = (async () => runSpec(fig, DIR, { seed: 0, full: false }, () => {}))();

const readJson = (p: string) => JSON.parse(fs.readFileSync(path.join(DIR, p), 'utf8'));
const NAMES = sweepKeys(PHASE_DIAGRAM_DEFAULTS).map(sweepName);

test('the phases suite is the phase diagram; its CI run has one sweep per (panel, d, w, seed), with init.npz and critical.json each', async () => {
  assert.equal(
    SUITES.phases.map((f) => f.id),
    ['phase-diagram'],
  );
  const r = await first;
  assert.is(NAMES.length, 16);
  for (const f of ['report.md', 'critical.csv', 'critical.json', 'cells.csv', 'data.npz', 'phase_diagram_gd.svg', 'phase_diagram_sgd.svg'])
    assert.ok(fs.existsSync(path.join(DIR, f)), f);
  for (const n of NAMES) for (const f of ['init.npz', 'critical.json']) assert.ok(r.files.includes(`runs/${n}/${f}`), `runs/${n}/${f}`);
  // Two checks of growth, one of the lazy limit and one of the ordering, per panel.
  assert.is(r.checks.length, 8);
});

test('every sweep: η = c/λ_H0 at each point, its constants are the definitions applied to its points, the grid is K&B-style 2^x', async () => {
  await first;
  for (const n of NAMES) {
    const s = readJson(`runs/${n}/critical.json`);
    for (const p of s.points) assert.is(p.eta, p.c / s.hessian0, n);
    assert.equal((({ c_loss, c_sharp, c_max, c_barrier }) => ({ c_loss, c_sharp, c_max, c_barrier }))(s), criticalConstants(s.points), n);
    assert.is(s.points[0].c, 1, `${n}: the grid starts at c = 2^0`);
    // Each point's horizon: T + 1 losses unless it diverged, and a divergence only at the last point run.
    s.points.forEach((p: { losses: number[]; diverged_at: number | null }, i: number) => {
      if (p.diverged_at === null) assert.is(p.losses.length, PHASE_DIAGRAM_DEFAULTS.horizon + 1, n);
      else assert.is(i, s.points.length - 1, n);
    });
  }
});

test("a peer's replay: the command in critical.json recomputes a GD and an SGD sweep bit for bit from init.npz and data.npz", async () => {
  await first;
  for (const n of ['gd-d4-w64-s1', 'sgd-d4-w64-s0']) {
    const mine = readJson(`runs/${n}/critical.json`);
    const args = (mine.replay as string).split(' ').slice(1);
    const r = run([
      ...args.map((a) => (a.startsWith('runs/') || a === 'data.npz' || a.startsWith('replay/') ? path.join(DIR, a) : a)),
      '--quiet',
    ]);
    assert.is(r.code, 0, r.stderr);
    const peer = JSON.parse(fs.readFileSync(path.join(DIR, 'replay', n, 'critical.json'), 'utf8'));
    for (const k of ['c_loss', 'c_sharp', 'c_max', 'c_barrier', 'hessian0', 'loss0', 'first_divergent_c', 'points'])
      assert.equal(peer[k], mine[k], `${n}: ${k}`);
    assert.is(peer.settings.train.batch, n.startsWith('sgd') ? PHASE_DIAGRAM_DEFAULTS.batch : null);
  }
});

test('a rerun into the same directory resumes every sweep from the checkpoint and writes the same tables', async () => {
  await first;
  const before = fs.readFileSync(path.join(DIR, 'critical.json'), 'utf8');
  const t0 = Date.now();
  await runSpec(fig, DIR, { seed: 0, full: false }, () => {});
  assert.ok(Date.now() - t0 < 20_000, 'resumed, not recomputed');
  assert.match(fs.readFileSync(path.join(DIR, 'report.md'), 'utf8'), /\(16 resumed from an earlier run\)/);
  assert.is(fs.readFileSync(path.join(DIR, 'critical.json'), 'utf8'), before);
});

test('standardizeExamples: each row mean 0 and variance 1 (1e-15); a constant row is refused, naming the example', () => {
  const d = standardizeExamples({
    X: tensor([2, 4], Float64Array.from([1, 2, 3, 4, -1, 0, 0, 5])),
    Y: tensor([2, 1], Float64Array.from([0, 1])),
    source: 'toy',
  });
  for (let i = 0; i < 2; i++) {
    const row = Array.from(d.X.data.subarray(4 * i, 4 * i + 4));
    const mean = row.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(mean) < 1e-15, `mean ${mean}`);
    assert.ok(Math.abs(row.reduce((a, v) => a + v * v, 0) / 4 - 1) < 1e-15);
  }
  assert.throws(
    () =>
      standardizeExamples({ X: tensor([1, 3], Float64Array.from([2, 2, 2])), Y: tensor([1, 1], Float64Array.from([0])), source: 'toy' }),
    /toy: example 0 is constant/,
  );
});

test('ordering: holds, fails, or is undetermined when both sides lie beyond the grid run', () => {
  const sweep = (c_loss: number | null, c_sharp: number | null, c_max: number | null, first_divergent_c: number | null) =>
    ({ result: { c_loss, c_sharp, c_max, c_barrier: null, first_divergent_c } }) as unknown as PhaseSweep;
  assert.is(ordering(sweep(2, 3, 8, 9)), 'holds');
  assert.is(ordering(sweep(3, 2, 8, 9)), 'fails');
  // c_sharp not reached before the divergence lies above c_max.
  assert.is(ordering(sweep(2, null, 8, 9)), 'fails');
  // Nothing diverged: c_max is beyond the grid; c_sharp found below it holds, c_sharp missing too is undetermined.
  assert.is(ordering(sweep(2, 3, null, null)), 'holds');
  assert.is(ordering(sweep(2, null, null, null)), 'undetermined');
  assert.is(ordering(sweep(null, null, null, null)), 'undetermined');
  // The first point diverged: c_max lies below the grid.
  assert.is(ordering(sweep(1, 1, null, 1)), 'fails');
});

test.after(cleanup);
test.run();
