// The "must show" 5–6: critical exponents at η_crit (n = 16000) and the O(log n) duration of the catapult.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIGS12_DEFAULTS, SidePoint, computeFigS12 } from '../../src/experiments/figures/lewkowycz2020/linear/figS12';
import { LOGN_DEFAULTS, computeLogn, growthStepsPerDecade } from '../../src/experiments/figures/lewkowycz2020/linear/logn';

test('figS12 at n = 16000: both exponents of t* within −1 ± 0.2 above the finite-width cutoff, which sits near |f0|/√n', () => {
  // CI size: 13 ε per side instead of the figure's 25 (same range 1e-3 … 0.2, same width n = 16000).
  const d = computeFigS12({ ...FIGS12_DEFAULTS, points: 13 });
  assert.ok(d.window !== null, 'a scaling window above the crossover');
  for (const s of [d.lazy, d.catapult]) {
    assert.ok(s.fit !== null && s.fit.n >= 5, `fit over ≥ 5 points (side ${s.sign})`);
    assert.ok(Math.abs(s.fit!.slope + 1) <= 0.2, `side ${s.sign}: exponent ${s.fit!.slope}`);
    assert.ok(s.crossover !== null, `side ${s.sign}: t* stops growing inside the grid`);
    const ratio = s.crossover! / d.cutoffScale;
    assert.ok(ratio > 1 / 3 && ratio < 3, `side ${s.sign}: crossover ${s.crossover} vs |f0|/√n = ${d.cutoffScale}`);
    // Below the crossover t* must flatten: the smallest ε is far less than 10× the t* at 10× larger ε would predict.
    const small = s.points[0],
      big = s.points.find((p: SidePoint) => p.eps >= 10 * small.eps)!;
    assert.ok(small.tStar! < 0.6 * big.tStar! * (big.eps / small.eps), `side ${s.sign}: no cutoff visible`);
  }
});

test('the catapult lasts O(log n) steps: steps until λ_t·η < 2 at η·λ0 = 3, median of 5 seeds, n = 1e2 … 1e6', () => {
  const d = computeLogn({ ...LOGN_DEFAULTS, catapultOnly: true }, 0);
  const f = d.fits.catapult;
  const perDecade = f.slope * Math.LN10,
    theory = growthStepsPerDecade(3);
  assert.ok(f.r2 >= 0.95, `R² = ${f.r2}`);
  assert.ok(Math.abs(perDecade / theory - 1) <= 0.25, `${perDecade} steps per decade vs ${theory}`);
});

test.run();
