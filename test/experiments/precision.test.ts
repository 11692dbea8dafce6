// The float64/dd comparison: on a run whose deviation grows exponentially, the fitted rate against the tangent-linear model's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitGrowth, parseLr, precisionReport, setup } from '../../src/experiments';
import { digitsFromGrowth, isChaotic } from '../../src/models';

// A 2×8 tanh MLP in standard parameterization on 128 Gaussian samples at η = 1.2·2/λ0: λ_t sharpens until η·λ_t > 2
// near step 100, and the float64 and dd runs then part exponentially (≈ 0.64 per step) until they differ at O(0.1).
const CHAOTIC = { model: 'mlp', width: 8, depth: 2, act: 'tanh', param: 'standard', samples: 128 } as const;

test('float64 vs dd on an edge-of-stability run: the deviation’s growth rate matches the tangent-linear model to 5%', () => {
  const r = precisionReport(setup(CHAOTIC), { lr: parseLr('1.2x'), steps: 150, eigEvery: 0 });
  assert.is(r.steps.length, 151);
  assert.is(r.steps[0].theta, 0, 'the same initialization');
  const L = r.lyapunov;
  assert.ok(L !== null, 'an exponential window was found');
  assert.ok(L.to - L.from >= 20 && L.r2 > 0.98, `window ${L.from}–${L.to}, R² ${L.r2}`);
  // Two estimates of the same local growth: the fit of ~30 deviations and the modelled errors' mean rate over the window.
  const relGap = Math.abs(L.rate - r.tangentRate) / L.rate;
  assert.ok(L.rate > 0.3 && relGap < 0.05, `fit ${L.rate} vs tangent-linear ${r.tangentRate} (${(100 * relGap).toFixed(2)}%)`);
  // Every threshold is crossed in order, and the model's predicted digits track the measured ones while both are resolved.
  const [a, b, c] = [r.firstLost[3], r.firstLost[6], r.firstLost[10]];
  assert.ok(a !== null && b !== null && c !== null && a < b && b < c, `first steps ${a}, ${b}, ${c}`);
  for (const s of r.steps.filter((st) => st.t >= L.from && st.t <= L.to))
    assert.ok(
      Math.abs(-Math.log10(s.theta) - s.predictedDigits) < 1,
      `step ${s.t}: θ digits ${-Math.log10(s.theta)} vs predicted ${s.predictedDigits}`,
    );
  assert.ok(r.steps[150].digits < 3, `final digits ${r.steps[150].digits}`);
  console.log(
    `    rate ${L.rate.toFixed(4)} (steps ${L.from}–${L.to}) vs tangent-linear ${r.tangentRate.toFixed(4)}; dd ${(r.ms.dd / r.ms.float64).toFixed(1)}× float64`,
  );
});

test('digits are clamped at 0 once float64 and dd differ by more than the value itself (never negative)', () => {
  // Past its edge of stability the run above parts completely: by step 200 the loss differs by more than itself.
  const r = precisionReport(setup(CHAOTIC), { lr: parseLr('1.2x'), steps: 200, eigEvery: 0 });
  const parted = r.steps.filter((st) => Math.max(st.loss, st.f, st.paramNorm) > 1);
  assert.ok(parted.length > 0, 'some step deviates by more than 100%, so the clamp is exercised');
  for (const st of r.steps) assert.ok(st.digits >= 0, `step ${st.t}: ${st.digits} digits`);
  for (const st of parted) assert.is(st.digits, 0, `step ${st.t}`);
});

test('fitGrowth: exact exponentials are fitted exactly; no fit without a window of growth', () => {
  const t = Array.from({ length: 60 }, (_, i) => i);
  const y = t.map((i) => (i < 10 ? 1e-16 : Math.min(1e-3, 1e-14 * Math.exp(0.5 * (i - 10)))));
  const f = fitGrowth(t, y)!;
  assert.ok(Math.abs(f.rate - 0.5) < 1e-12 && f.r2 > 1 - 1e-12, JSON.stringify(f));
  assert.is(
    fitGrowth(
      t,
      t.map(() => 1e-16),
    ),
    null,
  );
  assert.is(
    fitGrowth(
      t,
      t.map((i) => 1e-13 * (1 + (i % 2))),
    ),
    null,
  );
});

test('digits and the chaos flag from a modelled error series', () => {
  const steady = Float64Array.from({ length: 201 }, (_, t) => (t === 0 ? -Infinity : Math.log(2 ** -53 * Math.sqrt(t))));
  const d = digitsFromGrowth(steady);
  assert.is(d[0], 15.95);
  assert.ok(Math.abs(d[100] - (15.95 - 1)) < 0.01, `√t growth: ${d[100]} digits at t = 100`);
  assert.is(isChaotic(steady), false, 'neutral √t growth is not chaos');
  const growing = Float64Array.from({ length: 201 }, (_, t) => (t === 0 ? -Infinity : Math.min(0, -36.7 + 0.1 * t)));
  assert.is(isChaotic(growing), true);
  assert.is(isChaotic(growing.subarray(0, 60)), false, 'too short to tell');
});

test.run();
