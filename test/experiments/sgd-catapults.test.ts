// The sgd-catapults figure at CI size: runs with spikes.json, the papers' claims checked, a CLI replay of a run and its spikes bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { SUITES, figureById } from '../../src/experiments/figures';
import { runSpec } from '../../src/experiments/figures/reproduce';
import { RUN_FILES } from '../../src/experiments/figures/runDir';
import { SGD_CATAPULT_DEFAULTS as O } from '../../src/experiments/figures/zhu2024/options';
import { scratch } from '../cli/helpers';

const { run, file, cleanup } = scratch('catapult-sgd-catapults-');
const DIR = file('sgd');
const done = runSpec(figureById('sgd-catapults'), DIR, { seed: 0, full: false }, () => {});
const readJson = (p: string) => JSON.parse(fs.readFileSync(p, 'utf8'));

test('sgd-catapults is in the quadratic suite; one run directory per (batch, seed) with spikes.json; six checks', async () => {
  assert.ok(SUITES.quadratic.some((f) => f.id === 'sgd-catapults'));
  const r = await done;
  for (const b of O.batches)
    for (const s of O.seeds)
      for (const f of [...RUN_FILES, 'spikes.json']) assert.ok(r.files.includes(`runs/b${b}-s${s}/${f}`), `b${b}-s${s}/${f}`);
  assert.is(r.checks.length, 6);
});

test('every spike: start ≤ peak ≤ end, the loss at the peak above (1 + rise)× the start, a top-k share in [0, 1]; full-batch GD at η·λ0 = 2 has none', async () => {
  await done;
  for (const b of O.batches)
    for (const s of O.seeds) {
      const sp = readJson(path.join(DIR, 'runs', `b${b}-s${s}`, 'spikes.json'));
      assert.is(sp.count, sp.spikes.length);
      for (const x of sp.spikes) {
        assert.ok(x.start <= x.peak && (x.end === null || x.peak <= x.end), `b${b}-s${s}: ${x.start} ${x.peak} ${x.end}`);
        assert.ok(x.loss_peak > (1 + O.spikeRise) * x.loss_start);
        assert.ok(x.top_k_fraction >= 0 && x.top_k_fraction <= 1 + 1e-12);
      }
      // GD at η = 2/λ0 sits at the edge of the lazy phase: its loss only falls.
      if (b === O.trainSize) assert.is(sp.count, 0, `GD b${b}-s${s}`);
    }
});

test("a peer's replay: `catapult train --spikes` from a run's init.npz and data.npz gives its trajectory and spikes bit for bit", async () => {
  await done;
  const dir = path.join(DIR, 'runs', `b4-s0`);
  const eta = readJson(path.join(dir, 'summary.json')).eta;
  const r = run([
    'train',
    ...['--model', 'mlp', '--act', 'relu', '--param', 'ntk', '--bias', 'false'],
    ...['--init', path.join(dir, 'init.npz'), '--data', path.join(dir, 'data.npz')],
    ...['--lr', String(eta), '--steps', String(O.steps), '--eig-every', '0', '--batch', '4', '--batch-seed', '0'],
    ...['--spikes', '--spike-rise', String(O.spikeRise), '--spike-top', String(O.spikeTop), '--out', file('replay'), '--quiet'],
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.is(fs.readFileSync(file('replay/trajectory.csv'), 'utf8'), fs.readFileSync(path.join(dir, 'trajectory.csv'), 'utf8'));
  // --data carries no teacher, so the CLI reports no AGOP alignment; everything else must match.
  const strip = (s: { spikes: Record<string, unknown>[] }) =>
    s.spikes.map((x) => Object.fromEntries(Object.entries(x).filter(([k]) => !k.startsWith('agop'))));
  assert.equal(strip(readJson(file('replay/spikes.json'))), strip(readJson(path.join(dir, 'spikes.json'))));
});

test.after(cleanup);
test.run();
