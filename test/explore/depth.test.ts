// The Phase-diagram view's depth mode without a browser: its runs equal criticalSweep's, its URL parameters, its plot's regimes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseState, runnable } from '../../src/explore/state';
import type { DiagramValues } from '../../src/explore/params';
import {
  DepthNet,
  DepthStep,
  depthCriticalOptions,
  depthGrid,
  depthNets,
  depthProgress,
  depthRuns,
  depthSetup,
} from '../../src/explore/depth';
import { REGIMES, phaseDiagramPlot } from '../../src/experiments/figures/kalra2023/diagramPlot';
import { criticalSweep, setup } from '../../src/experiments';

const TINY = '?view=diagram&mode=depth&depths=2,3&net-widths=16&cs=2^0:3:0.5&horizon=10&samples=16&seed=0';
const values = (q: string) => parseState(q).values as DiagramValues;

test('depthRuns: one step per c, each net ending in criticalSweep’s constants and points for the same setup, exactly', () => {
  const v = values(TINY);
  const steps: DepthStep[] = [...depthRuns(v)];
  const grid = depthGrid(v);
  assert.equal(grid, [1, 2 ** 0.5, 2, 2 ** 1.5, 4, 2 ** 2.5, 8]);
  const nets = depthNets(v);
  assert.equal(nets, [
    { depth: 2, width: 16 },
    { depth: 3, width: 16 },
  ]);
  let diverged = 0;
  nets.forEach(({ depth, width }, k) => {
    const mine = steps.filter((s) => s.k === k);
    const r = criticalSweep(setup(depthSetup(depth, width, v)), depthCriticalOptions(v));
    assert.equal(
      mine.map((s) => s.point),
      r.points,
      `net ${k}: the same points`,
    );
    assert.equal(
      mine.map((s) => s.i),
      r.points.map((_, i) => i),
    );
    assert.ok(
      mine.slice(0, -1).every((s) => s.net === null),
      'only the last step carries the constants',
    );
    const { points, horizon, ...constants } = r;
    assert.is(horizon, v.horizon);
    assert.equal(mine[mine.length - 1].net, { depth, width, ratio: depth / width, ...constants, runs: points.length } as DepthNet);
    if (r.first_divergent_c !== null) diverged++;
  });
  assert.ok(diverged > 0, 'the grid reaches a divergence (so the early stop is exercised)');
  const progress = steps.map((s) => depthProgress(s, grid.length));
  assert.ok(
    progress.every((p, i) => i === 0 || p > progress[i - 1]),
    `increasing: ${progress}`,
  );
  assert.is(progress[progress.length - 1], nets.length * grid.length, 'a finished net counts its whole grid');
});

test('the nets are K&B’s: NTK ReLU mlp without biases, readout σ_w = 1, Gaussian data of the given size seeded by --seed', () => {
  const s = setup(depthSetup(3, 32, { samples: 12, seed: 5 }));
  assert.equal([s.model.config.kind, s.model.config.depth, s.model.config.width, s.data.X.shape[0]], ['mlp', 2, 32, 12]);
  assert.ok(
    s.model.specs.every((p) => p.name.startsWith('W')),
    'no biases',
  );
  const other = setup(depthSetup(3, 32, { samples: 12, seed: 6 }));
  assert.not.equal(other.data.X.data, s.data.X.data, 'the seed draws the data too');
});

test('URL: mode=depth parses its parameters; bad ones are one-line errors naming the flag; eta-mode checks stay out', () => {
  const s = parseState(TINY);
  assert.equal(s.errors, {});
  assert.is(values(TINY).mode, 'depth');
  assert.equal(values('?view=diagram&mode=depth').cs, '2^0:10:0.1');
  assert.ok(runnable(parseState('?view=diagram&mode=depth&from=5&to=1')), 'from/to belong to mode eta');
  assert.not.ok(runnable(parseState('?view=diagram&from=5&to=1')));
  const error = (q: string, key: string) => parseState(`?view=diagram&mode=depth&${q}`).errors[key];
  assert.is(error('depths=0,2', 'depths'), "--depths must be at most 6 distinct integers in [2, 9] separated by commas, got '0,2'");
  assert.is(error('depths=2,2', 'depths'), "--depths must be at most 6 distinct integers in [2, 9] separated by commas, got '2,2'");
  assert.is(
    error('net-widths=16,1000', 'netWidths'),
    "--net-widths must be at most 6 distinct integers in [2, 512] separated by commas, got '16,1000'",
  );
  assert.match(error('horizon=0', 'horizon'), /^--horizon must be an integer in \[1, 100\]/);
  assert.match(error('samples=NaN', 'samples'), /^--samples must be an integer/);
  assert.is(error('cs=2^0:100:0.01', 'cs'), "--cs '2^0:100:0.01' has 10001 points; the page runs at most 400");
  assert.match(error('cs=3,2', 'cs'), /^--cs '3,2' must give increasing finite values of c > 0/);
  assert.match(parseState('?view=diagram&mode=width').errors.mode, /^--mode must be one of eta\|depth/);
  for (const e of Object.values(parseState('?view=diagram&mode=depth&depths=x&cs=&horizon=-1').errors)) assert.not.match(e, /\n/);
});

test('depthPlot: the constants against d/w (same d/w averaged), four regimes tiling [first c, top] in order', () => {
  const net = (depth: number, width: number, c: Partial<DepthNet>): DepthNet => ({
    depth,
    width,
    ratio: depth / width,
    hessian0: 1,
    loss0: 1,
    c_loss: 2,
    c_sharp: 3,
    c_max: 8,
    c_barrier: 4,
    first_divergent_c: 9,
    runs: 10,
    ...c,
  });
  const nets = [
    net(1, 16, {}),
    net(2, 32, { c_loss: 4, c_max: 12, first_divergent_c: 13 }),
    net(4, 16, { c_sharp: 1, c_barrier: null }), // sharpness rose below c_loss: no loss-catapult region
    net(1, 64, { c_loss: null, c_sharp: null, c_max: null, c_barrier: null, first_divergent_c: null }), // all lazy
  ];
  const p = phaseDiagramPlot(nets, [1, 2, 4, 8, 16]);
  assert.ok(p.xLog && p.yLog);
  assert.equal(p.yDomain, [1, 16]);
  const series = Object.fromEntries(p.series.map((s) => [s.name, Array.from(s.y)]));
  assert.equal(Array.from(p.series[0].x), [1 / 64, 1 / 16, 1 / 4]);
  assert.equal(series.c_loss, [NaN, 3, 2]);
  assert.equal(series.c_max, [NaN, 10, 8]);
  assert.equal(series.c_barrier, [NaN, 4, NaN]);
  assert.equal(
    p.fills!.map((f) => f.label),
    REGIMES.map((r) => r.label),
  );
  // The regimes run on to the axis' ends, PAD = 1.25 beyond the outer nets, as the outer columns are.
  assert.equal(p.xDomain, [1 / 64 / 1.25, 1.25 / 4]);
  assert.equal(Array.from(p.fills![0].x), [1 / 64 / 1.25, 1 / 64, 1 / 16, 1 / 4, 1.25 / 4]);
  const column = (j: number) => [p.fills![0].lo[j], ...p.fills!.map((f) => f.hi[j])];
  const col = (i: number) => column(i + 1);
  assert.equal(column(0), col(0));
  assert.equal(column(4), col(2));
  assert.equal(col(0), [1, 16, 16, 16, 16], 'never rose, never diverged: lazy up to the top');
  assert.equal(col(1), [1, 3, 3.5, 10, 16], 'the mean edges of the two nets at d/w = 1/16');
  assert.equal(col(2), [1, 2, 2, 8, 16], 'c_sharp below c_loss: the loss-catapult region is empty');
});

test.run();
