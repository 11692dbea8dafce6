// eos-sharpening: progressive sharpening and the edge of stability under full-batch GD (Cohen et al. 2021), fc-tanh and fc-relu, MSE and CE.
import { Report } from '../../report/report';
import type { FigureOutput } from '../output';
import { ComputeContext, FigureSpec, seedAndWidth } from '../spec';
import { EDGE_MEDIAN_TOL, EdgeRun, checkEdge, withEdge, writeEdgeTable } from './edgeReport';
import { writeRunDir } from '../runDir';
import { SHARPENING_DEFAULTS, SHARPENING_FULL, SharpeningOptions } from './options';
import { plotEdgeRatio, plotLoss } from './plots';
import { EosRun, eosRun, eosSetup } from './runs';
import { describeNet } from './text';

export interface SharpeningData {
  runs: EdgeRun[];
}

/** The run's directory name: net, loss and the fraction c of η = c·2/S_0. */
export const sharpeningName = (act: string, loss: string, c: number) => `${act}-${loss}-c${c}`;

/** Every (activation, loss) from its own θ_0, at η = c·2/S_0 for each fraction c; S every `eigEvery` steps. */
export function computeSharpening(o: SharpeningOptions, ctx: Pick<ComputeContext<EosRun>, 'progress' | 'checkpoint'>): SharpeningData {
  const settings = o.acts.flatMap((act) => o.losses.map((loss) => ({ act, loss })));
  const total = settings.length * o.edgeFractions.length;
  const runs: EdgeRun[] = [];
  for (const setting of settings) {
    const s = eosSetup(o, setting);
    for (const c of o.edgeFractions) {
      const name = sharpeningName(setting.act, setting.loss, c);
      const done = runs.length;
      const run = eosRun(s, name, {
        lr: (c * 2) / s.sharpness0,
        steps: o.steps,
        eigEvery: o.eigEvery,
        onStep: (r) => ctx.progress((done + r.t / o.steps) / total, name),
      });
      ctx.checkpoint(run);
      runs.push(withEdge(run, s.sharpness0));
    }
  }
  return { runs };
}

async function reportSharpening(d: SharpeningData, o: SharpeningOptions, out: FigureOutput): Promise<void> {
  const report: Report = out.report;
  checkEdge(report, d.runs, '2/η', 'S·η/2');
  describeNet(report, o, o.steps);
  report.text(
    `Step sizes η = c·2/S_0 with c = ${o.edgeFractions.join(', ')}, S_0 the loss Hessian's top eigenvalue at θ_0, so that every run starts stable and only the sharpening can bring it to the edge. ` +
      `S_t is measured every ${o.eigEvery} steps (Lanczos on exact HVPs, the column \`hessian\` of each trajectory). ` +
      `"Hovers at the edge" is read as a median S·η/2 within ±${EDGE_MEDIAN_TOL * 100} % of 1 from the first crossing on; the band is the 10th to 90th percentile.`,
  );
  writeEdgeTable(out, d.runs, { options: o });
  for (const r of d.runs) writeRunDir(out, r.run);
  for (const loss of o.losses) {
    const runs = d.runs.filter((e) => e.run.loss === loss).map((e) => e.run);
    const what = loss === 'mse' ? 'MSE' : 'cross-entropy';
    await plotEdgeRatio(out, `eos_sharpness_${loss}`, what, runs, `${what}: S_t·η/2 against steps; 1 is the edge 2/η.`);
    await plotLoss(out, `eos_loss_${loss}`, what, runs, `${what}: the training loss against steps.`);
  }
}

export const eosSharpening: FigureSpec<SharpeningOptions, SharpeningData, EosRun> = {
  id: 'eos-sharpening',
  title: 'Cohen et al. (2021): progressive sharpening and the edge of stability under full-batch GD',
  suite: 'eos',
  weight: 3,
  takesDataset: true,
  defaults: SHARPENING_DEFAULTS,
  full: SHARPENING_FULL,
  overrides: seedAndWidth('width'),
  compute: computeSharpening,
  // Each finished run's directory is written at once, so an interruption keeps every finished run.
  checkpoint: { save: (run, o, dir) => writeRunDir(dir, run) },
  reportTitle: (o) => `Progressive sharpening and the edge of stability: fc-${o.acts.join('/fc-')}, ${o.losses.join(' and ')}`,
  report: reportSharpening,
};
