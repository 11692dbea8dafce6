// The NTK: Lanczos λ against the dense eigenvalues of J Jᵀ/(km) formed column by column from JVPs, and the warmup closed form.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { symmetricEigen } from '../../src/linalg/eigen';
import { jvp, ntkDense, ntkTopEigenvalues } from '../../src/autodiff';
import { gaussianData, warmupData } from '../../src/data';
import { forwardPass, initParams, makeModel, warmupModel, linearModel } from '../../src/models';
import { maxRelErr, relErr, within } from '../util';

const LANCZOS_VS_DENSE_TOL = 1e-10;
const WARMUP_CLOSED_FORM_TOL = 1e-12;

/** J (rows: the m·k outputs, columns: the p parameters) from p JVPs with unit tangents: independent of the VJP path. */
function jacobianByJvp(f: ReturnType<typeof forwardPass>['f'], sizes: number[]): Float64Array[] {
  const cols: Float64Array[] = [];
  sizes.forEach((size, k) => {
    for (let i = 0; i < size; i++) {
      const v = sizes.map((s) => new Float64Array(s));
      v[k][i] = 1;
      cols.push(jvp(f, v));
    }
  });
  return cols;
}

for (const act of ['relu', 'tanh'] as const) {
  test(`small mlp (${act}, m·k = 50): Lanczos top-3 = dense eigenvalues of JJᵀ/(km) to ${LANCZOS_VS_DENSE_TOL}`, () => {
    const data = gaussianData(10, 4, 5, 2);
    const model = makeModel({
      kind: 'mlp',
      width: 12,
      depth: 2,
      act,
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0.1,
      outputs: 5,
      inputDim: 4,
    });
    const init = initParams(model, 4);
    const { f } = forwardPass(model, init, data);
    const N = f.value.data.length;
    const cols = jacobianByJvp(
      f,
      init.map((t) => t.data.length),
    );
    const theta = new Float64Array(N * N);
    for (let a = 0; a < N; a++)
      for (let b = 0; b < N; b++) {
        let s = 0;
        for (const c of cols) s += c[a] * c[b];
        theta[a * N + b] = s / N;
      }
    within(maxRelErr(ntkDense(f), theta), 1e-13, 'NTK from VJP rows vs from JVP columns');
    const dense = symmetricEigen(N, theta, false).values; // ascending
    const r = ntkTopEigenvalues(f, 3);
    assert.ok(r.converged, 'Lanczos converged');
    for (let i = 0; i < 3; i++) {
      const err = relErr(r.values[i], dense[N - 1 - i]);
      within(err, LANCZOS_VS_DENSE_TOL, `λ${i + 1}`);
    }
    console.log(
      `    ${act}: λ1 = ${r.values[0]}, |Lanczos − dense|/λ1 = ${relErr(r.values[0], dense[N - 1]).toExponential(2)}, ${r.iterations} iterations`,
    );
  });
}

for (const n of [1, 10, 1000, 16000]) {
  test(`warmup n = ${n}: Lanczos λ = (|u|² + |v|²)/n to ${WARMUP_CLOSED_FORM_TOL}`, () => {
    const model = warmupModel(n);
    const [u, v] = initParams(model, 12345);
    const { f } = forwardPass(model, [u, v], warmupData());
    let s = 0;
    for (let i = 0; i < n; i++) s += u.data[i] * u.data[i] + v.data[i] * v.data[i];
    within(relErr(ntkTopEigenvalues(f).values[0], s / n), WARMUP_CLOSED_FORM_TOL, 'λ vs closed form');
  });
}

test('linear model: Lanczos λ equals the top eigenvalue of the closed form (S2), Θ = (|v|² XXᵀ + X uᵀu Xᵀ)/(nm)', () => {
  const m = 7,
    d = 5,
    n = 300;
  const data = gaussianData(m, d, 1, 9);
  const model = linearModel(n, d);
  const [u, v] = initParams(model, 8);
  const X = data.X.data,
    U = u.data;
  const vv = v.data.reduce((a, x) => a + x * x, 0);
  const theta = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      let xx = 0,
        xuux = 0;
      for (let i = 0; i < d; i++) xx += X[a * d + i] * X[b * d + i];
      for (let j = 0; j < n; j++) {
        let ua = 0,
          ub = 0;
        for (let i = 0; i < d; i++) {
          ua += U[j * d + i] * X[a * d + i];
          ub += U[j * d + i] * X[b * d + i];
        }
        xuux += ua * ub;
      }
      theta[a * m + b] = (vv * xx + xuux) / (n * m);
    }
  const exact = symmetricEigen(m, theta, false).values[m - 1];
  const { f } = forwardPass(model, [u, v], data);
  within(relErr(ntkTopEigenvalues(f).values[0], exact), LANCZOS_VS_DENSE_TOL, 'λ vs (S2)');
});

test.run();
