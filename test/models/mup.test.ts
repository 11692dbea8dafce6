// μP (Tensor Programs V) across widths: the first SGD step moves hidden features by Θ(1) where the NTK parameterization
// moves them by Θ(n^-1/2); f0 shrinks like n^-1/2; the NTK's top eigenvalue stays Θ(1). Exponents fitted over n = 256 … 2048
// (base width 16), 8 seeds; measured: μP Δh1 −0.07, f0 −0.53, λ0 −0.04; NTK Δh1 −0.52.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gaussianData } from '../../src/data';
import { MUP_RULES, Parameterization, initParams, lambdaAt, makeModel, mupRates, train } from '../../src/models';
import { linearFit } from '../../src/experiments';

const WIDTHS = [256, 512, 1024, 2048];
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
const BASE = 16;
const data = gaussianData(16, 8, 1, 0);

/**
 * The first hidden layer's pre-activations h1 = α·W0·x + β·b0 (m×n), written out here apart from model.ts:
 * α = σ_w/√d, β = σ_b under NTK; α = β = 1 under μP (its input layer has multiplier 1).
 */
function h1(param: Parameterization, n: number, [W0, b0]: readonly Float64Array[]): Float64Array {
  const d = 8,
    m = 16;
  const [alpha, beta] = param === 'ntk' ? [Math.SQRT2 / Math.sqrt(d), 0] : [1, 1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += W0[j * d + q] * data.X.data[i * d + q];
      out[i * n + j] = alpha * s + beta * b0[j];
    }
  }
  return out;
}

const rms = (a: Float64Array, b?: Float64Array) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b?.[i] ?? 0)) ** 2, 0) / a.length);

/**
 * Per width, seed-averaged: the first SGD step's change of h1 (at η = 0.05) per unit of the residual's RMS √(2L0) (the
 * step is linear in the residual, and f0, which shrinks with n under μP, is part of it), |f0|, and the NTK's λ0.
 */
function measure(param: Parameterization) {
  return WIDTHS.map((n) => {
    const model = makeModel({
      kind: 'mlp',
      width: n,
      depth: 2,
      act: 'relu',
      param,
      sigmaW: Math.SQRT2,
      sigmaB: 0,
      outputs: 1,
      inputDim: 8,
      mupBase: BASE,
    });
    const stats = SEEDS.map((seed) => {
      const init = initParams(model, seed);
      const r = train(model, init, data, {
        lr: 0.05,
        steps: 1,
        eigEvery: 0,
        measureLambda: false,
        recordParams: true,
        recordOutputs: true,
      });
      const dh = rms(h1(param, n, r.records[1].params!), h1(param, n, r.records[0].params!)) / Math.sqrt(2 * r.records[0].loss);
      return { dh, f0: rms(r.records[0].outputs!), lambda0: lambdaAt(model, init, data) };
    });
    const mean = (k: 'dh' | 'f0' | 'lambda0') => stats.reduce((s, x) => s + x[k], 0) / stats.length;
    return { n, dh: mean('dh'), f0: mean('f0'), lambda0: mean('lambda0') };
  });
}

const slope = (rows: { n: number }[], y: (r: never) => number) =>
  linearFit(
    rows.map((r) => Math.log(r.n)),
    rows.map((r) => Math.log(y(r as never))),
  ).slope;

const mup = measure('mup'),
  ntk = measure('ntk');

test('μP at the base width is the standard parameterization: the same init scales, multipliers and rates', () => {
  const std = makeModel({
    kind: 'mlp',
    width: BASE,
    depth: 2,
    act: 'relu',
    param: 'standard',
    sigmaW: 1.3,
    sigmaB: 0.5,
    outputs: 2,
    inputDim: 8,
  });
  const mu = makeModel({ ...std.config, param: 'mup', mupBase: BASE });
  assert.equal(
    mu.specs.map((p) => p.std),
    std.specs.map((p) => p.std),
  );
  assert.equal(mupRates(mu.config, mu.specs, 'gd'), [1, 1, 1, 1, 1, 1]);
  assert.equal(mupRates(mu.config, mu.specs, 'adam'), [1, 1, 1, 1, 1, 1]);
  assert.is(MUP_RULES.outputWeight.multiplier(1), 1);
  // At 4× the base width: SGD rates ñ on the input layer, all biases but the output's, and the readout; Adam 1/ñ on hidden matrices.
  const wide = makeModel({ ...mu.config, width: 4 * BASE });
  assert.equal(mupRates(wide.config, wide.specs, 'gd'), [4, 4, 1, 4, 4, 1]);
  assert.equal(mupRates(wide.config, wide.specs, 'adam'), [1, 1, 0.25, 1, 1, 1]);
});

test('the first SGD step moves hidden features by Θ(1) under μP (exponent 0 ± 0.15), by Θ(n^-1/2) under NTK (−0.5 ± 0.1)', () => {
  const sMup = slope(mup, (r: { dh: number }) => r.dh),
    sNtk = slope(ntk, (r: { dh: number }) => r.dh);
  assert.ok(Math.abs(sMup) <= 0.15, `μP: Δh1 ~ n^${sMup.toFixed(3)}`);
  assert.ok(Math.abs(sNtk + 0.5) <= 0.1, `NTK: Δh1 ~ n^${sNtk.toFixed(3)}`);
});

test("μP's initial function shrinks like n^-1/2 (± 0.1) and its NTK's top eigenvalue stays Θ(1) (exponent 0 ± 0.1)", () => {
  const sF = slope(mup, (r: { f0: number }) => r.f0),
    sL = slope(mup, (r: { lambda0: number }) => r.lambda0);
  assert.ok(Math.abs(sF + 0.5) <= 0.1, `μP: |f0| ~ n^${sF.toFixed(3)}`);
  assert.ok(Math.abs(sL) <= 0.1, `μP: λ0 ~ n^${sL.toFixed(3)}`);
});

test.run();
