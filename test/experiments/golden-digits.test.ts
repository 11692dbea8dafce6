// Error bars in golden files: per-step digits and the chaos flag, checked against the dd trajectory; old files still read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { DIVERGENCE_LOSS } from '../../src/models';
import {
  DIGITS_SLACK,
  Golden,
  allowance,
  checkGolden,
  deviation,
  exactJson,
  makeGolden,
  parseLr,
  readGolden,
  setup,
  writeGolden,
} from '../../src/experiments';
import { hasNumpy } from '../util';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-digits-'));
const READER = path.resolve(__dirname, '../../../python/catapult_golden.py');
const BIN = path.resolve(__dirname, '../../../bin/catapult.js');
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
  // Steps whose digits are exhausted are not checkable: counted apart, never passed, and never an unbounded allowance.
  const exhausted = Array.from(g64.digits!).flatMap((x, t) => (x <= DIGITS_SLACK ? [t] : []));
  assert.ok(r.unchecked > 0 && r.unchecked <= exhausted.length && !r.inconclusive, `${r.unchecked} of ${r.steps} not checkable`);
  assert.ok(loss.unchecked.every((t) => exhausted.includes(t)));
  assert.is(allowance(1e-9, 0), 1e-9);
  assert.ok(allowance(1e-9, 2.01) < 1);
  // Without the digits, the same comparison fails at --tol, at the step where the deviation starts.
  const bare = deviation('loss', g64.loss, gdd.loss, 1e-9);
  assert.not.ok(bare.ok);
  assert.is(bare.first!.step, loss.starts!.step);
});

test('a gd file records digits and chaotic (schema v2): either missing, or digits out of [0, 16], is refused naming it', () => {
  writeGolden(path.join(dir, 'new.json'), g64);
  const obj = JSON.parse(fs.readFileSync(path.join(dir, 'new.json'), 'utf8'));
  assert.ok(Array.isArray(obj.digits) && obj.result.chaotic === true);
  const refused = (name: string, edit: (o: typeof obj) => void, pattern: RegExp) => {
    const o = JSON.parse(JSON.stringify(obj));
    edit(o);
    fs.writeFileSync(path.join(dir, name), exactJson(o)); // exactJson keeps the −0.0 biases (σ_b = 0)
    assert.throws(() => readGolden(path.join(dir, name)), pattern);
  };
  refused('no-digits.json', (o) => delete o.digits, /golden field digits is missing/);
  refused('no-chaotic.json', (o) => delete o.result.chaotic, /golden field result\.chaotic is missing/);
  refused('bad.json', (o) => (o.digits = o.t.map(() => 17)), /digits\[0\] is 17, not a number of digits in \[0, 16\]/);
  writeGolden(path.join(dir, 'new.npz'), g64);
  assert.equal(Array.from(readGolden(path.join(dir, 'new.npz')).digits!), Array.from(g64.digits!));
});

test('a file whose digits leave most steps uncheckable is not passed: check exits 1 and says so', () => {
  // The same run for 300 steps, its values changed by 1e-3 only where its (genuine) digits are exhausted: what a rerun
  // on other hardware may find. Before, those steps passed on an infinite allowance.
  const long = makeGolden(s, so, { ...run, steps: 300 });
  const off = Array.from(long.digits!).flatMap((x, t) => (x <= DIGITS_SLACK ? [t] : []));
  assert.ok(off.length > 151, `${off.length} of 301 steps have no digit left`);
  const loss = long.loss.slice();
  for (const t of off) loss[t] *= 1 + 1e-3;
  const r = checkGolden({ ...long, loss }, 1e-9);
  assert.ok(r.deviations.every((x) => x.ok) && r.inconclusive && !r.ok, `${r.unchecked} of ${r.steps} not checkable`);
  assert.is(r.unchecked, off.length);
  writeGolden(path.join(dir, 'long.json'), { ...long, loss });
  const cli = spawnSync(process.execPath, [BIN, 'check', '--golden', path.join(dir, 'long.json')], { encoding: 'utf8' });
  assert.is(cli.status, 1, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /^catapult: check inconclusive: \d+ of 301 steps not checkable: .*, so it is not passed\n$/);
  assert.match(cli.stdout, /loss .* \d+ steps? not checkable \(no digits left\)/);
});

test('the Python reader honours the recorded digits like check (numpy replay of the edge-of-stability run)', () => {
  if (!hasNumpy) return void console.log('  skipped: python3 with numpy not found');
  const py = (file: string) => spawnSync('python3', [READER, path.join(dir, file), '--tol', '1e-9'], { encoding: 'utf8' });
  const withDigits = py('new.json');
  assert.is(withDigits.status, 0, withDigits.stdout + withDigits.stderr);
  assert.match(withDigits.stdout, /records reproducible digits per step/);
  // The replay parts from the engine where the digits say it may; where none is left it is not checkable, not passed.
  assert.match(withDigits.stdout, /loss +t=\d+ \[0\] +\S+ +\S+ +t=\d+ \[0\] +\d+ steps? not checkable \(no digits left\)/);
  assert.match(withDigits.stdout, /: \d+ of 151 steps not checkable: beyond --tol where the recorded digits are exhausted/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
