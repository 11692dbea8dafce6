// The linearized model's GD in function space (dense train NTK, one matvec per step) against the parameter-space run (one JVP and one VJP per step).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepCounts } from '../../src/autodiff';
import { firstRows, loadClassification } from '../../src/data';
import {
  LinearizedRun,
  initParams,
  lambdaAt,
  linearOutputs,
  linearize,
  makeModel,
  trainLinearized,
  trainLinearizedFunctionSpace,
  columnTrainNtk,
  trainNtk,
  trainNtkFits,
} from '../../src/models';
import { MEMORY_LIMIT_ENV } from '../../src/io/files';
import { maxRelErr } from '../util';

/** Two exact routes to the same iterates: they differ by rounding only. */
const ROUNDING_TOL = 1e-12;

// 20 digits of 0, 1 and 2 (one-hot, 3 outputs, 784 inputs); 30 test digits.
const three = loadClassification('mnist', { trainSize: 21, testSize: 30, classes: [0, 1, 2], seed: 0 });
const train = firstRows(three.train, 20),
  test30 = three.test;
const model = makeModel({
  kind: 'mlp',
  width: 64,
  depth: 1,
  act: 'relu',
  param: 'ntk',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  outputs: 3,
  inputDim: 784,
});
const theta0 = initParams(model, 0);
const lambda0 = lambdaAt(model, theta0, train);
const lin = linearize(model, theta0, train);
const onTest = linearize(model, theta0, test30);
const ntk = trainNtk(lin);

const flat = (delta: Float64Array[]) => Float64Array.from(delta.flatMap((d) => [...d]));

/**
 * Worst difference over the losses at every step (relative to max(L_t, √(L_t·L_0))), θ − θ0 and the test predictions
 * (relative). A growing loss (a divergence) is compared relative to itself.
 * The loss's scale: r_t = f_lin − y is a difference of quantities of size √L_0, so either route carries an absolute
 * error of order ε·√L_0 in r_t, which moves L_t = ‖r_t‖²/(2km) by about 2‖r_t‖·ε√L_0, i.e. ε·√(L_t·L_0); once L_t has
 * fallen to 5e-8·L_0 (η·λ0 = 1.9, step 300) a plain relative error of L_t reads ε/√(L_t/L_0) ≈ 4e3·ε on both routes alike.
 */
function compare(fs: LinearizedRun, ps: LinearizedRun) {
  assert.is(fs.steps, ps.steps, 'steps');
  assert.equal(fs.diverged, ps.diverged, 'divergence and its step');
  assert.is(fs.losses.length, ps.losses.length);
  const losses = Math.max(
    ...fs.losses.map((l, t) => Math.abs(l - ps.losses[t]) / Math.max(ps.losses[t], Math.sqrt(ps.losses[t] * ps.losses[0]))),
  );
  const delta = maxRelErr(flat(fs.delta), flat(ps.delta));
  const predictions = maxRelErr(linearOutputs(onTest, fs.delta), linearOutputs(onTest, ps.delta));
  return { losses, delta, predictions };
}

test('function-space GD equals parameter-space GD on the linearized model: losses at every step, θ − θ0 and test predictions to 1e-12', () => {
  for (const c of [0.5, 1, 1.9]) {
    const o = { lr: c / lambda0, steps: 300 };
    const e = compare(trainLinearizedFunctionSpace(lin, { ...o, ntk }), trainLinearized(lin, o));
    for (const [what, err] of Object.entries(e)) assert.ok(err <= ROUNDING_TOL, `η·λ0 = ${c}, ${what}: ${err}`);
  }
});

test('above η·λ0 = 2 both diverge, at the same step, with the same θ − θ0 there', () => {
  const o = { lr: 2.5 / lambda0, steps: 1000 };
  const fs = trainLinearizedFunctionSpace(lin, { ...o, ntk });
  const e = compare(fs, trainLinearized(lin, o));
  assert.ok(fs.diverged !== null && fs.diverged.step > 10 && fs.diverged.step < 1000, `diverged at ${fs.diverged?.step}`);
  for (const [what, err] of Object.entries(e)) assert.ok(err <= ROUNDING_TOL, `${what}: ${err}`);
});

test('stopAccuracy stops both at the same step; onStep sees the same losses; steps: 0 takes none', () => {
  const seen: number[] = [];
  const o = { lr: 1 / lambda0, steps: 5000, stopAccuracy: 1 };
  const fs = trainLinearizedFunctionSpace(lin, { ...o, ntk, onStep: (t, l) => seen.push(t, l) });
  const ps = trainLinearized(lin, o);
  assert.ok(fs.steps > 0 && fs.steps < 5000, `stopped at ${fs.steps}`);
  compare(fs, ps);
  assert.equal(
    seen,
    fs.losses.flatMap((l, t) => [t, l]),
  );
  const none = trainLinearizedFunctionSpace(lin, { lr: 1 / lambda0, steps: 0, ntk });
  assert.is(none.steps, 0);
  assert.is(maxRelErr(flat(none.delta), new Float64Array(flat(none.delta).length)), 0, 'no step, no Δ');
});

test('function-space GD: Θ costs k + 2 VJPs and 2 JVPs once (structured, two columns checked; m·k of each by columns); each step then costs no sweep, θ − θ0 one VJP', () => {
  const N = lin.f0.length,
    k = lin.data.Y.shape[1];
  let before = { ...sweepCounts };
  const built = trainNtk(lin);
  assert.equal([sweepCounts.vjp - before.vjp, sweepCounts.jvp - before.jvp], [k + 2, 2]);
  assert.is(maxRelErr(built, ntk), 0, 'the same Θ, bit for bit');
  before = { ...sweepCounts };
  columnTrainNtk(lin);
  assert.equal([sweepCounts.vjp - before.vjp, sweepCounts.jvp - before.jvp], [N, N]);
  for (let a = 0; a < N; a++) for (let b = 0; b < a; b++) assert.is(ntk[a * N + b], ntk[b * N + a]);
  const mid = { ...sweepCounts };
  trainLinearizedFunctionSpace(lin, { lr: 1 / lambda0, steps: 200, ntk });
  assert.is(sweepCounts.vjp - mid.vjp, 1);
  assert.is(sweepCounts.jvp - mid.jvp, 0);
});

test('a Θ over the memory limit is refused in one line naming its size, before any sweep; a wrong-sized Θ too', () => {
  const saved = process.env[MEMORY_LIMIT_ENV];
  process.env[MEMORY_LIMIT_ENV] = '16K'; // Θ of 60 × 60 needs 28.1 KiB
  try {
    assert.is(trainNtkFits(lin), false);
    const before = { ...sweepCounts };
    assert.throws(
      () => trainLinearizedFunctionSpace(lin, { lr: 1 / lambda0, steps: 10 }),
      (e: Error) =>
        !e.message.includes('\n') &&
        /^the dense train NTK Θ \(m·k = 20·3 = 60: 60 × 60 float64s\) would need .*, over the memory limit of .*CATAPULT_MEMORY_LIMIT=16K/.test(
          e.message,
        ),
    );
    assert.equal({ ...sweepCounts }, before, 'refused before any sweep');
  } finally {
    if (saved === undefined) delete process.env[MEMORY_LIMIT_ENV];
    else process.env[MEMORY_LIMIT_ENV] = saved;
  }
  assert.is(trainNtkFits(lin), true);
  assert.throws(
    () => trainLinearizedFunctionSpace(lin, { lr: 1, steps: 1, ntk: new Float64Array(10) }),
    /the train NTK given has 10 entries, expected \(m·k\)² = 3600/,
  );
});

test.run();
