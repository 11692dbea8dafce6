// The phase diagram's report: the tables, K&B's claims checked per panel, the plots and the files a peer replays from.
import { Report, fmt } from '../../report/report';
import type { FigureOutput } from '../output';
import { CONSTANTS, LAZY_LIMIT_FACTOR, PhaseCell, Trend, ordering, phaseCells, trendWithDepthOverWidth } from './analysis';
import { replayCommand, writeSweepDirs } from './files';
import type { PhaseDiagramOptions, PhasePanel } from './options';
import { plotEarlySteps, plotPhaseDiagram } from './plots';
import { parseCriticalGrid } from '../../sweep/criticalGrid';
import type { PhaseDiagramData, PhaseSweep } from './sweeps';

const SWEEP_COLUMNS = ['panel', 'depth', 'width', 'd_over_w', 'seed', 'hessian0', 'loss0', ...CONSTANTS, 'first_divergent_c', 'points'];

function writeTables(out: FigureOutput, d: PhaseDiagramData, o: PhaseDiagramOptions): void {
  const rows = d.sweeps.map((s) => ({
    panel: s.panel,
    depth: s.depth,
    width: s.width,
    d_over_w: s.depth / s.width,
    seed: s.seed,
    hessian0: s.result.hessian0,
    loss0: s.result.loss0,
    ...Object.fromEntries(CONSTANTS.map((k) => [k, s.result[k]])),
    first_divergent_c: s.result.first_divergent_c,
    points: s.result.points.length,
  }));
  out.table('critical', SWEEP_COLUMNS, rows, { options: o });
  const cells = o.panels.flatMap((p) => phaseCells(d.sweeps, p));
  const stat = (c: PhaseCell) =>
    Object.fromEntries(
      CONSTANTS.flatMap((k) => [
        [`${k}_mean`, c.mean[k]],
        [`${k}_sd`, c.sd[k]],
        [`${k}_found`, c.found[k]],
      ]),
    );
  const columns = ['panel', 'depth', 'width', 'd_over_w', 'seeds', ...CONSTANTS.flatMap((k) => [`${k}_mean`, `${k}_sd`, `${k}_found`])];
  out.table(
    'cells',
    columns,
    cells.map((c) => ({ panel: c.panel, depth: c.depth, width: c.width, d_over_w: c.dOverW, seeds: c.seeds, ...stat(c) })),
    { options: o },
  );
}

const trendText = (t: Trend | null) =>
  t === null
    ? 'fewer than two d/w'
    : `slope ${fmt(t.slope, 3)}${t.interval ? ` [${fmt(t.interval[0], 3)}, ${fmt(t.interval[1], 3)}]` : ''} over ${t.points} sweeps`;
const cellText = (c: PhaseCell, k: (typeof CONSTANTS)[number]) =>
  `${c.depth}/${c.width}: ${c.mean[k] === null ? 'none' : `${fmt(c.mean[k]!, 4)} ± ${fmt(c.sd[k]!, 2)}`}${c.found[k] < c.seeds ? ` (${c.found[k]} of ${c.seeds} seeds)` : ''}`;
/** A sweep's constants, with a missing c_max told apart: nothing diverged (above the grid) or the first point did. */
const sweepText = (s: PhaseSweep) =>
  CONSTANTS.map((k) => {
    const v = s.result[k];
    if (v !== null) return fmt(v, 3);
    if (k === 'c_max' && s.result.first_divergent_c === null) return `> ${fmt(s.result.points[s.result.points.length - 1].c, 3)}`;
    return '—';
  }).join(', ');

/** K&B's three claims on one panel: the lazy limit, the growth with d/w, and the ordering. */
function checkPanel(report: Report, sweeps: readonly PhaseSweep[], panel: PhasePanel): void {
  const cells = phaseCells(sweeps, panel);
  const least = cells[0];
  const cLoss = least.mean.c_loss;
  report.check({
    quantity: `${panel}: ⟨c_loss⟩ at the smallest d/w (${least.depth}/${least.width} = ${fmt(least.dOverW, 3)})`,
    paper: `c_loss → 2 as d/w → 0 (the catapult paper's 2/λ): within ×${fmt(LAZY_LIMIT_FACTOR, 3)}^±1 of 2 (two grid steps)`,
    measured: cLoss === null ? 'no seed found c_loss' : `${fmt(cLoss, 4)} ± ${fmt(least.sd.c_loss!, 2)} (${least.found.c_loss} seeds)`,
    pass: cLoss !== null && cLoss <= 2 * LAZY_LIMIT_FACTOR && cLoss >= 2 / LAZY_LIMIT_FACTOR,
  });
  for (const k of ['c_loss', 'c_sharp'] as const) {
    const t = trendWithDepthOverWidth(sweeps, panel, k);
    report.check({
      quantity: `${panel}: log2 ${k} against log2(d/w), least squares [95 %]; cells ⟨${k}⟩ ${cells.map((c) => cellText(c, k)).join(', ')}`,
      paper: `${k} grows with d/w (the slope's interval above 0)`,
      measured: trendText(t),
      pass: t !== null && (t.interval ? t.interval[0] > 0 : t.slope > 0),
    });
  }
  const mine = sweeps.filter((s) => s.panel === panel);
  const fails = mine.filter((s) => ordering(s) === 'fails');
  const open = mine.filter((s) => ordering(s) === 'undetermined');
  const list = (xs: PhaseSweep[]) => xs.map((s) => `${s.name} (${sweepText(s)})`).join('; ');
  report.check({
    quantity: `${panel}: sweeps with c_loss ≤ c_sharp ≤ c_max (in brackets c_loss, c_sharp, c_barrier, c_max; — none on the grid run)`,
    paper: 'c_loss ≤ c_sharp ≤ c_max in every run',
    measured:
      `holds in ${mine.length - fails.length - open.length} of ${mine.length}` +
      (fails.length ? `; fails in ${list(fails)}` : '') +
      (open.length ? `; undetermined (beyond the grid) in ${list(open)}` : ''),
    pass: fails.length === 0,
  });
}

function describe(report: Report, d: PhaseDiagramData, o: PhaseDiagramOptions): void {
  report.text(
    `K&B's nets: ReLU fc nets of depth d (d − 1 hidden layers) and width w, standard parameterization, no biases, σ_w² = ${fmt(o.sigmaW ** 2, 3)} and a readout σ_w = ${o.readoutSigmaW}, ` +
      `MSE on one-hot targets; ${d.data.source} (${d.data.X.shape[0]} examples × ${d.data.X.shape[1]} inputs). Depths ${o.depths.join(', ')}, widths ${o.widths.join(', ')}, seeds ${o.seeds.join(', ')}. ` +
      `c = η·λ_H0 on the grid ${o.grid} up to the first divergence (loss > 1e5 or not finite), T = ${o.horizon} steps; panels: ${o.panels.join(', ')} (SGD at batch ${o.batch}, batches seeded by θ_0's seed). ` +
      `λ_H at every step is the exact Lanczos on HVPs over the whole training set. ${d.sweeps.length} sweeps in ${fmt(d.seconds, 3)} s${d.resumed ? ` (${d.resumed} resumed from an earlier run)` : ''}.`,
  );
  const first = d.sweeps[0];
  if (first)
    report.text(
      `Each sweep is replayed from the figure's directory by the command in its critical.json, e.g.\n\n    ${replayCommand(o, first)}`,
    );
}

/**
 * Writes the tables, the checks, the phase diagram of each panel and the early steps of the extreme cells.
 * @example
 * await reportPhaseDiagram(d, o, out);
 */
export async function reportPhaseDiagram(d: PhaseDiagramData, o: PhaseDiagramOptions, out: FigureOutput): Promise<void> {
  for (const p of o.panels) checkPanel(out.report, d.sweeps, p);
  describe(out.report, d, o);
  writeTables(out, d, o);
  writeSweepDirs(out, o, d.data, d.sweeps);
  for (const p of o.panels) await plotPhaseDiagram(out, p, d.sweeps, parseCriticalGrid(o.grid));
  const gd = phaseCells(d.sweeps, o.panels[0]);
  for (const c of [gd[0], gd[gd.length - 1]]) {
    const s = d.sweeps.find((x) => x.panel === c.panel && x.depth === c.depth && x.width === c.width);
    if (s) await plotEarlySteps(out, s, 5);
  }
}
