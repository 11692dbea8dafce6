// How much slower GD in double-double is than float64 on a few small models: `node dist/bench/dd-slowdown.js` (seconds, not a bench suite).
import { parseLr, resolveLr, setup } from '../src/experiments';
import { lambdaAt, train, trainDd, trainSettings } from '../src/models';

const CASES = [
  { name: 'warmup n=1000', so: { model: 'warmup', width: 1000 }, steps: 200, eigEvery: 0 },
  {
    name: 'mlp 2×8 tanh, m=128',
    so: { model: 'mlp', width: 8, depth: 2, act: 'tanh', param: 'standard', samples: 128 },
    steps: 100,
    eigEvery: 0,
  },
  {
    name: 'mlp 2×32 tanh, m=16',
    so: { model: 'mlp', width: 32, depth: 2, act: 'tanh', param: 'standard', samples: 16 },
    steps: 100,
    eigEvery: 0,
  },
  {
    name: 'mlp 2×32 tanh, m=16, λ every step',
    so: { model: 'mlp', width: 32, depth: 2, act: 'tanh', param: 'standard', samples: 16 },
    steps: 30,
    eigEvery: 1,
  },
  {
    name: 'mlp 2×128 tanh, m=16',
    so: { model: 'mlp', width: 128, depth: 2, act: 'tanh', param: 'standard', samples: 16 },
    steps: 10,
    eigEvery: 0,
  },
] as const;

for (const c of CASES) {
  const s = setup(c.so);
  const o = {
    lr: resolveLr(parseLr('0.8x'), lambdaAt(s.model, s.init, s.data)),
    ...trainSettings({ steps: c.steps, eigEvery: c.eigEvery }),
  };
  train(s.model, s.init, s.data, { ...o, steps: 3 }); // the backend's first-use set-up, outside the timing
  let clock = performance.now();
  train(s.model, s.init, s.data, o);
  const f64 = (performance.now() - clock) / c.steps;
  clock = performance.now();
  trainDd(s.model, s.init, s.data, o);
  const dd = (performance.now() - clock) / c.steps;
  console.log(`${c.name}: float64 ${f64.toFixed(3)} ms/step, dd ${dd.toFixed(3)} ms/step, ${(dd / f64).toFixed(1)}× slower`);
}
