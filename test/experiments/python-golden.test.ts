// The Python helper for golden files (python/catapult_golden.py, numpy only) replays every model kind the oracle writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { TORCH_PYTHON, hasNumpy, torchPythonHas } from '../util';

const PYTEST = path.resolve(__dirname, '../../../python/test_catapult_golden.py');
const TORCH_REPLAY = path.resolve(__dirname, '../../../examples/test_torch_replay.py');

if (!hasNumpy) {
  console.log('  skipped: python/test_catapult_golden.py needs python3 with numpy');
  test('python golden helper (skipped: python3 with numpy not found)', () => {});
} else {
  test('python/test_catapult_golden.py: numpy replays of warmup, linear, mlp (ntk, standard, layer norm), cnn, wrn, logistic, ce, momentum, L2, Adam, AdamW, minibatches, per-layer rates and a divergence agree; edits fail', () => {
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

if (!torchPythonHas('torch, pytest, numpy')) {
  console.log(
    `  skipped: examples/test_torch_replay.py needs ${TORCH_PYTHON} with torch, numpy and pytest (Debian python3-torch, python3-pytest)`,
  );
} else {
  test('examples/test_torch_replay.py: torch.optim Adam, AdamW and SGD replays of goldens (minibatches, per-layer rates) pass check_trajectory at 1e-11; a 1e-8 edit fails', () => {
    const r = spawnSync(TORCH_PYTHON, ['-m', 'pytest', '-q', '--color=no', '-p', 'no:cacheprovider', TORCH_REPLAY], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CATAPULT_NODE: process.execPath },
    });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\b\d+ passed\b/, r.stdout + r.stderr);
    assert.not.match(r.stdout, /skipped|failed/);
  });
}

test.run();
