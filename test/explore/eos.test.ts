// The Edge-of-stability view's computation in Node: its data, its URL state, its CLI lines, and the default run at the edge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { parseState, runnable } from '../../src/explore/state';
import type { EosValues } from '../../src/explore/params';
import { EOS_DATA_FILE, EOS_POINTS, atEdge, edgeRatio, eosCliArgs, eosData, eosSetup, runEosFlow, runEosGd } from '../../src/explore/eos';
import { chebyshevData, sinCos } from '../../src/data/chebyshev';
import { setup } from '../../src/experiments/run/setup';
import { useBackend } from '../../src/linalg/backend';
import { writeNpz } from '../../src/io/npz';
import { toJson } from '../../src/io/output';
import { scratch } from '../cli/helpers';

const ulps = (a: number, b: number) => {
  const v = new Float64Array([a, b]);
  const i = new BigInt64Array(v.buffer);
  return Number(i[0] > i[1] ? i[0] - i[1] : i[1] - i[0]);
};

test('sinCos is within one ulp of V8 on [-100, 100] (arithmetic only, so the page computes the same bits)', () => {
  let worst = 0;
  for (let k = 0; k <= 40000; k++) {
    const a = -100 + k * 0.005;
    const [s, c] = sinCos(a);
    if (Math.abs(Math.sin(a)) > 1e-3) worst = Math.max(worst, ulps(s, Math.sin(a)));
    if (Math.abs(Math.cos(a)) > 1e-3) worst = Math.max(worst, ulps(c, Math.cos(a)));
  }
  assert.ok(worst <= 1, `${worst} ulps`);
  assert.equal(sinCos(0), [0, 1]);
  assert.throws(() => sinCos(NaN), /sinCos: the argument must be a number in \[-100, 100\], got NaN/);
});

test('the data: 20 Chebyshev points x_i = cos((2i+1)π/40), descending in (−1, 1), y = sin(5x), named as the .npz', () => {
  const d = eosData();
  assert.equal(d.X.shape, [EOS_POINTS, 1]);
  assert.equal(d.Y.shape, [EOS_POINTS, 1]);
  assert.is(d.source, EOS_DATA_FILE);
  d.X.data.forEach((x, i) => {
    assert.ok(ulps(x, Math.cos(((2 * i + 1) * Math.PI) / 40)) <= 1, `x_${i}`);
    assert.ok(ulps(d.Y.data[i], Math.sin(5 * x)) <= 1, `y_${i}`);
    if (i > 0) assert.ok(x < d.X.data[i - 1]);
  });
  assert.ok(d.X.data[0] < 1 && d.X.data[EOS_POINTS - 1] > -1);
  assert.throws(() => chebyshevData(0, 'x'), /m must be a positive integer, got 0/);
});

test('the URL state: defaults, the flags the CLI uses, and errors beside their parameter', () => {
  const s = parseState('?view=eos');
  assert.ok(runnable(s));
  assert.equal(s.values, { eta: 0.08, width: 16, depth: 3, steps: 400, seed: 0, flowAlpha: 2 });
  const bad = parseState('?view=eos&lr=1.5x&width=0&depth=5&flow-alpha=-1');
  assert.is(bad.errors.eta, "--lr must be a finite number > 0, got '1.5x'");
  assert.is(bad.errors.width, "--width must be an integer in [1, 256], got '0'");
  assert.is(bad.errors.depth, "--depth must be an integer in [1, 4], got '5'");
  assert.match(bad.errors.flowAlpha, /^--flow-alpha must be a finite number > 0/);
});

test('the CLI lines: GD with --track hessian (its summary.json is #result), the flow with --flow gradient', () => {
  const v = parseState('?view=eos').values as EosValues;
  const model = ['--model', 'mlp', '--width', '16', '--depth', '3', '--act', 'tanh', '--param', 'standard', '--seed', '0'];
  const common = ['train', ...model, '--data', EOS_DATA_FILE, '--lr', '0.08', '--steps', '400'];
  assert.equal(eosCliArgs(v, 'gd'), [...common, '--track', 'hessian']);
  assert.equal(eosCliArgs(v, 'flow'), [...common, '--eig-every', '0', '--flow', 'gradient', '--flow-alpha', '2']);
});

test('data given in memory stand only for --data FILE', () => {
  assert.throws(() => setup({ model: 'mlp', width: 4 }, eosData()), /data given in memory stand for --data FILE/);
  assert.throws(() => setup({ model: 'warmup', width: 4, data: 'x.npz' }, eosData()), /data given in memory/);
});

test('the default run ends at the edge: S·η/2 within 10 % of 1 at the last step (wasm, as in the page)', () => {
  useBackend('wasm', 1);
  const v = parseState('?view=eos').values as EosValues;
  const gd = runEosGd(eosSetup(v), v);
  assert.is(gd.summary.steps_run, 400);
  assert.is(gd.summary.diverged_at, null);
  assert.ok(atEdge(gd.summary), `S·η/2 = ${edgeRatio(gd.summary)}`);
  // It got there by sharpening: S_0 is about half of 2/η.
  assert.ok(gd.summary.hessian0! * v.eta < 1.2, `S_0·η = ${gd.summary.hessian0! * v.eta}`);
});

test('in Node the GD and flow summaries equal `catapult train --data eos-chebyshev.npz` bit for bit', () => {
  useBackend('wasm', 1);
  const v = parseState('?view=eos&width=6&depth=2&steps=25&lr=0.1&seed=2').values as EosValues;
  const s = eosSetup(v);
  const { run, file, cleanup } = scratch('catapult-eos-');
  writeNpz(file(EOS_DATA_FILE), { X: s.data.X, Y: s.data.Y });
  const env = { CATAPULT_BACKEND: 'wasm', CATAPULT_THREADS: '1' };
  for (const [which, ours] of [
    ['gd', runEosGd(s, v)],
    ['flow', runEosFlow(s, v)],
  ] as const) {
    const r = run([...eosCliArgs(v, which), '--out', which, '--quiet'], env);
    assert.is(r.code, 0, r.stderr);
    assert.is(toJson(ours.summary), fs.readFileSync(file(`${which}/summary.json`), 'utf8'), which);
  }
  cleanup();
});

test.run();
