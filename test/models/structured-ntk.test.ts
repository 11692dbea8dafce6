// The train NTK's structured build (k reverse sweeps and a Gram product a layer) against the column-by-column build (m·k VJP+JVP pairs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ops, structuredNtk, sweepCounts, Tape } from '../../src/autodiff';
import { tensor } from '../../src/linalg/tensor';
import type { Dataset } from '../../src/data';
import { columnTrainNtk, initParams, linearize, Linearization, makeModel, trainNtk } from '../../src/models';
import type { ModelConfig } from '../../src/models';
import { maxRelErr } from '../util';

/** Two exact routes to Θ: different sums of the same products, so they differ by rounding only (relative to max|Θ|). */
const ROUNDING_TOL = 1e-12;

/** m rows of d inputs and one-hot k-class targets, from a fixed integer recurrence (no generator needed). */
function dataset(m: number, d: number, k: number): Dataset {
  const X = Float64Array.from({ length: m * d }, (_, i) => Math.sin(1.7 * i + 0.3) + 0.1 * ((i * 7) % 5));
  const Y = Float64Array.from({ length: m * k }, (_, i) => (i % k === Math.floor(i / k) % k ? 1 : 0));
  return { X: tensor([m, d], X), Y: tensor([m, k], Y), source: 'synthetic' };
}

const isSymmetric = (theta: Float64Array, N: number) => {
  for (let p = 0; p < N; p++) for (let q = 0; q < p; q++) if (theta[p * N + q] !== theta[q * N + p]) return false;
  return true;
};

const nets: [string, Partial<ModelConfig>][] = [
  ['NTK-parameterized tanh, 2 hidden layers, scaled biases', { depth: 2, act: 'tanh', param: 'ntk', sigmaB: 0.3 }],
  ['standard relu, 1 hidden layer', { depth: 1, act: 'relu', param: 'standard' }],
];

for (const [name, config] of nets) {
  test(`structured Θ equals the column-by-column Θ to ${ROUNDING_TOL} of max|Θ|: ${name}`, () => {
    const model = makeModel({ kind: 'mlp', width: 24, sigmaW: Math.SQRT2, sigmaB: 0, outputs: 3, inputDim: 7, ...config } as ModelConfig);
    const lin = linearize(model, initParams(model, 1), dataset(12, 7, 3));
    const columns = columnTrainNtk(lin);
    const before = sweepCounts.vjp;
    const built = trainNtk(lin);
    // k = 3 class sweeps and the two checked columns: the structured route ran, not the m·k = 36 columns.
    assert.is(sweepCounts.vjp - before, 3 + 2, 'reverse sweeps');
    const err = maxRelErr(built, columns);
    assert.ok(err <= ROUNDING_TOL, `max |Θ_structured − Θ_columns| / max|Θ| = ${err}`);
    assert.ok(err > 0 || built.every((x, i) => x === columns[i]), 'a real comparison');
    assert.ok(isSymmetric(built, 36), 'exactly symmetric');
    lin.f.tape.dispose();
  });
}

/** f = Mix·(X·W): the parameter enters per example, but Mix then mixes the examples as batch norm would. */
function mixing(): Linearization {
  const data = dataset(6, 4, 2);
  const tape = new Tape();
  const W = tape.param(
    tensor(
      [4, 2],
      Float64Array.from({ length: 8 }, (_, i) => Math.cos(i + 0.5)),
    ),
  );
  const mix = tape.constant(
    tensor(
      [6, 6],
      Float64Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0.25)),
    ),
  );
  const f = ops.matmul(mix, ops.matmul(tape.constant(data.X), W));
  return { data, f, f0: f.value.data.slice() };
}

test('a model whose examples interact: the structured form is wrong there, and trainNtk builds Θ by columns', () => {
  const lin = mixing();
  const columns = columnTrainNtk(lin);
  const structured = structuredNtk(lin.f);
  assert.ok(structured !== null, 'the parameter does enter per example');
  assert.ok(maxRelErr(structured!, columns) > 1e-3, 'the per-example form misses the mixing');
  assert.equal(trainNtk(lin), columns, 'fell back to the columns, bit for bit');
});

test('a parameter used twice is not structured', () => {
  const data = dataset(5, 3, 2);
  const tape = new Tape();
  const W = tape.param(
    tensor(
      [3, 3],
      Float64Array.from({ length: 9 }, (_, i) => 0.1 * (i - 4)),
    ),
  );
  const X = tape.constant(data.X);
  const h = ops.matmul(ops.matmul(X, W), W);
  const f = ops.matmul(h, tape.constant(tensor([3, 2], Float64Array.of(1, 0, 0, 1, 1, 1))));
  assert.is(structuredNtk(f), null);
});

test.run();
