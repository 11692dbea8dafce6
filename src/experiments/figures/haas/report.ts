// Haas et al.'s report: the checks (exponents, logits, η_max·λ0, feature updates), the description and the results table; writes the tables, trials.json and the plots.
import { Report, fmt } from '../../report/report';
import { powerLawFit } from '../../report/stats';
import { figureDataset } from '../common';
import type { FigureOutput } from '../output';
import { HaasFigureData, PARTIAL_FILE } from './checkpoint';
import { constantLoss } from './data';
import type { HaasOptions } from './options';
import { plots } from './plots';
import type { ExponentFit, HaasData } from './sweep';
import { ROW_COLUMNS, row } from './tables';

const ciText = (f: ExponentFit) =>
  `${fmt(f.fit.slope, 3)}${f.ci ? ` (95% CI ${fmt(f.ci[0], 3)} … ${fmt(f.ci[1], 3)})` : ' (no CI: two widths)'}`;

function checks(report: Report, d: HaasData, o: HaasOptions): void {
  const mse = d.fits.find((f) => f.loss === 'mse'),
    ce = d.fits.find((f) => f.loss === 'ce');
  if (mse) {
    report.check({
      quantity: 'exponent of η_max(n), MSE',
      paper: '≈ −1 (the NTK grows like n under SP, so η_max ~ 1/n)',
      measured: ciText(mse),
      pass: mse.ci !== null && mse.ci[0] <= -1 && -1 <= mse.ci[1],
    });
  }
  if (ce) {
    report.check({
      quantity: 'exponent of η_max(n), cross-entropy',
      paper: '≈ −1/2 (controlled divergence)',
      measured: ciText(ce),
      pass: ce.ci !== null && ce.ci[0] <= -0.5 && -0.5 <= ce.ci[1],
    });
  }
  if (mse && ce) {
    report.check({
      quantity: 'MSE exponent vs cross-entropy exponent',
      paper: 'MSE decays faster (more negative)',
      measured:
        `${fmt(mse.fit.slope, 3)} vs ${fmt(ce.fit.slope, 3)}` +
        (mse.ci && ce.ci ? `; the 95% intervals ${mse.ci[1] < ce.ci[0] ? 'do not overlap' : 'overlap'}` : ''),
      pass: mse.fit.slope < ce.fit.slope,
    });
  }
  const ceRuns = d.results.filter((r) => r.loss === 'ce');
  if (ceRuns.length >= 2) {
    const logit = powerLawFit(
      ceRuns.map((r) => r.width),
      ceRuns.map((r) => r.logitRms),
    );
    const lossBounded = Math.max(...ceRuns.map((r) => r.finalLoss)) < constantLoss('ce', 10);
    report.check({
      quantity: 'cross-entropy at η_max: logits vs loss',
      paper: 'logits grow with n while the loss stays bounded',
      measured: `RMS logit ~ n^${fmt(logit.slope, 3)}; final loss ≤ ${fmt(Math.max(...ceRuns.map((r) => r.finalLoss)))} (ln 10 = ${fmt(Math.log(10))})`,
      pass: logit.slope > 0 && lossBounded,
    });
  }
  const mseRuns = d.results.filter((r) => r.loss === 'mse');
  if (mseRuns.length >= 2) {
    const products = mseRuns.map((r) => r.etaMax * r.lambda0);
    const trend = powerLawFit(
      mseRuns.map((r) => r.width),
      products,
    );
    report.check({
      quantity: 'MSE: η_max·λ0 (λ0 the NTK top eigenvalue at init) against width',
      paper: 'a constant (Lewkowycz et al.: ≈ 12 for ReLU nets), which makes η_max ~ 1/λ0 ~ 1/n',
      measured: `${fmt(Math.min(...products), 3)} … ${fmt(Math.max(...products), 3)}, power of n ${fmt(trend.slope, 3)}; λ0 ~ n^${fmt(
        powerLawFit(
          mseRuns.map((r) => r.width),
          mseRuns.map((r) => r.lambda0),
        ).slope,
        3,
      )}`,
      pass: Math.abs(trend.slope) < 0.15,
    });
  }
  for (const loss of o.losses) {
    const rs = d.results.filter((r) => r.loss === loss);
    if (rs.length < 2) continue;
    const slopes = [0, 1, 2].map(
      (l) =>
        powerLawFit(
          rs.map((r) => r.width),
          rs.map((r) => r.featureUpdate[l]),
        ).slope,
    );
    report.check({
      quantity: `relative feature update ‖ΔW_l a‖/‖W_l a‖ at η_max, ${loss}`,
      paper:
        loss === 'ce'
          ? 'non-vanishing in the hidden layers as n grows (feature learning)'
          : 'decays with n (no feature learning at the MSE-stable rate)',
      measured: `power of n per layer (input, hidden, readout): ${slopes.map((s) => fmt(s, 3)).join(', ')}`,
      pass: loss === 'ce' ? slopes[1] > -0.25 : slopes[1] < 0,
    });
  }
}

export async function reportHaas(d: HaasFigureData, o: HaasOptions, out: FigureOutput): Promise<void> {
  out.table('eta_max', ROW_COLUMNS, d.results.map(row), { ...o, data: d.source });
  out.json(
    'trials.json',
    d.results.map((r) => ({ loss: r.loss, width: r.width, seed: r.seed, trials: r.trials })),
  );
  const { report } = out;
  checks(report, d, o);
  if (d.resumed > 0)
    report.text(
      `${d.resumed} of the ${d.results.length} (loss, width, seed) results were taken from ${PARTIAL_FILE} of an earlier, interrupted run with the same options.`,
    );
  report.text(
    `MLP ${d.inputDim} → n → n → 10, ReLU, standard parameterization with He initialization ` +
      `(hidden weights N(0, 2/fan_in), readout N(0, 1/fan_in), biases 0), one global η, plain SGD with batch ${o.batch} for ${o.steps} steps on ${d.source}. ` +
      `A run is **stable** when its loss never exceeds 10⁸·L0 and its final full-training-set loss is below ${o.stableFraction} × the best constant predictor's ` +
      `(${fmt(constantLoss('mse', 10))} for MSE, ln 10 for cross-entropy). η_max is the largest stable η found by a ×2 scan from ${o.etaStart} and ${o.refine} ` +
      `bisections in log η (bracket ratio ${fmt(2 ** (1 / 2 ** o.refine), 4)}). Exponents are least-squares slopes of log η_max against log n over every (width, seed), ` +
      `with 95% Student-t intervals. The paper uses CIFAR-10, MNIST and generated data, widths up to 16384, SGD and Adam; this is ${figureDataset(o)} with SGD only.`,
  );
  report.table(
    ['loss', 'width', 'seed', 'η_max', 'λ0 (NTK)', 'η_max·λ0', 'η_max·λ_H0', 'final loss', 'accuracy', 'RMS logit', 'ΔW a / W a (1, 2, 3)'],
    d.results.map((r) => [
      r.loss,
      r.width,
      r.seed,
      r.etaMax,
      r.lambda0,
      r.etaMax * r.lambda0,
      r.hessian0 === null ? '—' : r.etaMax * r.hessian0,
      r.finalLoss,
      r.accuracy,
      r.logitRms,
      r.featureUpdate.map((v) => fmt(v, 3)).join(', '),
    ]),
  );
  report.text(
    `λ0 is the top eigenvalue of the empirical NTK JJᵀ/(km) and λ_H0 that of the loss Hessian (Lanczos on exact HVPs), both at initialization on the first ${o.curvatureSamples} training rows; ` +
      `λ_H0 is left out above ${o.hessianMaxParams} parameters, where its Lanczos basis would not fit in memory.`,
  );
  await plots(out, d, o);
}
