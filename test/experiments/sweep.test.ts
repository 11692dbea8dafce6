// runSweep: the same bytes for 1 and 2 workers and for merged shards; progress, resume and the phase diagram.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIVERGENCE_LOSS } from '../../src/models';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SweepConfig, gridPoints, mergeSweeps, plotSweep, runSweep, shardPoints } from '../../src/experiments';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-sweep-'));
const out = (name: string) => path.join(dir, name);
const bytes = (name: string) => fs.readFileSync(path.join(out(name), 'results.jsonl'), 'utf8');

const config: SweepConfig = {
  setup: { model: 'warmup', act: 'relu', param: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0, samples: 16, inputDim: 8, dataSeed: 0 },
  grid: { widths: [200, 400], seeds: [0, 1], lrs: ['0.5x', '1x', '1.5x', '1.9x', '2.1x'] },
  train: { steps: 300, momentum: 0, l2: 0, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, time: 25 },
};

test('1 and 2 workers write byte-identical results; progress counts every run', async () => {
  const seen: number[] = [];
  const one = await runSweep({ config, out: out('one'), workers: 1, onProgress: (done) => seen.push(done) });
  const two = await runSweep({ config, out: out('two'), workers: 2 });
  assert.is(one.results.length, 20);
  assert.equal([one.ran, one.resumed, two.ran], [20, 0, 20]);
  assert.equal(
    seen,
    Array.from({ length: 21 }, (_, i) => i),
  );
  assert.is(bytes('one'), bytes('two'));
  assert.equal(
    one.results.map((r) => r.index),
    gridPoints(config).map((p) => p.index),
  );
  const phases = new Set(one.results.map((r) => r.phase));
  assert.ok(phases.has('lazy') && phases.has('catapult') && phases.has('divergent'), [...phases].join());
  const again = await runSweep({ config, out: out('one'), workers: 2 });
  assert.equal([again.ran, again.resumed], [0, 20]);
  assert.is(bytes('one'), bytes('two'));
});

test('shards partition the grid, and merging them gives the full sweep', async () => {
  const parts = [0, 1, 2].map((index) => shardPoints(gridPoints(config), { index, count: 3 }).map((p) => p.index));
  assert.equal(
    parts.flat().sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  for (const index of [0, 1, 2]) await runSweep({ config, out: out(`shard${index}`), workers: 1, shard: { index, count: 3 } });
  const partial = mergeSweeps([out('shard0'), out('shard2')], out('merged'));
  assert.equal([partial.present, partial.total], [parts[0].length + parts[2].length, 20]);
  const full = mergeSweeps([out('shard1'), out('shard0')], out('merged'));
  assert.equal([full.present, full.total], [20, 20]);
  assert.is(bytes('merged'), bytes('one'));
});

test('plotSweep writes the phase diagram (SVG and CSV)', async () => {
  const r = await plotSweep(out('one'));
  assert.ok(fs.readFileSync(r.svg, 'utf8').startsWith('<svg'));
  const csv = fs.readFileSync(r.csv, 'utf8').trim().split('\n');
  assert.is(csv[0], 'width,lr,eta_lambda0,lambda_T_over_lambda0,seeds,diverged,catapult');
  assert.is(csv.length, 1 + 10);
});

test('bad programmatic options are one-line errors', async () => {
  const bad = async (o: Parameters<typeof runSweep>[0], pattern: RegExp) => {
    try {
      await runSweep(o);
    } catch (e) {
      return assert.match((e as Error).message, pattern);
    }
    assert.unreachable(`expected ${pattern}`);
  };
  await bad({ config: { ...config, grid: { ...config.grid, lrs: [] } }, out: out('x') }, /the learning rates list is empty/);
  await bad({ config: { ...config, grid: { ...config.grid, widths: [0] } }, out: out('x') }, /bad width 0/);
  await bad({ config, out: out('x'), workers: 0 }, /workers must be an integer ≥ 1/);
  await bad({ config, out: out('x'), shard: { index: 2, count: 2 } }, /shard 2\/2 is out of range/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
