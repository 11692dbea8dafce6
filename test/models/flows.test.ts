// Gradient flow against its closed form on a quadratic loss (and RK4's fourth order), and the central flow at the edge of stability.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gaussianData } from '../../src/data';
import { Model, makeModel, initParams, forwardPass, train } from '../../src/models';
import { hessianDense, hessianTopEigenvalues, ops, vjp } from '../../src/autodiff';
import { symmetricEigen } from '../../src/linalg/eigen';
import { relErr, within } from '../util';
import { scratch } from '../cli/helpers';

/** RK4 at α = 0.02 against the exact flow: local error ~ (αS)^5 per substep. */
const GF_TOL = 1e-9;
/** Central flow: S·η/2 once settled (t ≥ 2), against 1 (integration error only; the barrier leaves no offset in the limit). */
const EDGE_TOL = 1e-4;

// A model linear in θ (the readout of a one-layer mlp, f = X Wᵀ + b): MSE is quadratic, so gradient flow has a closed form.
const data = gaussianData(10, 3, 2, 4);
const base = makeModel({
  kind: 'mlp',
  width: 3,
  depth: 1,
  act: 'identity',
  param: 'standard',
  sigmaW: 1,
  sigmaB: 0.5,
  outputs: 2,
  inputDim: 3,
  loss: 'mse',
});
const linear: Model = {
  config: base.config,
  specs: base.specs.slice(2),
  forward: ([W, b], X) => ops.addBias(ops.matmul(X, W, false, true), b),
};
const init = initParams(base, 1).slice(2);

/** L(θ0 + Δ(τ)) with Δ(τ) = −Q diag((1 − e^{−λτ})/λ) Qᵀ ∇L(θ0): the exact gradient flow of a quadratic loss. */
function exactLoss(tau: number): number {
  const { tape, loss } = forwardPass(linear, init, data);
  const g = vjp(loss, Float64Array.of(1)).flatMap((a) => Array.from(a));
  const H = hessianDense(loss),
    P = g.length,
    L0 = loss.value.data[0];
  tape.dispose();
  const { values, vectors } = symmetricEigen(P, H);
  let L = L0;
  for (let j = 0; j < P; j++) {
    let c = 0;
    for (let i = 0; i < P; i++) c += vectors![i * P + j] * g[i];
    const lam = values[j];
    const d = Math.abs(lam) < 1e-14 ? -c * tau : (-c * (1 - Math.exp(-lam * tau))) / lam;
    L += c * d + 0.5 * lam * d * d;
  }
  return L;
}

const flowLosses = (alpha: number, steps = 8, lr = 0.25) =>
  train(linear, init, data, { lr, steps, flow: 'gradient', flowAlpha: alpha, eigEvery: 0, measureLambda: false }).records.map(
    (r) => r.loss,
  );

test(`gradient flow by RK4 (α = 0.02) matches the closed form on a quadratic loss at every t·η (${GF_TOL}), and its error falls 16× when α halves`, () => {
  const losses = flowLosses(0.02);
  const exact = losses.map((_, t) => exactLoss(t * 0.25));
  losses.forEach((L, t) => within(relErr(L, exact[t]), GF_TOL, `t = ${t}`));
  // At η = 1 the substeps are α/S, not capped by η.
  const exact1 = [0, 1, 2, 3, 4].map((t) => exactLoss(t));
  const err = (alpha: number) => Math.max(...flowLosses(alpha, 4, 1).map((L, t) => Math.abs(L - exact1[t])));
  const ratio = err(0.4) / err(0.2);
  assert.ok(ratio > 12 && ratio < 20, `fourth order: the error ratio for α 0.4 → 0.2 is ${ratio}`);
});

const tanhNet = makeModel({
  kind: 'mlp',
  width: 16,
  depth: 2,
  act: 'tanh',
  param: 'standard',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  outputs: 1,
  inputDim: 5,
  loss: 'mse',
});
const tanhData = gaussianData(20, 5, 1, 0);
const tanhInit = initParams(tanhNet, 0);

test('far below the edge the central flow is the gradient flow, bit for bit, with σ² = 0', () => {
  const run = (flow: 'gradient' | 'central') =>
    train(tanhNet, tanhInit, tanhData, { lr: 0.01, steps: 5, flow, eigEvery: 0, measureLambda: false }).records;
  const [gf, cf] = [run('gradient'), run('central')];
  assert.equal(
    cf.map((r) => r.loss),
    gf.map((r) => r.loss),
  );
  assert.ok(cf.every((r) => r.sigma2 === 0 && r.sharpness! * 0.01 < 0.5));
});

test(`the central flow holds the sharpness at 2/η (S·η/2 within ${EDGE_TOL} of 1 once settled, then two eigenvalues there) with tr Σ ≥ 0, where gradient flow sharpens past it`, () => {
  const eta = 0.5;
  const run = (flow: 'gradient' | 'central') =>
    train(tanhNet, tanhInit, tanhData, { lr: eta, steps: 40, flow, eigEvery: 0, measureLambda: false }).records;
  const cfRun = train(tanhNet, tanhInit, tanhData, { lr: eta, steps: 40, flow: 'central', eigEvery: 0, measureLambda: false });
  const cf = cfRun.records;
  assert.ok(cf.every((r) => r.sigma2! >= 0));
  for (const r of cf.slice(2)) within(Math.abs((r.sharpness! * eta) / 2 - 1), EDGE_TOL, `S·η/2 at t = ${r.t}`);
  // By t = 23 a second eigenvalue reaches the edge: the complementarity problem holds both there.
  const { tape, loss } = forwardPass(tanhNet, cfRun.params, tanhData);
  const [l1, l2] = hessianTopEigenvalues(loss, 2, 1e-12).values.map((v) => (v * eta) / 2);
  tape.dispose();
  within(Math.abs(l1 - 1), EDGE_TOL, 'λ1·η/2 at the end');
  within(Math.abs(l2 - 1), EDGE_TOL, 'λ2·η/2 at the end (a second eigenvalue at the edge)');
  const gf = run('gradient');
  assert.ok(gf[40].sharpness! * eta > 2.5, `gradient flow's sharpness ends at S·η/2 = ${(gf[40].sharpness! * eta) / 2}`);
});

const { rejects, cleanup } = scratch('catapult-flows-');
const net = ['train', '--model', 'mlp', '--width', '4', '--samples', '5', '--input-dim', '2', '--lr', '0.1', '--steps', '2', '--quiet'];
test('--flow refuses what does not apply to a flow, and the flow settings need --flow', () => {
  rejects([...net, '--flow', 'central', '--batch', '2'], /--flow .* does not take batch/);
  rejects([...net, '--flow', 'gradient', '--optimizer', 'adam'], /does not take optimizer/);
  rejects([...net, '--flow', 'gradient', '--momentum', '0.9'], /does not take momentum/);
  rejects([...net, '--flow-alpha', '0.5'], /--flow-alpha/);
  rejects([...net, '--flow', 'sideways'], /--flow/);
});

test.after(cleanup);
test.run();
