// Golden files of the neural quadratic model: oracle → file → check round trips (GD, --batch), bad fields refused, the PyTorch replay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { BASE_KINDS, DIVERGENCE_LOSS, MODEL_KINDS } from '../../src/models';
import { GOLDEN_SCHEMA_FILE, SetupInput, checkGolden, makeGolden, parseLr, readGolden, setup, writeGolden } from '../../src/experiments';
import { TORCH_PYTHON, rejects, torchPythonHas } from '../util';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-nqm-golden-'));
const BIN = path.resolve(__dirname, '../../../bin/catapult.js');
const PYTEST = path.resolve(__dirname, '../../../python/test_catapult_golden_quadratic.py');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

/** The quadratic model of a one-hidden-layer tanh mlp with biases on 8 Gaussian points, and its base. */
const nqm: SetupInput = {
  model: 'quadratic',
  base: 'mlp',
  width: 16,
  depth: 1,
  act: 'tanh',
  sigmaB: 0.5,
  samples: 8,
  inputDim: 3,
  seed: 0,
};
const { base: _base, ...mlp } = { ...nqm, model: 'mlp' as const };
const train = { momentum: 0, l2: 0, eigEvery: 1, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, paramsEvery: 10 };
const golden = (so: SetupInput, more = {}) => makeGolden(setup(so), so, { ...train, lr: parseLr('1.5x'), steps: 30, ...more });

const g = golden(nqm);
writeGolden(path.join(dir, 'q.json'), g);

test('oracle records the quadratic model with its base, whole, and θ0 as the init; JSON and .npz check bit for bit', () => {
  assert.equal(g.meta.config.model, {
    kind: 'quadratic',
    base: {
      kind: 'mlp',
      width: 16,
      depth: 1,
      act: 'tanh',
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0.5,
      outputs: 1,
      inputDim: 3,
      loss: 'mse',
    },
    inputDim: 3,
    outputs: 1,
    loss: 'mse',
  });
  assert.equal([g.meta.config.setup.model, g.meta.config.setup.base], ['quadratic', 'mlp']);
  assert.equal(g.meta.param_names, ['W0', 'b0', 'W1', 'b1']);
  // The expansion at θ0 = init agrees with the network at step 0 and departs from it once θ moves.
  const net = golden(mlp);
  assert.equal(Array.from(net.init[0].data), Array.from(g.init[0].data));
  assert.is(g.loss[0], net.loss[0]);
  assert.ok(g.loss[2] !== net.loss[2], 'the quadratic model is not the network');
  writeGolden(path.join(dir, 'q.npz'), g);
  for (const f of ['q.json', 'q.npz']) {
    const r = checkGolden(readGolden(path.join(dir, f)), 0);
    assert.ok(r.ok && r.deviations.every((d) => d.maxAbs === 0), JSON.stringify(r.deviations.filter((d) => d.maxAbs !== 0)));
  }
});

test('check reruns the quadratic model, not its base: the file relabelled as the mlp fails from the first update', () => {
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'q.json'), 'utf8'));
  j.config.model = j.config.model.base;
  j.config.setup.model = 'mlp';
  delete j.config.setup.base;
  fs.writeFileSync(path.join(dir, 'as-mlp.json'), JSON.stringify(j));
  const loss = checkGolden(readGolden(path.join(dir, 'as-mlp.json')), 1e-6).deviations.find((d) => d.field === 'loss')!;
  assert.not.ok(loss.ok);
  assert.ok(loss.first!.step <= 2, `the loss departs at step ${loss.first!.step}`);
});

test('`catapult oracle --model quadratic --batch` then `catapult check`: exit 0, bit-identical, with the rows checked', () => {
  const flags = ['--model', 'quadratic', '--base', 'mlp', '--width', '16', '--depth', '1', '--samples', '8', '--input-dim', '3'];
  const made = cli('oracle', ...flags, '--batch', '4', '--batch-seed', '2', '--lr', '1x', '--steps', '20', '--out', 'qb.npz');
  assert.is(made.status, 0, made.stderr);
  assert.match(made.stdout, /^quadratic model, λ0 = /);
  const r = cli('check', '--golden', 'qb.npz', '--tol', '0');
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /quadratic model of the mlp model, width 16, depth 1, η = .* \(1x\), 20 steps/);
  assert.match(r.stdout, /^batches .* ok$/m);
  assert.match(r.stdout, /^batch_loss .* ok$/m);
  assert.match(r.stdout, /check passed: every field within --tol 0 .*\(bit-identical\)/);
  const sgd = readGolden(path.join(dir, 'qb.npz'));
  assert.equal([sgd.meta.config.batch, sgd.meta.config.batch_seed, sgd.batches!.shape], [4, 2, [20, 4]]);
});

/** A copy of q.json with `edit` applied to its parsed object. */
function edited(name: string, edit: (j: Record<string, any>) => void): string {
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'q.json'), 'utf8'));
  edit(j);
  fs.writeFileSync(path.join(dir, name), JSON.stringify(j));
  return path.join(dir, name);
}

test('malformed quadratic fields: one line naming the field, before anything is rerun', () => {
  const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
    ['no-base', (j) => delete j.config.model.base, /golden field config\.model must have required property 'base'/],
    [
      'base-quadratic',
      (j) => (j.config.model.base.kind = 'quadratic'),
      /golden field config\.model\.base\.kind must be equal to one of the allowed values \(warmup, linear, mlp, cnn, wrn\)/,
    ],
    ['base-string', (j) => (j.config.model.base = 'mlp'), /golden field config\.model\.base must be object/],
    ['own-width', (j) => (j.config.model.width = 16), /golden field config\.model\.width does not apply to the quadratic model/],
    [
      'base-no-depth',
      (j) => delete j.config.model.base.depth,
      /golden field config\.model\.base\.depth is missing \(the mlp model needs it\)/,
    ],
    [
      'base-act',
      (j) => (j.config.model.base.act = 'relu'),
      /golden field config\.setup\.act "tanh" disagrees with config\.model\.base\.act "relu"/,
    ],
    ['outputs', (j) => (j.config.model.outputs = 2), /golden field config\.model\.outputs is 2, but the model the config describes has 1/],
    [
      'base-on-mlp',
      (j) => (j.config.model.base.base = { ...j.config.model.base }),
      /golden field config\.model\.base\.base does not apply to the mlp model/,
    ],
    [
      'setup-base',
      (j) => (j.config.setup.base = 'linear'),
      /golden field config\.setup\.base linear disagrees \(config\.model\.base\.kind is mlp\)/,
    ],
    [
      'setup-no-base',
      (j) => delete j.config.setup.base,
      /golden field config\.setup\.base is missing \(config\.model\.base\.kind is mlp\)/,
    ],
    [
      'setup-width',
      (j) => (j.config.setup.width = 17),
      /golden field config\.setup\.width 17 disagrees with config\.model\.base\.width 16/,
    ],
  ];
  for (const [name, edit, pattern] of cases) rejects(() => readGolden(edited(`${name}.json`, edit)), pattern);
  const r = cli('check', '--golden', 'base-quadratic.json');
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^catapult: error: base-quadratic\.json: golden field config\.model\.base\.kind must be equal to .*\n$/);
});

test('the published schema lists the model kinds declared in models/modelOptions.ts: every kind, and the bases', () => {
  const s = JSON.parse(fs.readFileSync(GOLDEN_SCHEMA_FILE, 'utf8'));
  assert.equal(s.definitions.model.properties.kind.enum, [...MODEL_KINDS]);
  assert.equal(s.definitions.baseModel.properties.kind.enum, [...BASE_KINDS]);
  assert.equal(s.definitions.config.properties.setup.properties.model.enum, [...MODEL_KINDS]);
  assert.equal(s.definitions.config.properties.setup.properties.base.enum, [...BASE_KINDS]);
});

if (!torchPythonHas('torch, numpy')) {
  console.log(`  skipped: python/test_catapult_golden_quadratic.py needs ${TORCH_PYTHON} with torch and numpy (Debian python3-torch)`);
} else {
  test('python/test_catapult_golden_quadratic.py: the helper replay and a torch.optim.SGD user run agree with quadratic goldens within 1e-12', () => {
    const r = spawnSync(TORCH_PYTHON, [PYTEST], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CATAPULT_NODE: process.execPath },
    });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^all 5 tests passed$/m);
    // The agreement, for the test log: the worst field of each replay.
    for (const line of r.stdout.split('\n').filter((l) => /worst field/.test(l))) console.log(`  ${line}`);
  });
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
