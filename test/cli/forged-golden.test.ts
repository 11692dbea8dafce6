// Forged and malformed golden files (issue 30's audit list): malformed is exit 2 naming the field, forged is exit 1, never 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIN, scratch } from './helpers';
import { FORGERIES, runForgeries } from './goldenForgeries';

const { dir, run, cleanup } = scratch('catapult-forged-');
const outcomes = runForgeries(BIN, dir, 60_000);

test('every forgery of the audit list gets its exit code and one line naming the field, within seconds', () => {
  assert.is(outcomes.length, FORGERIES.length);
  for (const [f, o] of outcomes) {
    const lines = o.stderr.trimEnd().split('\n');
    assert.is(o.code, f.exit, `${f.name}: exit ${o.code}, stderr ${o.stderr}`);
    assert.is(lines.length, 1, `${f.name}: one stderr line, got ${o.stderr}`);
    assert.ok(f.names.test(lines[0]), `${f.name}: '${lines[0]}' should match ${f.names}`);
    assert.not.match(o.stderr, /\n\s+at /, `${f.name}: no stack trace`);
    assert.ok(o.seconds < 20, `${f.name}: ${o.seconds} s`);
  }
});

test('the good files pass, and check names a cnn by its layers, not by a width it does not have', () => {
  for (const base of ['mlp', 'mlp0', 'cnn', 'adam']) assert.is(run(['check', '--golden', `${base}.json`]).code, 0, base);
  const cnn = run(['check', '--golden', 'cnn.json']);
  assert.match(cnn.stdout, /cnn model conv:2:k3,relu,flatten,dense:1 on 1×8×8/);
  assert.not.match(cnn.stdout, /width/);
});

test.after(cleanup);
test.run();
