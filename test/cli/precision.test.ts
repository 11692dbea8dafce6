// `--precision dd` on train/oracle/check/sweep and `catapult precision`: outputs, files and one-line errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { scratch } from './helpers';
import { warmupData } from '../../src/data';
import { initParams, lambdaAt, trainDd, trainSettings, warmupModel } from '../../src/models';

const { run, rejects, file, cleanup } = scratch('catapult-precision-');
const WARMUP = ['--model', 'warmup', '--width', '16', '--lr', '1.5x', '--steps', '40', '--quiet'];

test('train --precision dd writes the doubles nearest the dd trajectory (the library’s trainDd, bit for bit)', () => {
  const r = run(['train', ...WARMUP, '--precision', 'dd', '--out', 'dd']);
  assert.is(r.code, 0, r.stderr);
  const rows = fs.readFileSync(file('dd/trajectory.csv'), 'utf8').trim().split('\n').slice(1);
  const model = warmupModel(16),
    init = initParams(model, 0),
    data = warmupData();
  const lib = trainDd(model, init, data, { lr: (1.5 * 2) / lambdaAt(model, init, data), ...trainSettings({ steps: 40 }) });
  assert.is(rows.length, lib.records.length);
  rows.forEach((row, t) => assert.is(Number(row.split(',')[2]), lib.records[t].loss, `loss at step ${t}`));
});

test('oracle --precision dd records config.precision and check reruns it in dd, bit-identical', () => {
  assert.is(run(['oracle', ...WARMUP.filter((a) => a !== '--quiet'), '--precision', 'dd', '--out', 'g.json']).code, 0);
  const g = JSON.parse(fs.readFileSync(file('g.json'), 'utf8'));
  assert.is(g.config.precision, 'dd');
  assert.is(g.digits.length, 41);
  const c = run(['check', '--golden', 'g.json', '--tol', '0']);
  assert.is(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /bit-identical/);
});

test('catapult precision: per-step deviations and digits in precision.csv, the summary and the slowdown', () => {
  const r = run(['precision', ...WARMUP.filter((a) => a !== '--quiet'), '--out', 'p']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /float64 keeps [\d.]+ digits at the end/);
  assert.match(r.stdout, /3 digits lost (first at step \d+|never); 6 digits lost/);
  assert.match(r.stdout, /dd \d+ ms \([\d.]+× slower\)/);
  const csv = fs.readFileSync(file('p/precision.csv'), 'utf8').trim().split('\n');
  assert.is(csv[0], 't,rel_loss,rel_f,rel_lambda,rel_param_norm,rel_theta,digits,predicted_digits');
  assert.is(csv.length, 42);
  const json = JSON.parse(fs.readFileSync(file('p/precision.json'), 'utf8'));
  assert.ok(typeof json.chaotic === 'boolean' && json.final.t === 40);
});

test('bad precision options: one line, exit 2', () => {
  rejects(['train', ...WARMUP, '--precision', 'fp32'], /--precision must be one of float64\|dd, got 'fp32'/);
  rejects(['train', ...WARMUP, '--precision', 'dd', '--track', 'hessian', '--out', 'x'], /--precision dd does not support --track hessian/);
  const noQuiet = WARMUP.filter((a) => a !== '--quiet');
  rejects(['precision', ...noQuiet, '--precision', 'dd'], /--precision.*it runs both float64 and dd/);
  rejects(['precision', ...noQuiet, '--tangent-seed', '-1'], /--tangent-seed/);
});

test.after(cleanup);
test.run();
