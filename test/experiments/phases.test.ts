// The "must show" 1–4 on the warmup (uv) and full linear models, with GD and Lanczos λ from the engine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Instance } from '../../src/experiments/figures/common';
import { BOUNDARIES_DEFAULTS, boundariesOf } from '../../src/experiments/figures/lewkowycz2020/linear/boundaries';
import { exactUpdateCheck } from '../../src/experiments/figures/lewkowycz2020/linear/full';
import { warmupInstance, linearInstance, gd } from '../../src/experiments/figures/common';

const N = 1000;
// The full model of §2.2 as the `full` and `boundaries` experiments run it: m = 8 samples in d = 32 ≥ m dimensions.
const MODELS: [string, () => Instance][] = [
  ['warmup', () => warmupInstance(N, 0)],
  ['full', () => linearInstance(N, 8, 32, 0, 0)],
];

for (const [name, make] of MODELS) {
  const inst = make();
  for (const c of [1.0, 1.8]) {
    test(`${name}, lazy η·λ0 = ${c}: λ_t within 1% of λ0 at every step, loss falls monotonically`, () => {
      const r = gd(inst, c / inst.lambdaNtk0, { steps: 3000, eigEvery: 1, stopAtConvergence: true });
      assert.ok(r.convergedAt !== null, 'converges');
      let prev = Infinity;
      for (const rec of r.records) {
        const drift = Math.abs(rec.lambda! / inst.lambdaNtk0 - 1);
        assert.ok(drift <= 0.01, `step ${rec.t}: |λ/λ0 − 1| = ${drift}`);
        assert.ok(rec.loss <= prev, `step ${rec.t}: loss rose from ${prev} to ${rec.loss}`);
        prev = rec.loss;
      }
    });
  }
  for (const c of [2.5, 3.0, 3.5]) {
    test(`${name}, catapult η·λ0 = ${c}: loss rises above L0, converges below 1e-20·L0, λ_final < 2/η`, () => {
      const eta = c / inst.lambdaNtk0;
      const r = gd(inst, eta, { steps: 20000, eigEvery: 0, stopAtConvergence: true, convergeFraction: 1e-20 });
      assert.ok(r.peakLoss > r.loss0, `peak ${r.peakLoss} vs L0 ${r.loss0}`);
      const peakAt = r.records.findIndex((x) => x.loss === r.peakLoss);
      assert.ok(r.convergedAt !== null && r.convergedAt > peakAt, `converged at ${r.convergedAt}, after the peak at ${peakAt}`);
      assert.ok(r.records[r.records.length - 1].loss < 1e-20 * r.loss0);
      assert.ok(r.finalLambda! * eta < 2, `λ_final·η = ${r.finalLambda! * eta}`);
    });
  }
}

test('warmup, divergent η·λ0 ≥ 4.1: every run on a grid up to 8 diverges', () => {
  const inst = warmupInstance(N, 0);
  for (let c = 4.1; c <= 8; c += 0.1) {
    const r = gd(inst, c / inst.lambdaNtk0, { steps: 5000, eigEvery: 0, stopAtConvergence: true });
    assert.ok(r.diverged !== null, `η·λ0 = ${c} did not diverge (${r.phase})`);
  }
});

test('full model far above 4/λ0 (η·λ0 = 5, 6) diverges', () => {
  const inst = linearInstance(N, 8, 32, 0, 0);
  for (const c of [5, 6]) assert.ok(gd(inst, c / inst.lambdaNtk0, { steps: 5000, eigEvery: 0 }).diverged !== null, `η·λ0 = ${c}`);
});

test('uv model: bisected c_act = η_max·λ0 lies in [3.9, 4.1], η_crit·λ0 within 0.05 of 2', () => {
  const b = boundariesOf('warmup', warmupInstance(N, 0), { ...BOUNDARIES_DEFAULTS, n: N });
  assert.ok(b.max.below >= 3.9 && b.max.above <= 4.1, `c_act in [${b.max.below}, ${b.max.above}]`);
  assert.ok(b.max.above - b.max.below <= 1e-4 * b.max.above, 'bracket at the requested width');
  assert.ok(Math.abs(b.crit.below - 2) <= 0.05 && Math.abs(b.crit.above - 2) <= 0.05, `η_crit·λ0 in [${b.crit.below}, ${b.crit.above}]`);
  assert.ok(b.lastStable <= b.max.above, `no convergent island above the edge (last stable ${b.lastStable})`);
  // 1e-4 from the edge, rounding does not decide the outcome: double-double GD agrees at both ends of both brackets.
  assert.equal(b.ddConfirms, { crit: true, max: true });
});

test('(S3)–(S4) iterated beside GD on the full model agree to 1e-12 of the running scale over 200 steps', () => {
  const inst = linearInstance(N, 8, 32, 0, 0);
  for (const c of [1.0, 3.0, 3.5]) {
    const e = exactUpdateCheck(inst, c, 200);
    assert.is(e.steps, 200);
    for (const [what, err] of [
      ['f', e.fError],
      ['Θ', e.thetaError],
      ['f (one step)', e.fStepError],
      ['Θ (one step)', e.thetaStepError],
    ] as const) {
      assert.ok(err <= 1e-12, `η·λ0 = ${c}, ${what}: ${err}`);
    }
  }
});

test.run();
