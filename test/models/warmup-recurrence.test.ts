// GD on the warmup model, run by the engine, against the paper's exact recurrences (6)–(7) from the same initialization.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { warmupData } from '../../src/data';
import { initParams, train, warmupModel } from '../../src/models';

const F_TOL = 1e-12; // |f_gd − f_rec| ≤ F_TOL · max_{s≤t} |f_s|
const LAMBDA_TOL = 1e-12; // relative
const N = 1000;
const STEPS = 300;

for (const c of [1.0, 2.5, 3.5, 3.9]) {
  test(`warmup n = ${N}, η·λ0 = ${c}: ${STEPS} GD steps follow eqs. (6)–(7)`, () => {
    const model = warmupModel(N);
    const [u, v] = initParams(model, 0);
    let uv = 0,
      uu = 0;
    for (let i = 0; i < N; i++) {
      uv += u.data[i] * v.data[i];
      uu += u.data[i] * u.data[i] + v.data[i] * v.data[i];
    }
    let f = uv / Math.sqrt(N),
      lambda = uu / N;
    const eta = c / lambda;
    const r = train(model, [u, v], warmupData(), {
      lr: eta,
      steps: STEPS,
      eigEvery: 1,
      recordOutputs: true,
    });
    assert.is(r.records.length, STEPS + 1, 'no divergence');
    let maxF = 0,
      worstF = 0,
      worstL = 0;
    for (const rec of r.records) {
      maxF = Math.max(maxF, Math.abs(f));
      const errF = Math.abs(rec.outputs![0] - f) / maxF;
      const errL = Math.abs(rec.lambda! - lambda) / lambda;
      worstF = Math.max(worstF, errF);
      worstL = Math.max(worstL, errL);
      if (!(errF <= F_TOL)) throw new Error(`step ${rec.t}: f error ${errF} exceeds ${F_TOL}`);
      if (!(errL <= LAMBDA_TOL)) throw new Error(`step ${rec.t}: λ error ${errL} exceeds ${LAMBDA_TOL}`);
      // Exact updates (6) and (7), both from the step-t values.
      const fNext = (1 - eta * lambda + (eta * eta * f * f) / N) * f;
      lambda = lambda + ((eta * f * f) / N) * (eta * lambda - 4);
      f = fNext;
    }
    if (c < 2) {
      assert.is(r.phase, 'lazy', `phase at η·λ0 = ${c}`);
    } else {
      // The catapult signature: the loss rises, then λ ends below 2/η. (Convergence to the 1e-8 loss
      // threshold can take longer than 300 steps near η_max, where λ overshoots towards 0.)
      assert.ok(r.peakLoss > 10 * r.loss0, `loss rose: peak ${r.peakLoss} vs L0 ${r.loss0}`);
      assert.ok(r.finalLambda! * eta < 2, `λ_final·η = ${r.finalLambda! * eta} < 2`);
    }
    console.log(
      `    η·λ0 = ${c}: max f error ${worstF.toExponential(2)} (of max|f|), max λ error ${worstL.toExponential(2)}, peak loss ${r.peakLoss.toPrecision(4)}, final λ·η ${(r.finalLambda! * eta).toFixed(4)}, phase ${r.phase}`,
    );
  });
}

test.run();
