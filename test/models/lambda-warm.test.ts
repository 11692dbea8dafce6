// λ-tracked training warm-starts each Lanczos from the last eigenvector: the cold λ_t within the stopping tolerance, fewer matvecs, the same bits on 1 and 2 threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepCounts } from '../../src/autodiff';
import { withBackend } from '../../src/linalg/backend';
import { nativeAvailable } from '../../src/linalg/native/kernels';
import { copyF64, tensor } from '../../src/linalg/tensor';
import { TrainResult, forwardPass, hessianTop, lambdaAt, ntkTop, train } from '../../src/models';
import { setup } from '../../src/experiments';

/** The stopping tolerances of ntkTop and hessianTop: each λ is within tol·|λ| of the true one (|λ − θ| ≤ ‖r‖). */
const NTK_TOL = 1e-12;
const HESSIAN_TOL = 1e-10;

// Layers of 64×64×128: past OpenBLAS's threading threshold (M·N·K > 2^18), so 2 threads really split the gemms.
const s = setup({
  model: 'mlp',
  width: 128,
  depth: 2,
  act: 'tanh',
  param: 'ntk',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  outputs: 3,
  seed: 5,
  samples: 64,
  inputDim: 64,
  dataSeed: 2,
});
const STEPS = 8;
// η·λ0 = 1.5: λ moves each step (the warm start is not handed the answer), and the run stays lazy.
const lr = 1.5 / lambdaAt(s.model, s.init, s.data);

/** The tracked run (λ and λ_H every step, θ_t recorded) and the NTK matvecs and HVPs it made. */
function trackedRun(): { r: TrainResult; ntkMatvecs: number; hvps: number } {
  const before = { ...sweepCounts };
  const r = train(s.model, s.init, s.data, { lr, steps: STEPS, eigEvery: 1, trackHessian: true, recordParams: true });
  // A GD step's gradient is a reverse sweep: forward sweeps are the NTK matvecs' second halves, HVPs the Hessian's.
  return { r, ntkMatvecs: sweepCounts.jvp - before.jvp, hvps: sweepCounts.hvp - before.hvp };
}

/** Per recorded θ_t: λ_t and λ_H,t cold (from the fixed start vector) and warm (chained as train does), with iterations. */
function replayed(r: TrainResult) {
  let ntkStart: Float64Array | undefined, hessianStart: Float64Array | undefined;
  return r.records.map((rec) => {
    const params = rec.params!.map((p, i) => tensor(s.init[i].shape, copyF64(p)));
    const { tape, f, loss } = forwardPass(s.model, params, s.data);
    const cold = { ntk: ntkTop(f), hessian: hessianTop(loss) };
    const warm = { ntk: ntkTop(f, ntkStart), hessian: hessianTop(loss, hessianStart) };
    ntkStart = warm.ntk.vector;
    hessianStart = warm.hessian.vector;
    tape.dispose();
    return { rec, cold, warm };
  });
}

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

test('warm-started λ_t and λ_H,t equal cold-started ones within the stopping tolerance, with fewer matvecs', () => {
  const { r, ntkMatvecs, hvps } = trackedRun();
  assert.is(r.records.length, STEPS + 1);
  const steps = replayed(r);
  for (const { rec, cold, warm } of steps) {
    // The run's λ's are the warm chain replayed from θ_t alone: what a replayed or resumed run computes again.
    assert.ok(Object.is(rec.lambda, warm.ntk.value), `t = ${rec.t}: λ ${rec.lambda} is not the replayed warm ${warm.ntk.value}`);
    assert.ok(Object.is(rec.hessian, warm.hessian.value), `t = ${rec.t}: λ_H is not the replayed warm one`);
    const dNtk = Math.abs(warm.ntk.value - cold.ntk.value),
      dHessian = Math.abs(warm.hessian.value - cold.hessian.value);
    assert.ok(dNtk <= NTK_TOL * Math.abs(cold.ntk.value), `t = ${rec.t}: λ warm − cold = ${dNtk}`);
    assert.ok(dHessian <= HESSIAN_TOL * Math.abs(cold.hessian.value), `t = ${rec.t}: λ_H warm − cold = ${dHessian}`);
  }
  // One matvec per Lanczos step and none more: the residual is not recomputed.
  assert.is(ntkMatvecs, sum(steps.map((x) => x.warm.ntk.iterations)));
  assert.is(hvps, sum(steps.map((x) => x.warm.hessian.iterations)));
  const coldNtk = sum(steps.map((x) => x.cold.ntk.iterations)),
    coldHessian = sum(steps.map((x) => x.cold.hessian.iterations));
  assert.ok(ntkMatvecs < coldNtk, `NTK matvecs: warm ${ntkMatvecs}, cold ${coldNtk}`);
  assert.ok(hvps < coldHessian, `HVPs: warm ${hvps}, cold ${coldHessian}`);
});

test('a warm-started tracked run gives the same λ and λ_H bits on 1 and 2 native threads', () => {
  if (!nativeAvailable()) return;
  const lambdas = (threads: number) =>
    withBackend('native', threads, () => trackedRun().r.records.flatMap((rec) => [rec.lambda!, rec.hessian!]));
  const one = lambdas(1),
    two = lambdas(2);
  assert.is(one.length, 2 * (STEPS + 1));
  one.forEach((x, i) => assert.ok(Object.is(x, two[i]), `entry ${i}: ${x} on 1 thread, ${two[i]} on 2`));
});

test.run();
