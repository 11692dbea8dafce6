// The top-k NTK eigenspace of a spike: Lanczos eigenpairs against the dense NTK, and the share of a residual change in their span.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { symmetricEigen } from '../../src/linalg/eigen';
import { RandomState } from '../../src/random/randomState';
import { ntkDense } from '../../src/autodiff';
import { gaussianData } from '../../src/data';
import { forwardPass, initParams, makeModel, ntkTopSpace, subspaceShare, topEigenspaceShare } from '../../src/models';
import { within } from '../util';

const model = makeModel({ kind: 'mlp', width: 12, depth: 2, act: 'tanh', param: 'ntk', sigmaW: 1.5, sigmaB: 0.2, outputs: 2, inputDim: 3 });
const data = gaussianData(6, 3, 2, 1);
const start = initParams(model, 2);
const K = 3;

/** The dense NTK at θ (N×N) and its eigenvectors for the top K eigenvalues, descending. */
function denseTop(params: readonly Tensor[]) {
  const { tape, f } = forwardPass(model, params, data);
  const N = f.value.data.length;
  const theta = ntkDense(f);
  tape.dispose();
  const { values, vectors } = symmetricEigen(N, theta, true);
  const top = Array.from({ length: K }, (_, j) => N - 1 - j);
  return {
    N,
    theta,
    values: top.map((j) => values[j]),
    vectors: top.map((j) => Float64Array.from({ length: N }, (_, i) => vectors![i * N + j])),
  };
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

test('subspaceShare: the squared share of a vector in an orthonormal span', () => {
  assert.is(subspaceShare([Float64Array.of(1, 0)], Float64Array.of(3, 4)), 0.36);
  assert.ok(Number.isNaN(subspaceShare([Float64Array.of(1, 0)], new Float64Array(2))));
});

test('Lanczos top-k eigenpairs of the NTK match the dense NTK (values and spans)', () => {
  const dense = denseTop(start);
  const r = ntkTopSpace(model, start, data, K);
  assert.ok(r.converged);
  r.values.forEach((v, j) => within(Math.abs(v - dense.values[j]) / dense.values[0], 1e-10, `λ${j + 1}`));
  // Each Lanczos vector lies in the dense top-K span (the eigenvalues are distinct here, so the spans are the same).
  for (const u of r.vectors) within(1 - subspaceShare(dense.vectors, u), 1e-10, 'Lanczos vector outside the dense top-K span');
});

test('a residual change inside the top-k span has share 1; a mixed one its true share', () => {
  const { vectors: U } = ntkTopSpace(model, start, data, K);
  const N = U[0].length;
  const a = [0.7, -1.3, 0.4];
  const inside = new Float64Array(N);
  U.forEach((u, j) => u.forEach((x, i) => (inside[i] += a[j] * x)));
  within(Math.abs(subspaceShare(U, inside) - 1), 1e-13, 'share of a change inside the span');
  // w⊥: a random vector with its top-K part removed (twice, for orthogonality to rounding).
  const w = Float64Array.from(new RandomState(3).standardNormalArray(N));
  for (let pass = 0; pass < 2; pass++)
    for (const u of U) {
      const c = dot(u, w);
      u.forEach((x, i) => (w[i] -= c * x));
    }
  const mixed = inside.map((x, i) => x + 0.5 * w[i]);
  const truth = dot(inside, inside) / (dot(inside, inside) + 0.25 * dot(w, w));
  within(Math.abs(subspaceShare(U, mixed) - truth) / truth, 1e-12, 'share of a mixed change');
});

test('topEigenspaceShare: the dense eigenvectors give the same share, and the loss splits into top and rest', () => {
  const rng = new RandomState(9);
  const peak = start.map((p) =>
    tensor(
      p.shape,
      p.data.map((x) => x + 0.3 * rng.standardNormal()),
    ),
  );
  const s = topEigenspaceShare(model, start, peak, data, K);
  const dense = denseTop(start);
  const f = (params: readonly Tensor[]) => {
    const pass = forwardPass(model, params, data);
    const out = { f: pass.f.value.data.slice(), loss: pass.loss.value.data[0] };
    pass.tape.dispose();
    return out;
  };
  const [fs, fp] = [f(start), f(peak)];
  const want = subspaceShare(
    dense.vectors,
    fp.f.map((v, i) => v - fs.f[i]),
  );
  assert.ok(s.fraction > 0 && s.fraction < 1, `share ${s.fraction}`);
  within(Math.abs(s.fraction - want), 1e-10, 'top-k share against the dense eigenvectors');
  within(Math.abs(s.topLoss[0] + s.restLoss[0] - fs.loss) / fs.loss, 1e-12, 'loss split at the start');
  within(Math.abs(s.topLoss[1] + s.restLoss[1] - fp.loss) / fp.loss, 1e-12, 'loss split at the peak');
  assert.is(s.k, K);
});

test.run();
