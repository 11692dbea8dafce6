// Haas et al.'s report: the checks (exponents, controlled divergence, η_max·λ0, feature updates), the description and the results tables; writes the tables, trials.json and the plots.
import { Report, fmt } from '../../report/report';
import { powerLawFit } from '../../report/stats';
import { figureDataset } from '../common';
import type { FigureOutput } from '../output';
import { HaasFigureData, PARTIAL_FILE } from './checkpoint';
import { constantLoss } from './data';
import type { HaasOptions, HaasRule } from './options';
import type { EtaMax } from './runs';
import { plots } from './plots';
import type { ExponentFit, HaasData } from './sweep';
import { ROW_COLUMNS, row } from './tables';

const ciText = (f: ExponentFit) =>
  `${fmt(f.fit.slope, 3)}${f.ci ? ` (95% CI ${fmt(f.ci[0], 3)} … ${fmt(f.ci[1], 3)})` : ' (no CI: two widths)'}`;

/** The paper's claims are about SP with one global η under SGD: those checks read the sgd rule's results. */
const sgdOnly = (d: HaasData): HaasData => ({
  ...d,
  results: d.results.filter((r) => r.rule === 'sgd'),
  fits: d.fits.filter((f) => f.rule === 'sgd'),
});

/** Power of n of a quantity over runs, by least squares in log–log. */
const powerOfN = (rs: readonly EtaMax[], y: (r: EtaMax) => number) =>
  powerLawFit(
    rs.map((r) => r.width),
    rs.map(y),
  ).slope;

/**
 * Controlled divergence under cross-entropy at η_max (Haas et al.): the logits grow with n while the loss, the gradient
 * and the activations stay bounded (here: exponent ≤ 0.1, and the final loss below the constant predictor's ln 10).
 */
function controlledDivergence(report: Report, d: HaasData, rule: HaasRule): void {
  const rs = d.results.filter((r) => r.loss === 'ce' && r.rule === rule);
  if (new Set(rs.map((r) => r.width)).size < 2) return;
  const logit = powerOfN(rs, (r) => r.logitRms),
    grad = powerOfN(rs, (r) => r.gradNorm),
    act = powerOfN(rs, (r) => r.activationRms);
  const worstLoss = Math.max(...rs.map((r) => r.finalLoss));
  report.check({
    quantity: `cross-entropy at η_max, ${rule}: logits against loss, gradient and activations`,
    paper: 'controlled divergence: the logits grow with n while the loss, gradients and activations stay bounded',
    measured: `RMS logit ~ n^${fmt(logit, 3)}; ‖∇L‖ ~ n^${fmt(grad, 3)}; RMS activation ~ n^${fmt(act, 3)}; final loss ≤ ${fmt(worstLoss)} (ln 10 = ${fmt(Math.log(10))})`,
    pass: logit > 0 && grad <= 0.1 && act <= 0.1 && worstLoss < constantLoss('ce', 10),
  });
}

function checks(report: Report, all: HaasData, o: HaasOptions): void {
  const d = sgdOnly(all);
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
  for (const rule of o.rules.filter((r) => !r.endsWith('layerwise'))) controlledDivergence(report, all, rule);
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
    if (new Set(rs.map((r) => r.width)).size < 2) continue;
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
    d.results.map((r) => ({ loss: r.loss, rule: r.rule, width: r.width, seed: r.seed, trials: r.trials })),
  );
  const { report } = out;
  checks(report, d, o);
  if (d.resumed > 0)
    report.text(
      `${d.resumed} of the ${d.results.length} (loss, rule, width, seed) results were taken from ${PARTIAL_FILE} of an earlier, interrupted run with the same options.`,
    );
  report.text(
    `MLP ${d.inputDim} → n → n → 10, ReLU, standard parameterization with He initialization ` +
      `(hidden weights N(0, 2/fan_in), readout N(0, 1/fan_in), biases 0), minibatches of ${o.batch} for ${o.steps} steps on ${d.source}, ` +
      `under the rules ${o.rules.join(', ')}: plain SGD or Adam (torch.optim's defaults: β 0.9, 0.999, ε 1e-8, no weight decay) with one global η, ` +
      `or with layerwise rates, TP5 Table 3's μP rates kept on this initialization (factors on η with ñ = n/${Math.min(...o.widths)}: SGD ñ on the input ` +
      `layer and the hidden biases, 1 on the hidden weights, 1/ñ on the readout; Adam 1/ñ on the hidden and readout weights, 1 elsewhere; ` +
      `μP would also shrink the readout's initialization to 1/n², which is the difference the layerwise rules measure). ` +
      `A run is **stable** when its loss never exceeds 10⁸·L0 and its final full-training-set loss is below ${o.stableFraction} × the best constant predictor's ` +
      `(${fmt(constantLoss('mse', 10))} for MSE, ln 10 for cross-entropy). η_max is the largest stable η found by a ×2 scan from ${o.etaStart} (Adam: ${o.adamEtaStart}) and ${o.refine} ` +
      `bisections in log η (bracket ratio ${fmt(2 ** (1 / 2 ** o.refine), 4)}). Exponents are least-squares slopes of log η_max against log n over every (width, seed), ` +
      `with 95% Student-t intervals. The paper uses CIFAR-10, MNIST and generated data, widths up to 16384, SGD and Adam; this is ${figureDataset(o)}. ` +
      `The checks read the sgd rule, which the paper's exponents are about; the other rules' exponents are measurements (the paper's numbers for them are not in the material available here).`,
  );
  report.table(
    ['loss', 'rule', 'exponent of η_max(n)', 'points'],
    d.fits.map((f) => [f.loss, f.rule, ciText(f), f.points]),
  );
  report.table(
    [
      'loss',
      'rule',
      'width',
      'seed',
      'η_max',
      'λ0 (NTK)',
      'η_max·λ0',
      'η_max·λ_H0',
      'final loss',
      'accuracy',
      'RMS logit',
      '‖∇L‖',
      'RMS act.',
      'ΔW a / W a (1, 2, 3)',
    ],
    d.results.map((r) => [
      r.loss,
      r.rule,
      r.width,
      r.seed,
      r.etaMax,
      r.lambda0,
      r.etaMax * r.lambda0,
      r.hessian0 === null ? '—' : r.etaMax * r.hessian0,
      r.finalLoss,
      r.accuracy,
      r.logitRms,
      r.gradNorm,
      r.activationRms,
      r.featureUpdate.map((v) => fmt(v, 3)).join(', '),
    ]),
  );
  report.text(
    `λ0 is the top eigenvalue of the empirical NTK JJᵀ/(km) and λ_H0 that of the loss Hessian (Lanczos on exact HVPs), both at initialization on the first ${o.curvatureSamples} training rows; ` +
      `λ_H0 is left out above ${o.hessianMaxParams} parameters, where its Lanczos basis would not fit in memory.`,
  );
  await plots(out, d, o);
}
