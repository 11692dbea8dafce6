// The explorer's mlp: depth, activation, parameterization and data set as URL state, run as `catapult train` runs them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseState, runnable, stateQuery } from '../../src/explore/state';
import { PHASES_PARAMS, PhasesValues, applies } from '../../src/explore/params';
import { phasesCliArgs, runPhases } from '../../src/explore/phases';
import { useBackend } from '../../src/linalg/backend';
import { toJson } from '../../src/io/output';
import { scratch } from '../cli/helpers';

const MLP_URL = '?view=phases&model=mlp&width=24&seed=1&lr=0.8x&steps=6&depth=2&act=tanh&param=standard&dataset=synthetic';

test('the URL carries depth, activation, parameterization and data set, and writes them back', () => {
  const s = parseState(MLP_URL);
  assert.equal(s.errors, {});
  assert.ok(runnable(s));
  const v = s.values as PhasesValues;
  assert.equal([v.depth, v.act, v.param, v.dataset], [2, 'tanh', 'standard', 'synthetic']);
  assert.equal(parseState(stateQuery('phases', s.texts)).values, s.values);
});

test("bad values are the CLI's one-line errors, beside their parameter", () => {
  const s = parseState('?view=phases&model=mlp&depth=9&act=sigmoid&param=weird&dataset=mnist');
  assert.is(s.errors.depth, "--depth must be an integer in [1, 8], got '9'");
  assert.is(s.errors.act, "--act must be one of relu|tanh|identity, got 'sigmoid'");
  assert.is(s.errors.param, "--param must be one of ntk|standard|mup, got 'weird'");
  assert.is(s.errors.dataset, "--dataset must be one of gaussian|synthetic, got 'mnist'");
  assert.not.ok(runnable(s));
});

test('under the warmup and linear models the mlp parameters stay in the URL but do not apply', () => {
  for (const model of ['warmup', 'linear']) {
    const s = parseState(MLP_URL.replace('model=mlp', `model=${model}`));
    assert.equal(s.errors, {}, model);
    for (const key of ['depth', 'act', 'param', 'dataset'] as const) assert.not.ok(applies(PHASES_PARAMS[key] as never, s.values), key);
    assert.equal(phasesCliArgs(s.values as PhasesValues), [
      'train',
      '--model',
      model,
      '--width',
      '24',
      '--seed',
      '1',
      '--lr',
      '0.8x',
      '--steps',
      '6',
    ]);
  }
});

test('an mlp of the page equals `catapult train` with the arguments the page shows (same summary.json)', () => {
  const v = parseState(MLP_URL).values as PhasesValues;
  const args = phasesCliArgs(v);
  assert.equal(args.slice(0, 7), ['train', '--model', 'mlp', '--width', '24', '--seed', '1']);
  assert.equal(args.slice(7, -4), [
    '--depth',
    '2',
    '--act',
    'tanh',
    '--param',
    'standard',
    '--dataset',
    'synthetic',
    '--classes',
    '0,1',
    '--train-size',
    '32',
    '--test-size',
    '100',
  ]);
  useBackend('wasm', 1);
  const page = runPhases(v).summary;
  assert.is(page.model.depth, 2);
  assert.is(page.model.act, 'tanh');
  assert.is(page.model.param, 'standard');
  assert.match(page.data, /^synthetic/);
  const { run, file, cleanup } = scratch('catapult-explore-mlp-');
  try {
    const r = run([...args, '--out', 'out', '--quiet'], { CATAPULT_BACKEND: 'wasm', CATAPULT_THREADS: '1' });
    assert.is(r.code, 0, r.stderr);
    assert.is(toJson(page), fs.readFileSync(path.join(file('out'), 'summary.json'), 'utf8'));
  } finally {
    cleanup();
  }
});

test.run();
