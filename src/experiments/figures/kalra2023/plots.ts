// The phase diagram's plots: the four constants against d/w with the regimes between them shaded, and one cell's early steps.
import type { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import { phaseDiagramPlot } from './diagramPlot';
import type { PhasePanel } from './options';
import type { PhaseSweep } from './sweeps';

const PANEL_TEXT: Record<PhasePanel, string> = { gd: 'full-batch GD', sgd: 'SGD' };

/**
 * ⟨c⟩ of each constant against d/w (log-log; all nets at one d/w averaged, bars ±1 sd), the regimes shaded between the
 * nets' mean edges.
 * @example
 * await plotPhaseDiagram(out, 'gd', d.sweeps, parseCriticalGrid(o.grid));
 */
export async function plotPhaseDiagram(
  out: FigureOutput,
  panel: PhasePanel,
  sweeps: readonly PhaseSweep[],
  grid: readonly number[],
): Promise<void> {
  const nets = sweeps.filter((s) => s.panel === panel).map((s) => ({ ...s.result, ratio: s.depth / s.width }));
  await out.plot(
    `phase_diagram_${panel}`,
    phaseDiagramPlot(nets, grid, `early-training phase diagram, ${PANEL_TEXT[panel]}`),
    `⟨c⟩ over the nets at each d/w (seeds, and depths at the same ratio) that have the constant, bars ±1 sd; the regimes ` +
      `are shaded between the nets' mean edges (a constant missing because nothing diverged is at the top of the grid run). ${PANEL_TEXT[panel]}.`,
  );
}

/**
 * λ_H,t/λ_H0 and L_t/L_0 against t of one sweep, one series per c (every `every`-th grid point up to divergence).
 * @example
 * await plotEarlySteps(out, sweep, 5);
 */
export async function plotEarlySteps(out: FigureOutput, s: PhaseSweep, every: number): Promise<void> {
  const shown = s.result.points.filter((_, i) => i % every === 0);
  const series = (key: 'losses' | 'hessians', by: number): Series[] =>
    shown.map((p) => ({
      name: `c = ${p.c.toPrecision(3)}${p.diverged_at === null ? '' : ' (diverged)'}`,
      x: p[key].map((_, t) => t),
      y: p[key].map((v) => v / by),
    }));
  const cell = `${PANEL_TEXT[s.panel]}, d = ${s.depth}, w = ${s.width}, seed ${s.seed}`;
  for (const [key, what, by] of [
    ['losses', 'L_t/L_0', s.result.loss0],
    ['hessians', 'λ_H,t/λ_H0', s.result.hessian0],
  ] as const) {
    await out.plot(
      `early_${key === 'losses' ? 'loss' : 'sharpness'}_${s.name}`,
      {
        kind: 'line',
        title: `${what} over the horizon (${cell})`,
        xLabel: 'step t',
        yLabel: what,
        yLog: true,
        series: series(key, by),
        hlines: [{ at: 1, label: 'initial value' }],
      },
      `${what} against t for every ${every}th c of the grid; ${cell}.`,
    );
  }
}
