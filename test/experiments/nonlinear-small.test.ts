// Small-size checks of the nonlinear experiments figS7, figS8 and figS10: what the paper predicts, at widths that run in seconds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstRows, loadClassification, parseDatasetSpec } from '../../src/data';
import { computeFigS7, FIGS7_DEFAULTS } from '../../src/experiments/figures/lewkowycz2020/nonlinear/figS7Runs';
import { computeFigS10, FIGS10_DEFAULTS } from '../../src/experiments/figures/lewkowycz2020/nonlinear/figS10';
import { gd, mlpInstance } from '../../src/experiments/figures/common';

test('identity net, momentum 0.9 at η = 1.5·(2/λ0): loss ≤ 1e-6·L0 within 200 steps (linear-model limit 2(1+γ)/λ0 = 3.8/λ0)', () => {
  const { train } = loadClassification(parseDatasetSpec('mnist'), { trainSize: 100, testSize: 0, seed: 0 });
  const inst = mlpInstance({ width: 128, depth: 2, act: 'identity' }, firstRows(train, 20), 0);
  // η·λ0 = 3 is above GD's limit 2 but below 2(1+γ) = 3.8, where every mode of a linear model contracts (by √γ per step at the top).
  const r = gd(inst, 3 / inst.lambdaNtk0, { steps: 200, eigEvery: 0, momentum: 0.9, convergeFraction: 1e-6, stopAtConvergence: true });
  assert.is(r.diverged, null);
  assert.ok(r.convergedAt !== null, `loss after 200 steps: ${r.records[r.records.length - 1].loss / r.loss0}·L0`);
});

test("figS7: η_max·λ0 is bisected to ≤ 1e-3 relative, agrees with its scan, and lies above the uv model's 4", () => {
  const grid = [1, 2.5, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16];
  const d = computeFigS7({ ...FIGS7_DEFAULTS, width: 256, grid, trajectories: [], relTol: 1e-4 });
  const e = d.trainEdge;
  assert.ok(Number.isFinite(e.below) && e.below < e.above && e.above - e.below <= 1e-3 * e.above, `bracket [${e.below}, ${e.above}]`);
  // The bracket sits inside the scan's first trained-to-failed step.
  const first = d.grid.findIndex((g) => g.outcome !== 'trained');
  assert.ok(first > 0 && d.grid[first - 1].etaLambda0 <= e.below && e.above <= d.grid[first].etaLambda0);
  // In the uv model ηλ > 4 makes λ grow (eq. 7) and GD diverges. In the ReLU net the large early updates push
  // pre-activations below zero, and each unit that switches off leaves the kernel: λ can fall below 2/η instead.
  assert.ok(e.below > 4, `η_max·λ0 = ${e.below}`);
  // Past the edge the loss does not blow up for good: the runs at η·λ0 ≥ 12 end with every last-layer unit dead (f = 0).
  for (const g of d.grid.filter((x) => x.etaLambda0 >= 12)) {
    assert.ok(g.outcome === 'dead' || g.uncapped === 'dead', `η·λ0 = ${g.etaLambda0}: ${g.outcome}/${g.uncapped}`);
    if (g.outcome === 'dead') assert.is(g.fT, 0);
  }
});

test('figS10: c_act (tanh, SGD) is a finite bisected bracket that agrees with its scan', () => {
  const grid = [1, 2, 3, 4, 5, 6, 8, 10];
  const o = { ...FIGS10_DEFAULTS, width: 64, trainSize: 100, batchSize: 20, lambdaSamples: 20, grid, trajectories: [] };
  const d = computeFigS10(o);
  const e = d.edge;
  assert.ok(
    Number.isFinite(e.below) && Number.isFinite(e.above) && e.below < e.above && e.above - e.below <= o.relTol * e.above,
    `bracket [${e.below}, ${e.above}]`,
  );
  const first = d.grid.findIndex((g) => g.diverged);
  assert.ok(first > 0, 'the scan has a stable-to-divergent step');
  assert.ok(d.grid[first - 1].etaLambda0 <= e.below && e.above <= d.grid[first].etaLambda0);
  // Every run that did not diverge has a measured λ; every divergent one none.
  for (const g of d.grid) assert.is(g.lambdaT === null, g.diverged);
});

test.run();
