// `catapult sharpness`: S and the exact ∇S against the eigenvalue's own differences on every machine, and PyTorch's triple backward where it exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { gaussianData } from '../../src/data';
import { makeModel } from '../../src/models';
import { measureSharpness } from '../../src/experiments';
import { RandomState } from '../../src/random/randomState';
import { TORCH_PYTHON, along, relErr, torchPythonHas, within } from '../util';
import { scratch } from '../cli/helpers';

/** The same number two ways (Lanczos's Ritz value, the jet's uᵀHu; ours and torch's): rounding only. */
const SAME_MATH_TOL = 1e-12;
/** ⟨∇S, w⟩ against Richardson differences of λ1 itself, each λ1 a Lanczos solve to 1e-13. */
const EIGENVALUE_FD_TOL = 1e-8;
const REFERENCE = path.resolve(__dirname, '../../../python/sharpness_reference.py');

const data = gaussianData(12, 4, 2, 7);
const model = makeModel({
  kind: 'mlp',
  width: 9,
  depth: 2,
  act: 'tanh',
  param: 'standard',
  sigmaW: 1.2,
  sigmaB: 0.2,
  outputs: 2,
  inputDim: 4,
  loss: 'mse',
});

test(`∇S is the derivative of λ1 itself: ⟨∇S, w⟩ vs Richardson differences of the top eigenvalue at θ ± εw (${EIGENVALUE_FD_TOL})`, () => {
  const rng = new RandomState(5);
  const params = model.specs.map((s) =>
    tensor(
      s.shape,
      rng.standardNormalArray(s.shape.reduce((a, b) => a * b, 1)).map((x) => 0.7 * x),
    ),
  );
  const s = measureSharpness(model, params, data, 2);
  within(relErr(s.curvature, s.values[0]), SAME_MATH_TOL, 'uᵀHu from the jets vs the Ritz value');
  assert.ok(s.gap > 1e-3 * s.values[0], `a simple top eigenvalue (gap ${s.gap})`);
  const w = params.map((p) => rng.standardNormalArray(p.data.length));
  const at = (h: number) => measureSharpness(model, along(params, w, h), data).values[0];
  const central = (h: number) => (at(h) - at(-h)) / (2 * h);
  const fd = (4 * central(5e-4) - central(1e-3)) / 3;
  const exact = s.grad.reduce((acc, g, k) => acc + g.data.reduce((a, x, i) => a + x * w[k][i], 0), 0);
  within(relErr(exact, fd), EIGENVALUE_FD_TOL, '⟨∇S, w⟩ vs dλ1/dε');
});

const { run, rejects, file, cleanup } = scratch('catapult-sharpness-');
const small = [
  '--model',
  'mlp',
  '--act',
  'tanh',
  '--param',
  'standard',
  '--width',
  '12',
  '--depth',
  '2',
  '--samples',
  '20',
  '--input-dim',
  '5',
];

test('sharpness writes sharpness.json, ∇S and u by parameter name, and the point and data it was taken at', () => {
  const r = run(['sharpness', ...small, '--k', '3', '--out', 'o']);
  assert.is(r.code, 0, r.stderr);
  const meta = JSON.parse(fs.readFileSync(file('o/sharpness.json'), 'utf8'));
  assert.is(meta.values.length, 3);
  assert.ok(meta.values[0] >= meta.values[1] && meta.values[1] >= meta.values[2], 'descending');
  within(relErr(meta.curvature, meta.values[0]), SAME_MATH_TOL, 'curvature vs λ1');
  const names = model.specs.map((s) => s.name);
  for (const f of ['sharpness_grad.npz', 'sharpness_vec.npz', 'init.npz']) assert.equal([...readNpz(file(`o/${f}`)).keys()], names, f);
  assert.equal([...readNpz(file('o/data.npz')).keys()], ['X', 'Y']);
  const u = [...readNpz(file('o/sharpness_vec.npz')).values()];
  within(Math.abs(Math.sqrt(u.reduce((a, t) => a + t.data.reduce((b, x) => b + x * x, 0), 0)) - 1), SAME_MATH_TOL, '‖u‖ = 1');
});

test('sharpness refuses --k 0, --k 65 and a flag it does not use', () => {
  rejects(['sharpness', ...small, '--k', '0'], /--k/);
  rejects(['sharpness', ...small, '--k', '65'], /--k/);
  rejects(['sharpness', ...small, '--steps', '3'], /--steps/);
});

if (!torchPythonHas('torch, scipy, numpy')) {
  console.log(
    `  skipped: python/sharpness_reference.py needs ${TORCH_PYTHON} with torch, scipy and numpy (Debian python3-torch, python3-scipy)`,
  );
} else {
  const net = (act: string, param: string) => ['--model', 'mlp', '--act', act, '--param', param, '--width', '12', '--depth', '2'];
  const gaussian = ['--samples', '20', '--input-dim', '5'];
  // cross-entropy needs class targets: the synthetic teacher's
  const classes = ['--dataset', 'synthetic', '--train-size', '30', '--test-size', '0', '--input-dim', '5', '--loss', 'ce'];
  for (const [name, args] of [
    ['tanh, MSE', [...net('tanh', 'standard'), ...gaussian]],
    ['tanh with layer norm, cross-entropy', [...net('tanh', 'standard'), '--norm', 'layer', ...classes]],
    ['relu, NTK parameterization, σ_b = 0', [...net('relu', 'ntk'), ...gaussian]],
    ['tanh, μP (the readout times n0/n)', [...net('tanh', 'mup'), '--mup-base', '4', ...gaussian]],
  ] as [string, string[]][]) {
    test(`${name}: λ1, uᵀHu and ∇S agree with PyTorch float64 (eigsh, double and triple backward) within ${SAME_MATH_TOL}`, () => {
      const dir = file(`t-${name.replace(/\W+/g, '-')}`);
      const r = run(['sharpness', ...args, '--out', dir]);
      assert.is(r.code, 0, r.stderr);
      const ref = spawnSync(TORCH_PYTHON, [REFERENCE, dir, '--tol', String(SAME_MATH_TOL)], { encoding: 'utf8', timeout: 120_000 });
      assert.is(ref.status, 0, ref.stdout + ref.stderr);
      assert.match(ref.stdout, /reference agrees within/);
    });
  }
}

test.after(cleanup);
test.run();
