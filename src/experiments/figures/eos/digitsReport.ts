// eos-digits' report: the Lyapunov rate and the parting step of pointwise quantities, beside the time averages that survive.
import { DOUBLE_DIGITS, agreeingDigits } from '../../run/precision';
import { fmt } from '../../report/report';
import type { FigureOutput } from '../output';
import type { DigitsOptions } from './options';
import { DigitsData, medianOrNaN, predictedParting } from './digits';
import { writeRunDir } from '../runDir';
import { flowEdgeRatios, sharpnessSeries } from './runs';
import { describeNet } from './text';

/** What "stays reproducible" means here, fixed before any run: digits two runs one ulp apart must share. */
export const AVERAGE_DIGITS = 2;
export const FLOW_DIGITS = 6;

function checks(d: DigitsData, o: DigitsOptions, out: FigureOutput): void {
  const p = d.precision,
    fit = p.lyapunov;
  const lost = Object.entries(p.firstLost)
    .map(([k, t]) => `${k} digits lost at step ${t ?? '—'}`)
    .join(', ');
  out.report.check({
    quantity: 'growth of the float64–double-double deviation ‖θ64 − θdd‖/‖θdd‖ along the edge-of-stability run',
    paper: 'exponential (positive Lyapunov rate) once GD oscillates at the edge',
    measured: fit
      ? `rate ${fmt(fit.rate, 4)} per step (×${fmt(Math.exp(fit.rate), 4)}), fitted over steps ${fit.from}–${fit.to} (R² ${fmt(fit.r2, 3)}); tangent-linear model ${fmt(p.tangentRate, 4)}; ${lost}`
      : `no exponential growth found; ${lost}`,
    pass: fit !== null && fit.rate > 0,
  });
  const predicted = predictedParting(p);
  out.report.check({
    quantity: `the step after which two float64 runs ${o.nudgeUlps} ulp apart share less than 1 digit of the loss`,
    paper: 'they must part, near where the fitted growth reaches 1 (all 16 digits gone)',
    measured: `parted at step ${d.partedAt ?? `— (not by ${o.steps})`}; the float64–dd fit reaches 1 at step ${predicted === null ? '—' : fmt(predicted, 4)}`,
    pass: d.partedAt !== null,
  });
  const [a, b] = d.averages;
  const digits = (x: number | null, y: number | null) => (x === null || y === null ? 0 : agreeingDigits(x, y));
  const ratioDigits = digits(a.medianRatio, b.medianRatio),
    lossDigits = digits(a.lateLoss, b.lateLoss);
  out.report.check({
    quantity: 'median S·η/2 from the crossing on, and the loss averaged over the second half, of the two GD runs',
    paper: `time averages stay reproducible after the trajectories part: ≥ ${AVERAGE_DIGITS} shared digits (our bar)`,
    measured: `median S·η/2 ${fmt(a.medianRatio ?? NaN, 6)} and ${fmt(b.medianRatio ?? NaN, 6)} (${fmt(ratioDigits, 3)} digits); averaged loss ${fmt(a.lateLoss, 6)} and ${fmt(b.lateLoss, 6)} (${fmt(lossDigits, 3)} digits)`,
    pass: ratioDigits >= AVERAGE_DIGITS && lossDigits >= AVERAGE_DIGITS,
  });
  const [c0, c1] = d.central.map((r) => r.result.records[r.result.records.length - 1]);
  const flowDigits = agreeingDigits(c0.loss, c1.loss);
  const belowAt = d.centralDigits.findIndex((x) => x < FLOW_DIGITS);
  out.report.check({
    quantity: `the central flow's loss at τ = ${o.steps}·η from the two starts, and its S·η/2 from GD's crossing on`,
    paper: `the central flow is a smooth ODE: reproducible to many digits (our bar ≥ ${FLOW_DIGITS})`,
    measured: `${c0.loss} and ${c1.loss} (${fmt(flowDigits, 3)} digits; fewer than ${FLOW_DIGITS} from step ${belowAt < 0 ? '—' : belowAt}); median S·η/2 ${fmt(medianOrNaN(flowEdgeRatios(d.central[0], d.averages[0].edge.crossedAt)), 6)}`,
    pass: flowDigits >= FLOW_DIGITS,
  });
}

export async function reportDigits(d: DigitsData, o: DigitsOptions, out: FigureOutput): Promise<void> {
  checks(d, o, out);
  describeNet(out.report, o, o.steps);
  out.report.text(
    `η = ${fmt(d.eta, 6)} = ${o.edgeFraction}·2/S_0 (S_0 = ${fmt(d.sharpness0, 6)}). The float64 run is compared step by step with the double-double reference from the same θ_0 ` +
      `(\`catapult precision\`; digits of the worst of loss, f and ‖θ‖, at most ${DOUBLE_DIGITS}). Beside it, GD and the central flow each run from θ_0 and from θ_0 with every entry moved ${o.nudgeUlps} ulp: ` +
      'what a second float64 implementation, summing in another order, would start from after its first rounding.',
  );
  out.table(
    'digits',
    ['t', 'float64_dd_digits', 'theta_deviation', 'predicted_digits', 'nudged_loss_digits', 'central_loss_digits'],
    d.precision.steps.map((st) => ({
      t: st.t,
      float64_dd_digits: st.digits,
      theta_deviation: st.theta,
      predicted_digits: Number.isFinite(st.predictedDigits) ? st.predictedDigits : null,
      nudged_loss_digits: d.lossDigits[st.t] ?? null,
      central_loss_digits: d.centralDigits[st.t] ?? null,
    })),
    { options: o, eta: d.eta, lyapunov: d.precision.lyapunov, parted_at: d.partedAt },
  );
  for (const r of [...d.gd, ...d.central]) writeRunDir(out, r);
  const steps = d.precision.steps;
  await out.plot(
    'eos_digits',
    {
      kind: 'line',
      title: 'digits that survive at the edge of stability',
      xLabel: 'step t',
      yLabel: 'shared decimal digits',
      series: [
        { name: 'float64 vs double-double', x: steps.map((s) => s.t), y: steps.map((s) => s.digits) },
        { name: 'tangent-linear prediction', x: steps.map((s) => s.t), y: steps.map((s) => s.predictedDigits), dashed: true },
        { name: `loss, GD vs GD nudged ${o.nudgeUlps} ulp`, x: d.lossDigits.map((_, t) => t), y: d.lossDigits },
        { name: `loss, central flow vs nudged`, x: d.centralDigits.map((_, t) => t), y: d.centralDigits },
      ],
    },
    'Digits shared with the double-double reference, and by two float64 runs (GD, and the central flow) one ulp apart, against steps.',
  );
  await out.plot(
    'eos_digits_sharpness',
    {
      kind: 'line',
      title: 'the edge, from two starts one ulp apart',
      xLabel: 'step t',
      yLabel: 'S·η/2',
      series: d.gd.map((r, i) => {
        const s = sharpnessSeries(r.result);
        return { name: i === 0 ? 'GD from θ_0' : 'GD from θ_0 nudged', x: s.t, y: s.S.map((v) => (v * d.eta) / 2), dashed: i === 1 };
      }),
      hlines: [{ at: 1, label: 'S = 2/η' }],
    },
    'S·η/2 of the two GD runs: pointwise they part, their level at the edge does not.',
  );
}
