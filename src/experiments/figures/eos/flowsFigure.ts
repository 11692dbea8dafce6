// eos-flows: GD against gradient flow and the central flow (Cohen et al. 2021; Cohen, Damian et al. 2025) from one θ_0.
import { fmt } from '../../report/report';
import { median } from '../../report/stats';
import type { FigureOutput } from '../output';
import { ComputeContext, FigureSpec, seedAndWidth } from '../spec';
import { writeRunDir } from '../runDir';
import { FLOWS_DEFAULTS, FLOWS_FULL, FlowsOptions } from './options';
import { EosRun, edgeStats, eosRun, eosSetup, flowEdgeRatios } from './runs';
import { describeNet } from './text';
import { FlowsData, compareFlows } from './flowCompare';
import { plotFlows } from './flowPlots';

/** GD, gradient flow and the central flow from the same θ_0 at η = c·2/S_0, θ kept every `compareEvery` steps. */
export function computeFlows(o: FlowsOptions, ctx: Pick<ComputeContext<EosRun>, 'progress' | 'checkpoint'>): FlowsData {
  const s = eosSetup(o, o);
  const eta = (o.edgeFraction * 2) / s.sharpness0;
  const kept = { recordParams: true, recordParamsEvery: o.compareEvery };
  // The flows cost a Lanczos solve per RK4 stage (the central flow also D³L per edge eigenvector): GD's share is small.
  const share = [0.05, 0.3, 0.65];
  const note = (i: number, name: string) => (t: number) =>
    ctx.progress(share.slice(0, i).reduce((a, b) => a + b, 0) + (share[i] * t) / o.steps, name);
  const runs = (['gd', 'gradient', 'central'] as const).map((kind, i) => {
    const onStep = note(i, kind);
    const run = eosRun(s, `${o.act}-${o.loss}-${kind}`, {
      lr: eta,
      steps: o.steps,
      ...kept,
      ...(kind === 'gd' ? { eigEvery: o.eigEvery } : { eigEvery: 0, flow: kind, flowAlpha: o.flowAlpha }),
      onStep: (r) => onStep(r.t),
    });
    ctx.checkpoint(run);
    return run;
  });
  const [gd, gradient, central] = runs;
  const edge = edgeStats(gd.result, gd.edge);
  return { gd, gradient, central, sharpness0: s.sharpness0, edge, compare: compareFlows(gd, gradient, central, edge, o) };
}

function checks(d: FlowsData, o: FlowsOptions, out: FigureOutput): void {
  const c = d.compare,
    cross = d.edge.crossedAt;
  out.report.check({
    quantity: `step where GD leaves gradient flow (‖θ_GD − θ_GF‖ > ${o.leaveFraction}·‖θ_GF − θ_0‖), against GD's first step with S ≥ 2/η`,
    paper: 'GD tracks gradient flow until S crosses 2/η, then departs',
    measured: `leaves at ${c.leftAt ?? `none by ${o.steps}`}; S ≥ 2/η at ${cross ?? 'never'}`,
    pass: cross !== null && c.leftAt !== null && c.leftAt >= cross,
  });
  const end = c.rows[c.rows.length - 1];
  out.report.check({
    quantity: `‖θ_GD − θ_CF‖ against ‖θ_GD − θ_GF‖ at the last compared step (t = ${end.t})`,
    paper: 'GD stays near the central flow long after it has left gradient flow',
    measured: `${fmt(end.gdCentral)} against ${fmt(end.gdGradient)} (ratio ${fmt(end.gdCentral / end.gdGradient, 3)}); ‖θ_GF − θ_0‖ = ${fmt(end.gradientTravel)}`,
    pass: end.gdCentral < end.gdGradient,
  });
  const p = c.prediction;
  out.report.check({
    quantity: `GD's loss averaged over a centred window of ${2 * Math.floor(o.averageWindow / 2) + 1} steps against L(θ_CF) + tr Σ/η, after the crossing (${p.count} steps)`,
    paper: 'E[L(θ_GD)] ≈ L(θ_CF) + tr Σ/η (the central flow predicts the time-averaged loss); our tolerance: median relative error ≤ 10 %',
    measured: p.count
      ? `median rel. error ${fmt(p.central.median, 3)} (max ${fmt(p.central.max, 3)}); L(θ_CF) alone ${fmt(p.centralAlone.median, 3)}, L(θ_GF) ${fmt(p.gradient.median, 3)}`
      : 'no steps after the crossing to compare',
    pass: p.count > 0 && p.central.median <= 0.1,
  });
  const cf = flowEdgeRatios(d.central, cross);
  out.report.check({
    quantity: "the central flow's S·η/2 from GD's crossing on: median [min, max]",
    paper: 'held at 1 (the central flow keeps S at 2/η)',
    measured: cf.length ? `${fmt(median(cf), 6)} [${fmt(Math.min(...cf), 4)}, ${fmt(Math.max(...cf), 4)}]` : 'no steps after the crossing',
    pass: cf.length > 0 && Math.abs(median(cf) - 1) <= 0.01,
  });
}

async function reportFlows(d: FlowsData, o: FlowsOptions, out: FigureOutput): Promise<void> {
  checks(d, o, out);
  describeNet(out.report, o, o.steps);
  out.report.text(
    `fc-${o.act}, ${o.loss}, η = ${fmt(d.gd.eta, 6)} = ${o.edgeFraction}·2/S_0 (S_0 = ${fmt(d.sharpness0, 6)}). Gradient flow dθ/dτ = −∇L and the central flow dθ/dτ = −(∇L + ½ Σ_ij Σ_ij ∇(u_iᵀHu_j)) ` +
      `are integrated by RK4 with substeps min(${o.flowAlpha}/S, η) and recorded at τ = t·η, so the three overlay step for step; ∇S is exact (third-order jets, docs/eos.md). ` +
      `θ of the three is compared every ${o.compareEvery} steps (distances.csv). tr Σ is the column sigma2 of the central flow's trajectory.`,
  );
  out.table(
    'distances',
    ['t', 'gd_gradient', 'gd_central', 'gradient_travel'],
    d.compare.rows.map((r) => ({ t: r.t, gd_gradient: r.gdGradient, gd_central: r.gdCentral, gradient_travel: r.gradientTravel })),
    { options: o },
  );
  out.table('loss_prediction', ['t', 'gd_average', 'central_predicted', 'central', 'gradient'], d.compare.prediction.rows, {
    options: o,
    window: o.averageWindow,
  });
  for (const r of [d.gd, d.gradient, d.central]) writeRunDir(out, r);
  await plotFlows(out, d);
}

export const eosFlows: FigureSpec<FlowsOptions, FlowsData, EosRun> = {
  id: 'eos-flows',
  title: 'Cohen et al. (2021), Cohen, Damian et al. (2025): GD against gradient flow and the central flow',
  suite: 'eos',
  weight: 4,
  takesDataset: true,
  defaults: FLOWS_DEFAULTS,
  full: FLOWS_FULL,
  overrides: seedAndWidth('width'),
  compute: computeFlows,
  checkpoint: { save: (run, o, dir) => writeRunDir(dir, run) },
  reportTitle: (o) => `GD against gradient flow and the central flow: fc-${o.act}, ${o.loss}, η = ${o.edgeFraction}·2/S_0`,
  report: reportFlows,
};
