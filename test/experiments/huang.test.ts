// Huang et al. at test size: on degenerate data a catapult-phase η ends at a flatter minimum than a small η, after its loss first rises.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeHuang } from '../../src/experiments/figures/huang/settings';

// Two layers of width 50 on 100 degenerate samples (x = c·u, 20 % of labels flipped, so the minimum is finite), η·λ0/2 = 0.5 and 2.5.
const SMALL = 0.5,
  LARGE = 2.5;
const d = computeHuang({
  kinds: ['degenerate'],
  depths: [2],
  grid: [SMALL, LARGE],
  smallEta: SMALL,
  steps: 1500,
  bisectSteps: 1500,
  relTol: 0.01,
});
const s = d.settings[0];
const small = s.runs.find((r) => r.etaUnits === SMALL)!,
  large = s.runs.find((r) => r.etaUnits === LARGE)!;

test("λ0 is the Hessian's top eigenvalue at init, close to λ_NTK/4 (logistic curvature 1/4 at f = 0; f0 ≠ 0 lowers it)", () => {
  const h = s.lambdaHessian0,
    ntk = s.lambdaNtk0;
  assert.ok(h > 0 && h < (ntk / 4) * 1.05 && h > (ntk / 4) * 0.7, `λ0 = ${h}, λ_NTK/4 = ${ntk / 4}`);
});

test(`small η (η·λ0/2 = ${SMALL}): the loss never rises above L0 and settles`, () => {
  assert.is(small.phase, 'lazy');
  assert.ok(small.peakLoss <= small.loss0, `peak ${small.peakLoss} > L0 = ${small.loss0}`);
  for (let i = 1; i < small.loss.length; i++) assert.ok(small.loss[i] <= small.loss[i - 1] * (1 + 1e-12), `step ${i}: loss rose`);
});

test(`catapult η (η·λ0/2 = ${LARGE}): the loss rises ≥ 5 % above L0, then settles at the same minimal loss as the small η`, () => {
  assert.is(large.phase, 'catapult');
  assert.ok(large.peakLoss > 1.05 * large.loss0, `peak ${large.peakLoss / large.loss0}·L0`);
  assert.ok(large.peakAt > 0 && large.peakAt < 20, `peak at step ${large.peakAt}`);
  // On degenerate data the loss depends on one coordinate z only, so both runs must reach the same min over z.
  assert.ok(Math.abs(large.finalLoss - small.finalLoss) <= 1e-9 * small.finalLoss, `${large.finalLoss} vs ${small.finalLoss}`);
});

test("the catapult run ends at a flatter minimum: final top Hessian eigenvalue < 0.75 × the small η's, and below 2/η", () => {
  const hs = small.finalHessian!,
    hl = large.finalHessian!;
  assert.ok(hs > 0 && hl > 0, `H = ${hs}, ${hl}`);
  assert.ok(hl < 0.75 * hs, `H_catapult = ${hl}, H_small = ${hs} (ratio ${hl / hs})`);
  assert.ok(hl * large.eta < 2, `H·η/2 = ${(hl * large.eta) / 2}`);
  // The small η's minimum is sharper than 2/η_catapult would allow: GD at the large η could not rest there.
  assert.ok(hs * large.eta > 2, `H_small·η_catapult/2 = ${(hs * large.eta) / 2}`);
});

test('the onset of the rise is bisected to 1 % inside (1, 2.5): η must exceed the stability edge 2/λ0 at init', () => {
  const b = s.onset!;
  assert.ok(b !== null, 'no onset found');
  assert.ok(b.above - b.below <= 0.01 * b.above, `bracket [${b.below}, ${b.above}]`);
  assert.ok(b.below > 1 && b.above < LARGE, `bracket [${b.below}, ${b.above}]`);
  assert.is(s.edge, null); // nothing on this grid diverges
  assert.ok(
    s.catapult !== null && s.catapult.phase === 'catapult' && s.catapult.etaUnits > b.below,
    'a settled catapult run inside the window',
  );
});

test.run();
