// Issue 27's theory check: phase-sweep --critical on the uv model against its closed form (models/uvExact, sweep/uvBoundaries).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CRITICAL_MAX_LOSS, CriticalResult, criticalSweep, setup, uvCriticalBoundaries, uvVerdict } from '../../src/experiments';
import { UvProblem, UvState, initParams, uvHessianTop, uvState, uvStep, uvTrajectory, warmupModel } from '../../src/models';
import { warmupStep } from '../../src/experiments/figures/lewkowycz2020/linear/theory';

const T = 10;
/** Grid points sit this far (relative) either side of each exact boundary; none nearer is tested. */
const OFFSETS = [-1e-3, -1e-6, -1e-9, 1e-9, 1e-6, 1e-3];
/** Relative step of the finite differences that measure the closed form's condition number. */
const PROBE = 1e-7;

/** The closed form's relative sensitivity of L_t (or λ_H,t) to its initial f and λ, per step. */
function conditions(s0: UvState, p: UvProblem, eta: number, key: 'losses' | 'hessians'): number[] {
  const base = uvTrajectory(s0, p, eta, T, Infinity)[key];
  const moved = [
    { ...s0, f: s0.f * (1 + PROBE) },
    { ...s0, lambda: s0.lambda * (1 + PROBE) },
  ].map((s) => uvTrajectory(s, p, eta, T, Infinity)[key]);
  return base.map((x, t) => Math.max(...moved.map((m) => Math.abs(m[t] / x - 1))) / PROBE);
}

/**
 * Every point's verdicts equal the closed form's, and its L_t and λ_H,t are within 64 ulps times the closed form's
 * condition number of it (L_t measured against max(L_t, L_0): a loss that has fallen to 1e-29 of L_0 keeps only the
 * absolute digits of f = u·v/√n). Returns the largest errors seen.
 */
function checkAgainstClosedForm(r: CriticalResult, s0: UvState, p: UvProblem): { loss: number; hessian: number } {
  const worst = { loss: 0, hessian: 0 };
  for (const pt of r.points) {
    const v = uvVerdict(s0, p, pt.c, T);
    const at = `n = ${p.n}, c = ${pt.c}`;
    assert.is(pt.loss_rose, v.loss_rose, `loss rose, ${at}`);
    assert.is(pt.sharpness_rose, v.sharpness_rose, `sharpness rose, ${at}`);
    assert.is(pt.diverged_at, v.trajectory.divergedAt, `divergence, ${at}`);
    const exact = uvTrajectory(s0, p, pt.eta, T, CRITICAL_MAX_LOSS);
    assert.is(pt.losses.length, exact.losses.length);
    assert.is(pt.hessians.length, exact.hessians.length);
    for (const key of ['losses', 'hessians'] as const) {
      const cond = conditions(s0, p, pt.eta, key);
      pt[key].forEach((x, t) => {
        const y = exact[key][t];
        const e = Math.abs(x - y) / (key === 'losses' ? Math.max(y, exact.losses[0]) : y);
        assert.ok(e <= 64 * Number.EPSILON * (1 + cond[t]), `${key}[${t}] ${x} vs ${y} (cond ${cond[t]}), ${at}`);
        if (key === 'losses') worst.loss = Math.max(worst.loss, e);
        else worst.hessian = Math.max(worst.hessian, e);
      });
    }
  }
  return worst;
}

test("uvExact: the step is Lewkowycz et al.'s eqs. 6–7 at x = 1, y = 0; λ_H is the engine's Lanczos at general x, y", () => {
  const p = { n: 16, x: 1, y: 0 };
  const s = uvStep({ f: 0.7, lambda: 2.1 }, 1.3, p);
  const w = warmupStep(0.7, 2.1, 1.3, 16);
  assert.ok(Math.abs(s.f / w.f - 1) < 1e-15 && Math.abs(s.lambda / w.lambda - 1) < 1e-15);
  // One Gaussian example (x, y ≠ 0) through the linear model at d = 1, which is the uv model on that example.
  for (const n of [1, 2, 3, 8]) {
    const st = setup({ model: 'linear', width: n, samples: 1, inputDim: 1, seed: 5, dataSeed: 2 });
    const q = { n, x: st.data.X.data[0], y: st.data.Y.data[0] };
    assert.ok(q.y !== 0);
    const r = criticalSweep(st, { cs: [1.5, 2.5], horizon: T });
    const s0 = uvState(st.init[0].data, st.init[1].data, q);
    assert.ok(Math.abs(r.hessian0 / uvHessianTop(s0, q) - 1) < 1e-13, `λ_H0 at n = ${n}`);
    checkAgainstClosedForm(r, s0, q);
  }
});

test('uv boundaries: bisected to adjacent doubles; c_loss → 2 + 10ε, c_sharp → 5/2 + (57/4)ε with ε = f0²/(nλ0²)', () => {
  for (const n of [64, 4096]) {
    const p = { n, x: 1, y: 0 };
    const init = initParams(warmupModel(n), 1);
    const s0 = uvState(init[0].data, init[1].data, p);
    const b = uvCriticalBoundaries(s0, p, T);
    for (const x of [b.c_loss!, b.c_sharp!, b.c_max!]) assert.ok(x.above - x.below <= Number.EPSILON * x.above);
    // At width n → ∞ the first step decides both: |1 − c| > 1, and λ_H,1 − λ_H0 ∝ c(2c − 5).
    assert.is(b.c_loss!.decidingStep, 1);
    assert.is(b.c_sharp!.decidingStep, 1);
    const eps = (s0.f * s0.f) / n / s0.lambda ** 2;
    assert.ok(Math.abs(b.c_loss!.above - 2 - 10 * eps) < 10 * eps * eps * 100, `c_loss at n = ${n}`);
    assert.ok(Math.abs(b.c_sharp!.above - 2.5 - 14.25 * eps) < 14.25 * eps * eps * 100, `c_sharp at n = ${n}`);
  }
});

test('phase-sweep --critical on the warmup model: every verdict 1e-9 either side of the exact c_loss, c_sharp, c_max agrees', () => {
  const worst = { loss: 0, hessian: 0 };
  for (const n of [4, 16, 64, 256])
    for (const seed of [0, 1]) {
      const st = setup({ model: 'warmup', width: n, seed });
      const p = { n, x: 1, y: 0 };
      const s0 = uvState(st.init[0].data, st.init[1].data, p);
      const b = uvCriticalBoundaries(s0, p, T);
      const edges = [b.c_loss!.above, b.c_sharp!.above, b.c_max!.above];
      const cs = [1.5, 3.2, ...edges.flatMap((c) => OFFSETS.map((o) => c * (1 + o)))].sort((x, y) => x - y);
      const r = criticalSweep(st, { cs, horizon: T });
      assert.ok(Math.abs(r.hessian0 / b.hessian0 - 1) < 1e-14);
      const e = checkAgainstClosedForm(r, s0, p);
      worst.loss = Math.max(worst.loss, e.loss);
      worst.hessian = Math.max(worst.hessian, e.hessian);
      // The grid's constants are the points just past each exact boundary (and just below the first divergence).
      assert.is(r.c_loss, edges[0] * (1 + 1e-9));
      assert.is(r.c_sharp, edges[1] * (1 + 1e-9));
      assert.is(r.c_max, edges[2] * (1 - 1e-9));
    }
  // The largest errors are in the last steps near c_max, where |1 − ηλ| ≈ 3 multiplies rounding by ~3^t.
  assert.ok(worst.loss < 1e-8 && worst.hessian < 1e-9, JSON.stringify(worst));
});

test.run();
