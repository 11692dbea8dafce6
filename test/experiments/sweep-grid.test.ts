// Sweeps over batches and optimizers: each point equals a direct run of it, resume and merge, one diagram per
// combination, the refusals; and a sweep without those dimensions keeps the sweep.json and result keys it had.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { DIVERGENCE_LOSS } from '../../src/models';
import { backendInfo } from '../../src/linalg/backend';
import {
  SweepConfig,
  VERSION,
  gridPoints,
  mergeSweeps,
  parseLr,
  plotSweep,
  runSweep,
  runTraining,
  setup,
  toJson,
} from '../../src/experiments';
import { scratch } from '../cli/helpers';

const s = scratch('catapult-sweep-grid-');
const out = (name: string) => s.file(name);
const bytes = (name: string) => fs.readFileSync(path.join(out(name), 'results.jsonl'), 'utf8');

const mlp = ['--model', 'mlp', '--width', '8', '--samples', '12', '--input-dim', '3'];
const sweep = ['sweep', ...mlp, '--lrs', '1x', '--steps', '3', '--quiet', '--out', 'bad'];

const config: SweepConfig = {
  setup: { model: 'mlp', samples: 16, inputDim: 4 },
  grid: { widths: [16], seeds: [0, 1], batches: [4, 8], optimizers: ['gd', 'adam'], lrs: ['0.5x', '1.5x'] },
  train: { steps: 60, momentum: 0.5, l2: 0, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, beta1: 0.8, batchSeed: 2, time: 25 },
};

test('the grid nests widths × seeds × batches × optimizers × lrs, and a grid without the new dimensions keeps its points', () => {
  const points = gridPoints(config);
  assert.is(points.length, 16);
  assert.equal(points.slice(0, 5), [
    { index: 0, width: 16, seed: 0, batch: 4, optimizer: 'gd', lr: '0.5x' },
    { index: 1, width: 16, seed: 0, batch: 4, optimizer: 'gd', lr: '1.5x' },
    { index: 2, width: 16, seed: 0, batch: 4, optimizer: 'adam', lr: '0.5x' },
    { index: 3, width: 16, seed: 0, batch: 4, optimizer: 'adam', lr: '1.5x' },
    { index: 4, width: 16, seed: 0, batch: 8, optimizer: 'gd', lr: '0.5x' },
  ]);
  const { batches: _b, optimizers: _o, ...oldGrid } = config.grid;
  const old = gridPoints({ ...config, grid: oldGrid });
  assert.equal(old, [
    { index: 0, width: 16, seed: 0, lr: '0.5x' },
    { index: 1, width: 16, seed: 0, lr: '1.5x' },
    { index: 2, width: 16, seed: 1, lr: '0.5x' },
    { index: 3, width: 16, seed: 1, lr: '1.5x' },
  ]);
  assert.equal(Object.keys(old[0]), ['index', 'width', 'seed', 'lr']);
});

test('every point equals a direct runTraining of it, bit for bit (2 workers); momentum to gd points, β1 to adam ones', async () => {
  const r = await runSweep({ config, out: out('grid'), workers: 2 });
  assert.equal([r.ran, r.results.length], [16, 16]);
  for (const p of r.results) {
    const adam = p.optimizer === 'adam';
    const direct = runTraining(
      setup({ ...config.setup, width: p.width, seed: p.seed }),
      {
        lr: parseLr(p.lr),
        steps: p.steps_run,
        eigEvery: p.T,
        optimizer: p.optimizer,
        batch: p.batch,
        batchSeed: 2,
        momentum: adam ? 0 : 0.5,
        ...(adam && { beta1: 0.8 }),
      },
      p.seed,
    );
    const d = direct.summary;
    const what = `batch ${p.batch} ${p.optimizer} seed ${p.seed} lr ${p.lr}`;
    assert.equal(
      [p.eta, p.lambda0, p.loss0, p.peak_loss, p.final_loss, p.final_lambda, p.converged_at, p.diverged_at, p.steps_run, p.phase],
      [d.eta, d.lambda0, d.loss0, d.peak_loss, d.final_loss, d.final_lambda, d.converged_at, d.diverged_at, d.steps_run, d.phase],
      what,
    );
    assert.is(p.lambda_T, direct.result.records[p.T]?.lambda ?? null, what);
  }
  // The same configuration with momentum (and β1) dropped gives other gd (adam) results: they reached their points.
  const plain = await runSweep({ config: { ...config, train: { ...config.train, momentum: 0, beta1: undefined } }, out: out('plain') });
  const differ = r.results.filter((p, i) => p.final_loss !== plain.results[i].final_loss).map((p) => p.optimizer);
  assert.ok(differ.includes('gd') && differ.includes('adam'), differ.join());
  const line = bytes('grid').split('\n')[0];
  assert.equal(Object.keys(JSON.parse(line)).slice(0, 7), ['index', 'width', 'seed', 'batch', 'optimizer', 'lr', 'lr_reference']);
});

test('resume after deleting lines recomputes only those; shards merge to the same bytes', async () => {
  const full = bytes('grid');
  const file = path.join(out('grid'), 'results.jsonl');
  fs.writeFileSync(
    file,
    full
      .split('\n')
      .filter((_, i) => ![1, 6, 13].includes(i))
      .join('\n'),
  );
  const again = await runSweep({ config, out: out('grid'), workers: 1 });
  assert.equal([again.ran, again.resumed], [3, 13]);
  assert.is(bytes('grid'), full);
  for (const index of [0, 1]) await runSweep({ config, out: out(`shard${index}`), shard: { index, count: 2 } });
  const m = mergeSweeps([out('shard1'), out('shard0')], out('merged'));
  assert.equal([m.present, m.total], [16, 16]);
  assert.is(bytes('merged'), full);
});

test('plot writes one phase diagram per (batch, optimizer), named by it', async () => {
  const r = await plotSweep(out('grid'));
  assert.equal(
    r.diagrams.map((d) => [path.basename(d.svg), d.label, d.runs]),
    [
      ['phase_diagram_batch4_gd.svg', 'batch 4, gd', 4],
      ['phase_diagram_batch4_adam.svg', 'batch 4, adam', 4],
      ['phase_diagram_batch8_gd.svg', 'batch 8, gd', 4],
      ['phase_diagram_batch8_adam.svg', 'batch 8, adam', 4],
    ],
  );
  for (const d of r.diagrams) assert.is(fs.readFileSync(d.csv, 'utf8').trim().split('\n').length, 1 + 2);
  assert.not.ok(fs.existsSync(path.join(out('grid'), 'phase_diagram.svg')));
});

test('a sweep without --batches/--optimizers writes the sweep.json and result keys it wrote before', () => {
  const args = ['sweep', '--model', 'warmup', '--widths', '50,100', '--seeds', '0,1', '--lrs', '0.5x,1.5x,2.5x', '--steps', '100'];
  assert.is(s.run([...args, '--quiet', '--out', 'old']).code, 0);
  // Written by the sweep before batches and optimizers were dimensions (engine and backend are this machine's).
  const golden =
    '{"setup":{"model":"warmup","act":"relu","param":"ntk","sigmaW":1.4142135623730951,"sigmaB":0,"samples":16,"inputDim":8,' +
    '"dataSeed":0,"loss":"mse"},"grid":{"widths":[50,100],"seeds":[0,1],"lrs":["0.5x","1.5x","2.5x"]},"train":{"steps":100,' +
    '"momentum":0,"l2":0,"maxLoss":1000000000000,"convergeFraction":1e-8,"time":25}}';
  const header = {
    schema: 'catapult-sweep',
    schema_version: 1,
    engine: VERSION,
    backend: backendInfo().flavor,
    config: JSON.parse(golden),
  };
  assert.is(fs.readFileSync(s.file('old/sweep.json'), 'utf8'), toJson({ ...header, shard: null }));
  const lines = fs.readFileSync(s.file('old/results.jsonl'), 'utf8').trim().split('\n');
  assert.is(lines.length, 12);
  assert.equal(Object.keys(JSON.parse(lines[0])), [
    'index',
    'width',
    'seed',
    'lr',
    'lr_reference',
    'lambda0',
    'eta',
    'eta_lambda0',
    'T',
    'lambda_T',
    'phase',
    'loss0',
    'peak_loss',
    'final_loss',
    'final_lambda',
    'converged_at',
    'diverged_at',
    'diverged_reason',
    'steps_run',
  ]);
  // It resumes: delete two lines, rerun, the same bytes.
  const before = fs.readFileSync(s.file('old/results.jsonl'), 'utf8');
  fs.writeFileSync(s.file('old/results.jsonl'), lines.filter((_, i) => i !== 2 && i !== 9).join('\n') + '\n');
  assert.is(s.run([...args, '--quiet', '--out', 'old']).code, 0);
  assert.is(fs.readFileSync(s.file('old/results.jsonl'), 'utf8'), before);
});

test('the CLI writes the new dimensions into sweep.json between seeds and lrs', () => {
  const r = s.run(['sweep', ...mlp, '--batches', '8', '--optimizers', 'adamw', '--lrs', '0.01', '--steps', '3', '--quiet', '--out', 'cli']);
  assert.is(r.code, 0, r.stderr);
  const h = JSON.parse(fs.readFileSync(s.file('cli/sweep.json'), 'utf8'));
  assert.equal(h.config.grid, { widths: [8], seeds: [0], batches: [8], optimizers: ['adamw'], lrs: ['0.01'] });
  assert.not.ok('batch' in h.config.train || 'optimizer' in h.config.train);
});

test('refusals: one line, exit 2, before any run', () => {
  s.rejects([...sweep, '--batch', '4', '--batches', '4,8'], /--batch and --batches both set the grid; use --batches/);
  s.rejects(
    [...sweep, '--optimizer', 'adam', '--optimizers', 'gd,adam'],
    /--optimizer and --optimizers both set the grid; use --optimizers/,
  );
  s.rejects(
    [...sweep, '--beta1', '0.8'],
    /--beta1 applies to the adam and adamw points of a sweep, and this grid has none \(optimizers gd\)/,
  );
  s.rejects([...sweep, '--optimizers', 'gd', '--weight-decay', '0.1'], /--weight-decay applies to the adam and adamw points/);
  s.rejects(
    [...sweep, '--optimizers', 'adam,adamw', '--momentum', '0.9'],
    /--momentum applies to the gd points of a sweep, and this grid has none/,
  );
  s.rejects([...sweep, '--batches', '4,16'], /--batches 4,16: batch 16 is larger than the training set \(12 rows\)/);
  s.rejects([...sweep, '--batch-seed', '1'], /--batch-seed needs --batch or --batches/);
  s.rejects([...sweep, '--optimizers', 'gd,sgd'], /--optimizers must be distinct names of gd\|adam\|adamw/);
  s.rejects([...sweep, '--batches', '0,4'], /--batches must be distinct integers in \[1, /);
  assert.not.ok(fs.existsSync(s.file('bad')), 'no sweep directory was made');
});

test('bad programmatic grids are one-line errors', async () => {
  const bad = async (c: SweepConfig, pattern: RegExp) => {
    try {
      await runSweep({ config: c, out: out('x') });
    } catch (e) {
      return assert.match((e as Error).message, pattern);
    }
    assert.unreachable(`expected ${pattern}`);
  };
  await bad({ ...config, grid: { ...config.grid, batches: [0] } }, /bad batch size 0/);
  await bad({ ...config, grid: { ...config.grid, optimizers: ['sgd' as 'gd'] } }, /bad optimizer "sgd"/);
  await bad({ ...config, train: { ...config.train, batch: 4 } }, /--batch and --batches both set the grid/);
  await bad({ ...config, grid: { ...config.grid, optimizers: ['adam'] } }, /--momentum applies to the gd points/);
  await bad(
    { ...config, grid: { ...config.grid, batches: [4, 32] } },
    /--batches 4,32: batch 32 is larger than the training set \(16 rows\)/,
  );
});

test.after(() => s.cleanup());
test.run();
