// The update rules: every optimizer of the table against its closed form, float64 against double-double, minibatch rows
// against numpy's rule, and the records of an SGD run (the whole training set's loss, the batch's beside it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor } from '../../src/linalg/tensor';
import { RandomState } from '../../src/random/randomState';
import { gaussianData, minibatchRows, subset } from '../../src/data';
import {
  OPTIMIZER_NAMES,
  OPTIMIZER_RULES,
  OptimizerName,
  forwardPass,
  initParams,
  layerRates,
  makeModel,
  optimizerSettings,
  train,
} from '../../src/models';
import { ddFrom, ddRound } from '../../src/linalg/dd/tensor';
import { relErr } from '../util';

/**
 * One step from θ = 1.5, g = −0.25 at η = 0.1 (t = 1), written out independently of the rule table: every optimizer
 * in OPTIMIZER_NAMES needs its case here (a new one fails to compile until it has one).
 */
const FIRST_STEP: { readonly [K in OptimizerName]: { settings: object; theta1: number } } = {
  // θ − ηg
  gd: { settings: {}, theta1: 1.5 + 0.1 * 0.25 },
  // m̂ = g, v̂ = g²: θ − η·g/(|g| + ε)
  adam: { settings: { eps: 1e-8 }, theta1: 1.5 + (0.1 * 0.25) / (0.25 + 1e-8) },
  // θ(1 − ηλ) first, then Adam's step
  adamw: { settings: { weightDecay: 0.5 }, theta1: 1.5 * (1 - 0.1 * 0.5) + (0.1 * 0.25) / (0.25 + 1e-8) },
};

for (const name of OPTIMIZER_NAMES) {
  test(`${name}: the first step from θ = 1.5, g = −0.25 is the closed form to 1e-15, in float64 and in dd`, () => {
    const s = optimizerSettings({ optimizer: name, ...FIRST_STEP[name].settings });
    const rule = OPTIMIZER_RULES[name];
    const p = Float64Array.of(1.5),
      state = Array.from({ length: rule.slots(s) }, () => new Float64Array(1));
    rule.step({ p, g: Float64Array.of(-0.25), state, lr: 0.1, t: 1, s });
    assert.ok(relErr(p[0], FIRST_STEP[name].theta1) <= 1e-15, `float64 ${p[0]} vs ${FIRST_STEP[name].theta1}`);
    const pd = ddFrom(tensor([1], Float64Array.of(1.5))),
      stateDd = Array.from({ length: rule.slots(s) }, () => ddFrom(tensor([1], Float64Array.of(0))));
    rule.ddStep({ p: pd, g: ddFrom(tensor([1], Float64Array.of(-0.25))), state: stateDd, lr: 0.1, t: 1, s });
    assert.ok(relErr(ddRound(pd).data[0], FIRST_STEP[name].theta1) <= 1e-15, `dd ${pd.hi[0]}`);
  });
}

test('optimizerSettings: torch.optim defaults (AdamW decays by 0.01, Adam by 0)', () => {
  assert.equal(optimizerSettings({ optimizer: 'adam' }), {
    name: 'adam',
    momentum: 0,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
  });
  assert.is(optimizerSettings({ optimizer: 'adamw' }).weightDecay, 0.01);
  assert.is(optimizerSettings({}).name, 'gd');
});

const data = gaussianData(12, 3, 1, 0);
const model = makeModel({ kind: 'mlp', width: 16, depth: 2, act: 'tanh', param: 'ntk', sigmaW: 1.2, sigmaB: 0.3, outputs: 1, inputDim: 3 });
const init = initParams(model, 0);

test('an explicit --optimizer gd is bitwise the run without it; per-layer factors of 1 too', () => {
  const base = train(model, init, data, { lr: 0.3, steps: 20, momentum: 0.5, eigEvery: 0 });
  const gd = train(model, init, data, { lr: 0.3, steps: 20, momentum: 0.5, eigEvery: 0, optimizer: 'gd', layerLr: [1, 1, 1] });
  assert.equal(
    gd.records.map((r) => r.loss),
    base.records.map((r) => r.loss),
  );
});

for (const optimizer of ['adam', 'adamw'] as const) {
  test(`${optimizer} with minibatches: float64 follows its double-double reference to 1e-14 over 30 steps (measured 6.6e-16)`, () => {
    const o = { lr: 0.02, steps: 30, eigEvery: 0, optimizer, batch: 4, batchSeed: 7, layerLr: [1, 0.5, 2] };
    const r64 = train(model, init, data, o);
    const rDd = train(model, init, data, { ...o, precision: 'dd' });
    // Adam divides by √v̂ + ε, so a relative rounding error in g stays relative: no growth expected over 30 steps.
    const worst = Math.max(...r64.records.map((r, t) => relErr(r.loss, rDd.records[t].loss)));
    assert.ok(worst <= 1e-14, `worst relative loss deviation ${worst}`);
    assert.ok(worst > 0, 'the two arithmetics are not the same computation');
    assert.equal(
      r64.records.slice(0, -1).map((r) => Array.from(r.batch!)),
      rDd.records.slice(0, -1).map((r) => Array.from(r.batch!)),
    );
  });
}

test("minibatch rows: epoch e is numpy's e-th rs.permutation(m) of one RandomState(S), cut into B, the rest dropped", () => {
  const next = minibatchRows(10, 4, 3);
  const rs = new RandomState(3);
  for (let epoch = 0; epoch < 3; epoch++) {
    const order = Array.from(rs.permutation(10));
    assert.equal(Array.from(next()), order.slice(0, 4));
    assert.equal(Array.from(next()), order.slice(4, 8)); // rows order[8], order[9] are dropped
  }
  assert.equal(Array.from(minibatchRows(5, 5, 0)()), [0, 1, 2, 3, 4]);
});

test("SGD records the whole training set's loss at θ_t, the batch's loss and rows beside it", () => {
  const r = train(model, init, data, { lr: 0.3, steps: 6, eigEvery: 0, batch: 5, batchSeed: 1, recordParams: true });
  for (const rec of r.records.slice(0, -1)) {
    const params = rec.params!.map((p, i) => tensor(init[i].shape, p));
    const whole = forwardPass(model, params, data),
      batch = forwardPass(model, params, subset(data, rec.batch!));
    assert.is(rec.loss, whole.loss.value.data[0]);
    assert.is(rec.batchLoss, batch.loss.value.data[0]);
    whole.tape.dispose();
    batch.tape.dispose();
  }
  assert.is(r.records[r.records.length - 1].batch, undefined, 'no update follows the last record');
});

test('bad settings: one line naming the option', () => {
  assert.throws(() => train(model, init, data, { lr: 0.1, steps: 1, batch: 13 }), /--batch must be at most the 12 training rows, got 13/);
  assert.throws(() => train(model, init, data, { lr: 0.1, steps: 1, optimizer: 'adam', beta1: 1 }), /beta1 must be in \[0, 1\)/);
  assert.throws(() => train(model, init, data, { lr: 0.1, steps: 1, optimizer: 'adam', eps: -1 }), /eps must be a finite number ≥ 0/);
  assert.throws(() => layerRates(model.specs, [1, 2]), /one factor per layer: the mlp has 3/);
});

test.run();
