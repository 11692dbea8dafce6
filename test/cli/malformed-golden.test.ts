// Malformed golden files are exit 2 with one line naming the field, before any rerun (never exit 0 or 1, never minutes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { scratch } from './helpers';

const { run, rejects, file, cleanup } = scratch('catapult-malformed-');

const made = run([
  'oracle',
  '--model',
  'mlp',
  '--width',
  '4',
  '--depth',
  '1',
  '--samples',
  '3',
  '--input-dim',
  '2',
  '--lr',
  '1x',
  '--steps',
  '6',
  '--params-every',
  '3',
  '--out',
  'g.json',
]);
const good = JSON.parse(fs.readFileSync(file('g.json'), 'utf8'));

/** Writes a copy of the good file with one edit and expects `check` to refuse it. */
function refusesEdit(name: string, edit: (g: Record<string, any>) => void, pattern: RegExp): void {
  const g = JSON.parse(JSON.stringify(good));
  edit(g);
  fs.writeFileSync(file(`${name}.json`), JSON.stringify(g));
  const started = Date.now();
  rejects(['check', '--golden', `${name}.json`], pattern);
  assert.ok(Date.now() - started < 20_000, `${name}: refused quickly`);
}

test('the good file passes its check', () => {
  assert.is(made.code, 0, made.stderr);
  assert.is(run(['check', '--golden', 'g.json']).code, 0);
});

test('fields the schema forbids: exit 2 naming the field', () => {
  refusesEdit(
    'act',
    (g) => {
      g.config.model.act = 'foo';
    },
    /act\.json: golden field config\.model\.act must be equal to one of the allowed values \(relu, tanh, identity\)/,
  );
  refusesEdit(
    'depth',
    (g) => {
      g.config.model.depth = -1;
    },
    /golden field config\.model\.depth must be >= 1/,
  );
  refusesEdit(
    'sigma',
    (g) => {
      delete g.config.model.sigmaW;
    },
    /golden field config\.model\.sigmaW is missing \(the mlp model needs it\)/,
  );
  refusesEdit(
    'eta',
    (g) => {
      g.config.eta = 'fast';
    },
    /golden field config\.eta must be number/,
  );
  refusesEdit(
    'sha',
    (g) => {
      g.sha256.init = 'abc';
    },
    /golden field sha256\.init must match pattern/,
  );
  refusesEdit(
    'phase',
    (g) => {
      g.result.phase = 'chaos';
    },
    /golden field result\.phase must be equal to one of the allowed values/,
  );
});

test('a config that disagrees with the arrays: exit 2 before any rerun (no 1e9-step hang)', () => {
  refusesEdit(
    'steps',
    (g) => {
      g.config.steps = 1e9;
    },
    /result\.steps_run 6 disagrees with config\.steps 1000000000/,
  );
  refusesEdit(
    'width',
    (g) => {
      g.config.model.width = 5;
    },
    /param_names\/param_shapes .* are not those of config\.model/,
  );
  refusesEdit(
    'saves',
    (g) => {
      g.params.t = [0, 2, 6];
    },
    /golden field params\.t \[0,2,6\] is not the steps 0, 3, 2·3, … ≤ 6/,
  );
  refusesEdit(
    'nan',
    (g) => {
      g.params.t = [0, null, 6];
    },
    /golden field params\.t \[0,null,6\] is not the steps/,
  );
});

test.after(cleanup);
test.run();
