// Small-size checks of the sadrtdinov study: scale invariance, the sphere projection, and the regimes and accuracies of a tiny sweep.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SADRTDINOV_DEFAULTS } from '../../src/experiments/figures/sadrtdinov/options';
import { sadrtdinovData } from '../../src/experiments/figures/sadrtdinov/data';
import {
  sadrtdinovModel,
  scaleInvarianceError,
  sphereInit,
  sphereNorm,
  trainableIndices,
} from '../../src/experiments/figures/sadrtdinov/model';
import { sphereSgd } from '../../src/experiments/figures/sadrtdinov/sgd';
import { regimeOf } from '../../src/experiments/figures/sadrtdinov/regimes';
import { computeSadrtdinov } from '../../src/experiments/figures/sadrtdinov/runs';
import { summarizeRegimes } from '../../src/experiments/figures/sadrtdinov/report';

/** Sizes that run in seconds: 200 images pooled to 7×7, width 64, 300 epochs of 4 batches; fine-tuning at the smallest η. */
const TINY = {
  ...SADRTDINOV_DEFAULTS,
  dataset: 'mnist',
  width: 64,
  trainSize: 200,
  testSize: 500,
  pool: 4,
  batchSize: 50,
  epochs: 300,
  swaEpochs: 20,
  grid: [1.5e-3, 3e-2, 3],
  fineTuneLr: 1.5e-3,
  fineTuneEpochs: 20,
};

test('the loss is invariant to scaling the hidden weights, jointly and one matrix at a time (α from 1e-3 to 1e3), to 1e-12 relative', () => {
  const { train } = sadrtdinovData(TINY);
  const model = sadrtdinovModel(TINY, train.X.shape[1]);
  assert.equal(trainableIndices(model), [0, 1]); // W0, W1 trained; W2 (the last layer) fixed
  const err = scaleInvarianceError(model, sphereInit(model, 0, 1), train);
  assert.ok(err < 1e-12, `max |ΔL|/L = ${err}`);
});

test('projected SGD keeps the trained weights on the sphere to 1e-12 and leaves the last layer untouched, even at a huge η', () => {
  const { train } = sadrtdinovData(TINY);
  const model = sadrtdinovModel(TINY, train.X.shape[1]);
  const radius = 2.5,
    init = sphereInit(model, 1, radius),
    which = trainableIndices(model);
  assert.ok(Math.abs(sphereNorm(init, which) - radius) <= 1e-12 * radius);
  const r = sphereSgd(model, init, train, { lr: 100, epochs: 3, batchSize: 50, seed: 0, radius, averageEpochs: 2 });
  assert.ok(Math.abs(sphereNorm(r.params, which) - radius) <= 1e-12 * radius, `‖W‖ = ${sphereNorm(r.params, which)}`);
  assert.ok(Math.abs(sphereNorm(r.average!, which) - radius) <= 1e-12 * radius, `‖W̄‖ = ${sphereNorm(r.average!, which)}`);
  const last = init.length - 1;
  assert.equal(Array.from(r.params[last].data), Array.from(init[last].data));
  // The step did move the trained weights.
  assert.ok(r.params[0].data.some((v, i) => v !== init[0].data[i]));
});

test('the regime rule: near-zero loss converges, chance-level loss or accuracy learns nothing, in between is chaotic', () => {
  const ln10 = Math.log(10);
  assert.is(regimeOf(0.01, 1, 10), 'convergence');
  assert.is(regimeOf(0.5, 0.8, 10), 'chaotic');
  assert.is(regimeOf(ln10, 0.1, 10), 'divergence');
  assert.is(regimeOf(1.0, 0.15, 10), 'divergence'); // below twice chance accuracy
  assert.is(regimeOf(NaN, 0.5, 10), 'divergence');
});

test('tiny sweep: convergence at the smallest η, chaotic in the middle, no learning at the largest; accuracies follow', () => {
  const d = computeSadrtdinov(TINY);
  const [small, mid, large] = d.runs;
  assert.equal(
    d.runs.map((r) => r.regime),
    ['convergence', 'chaotic', 'divergence'],
    d.runs.map((r) => `${r.eta}: L̄ = ${r.windowLoss}`).join('; '),
  );
  assert.ok(summarizeRegimes(d.runs).ordered);
  // The converged run fits its training set and generalizes far above chance (0.1); the one that learned nothing does not.
  assert.ok(small.train.accuracy >= 0.95, `train accuracy ${small.train.accuracy}`);
  assert.ok(small.test.accuracy >= 0.6, `test accuracy ${small.test.accuracy}`);
  assert.ok(
    large.test.accuracy <= 0.3 && large.swa.test.accuracy <= 0.3,
    `test accuracy ${large.test.accuracy}, SWA ${large.swa.test.accuracy}`,
  );
  // From the chaotic equilibrium, both fine-tuning at the small η and weight averaging reach a lower training loss than the chaotic level.
  assert.ok(mid.fineTuned.train.loss < 0.8 * mid.windowLoss, `fine-tuned ${mid.fineTuned.train.loss} vs L̄ ${mid.windowLoss}`);
  assert.ok(mid.swa.train.loss < 0.8 * mid.windowLoss, `SWA ${mid.swa.train.loss} vs L̄ ${mid.windowLoss}`);
  assert.ok(mid.fineTuned.test.accuracy > mid.test.accuracy, `fine-tuned ${mid.fineTuned.test.accuracy} vs ${mid.test.accuracy}`);
  assert.ok(d.scaleInvariance < 1e-12);
});

test.run();
