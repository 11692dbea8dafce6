// The nqm figure at a small width through the runner: the linearization's edge at 2, the NQM's and net's catapults, replayable run directories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { SUITES, figureById } from '../../src/experiments/figures';
import { runSpec } from '../../src/experiments/figures/reproduce';
import { RUN_FILES } from '../../src/experiments/figures/runDir';
import { NQM_DEFAULTS } from '../../src/experiments/figures/zhu2024/options';
import { scratch } from '../cli/helpers';

const { run, file, cleanup } = scratch('catapult-nqm-');
const DIR = file('nqm');
/** Width 128 keeps the test short; the figure's own default is 512. */
const WIDTH = 128;
const done = runSpec(figureById('nqm'), DIR, { seed: 0, full: false, width: WIDTH }, () => {});

function rows(name: string): Record<string, unknown>[] {
  const t = JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
  return t.rows.map((r: unknown[]) => Object.fromEntries(t.columns.map((c: string, i: number) => [c, r[i]])));
}

test('the quadratic suite holds nqm; every (model, seed, η·λ0) has a row, the net and the NQM a run directory each', async () => {
  assert.ok(SUITES.quadratic.some((f) => f.id === 'nqm'));
  const r = await done;
  const runs = rows('runs.json');
  assert.is(runs.length, 3 * NQM_DEFAULTS.seeds.length * NQM_DEFAULTS.etaLambda0s.length);
  for (const x of runs.filter((x) => x.kind !== 'linear'))
    for (const f of RUN_FILES)
      assert.ok(r.files.includes(`runs/${x.kind}-s${x.seed}-c${x.eta_lambda0}/${f}`), `${x.kind} ${x.eta_lambda0} ${f}`);
  assert.is(r.checks.length, 5);
});

test('the linearized model converges below η·λ0 = 2 and diverges above; the NQM and the net share λ0 and start from the same loss', async () => {
  await done;
  const runs = rows('runs.json');
  for (const x of runs.filter((x) => x.kind === 'linear'))
    assert.is(x.phase === 'divergent', (x.eta_lambda0 as number) > 2, `linear at ${x.eta_lambda0}`);
  const L0 = (kind: string) => rows('losses.json').find((x) => x.kind === kind && x.seed === 0 && x.eta_lambda0 === 3 && x.t === 0)!.loss;
  assert.is(L0('quadratic'), L0('network'));
  assert.is(L0('linear'), L0('network'));
});

test("a peer's replay: `catapult train --model quadratic --base mlp` from the run's init.npz and data.npz gives its trajectory bit for bit", async () => {
  await done;
  const name = 'quadratic-s0-c3';
  const summary = JSON.parse(fs.readFileSync(path.join(DIR, 'runs', name, 'summary.json'), 'utf8'));
  assert.is(summary.model.kind, 'quadratic');
  const r = run([
    'train',
    ...['--model', 'quadratic', '--base', 'mlp', '--act', 'relu', '--param', 'ntk', '--bias', 'false'],
    ...['--init', path.join(DIR, 'runs', name, 'init.npz'), '--data', path.join(DIR, 'runs', name, 'data.npz')],
    ...[
      '--lr',
      String(summary.eta),
      '--steps',
      String(NQM_DEFAULTS.steps),
      '--eig-every',
      String(NQM_DEFAULTS.eigEvery),
      '--converge',
      '0.01',
    ],
    ...['--out', file('replay'), '--quiet'],
  ]);
  assert.is(r.code, 0, r.stderr);
  const mine = fs.readFileSync(path.join(DIR, 'runs', name, 'trajectory.csv'), 'utf8');
  assert.is(fs.readFileSync(file('replay/trajectory.csv'), 'utf8'), mine);
});

test.after(cleanup);
test.run();
