// Error bars in golden files: per-step digits and the chaos flag, checked against the dd trajectory; old files still read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { DIVERGENCE_LOSS } from '../../src/models';
import { Golden, checkGolden, exactJson, makeGolden, parseLr, readGolden, setup, writeGolden } from '../../src/experiments';
import { hasNumpy } from '../util';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-digits-'));
const READER = path.resolve(__dirname, '../../../python/catapult_golden.py');
// The edge-of-stability run of precision.test.ts: float64 and dd part exponentially from step ~100 and differ at O(0.1) by 150.
const so = { model: 'mlp', width: 8, depth: 2, act: 'tanh', param: 'standard', samples: 128 } as const;
const run = {
  lr: parseLr('1.2x'),
  steps: 150,
  momentum: 0,
  l2: 0,
  eigEvery: 50,
  maxLoss: DIVERGENCE_LOSS,
  convergeFraction: 1e-8,
  paramsEvery: 0,
};
const s = setup(so);
const g64 = makeGolden(s, so, run);

test('a float64 golden records falling digits and the chaos flag; a dd golden keeps a double’s digits', () => {
  const d = g64.digits!;
  assert.is(d.length, 151);
  assert.is(d[0], 15.95);
  assert.ok(d[50] > 14 && d[150] < 3, `digits ${d[50]} at t = 50, ${d[150]} at t = 150`);
  assert.is(g64.meta.result.chaotic, true);
  const gdd = makeGolden(s, so, { ...run, precision: 'dd' });
  assert.is(gdd.meta.config.precision, 'dd');
  assert.ok(gdd.digits![150] > 15, `dd digits at the end: ${gdd.digits![150]}`);
  // The recorded trajectory is the dd one: a float64 file whose arrays are replaced by it is the float64 engine
  // checked against the exact trajectory, which must deviate only where the recorded digits say it may.
  const truth: Golden = { ...g64, loss: gdd.loss, f: gdd.f, lambda: gdd.lambda, paramNorm: gdd.paramNorm };
  const r = checkGolden(truth, 1e-9);
  const loss = r.deviations.find((x) => x.field === 'loss')!;
  assert.ok(
    r.ok,
    r.deviations
      .filter((x) => !x.ok)
      .map((x) => `${x.field} at ${x.first?.step}`)
      .join(', '),
  );
  assert.ok(
    loss.starts !== null && loss.starts.step > 100 && loss.maxRel > 1e-3,
    `loss starts at ${loss.starts?.step}, max ${loss.maxRel}`,
  );
  // Without the digits, the same comparison fails at --tol, at the step where the deviation starts.
  const bare = checkGolden({ ...truth, digits: null }, 1e-9).deviations.find((x) => x.field === 'loss')!;
  assert.not.ok(bare.ok);
  assert.is(bare.first!.step, loss.starts!.step);
});

test('files without digits, chaotic and precision (written before them) read and check as before', () => {
  writeGolden(path.join(dir, 'new.json'), g64);
  const obj = JSON.parse(fs.readFileSync(path.join(dir, 'new.json'), 'utf8'));
  assert.ok(Array.isArray(obj.digits) && obj.result.chaotic === true);
  delete obj.digits;
  delete obj.result.chaotic;
  fs.writeFileSync(path.join(dir, 'old.json'), exactJson(obj)); // exactJson keeps the −0.0 biases (σ_b = 0)
  const old = readGolden(path.join(dir, 'old.json'));
  assert.is(old.digits, null);
  assert.ok(checkGolden(old, 0).ok, 'a rerun on the same backend is bit-identical');
  writeGolden(path.join(dir, 'new.npz'), g64);
  assert.equal(Array.from(readGolden(path.join(dir, 'new.npz')).digits!), Array.from(g64.digits!));
  obj.digits = obj.t.map(() => 17);
  fs.writeFileSync(path.join(dir, 'bad.json'), exactJson(obj));
  assert.throws(() => readGolden(path.join(dir, 'bad.json')), /digits\[0\] is 17, not a number of digits in \[0, 16\]/);
});

test('the Python reader honours the recorded digits like check (numpy replay of the edge-of-stability run)', () => {
  if (!hasNumpy) return void console.log('  skipped: python3 with numpy not found');
  const py = (file: string) => spawnSync('python3', [READER, path.join(dir, file), '--tol', '1e-9'], { encoding: 'utf8' });
  const withDigits = py('new.json');
  assert.is(withDigits.status, 0, withDigits.stdout + withDigits.stderr);
  assert.match(withDigits.stdout, /records reproducible digits per step/);
  assert.match(withDigits.stdout, /loss +t=\d+ \[0\] +\S+ +\S+ +t=\d+ \[0\] +ok \(within the recorded digits\)/);
  assert.is(py('old.json').status, 1, 'without digits the numpy replay’s chaotic deviation fails --tol');
});

test.run();
