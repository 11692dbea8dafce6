// eos-momentum: heavy-ball GD sits at its own edge, S = (2 + 2γ)/η (Cohen et al. 2021, their appendix on momentum).
import type { FigureOutput } from '../output';
import { ComputeContext, FigureSpec, seedAndWidth } from '../spec';
import { EDGE_MEDIAN_TOL, EdgeRun, checkEdge, withEdge, writeEdgeTable } from './edgeReport';
import { writeRunDir } from '../runDir';
import { MOMENTUM_DEFAULTS, MOMENTUM_FULL, MomentumOptions } from './options';
import { plotEdgeRatio, plotLoss } from './plots';
import { EosRun, edgeOf, eosRun, eosSetup } from './runs';
import { describeNet } from './text';

export interface MomentumData {
  runs: EdgeRun[];
}

/** Heavy ball at γ from one θ_0, at η = c·(2 + 2γ)/S_0 for each fraction c. */
export function computeMomentum(o: MomentumOptions, ctx: Pick<ComputeContext<EosRun>, 'progress' | 'checkpoint'>): MomentumData {
  const s = eosSetup(o, o);
  const runs = o.edgeFractions.map((c, i) => {
    const name = `${o.act}-${o.loss}-momentum${o.momentum}-c${c}`;
    const run = eosRun(s, name, {
      // η such that the heavy-ball edge (2 + 2γ)/η is c⁻¹ times S_0.
      lr: (c * edgeOf(1, o.momentum)) / s.sharpness0,
      momentum: o.momentum,
      steps: o.steps,
      eigEvery: o.eigEvery,
      onStep: (r) => ctx.progress((i + r.t / o.steps) / o.edgeFractions.length, name),
    });
    ctx.checkpoint(run);
    return withEdge(run, s.sharpness0);
  });
  return { runs };
}

async function reportMomentum(d: MomentumData, o: MomentumOptions, out: FigureOutput): Promise<void> {
  checkEdge(out.report, d.runs, '(2 + 2γ)/η', 'S·η/(2 + 2γ)');
  describeNet(out.report, o, o.steps);
  out.report.text(
    `Heavy ball b ← γb + ∇L, θ ← θ − ηb with γ = ${o.momentum}: on a quadratic of curvature S it is stable up to S = (2 + 2γ)/η = ${(2 + 2 * o.momentum).toFixed(2)}/η. ` +
      `η = c·(2 + 2γ)/S_0 with c = ${o.edgeFractions.join(', ')}. "At the edge" is a median S·η/(2 + 2γ) within ±${EDGE_MEDIAN_TOL * 100} % of 1 from the first crossing on.`,
  );
  writeEdgeTable(out, d.runs, { options: o });
  for (const r of d.runs) writeRunDir(out, r.run);
  const runs = d.runs.map((e) => e.run);
  await plotEdgeRatio(
    out,
    'eos_momentum_sharpness',
    `heavy ball, γ = ${o.momentum}`,
    runs,
    'S_t·η/(2 + 2γ) against steps; 1 is the heavy-ball edge.',
  );
  await plotLoss(out, 'eos_momentum_loss', `heavy ball, γ = ${o.momentum}`, runs, 'The training loss against steps.');
}

export const eosMomentum: FigureSpec<MomentumOptions, MomentumData, EosRun> = {
  id: 'eos-momentum',
  title: 'Cohen et al. (2021): heavy-ball momentum stabilizes at S = (2 + 2γ)/η',
  suite: 'eos',
  weight: 2,
  takesDataset: true,
  defaults: MOMENTUM_DEFAULTS,
  full: MOMENTUM_FULL,
  overrides: seedAndWidth('width'),
  compute: computeMomentum,
  checkpoint: { save: (run, o, dir) => writeRunDir(dir, run) },
  reportTitle: (o) => `Heavy ball at γ = ${o.momentum}: the edge (2 + 2γ)/η, fc-${o.act}, ${o.loss}`,
  report: reportMomentum,
};
