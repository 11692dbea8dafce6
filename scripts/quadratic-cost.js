// The neural quadratic model's cost against its base: median time of one forward pass, and of forward + gradient, on one mlp.
'use strict';
const { makeModel, initParams, quadraticModel, forwardPass } = require('../dist/src/models');
const { vjp } = require('../dist/src/autodiff');
const { freeF64 } = require('../dist/src/linalg/backend');
const { gaussianData } = require('../dist/src/data');

const [width = 1024, depth = 2, samples = 256, reps = 15] = process.argv.slice(2).map(Number);
const data = gaussianData(samples, 32, 1, 0);
const base = makeModel({ kind: 'mlp', width, depth, act: 'tanh', param: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0.1, outputs: 1, inputDim: 32 });
const theta0 = initParams(base, 0);
const nqm = quadraticModel(base, theta0);
const theta = theta0.map((p) => ({ shape: p.shape, data: p.data.map((x) => x * 1.01) }));

/** Median seconds of `step` over `reps` runs after one warm-up. */
function median(step) {
  step();
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times.sort((a, b) => a - b)[reps >> 1];
}
const forward = (model) => () => forwardPass(model, theta, data).tape.dispose();
const gradient = (model) => () => {
  const { tape, loss } = forwardPass(model, theta, data);
  vjp(loss, Float64Array.of(1)).forEach((g) => freeF64(g));
  tape.dispose();
};
const f = [median(forward(base)), median(forward(nqm))];
const g = [median(gradient(base)), median(gradient(nqm))];
console.log(`mlp width ${width}, depth ${depth}, tanh, ${samples} samples of dimension 32 (median of ${reps}):`);
console.log(
  `  forward:            base ${(1e3 * f[0]).toFixed(1)} ms, quadratic ${(1e3 * f[1]).toFixed(1)} ms, ratio ${(f[1] / f[0]).toFixed(2)}`,
);
console.log(
  `  forward + gradient: base ${(1e3 * g[0]).toFixed(1)} ms, quadratic ${(1e3 * g[1]).toFixed(1)} ms, ratio ${(g[1] / g[0]).toFixed(2)}`,
);
console.log(`  quadratic forward + gradient / base forward: ${(g[1] / f[0]).toFixed(2)}`);
