// The neural quadratic model: exactly quadratic along lines, its gradient against central differences and PyTorch's nested JVPs, and its catapult.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { jvp, vjp } from '../../src/autodiff';
import { gaussianData } from '../../src/data';
import {
  Model,
  ModelConfig,
  QUADRATIC_TAPE_FACTOR,
  forwardPass,
  initParams,
  lambdaAt,
  makeModel,
  quadraticModel,
  train,
} from '../../src/models';
import { RandomState } from '../../src/random/randomState';
import { TORCH_PYTHON, along, dotList, maxRelErr, relErr, torchPythonHas, within } from '../util';

/** The same numbers by two exact routes (a quadratic's values and differences; ours and torch's): rounding only. */
const ROUNDING_TOL = 1e-12;
const REFERENCE = path.resolve(__dirname, '../../../python/quadratic_reference.py');

const data = gaussianData(5, 3, 2, 11);
/** tanh, so that the activation's own second derivative is part of D²f; NTK scaling with biases. */
const TANH_MLP: ModelConfig = {
  kind: 'mlp',
  width: 7,
  depth: 2,
  act: 'tanh',
  param: 'ntk',
  sigmaW: 1.3,
  sigmaB: 0.3,
  outputs: 2,
  inputDim: 3,
  loss: 'mse',
};
const RELU_MLP: ModelConfig = { ...TANH_MLP, act: 'relu', param: 'standard' };

/** f (m×k) of `model` at `params` on the test data. */
function outputs(model: Model, params: readonly Tensor[]): Float64Array {
  const { tape, f } = forwardPass(model, params, data);
  const out = f.value.data.slice();
  tape.dispose();
  return out;
}

/** ⟨w, f(params)⟩ and its gradient in the parameters (one VJP). */
function pairing(model: Model, params: readonly Tensor[], w: Float64Array): { value: number; grad: Float64Array[] } {
  const { tape, f } = forwardPass(model, params, data);
  const value = f.value.data.reduce((a, v, i) => a + v * w[i], 0);
  const grad = vjp(f, w).map((g) => g.slice());
  tape.dispose();
  return { value, grad };
}

function fixture(config: ModelConfig, seed: number) {
  const base = makeModel(config);
  const theta0 = initParams(base, seed);
  const rng = new RandomState(seed + 100);
  const delta = theta0.map((p) => rng.standardNormalArray(p.data.length).map((x) => 0.3 * x));
  const w = rng.standardNormalArray(data.Y.data.length);
  return { base, theta0, nqm: quadraticModel(base, theta0), delta, w, rng };
}

for (const [name, config] of [
  ['tanh', TANH_MLP],
  ['relu', RELU_MLP],
] as const) {
  test(`${name} mlp: f_q(θ0 + tΔ) is the quadratic f(θ0) + tJΔ + ½t²D²f[Δ, Δ]: f(θ0) bit for bit, JΔ and t = ±2, 3 from t = 0, ±1 (${ROUNDING_TOL})`, () => {
    const { base, theta0, nqm, delta } = fixture(config, 3);
    const at = (t: number) => outputs(nqm, along(theta0, delta, t));
    const [f0, f1, fm1] = [at(0), at(1), at(-1)];
    assert.equal(Array.from(f0), Array.from(outputs(base, theta0)), 'f_q(θ0) = f(θ0)');
    const { tape, f } = forwardPass(base, theta0, data);
    const jd = jvp(f, delta).slice();
    tape.dispose();
    within(
      maxRelErr(
        f1.map((v, i) => (v - fm1[i]) / 2),
        jd,
      ),
      ROUNDING_TOL,
      'the odd part of f_q along Δ vs the JVP J(θ0)Δ',
    );
    const scale = Math.max(...[f0, f1, fm1].map((a) => Math.max(...a.map(Math.abs))));
    let worst = 0;
    for (const t of [2, -2, 3]) {
      // Lagrange interpolation through t = −1, 0, 1.
      const predicted = f0.map((v, i) => ((t * (t - 1)) / 2) * fm1[i] + (1 - t * t) * v + ((t * (t + 1)) / 2) * f1[i]);
      const got = at(t);
      const err = Math.max(...got.map((v, i) => Math.abs(v - predicted[i])));
      worst = Math.max(worst, err / Math.max(scale, ...got.map(Math.abs)));
      within(worst, ROUNDING_TOL, `f_q at t = ${t} vs the quadratic through t = −1, 0, 1`);
    }
    console.log(`  ${name}: f_q at t = ±2, 3 off the quadratic by ${worst.toExponential(2)} of its scale`);
    // A non-trivial second-order part: the NQM is not the linearized model.
    assert.ok(Math.max(...f1.map((v, i) => Math.abs(v + fm1[i] - 2 * f0[i]))) > 1e-3 * scale, 'D²f[Δ, Δ] ≠ 0');
  });

  test(`${name} mlp: ∇⟨w, f_q⟩ at θ0 + Δ along random u vs central differences, exact for a quadratic at step 1 (${ROUNDING_TOL})`, () => {
    const { theta0, nqm, delta, w, rng } = fixture(config, 4);
    const theta = along(theta0, delta, 1);
    const { grad } = pairing(nqm, theta, w);
    let worst = 0;
    for (let trial = 0; trial < 3; trial++) {
      const u = theta.map((p) => rng.standardNormalArray(p.data.length));
      const shifted = (h: number) => pairing(nqm, along(theta, u, h), w).value;
      const [plus, minus] = [shifted(1), shifted(-1)];
      const analytic = dotList(grad, u);
      const err = Math.abs(analytic - (plus - minus) / 2) / Math.max(Math.abs(plus), Math.abs(minus), Math.abs(analytic));
      worst = Math.max(worst, err);
      within(err, ROUNDING_TOL, `⟨∇, u⟩ vs (L(θ + u) − L(θ − u))/2, trial ${trial}`);
    }
    console.log(`  ${name}: ⟨∇, u⟩ vs central differences: ${worst.toExponential(2)}`);
  });
}

const hasTorch = torchPythonHas('torch');
test(`tanh and relu mlps: f_q and ∇⟨w, f_q⟩ at θ0 + Δ vs PyTorch's nested autograd.functional.jvp and vjp + hvp (${ROUNDING_TOL})`, () => {
  if (!hasTorch) return console.log(`  (skipped: no torch at ${TORCH_PYTHON})`);
  for (const config of [TANH_MLP, RELU_MLP]) {
    const { base, theta0, nqm, delta, w } = fixture(config, 5);
    const theta = along(theta0, delta, 1);
    // Δ as the model sees it: θ − θ0 after rounding θ.
    const seen = theta.map((p, k) => p.data.map((x, i) => x - theta0[k].data[i]));
    const nested = (t: Tensor | Float64Array, shape: readonly number[]) => {
      const d = Array.from('data' in t ? t.data : t);
      return shape.length === 1 ? d : Array.from({ length: shape[0] }, (_, r) => d.slice(r * shape[1], (r + 1) * shape[1]));
    };
    const [m, k] = data.Y.shape;
    const input = {
      model: base.config,
      names: base.specs.map((s) => s.name),
      theta0: theta0.map((p) => nested(p, p.shape)),
      delta: seen.map((d, i) => nested(d, theta0[i].shape)),
      X: nested(data.X, data.X.shape),
      w: nested(w, [m, k]),
    };
    const r = spawnSync(TORCH_PYTHON, [REFERENCE], { input: JSON.stringify(input), encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { f_q: number[][]; grad: (number[] | number[][])[] };
    const fq = outputs(nqm, theta);
    const errF = maxRelErr(fq, Float64Array.from(ref.f_q.flat()));
    const ours = Float64Array.from(pairing(nqm, theta, w).grad.flatMap((g) => Array.from(g)));
    const errG = maxRelErr(ours, Float64Array.from(ref.grad.flatMap((g) => g.flat())));
    console.log(`  ${config.act}: f_q max rel. error ${errF.toExponential(2)}, gradient ${errG.toExponential(2)}`);
    within(errF, ROUNDING_TOL, `${config.act}: f_q vs torch`);
    within(errG, ROUNDING_TOL, `${config.act}: ∇⟨w, f_q⟩ vs torch`);
  }
});

test(`the quadratic model's tape holds at most QUADRATIC_TAPE_FACTOR (${QUADRATIC_TAPE_FACTOR}) times the base's recorded doubles`, () => {
  const { base, theta0, nqm, delta } = fixture({ ...TANH_MLP, width: 64 }, 6);
  const doubles = (model: Model) => {
    const { tape } = forwardPass(model, along(theta0, delta, 1), data);
    const n = tape.nodes.reduce((a, node) => a + tape.values[node.out].data.length, 0);
    tape.dispose();
    return n;
  };
  const ratio = doubles(nqm) / doubles(base);
  console.log(`  recorded doubles: quadratic/base = ${ratio.toFixed(2)}`);
  assert.ok(ratio <= QUADRATIC_TAPE_FACTOR, `ratio ${ratio}`);
});

test('the expansion point is checked and copied: wrong arrays are refused, a later change to θ0 does not move the model', () => {
  const { base, theta0, nqm } = fixture(TANH_MLP, 7);
  assert.throws(() => quadraticModel(base, theta0.slice(1)), /needs θ0 as 6 arrays/);
  assert.throws(
    () => quadraticModel(base, [tensor([1], Float64Array.of(0)), ...theta0.slice(1)]),
    /'W0' has shape \(1,\), expected \(7, 3\)/,
  );
  assert.throws(() => quadraticModel(base, [tensor([7, 3], new Float64Array(21).fill(NaN)), ...theta0.slice(1)]), /'W0' contains NaN/);
  assert.throws(() => quadraticModel(nqm, theta0), /not another quadratic model/);
  assert.throws(() => makeModel({ ...TANH_MLP, kind: 'quadratic', base: 'mlp' }), /build it with quadraticModel/);
  const before = outputs(nqm, theta0);
  const moved = theta0.map((p) => tensor(p.shape, p.data.slice()));
  theta0[0].data[0] += 1;
  assert.equal(Array.from(outputs(nqm, moved)), Array.from(before));
});

/** A wide net (one hidden ReLU layer, width 1024, NTK) on 8 Gaussian points: the catapult window of Zhu et al. */
test('wide net: GD on the NQM at η·λ0 = 3 catapults (loss rises > 10×, converges, λ_T·η < 2); at 3.9 it still converges, at 4.6 it diverges', () => {
  const wide = gaussianData(8, 8, 1, 0);
  const base = makeModel({
    kind: 'mlp',
    width: 1024,
    depth: 1,
    act: 'relu',
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    outputs: 1,
    inputDim: 8,
  });
  const theta0 = initParams(base, 0);
  const nqm = quadraticModel(base, theta0);
  const lambda0 = lambdaAt(base, theta0, wide);
  assert.ok(relErr(lambdaAt(nqm, theta0, wide), lambda0) < 1e-12, 'the NQM has the base NTK at θ0');
  const run = (c: number) => train(nqm, theta0, wide, { lr: c / lambda0, steps: 300, eigEvery: 300 });
  for (const c of [3, 3.9]) {
    const r = run(c);
    assert.is(r.diverged, null, `η·λ0 = ${c} converges`);
    assert.is(r.phase, 'catapult', `η·λ0 = ${c}`);
    assert.ok(r.peakLoss > 10 * r.loss0, `η·λ0 = ${c}: peak ${r.peakLoss} vs L0 ${r.loss0}`);
    assert.ok(r.records[r.records.length - 1].loss < 1e-8 * r.loss0, `η·λ0 = ${c}: converged`);
    assert.ok(r.finalLambda! * (c / lambda0) < 2, `η·λ0 = ${c}: λ_T·η = ${r.finalLambda! * (c / lambda0)} < 2`);
  }
  assert.ok(run(4.6).diverged !== null, 'η·λ0 = 4.6 diverges');
});

test.run();
