// The option kit and the declared training options: parsing, defaults, checks, and the saved names (a public format).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { warmupData } from '../../src/data';
import { decimal, fromSaved, parseValues, savedFields, withDefaults } from '../../src/options';
import { DIVERGENCE_LOSS, TRAIN_OPTIONS, train, initParams, warmupModel } from '../../src/models';
import { ORACLE_OPTIONS, SETUP_OPTIONS, SWEEP_TRAIN_OPTIONS } from '../../src/experiments';

test('decimal accepts decimal notation only', () => {
  assert.equal(['1', '-2.5', '.5', '1e-3', '+4E2'].map(decimal), [1, -2.5, 0.5, 0.001, 400]);
  for (const bad of ['0x10', '0b11', '0o7', '1_000', '', ' ', 'NaN', 'Infinity', '1e', '--1']) assert.ok(Number.isNaN(decimal(bad)), bad);
});

test('parseValues: text to values, declared defaults, per-command defaults, required options', () => {
  const o = parseValues(TRAIN_OPTIONS, { steps: '10', track: 'hessian' }, { eigEvery: 0 });
  assert.equal(o, {
    steps: 10,
    momentum: 0,
    l2: 0,
    eigEvery: 0,
    maxLoss: DIVERGENCE_LOSS,
    convergeFraction: 1e-8,
    trackHessian: true,
    // The update rule's options have no declared defaults (gd, full batch), so files written before them stay equal.
    optimizer: undefined,
    beta1: undefined,
    beta2: undefined,
    eps: undefined,
    weightDecay: undefined,
    batch: undefined,
    batchSeed: undefined,
    layerLr: undefined,
    precision: undefined, // no declared default: float64 unless `--precision dd` is given
  });
  assert.throws(() => parseValues(TRAIN_OPTIONS, { momentum: '1' }), /--momentum must be in \[0, 1\), got '1'/);
  assert.throws(() => parseValues(SETUP_OPTIONS, {}), /--model is required \(one of warmup\|linear\|mlp\|cnn\|wrn\|quadratic\)/);
  assert.throws(() => parseValues(SETUP_OPTIONS, { model: 'mlp', 'train-size': '8' }), /--train-size needs --dataset/);
});

test('a default may depend on other options (--input-dim of synthetic data)', () => {
  assert.is(parseValues(SETUP_OPTIONS, { model: 'mlp' }).inputDim, 8);
  assert.is(parseValues(SETUP_OPTIONS, { model: 'mlp', dataset: 'synthetic' }).inputDim, 20);
  assert.is(withDefaults(SETUP_OPTIONS, { model: 'mlp', dataset: 'synthetic' }).inputDim, 20);
});

test('golden files save the oracle options under these names, in this order (a public format)', () => {
  const saved = savedFields(ORACLE_OPTIONS, withDefaults(ORACLE_OPTIONS, { steps: 7, paramsEvery: 2 }));
  // `precision` is saved only when given (a float64 file keeps the keys it had before the option existed).
  assert.equal(Object.keys(saved), ['steps', 'momentum', 'l2', 'eig_every', 'max_loss', 'converge', 'params_every']);
  assert.equal(Object.keys(savedFields(ORACLE_OPTIONS, withDefaults(ORACLE_OPTIONS, { precision: 'dd' }))).slice(-2), [
    'precision',
    'params_every',
  ]);
  assert.equal(fromSaved(ORACLE_OPTIONS, saved), {
    steps: 7,
    momentum: 0,
    l2: 0,
    eigEvery: 1,
    maxLoss: DIVERGENCE_LOSS,
    convergeFraction: 1e-8,
    batch: undefined,
    batchSeed: undefined,
    layerLr: undefined,
    precision: undefined,
    paramsEvery: 2,
  });
  // A file written before an option existed reads back with the option's default.
  assert.is(fromSaved(ORACLE_OPTIONS, { steps: 3 }).momentum, 0);
});

test('sweep.json keeps its train keys and their order', () => {
  const train = withDefaults(SWEEP_TRAIN_OPTIONS, {});
  assert.equal(Object.keys(train), [
    'steps',
    'momentum',
    'l2',
    'maxLoss',
    'convergeFraction',
    'optimizer',
    'beta1',
    'beta2',
    'eps',
    'weightDecay',
    'batch',
    'batchSeed',
    'layerLr',
    'precision',
    'time',
  ]);
  // precision and the update rule's options are undefined unless given, so a float64 GD sweep.json holds the keys it
  // had before those options existed.
  assert.equal(Object.keys(JSON.parse(JSON.stringify(train))), ['steps', 'momentum', 'l2', 'maxLoss', 'convergeFraction', 'time']);
});

test('train() checks library values with the declared checks, and fills the declared defaults', () => {
  const model = warmupModel(4);
  const init = initParams(model, 0),
    data = warmupData();
  assert.throws(() => train(model, init, data, { lr: 0.1, momentum: 1 }), /momentum must be in \[0, 1\), got 1/);
  assert.throws(() => train(model, init, data, { lr: 0.1, steps: -1 }), /steps must be an integer ≥ 0, got -1/);
  assert.throws(() => train(model, init, data, { lr: 0.1, convergeFraction: 2 }), /converge must be in \(0, 1\), got 2/);
  const r = train(model, init, data, { lr: 0.1, steps: 3 });
  assert.is(r.records.length, 4);
  assert.ok(
    r.records.every((x) => x.lambda !== undefined),
    'eigEvery defaults to 1',
  );
});

test('keepRecords: false holds the first and the last two records only, and streams every step through onStep', () => {
  const model = warmupModel(8);
  const init = initParams(model, 1),
    data = warmupData();
  const seen: number[] = [];
  const all = train(model, init, data, { lr: 0.05, steps: 50, eigEvery: 0 });
  const lean = train(model, init, data, { lr: 0.05, steps: 50, eigEvery: 0, keepRecords: false, onStep: (r) => seen.push(r.t) });
  assert.equal(
    lean.records.map((r) => r.t),
    [0, 49, 50],
  );
  assert.equal(
    seen,
    Array.from({ length: 51 }, (_, t) => t),
  );
  assert.equal(
    lean.records.map((r) => r.loss),
    [all.records[0].loss, all.records[49].loss, all.records[50].loss],
  );
  assert.is(lean.phase, all.phase);
  assert.is(lean.convergedAt, all.convergedAt);
});

test.run();
