// The linearized model's GD cost, parameter space against function space: ms a step each and the train NTK's build, for fig6's net on 512 MNIST digits × 10 classes.
// Run after the build: node scripts/linearized-cost.js [width=256] [ntkColumns=30] [paramSteps=30]
// (with fewer columns than m·k the column build's time is extrapolated; the structured build is timed whole).
'use strict';
const { initBackend } = require('../dist/src/linalg/backend');
const { firstRows, loadClassification } = require('../dist/src/data');
const { makeModel, initParams, linearize, trainLinearized, trainLinearizedFunctionSpace, trainNtk } = require('../dist/src/models');
const { vjp, jvp } = require('../dist/src/autodiff');

const backend = initBackend();
const width = Number(process.argv[2] ?? 256);
const paramSteps = Number(process.argv[4] ?? 30);
const data = firstRows(loadClassification('mnist', { trainSize: 520, testSize: 0, seed: 0 }).train, 512);
const model = makeModel({
  kind: 'mlp',
  width,
  depth: 1,
  act: 'relu',
  param: 'ntk',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  outputs: 10,
  inputDim: 784,
});
const lin = linearize(model, initParams(model, 0), data);
const N = lin.f0.length;
const columns = Math.min(N, Number(process.argv[3] ?? 30));
const seconds = () => Number(process.hrtime.bigint()) / 1e9;
console.log(`${backend.name} backend, ${backend.threads} thread(s); width ${width}, m·k = ${N}`);

let t0 = seconds();
trainLinearized(lin, { lr: 0.1, steps: paramSteps });
const perParam = (seconds() - t0) / paramSteps;
console.log(`parameter space: ${(perParam * 1e3).toFixed(1)} ms a step (${paramSteps} steps)`);

t0 = seconds();
const ntk = trainNtk(lin);
console.log(`train NTK (structured where the net allows: k sweeps and a Gram product a layer): ${(seconds() - t0).toFixed(1)} s`);

// The column-by-column build, the fallback for nets whose examples interact: m·k VJP+JVP pairs.
t0 = seconds();
const e = new Float64Array(N);
for (let a = 0; a < columns; a++) {
  e[a] = 1;
  const g = vjp(lin.f, e);
  e[a] = 0;
  jvp(lin.f, g);
}
const build = ((seconds() - t0) * N) / columns;
console.log(`train NTK by columns: ${build.toFixed(1)} s` + (columns < N ? ` (extrapolated from ${columns} of ${N} columns)` : ''));

t0 = seconds();
trainLinearizedFunctionSpace(lin, { lr: 0.1, steps: 100, ntk });
const perFunction = (seconds() - t0) / 100;
console.log(`function space: ${(perFunction * 1e3).toFixed(1)} ms a step (100 steps, with the final VJP)`);
const saved = perParam - perFunction;
console.log(saved > 0 ? `with Θ by columns, function space pays from ${Math.ceil(build / saved)} steps` : 'function space never pays here');
