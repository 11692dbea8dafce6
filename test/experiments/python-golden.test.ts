// The Python helper for golden files (python/catapult_golden.py, numpy only) replays every model kind the oracle writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { hasNumpy } from '../util';

const PYTEST = path.resolve(__dirname, '../../../python/test_catapult_golden.py');

if (!hasNumpy) {
  console.log('  skipped: python/test_catapult_golden.py needs python3 with numpy');
  test('python golden helper (skipped: python3 with numpy not found)', () => {});
} else {
  test('python/test_catapult_golden.py: numpy replays of warmup, linear, mlp (ntk, standard, layer norm), logistic, ce, momentum, L2 and a divergence agree; edits fail', () => {
    // The same node runs the oracle inside the Python test; 60 s is a hang guard (it takes about 5 s).
    const r = spawnSync('python3', [PYTEST], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CATAPULT_NODE: process.execPath },
    });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^all \d+ tests passed$/m);
    assert.not.match(r.stdout, /^FAIL/m);
  });
}

test.run();
