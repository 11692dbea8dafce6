// The AGOP of a model's input gradients: closed forms for linear models, PyTorch float64 autograd for an mlp, the teacher's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { RandomState } from '../../src/random/randomState';
import { ModelConfig, agop, agopAlignment, initParams, makeModel } from '../../src/models';
import { loadClassification, teacherAgop, teacherNetwork } from '../../src/data';
import { TORCH_PYTHON, randn, torchPythonHas, within } from '../util';

const MLP: ModelConfig = { kind: 'mlp', width: 16, depth: 2, act: 'tanh', param: 'ntk', sigmaW: 1.5, sigmaB: 0.3, outputs: 3, inputDim: 5 };

/** ‖A − B‖_max / ‖B‖_max. */
function relMax(A: Float64Array, B: Float64Array): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < A.length; i++) [diff, scale] = [Math.max(diff, Math.abs(A[i] - B[i])), Math.max(scale, Math.abs(B[i]))];
  return diff / scale;
}

/** AᵀA for A (r×d row-major). */
function gram(A: Float64Array, r: number, d: number): Float64Array {
  const G = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) for (let i = 0; i < r; i++) G[a * d + b] += A[i * d + a] * A[i * d + b];
  return G;
}

test('a deep linear net f = W1 W0 x: G = (W1W0)ᵀ(W1W0) whatever the inputs', () => {
  const model = makeModel({ ...MLP, act: 'identity', param: 'standard', bias: false, depth: 1, width: 6 });
  const [W0, W1] = initParams(model, 3);
  const X = randn(new RandomState(1), [9, 5]);
  const W = new Float64Array(3 * 5);
  for (let c = 0; c < 3; c++)
    for (let b = 0; b < 5; b++) for (let h = 0; h < 6; h++) W[c * 5 + b] += W1.data[c * 6 + h] * W0.data[h * 5 + b];
  within(relMax(agop(model, [W0, W1], X).G, gram(W, 3, 5)), 1e-14, 'AGOP of W1W0x');
});

test('the linear model f = n^-1/2 vᵀu x: G = wwᵀ with w = uᵀv/√n', () => {
  const n = 8,
    d = 4;
  const model = makeModel({ ...MLP, kind: 'linear', width: n, inputDim: d, depth: 1, act: 'identity', outputs: 1 });
  const [u, v] = initParams(model, 0);
  const w = new Float64Array(d);
  for (let b = 0; b < d; b++) for (let h = 0; h < n; h++) w[b] += (u.data[h * d + b] * v.data[h]) / Math.sqrt(n);
  const { d: dim, G } = agop(model, [u, v], randn(new RandomState(2), [5, d]));
  assert.is(dim, d);
  within(relMax(G, gram(w, 1, d)), 1e-14, 'AGOP of the linear model');
});

const TORCH_AGOP = `
import json, sys, torch
torch.set_default_dtype(torch.float64)
s = json.load(sys.stdin)
X = torch.tensor(s['X']).reshape(s['m'], s['d']).requires_grad_(True)
a = X
L = len(s['layers'])
for l, (W, b, n_out, alpha, beta) in enumerate(s['layers']):
    h = alpha * (a @ torch.tensor(W).reshape(n_out, -1).T) + beta * torch.tensor(b)
    a = torch.tanh(h) if l < L - 1 else h
G = torch.zeros(s['d'], s['d'])
for c in range(a.shape[1]):
    g, = torch.autograd.grad(a[:, c].sum(), X, retain_graph=True)
    G += g.T @ g / s['m']
print(json.dumps(G.flatten().tolist()))
`;

test('an mlp (tanh, NTK parameterization, 3 outputs) against torch.autograd input gradients in float64', () => {
  if (!torchPythonHas('torch')) return console.log('  (skipped: no torch for /usr/bin/python3)');
  const model = makeModel(MLP);
  const params = initParams(model, 7);
  const m = 7,
    X = randn(new RandomState(4), [m, MLP.inputDim]);
  const layers = [0, 1, 2].map((l) => {
    const W = params[2 * l];
    return [Array.from(W.data), Array.from(params[2 * l + 1].data), W.shape[0], MLP.sigmaW / Math.sqrt(W.shape[1]), MLP.sigmaB];
  });
  const input = JSON.stringify({ X: Array.from(X.data), m, d: MLP.inputDim, layers });
  const r = spawnSync(TORCH_PYTHON, ['-c', TORCH_AGOP], { input, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.is(r.status, 0, r.stderr);
  const ref = Float64Array.from(JSON.parse(r.stdout) as number[]);
  const err = relMax(agop(model, params, X).G, ref);
  console.log(`  AGOP vs torch: ‖G − G_torch‖_max/‖G_torch‖_max = ${err.toExponential(2)}`);
  within(err, 1e-12, 'AGOP vs torch');
});

test("the teacher's AGOP equals the AGOP of the same network built as a catapult mlp; its logits give the data's labels", () => {
  const d = 6;
  const t = teacherNetwork({ inputDim: d, numClasses: 10, seed: 5 });
  const { train, classes } = loadClassification('synthetic', { inputDim: d, classes: [1, 4], trainSize: 40, testSize: 0, seed: 5 });
  const model = makeModel({ ...MLP, act: 'relu', param: 'standard', depth: 1, width: 2 * d, inputDim: d, outputs: 10 });
  const params: Tensor[] = [tensor([2 * d, d], t.W1), tensor([2 * d], new Float64Array(2 * d)), tensor([10, 2 * d], t.W2), tensor([10])];
  within(relMax(teacherAgop(t, train.X.data, d), agop(model, params, train.X).G), 1e-13, 'teacher AGOP');
  for (let i = 0; i < train.X.shape[0]; i++) {
    const x = train.X.data.subarray(i * d, (i + 1) * d);
    const logits = Array.from({ length: 10 }, (_, c) =>
      Array.from({ length: 2 * d }, (_, a) => {
        const s = x.reduce((acc, xb, b) => acc + t.W1[a * d + b] * xb, 0);
        return t.W2[c * 2 * d + a] * (Math.max(s, 0) - t.center[a]);
      }).reduce((p, q) => p + q, 0),
    );
    const label = classes[train.Y.data[2 * i] === 1 ? 0 : 1];
    assert.is(logits.indexOf(Math.max(...logits)), label, `row ${i}`);
  }
});

test('alignment: 1 for a positive multiple, 0 for orthogonal matrices, NaN against zero; sizes must match', () => {
  const A = Float64Array.of(2, 1, 1, 3);
  assert.is(
    agopAlignment(
      A,
      A.map((v) => 3 * v),
    ),
    1,
  );
  assert.is(agopAlignment(Float64Array.of(1, 0, 0, 0), Float64Array.of(0, 0, 0, 1)), 0);
  assert.ok(Number.isNaN(agopAlignment(A, new Float64Array(4))));
  assert.throws(() => agopAlignment(A, new Float64Array(9)), /4 and 9 entries/);
});

test('a model with batch normalization is refused (its statistics couple the examples)', () => {
  const model = makeModel({ ...MLP, kind: 'cnn', arch: 'conv:2,bn,relu,flatten,dense:2', inputShape: [1, 3, 3], inputDim: 9 });
  assert.throws(() => agop(model, initParams(model, 0), randn(new RandomState(0), [2, 9])), /batch normalization couples the examples/);
});

test.run();
