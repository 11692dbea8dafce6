// The eos plots every figure shares: S against its edge, and the training loss, one series per run.
import type { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import { EosRun, sharpnessSeries } from './runs';

/** A run's legend entry: its net, loss and η (with γ where it has momentum). */
export const runLabel = (r: EosRun) => `${r.act} ${r.loss}, η = ${r.eta.toPrecision(3)}${r.momentum ? `, γ = ${r.momentum}` : ''}`;

/**
 * S_t/edge of each run (1 is the edge: 2/η, or (2 + 2γ)/η with momentum), with a rule at 1.
 * @example
 * await plotEdgeRatio(out, 'eos_sharpness_mse', 'MSE', runs, 'S·η/2 against steps.');
 */
export async function plotEdgeRatio(
  out: FigureOutput,
  name: string,
  what: string,
  runs: readonly EosRun[],
  caption: string,
): Promise<void> {
  const series: Series[] = runs.map((r) => {
    const s = sharpnessSeries(r.result);
    return { name: runLabel(r), x: s.t, y: s.S.map((v) => v / r.edge) };
  });
  const momentum = runs.some((r) => r.momentum);
  await out.plot(
    name,
    {
      kind: 'line',
      title: `sharpness against the edge (${what})`,
      xLabel: 'step t',
      yLabel: momentum ? 'S·η/(2 + 2γ)' : 'S·η/2',
      series,
      hlines: [{ at: 1, label: momentum ? 'S = (2 + 2γ)/η' : 'S = 2/η' }],
    },
    caption,
  );
}

/**
 * The training loss of each run (log axis).
 * @example
 * await plotLoss(out, 'eos_loss_mse', 'MSE', runs, 'Loss against steps.');
 */
export async function plotLoss(out: FigureOutput, name: string, what: string, runs: readonly EosRun[], caption: string): Promise<void> {
  const series: Series[] = runs.map((r) => ({
    name: runLabel(r),
    x: r.result.records.map((x) => x.t),
    y: r.result.records.map((x) => x.loss),
  }));
  await out.plot(name, { kind: 'line', title: `training loss (${what})`, xLabel: 'step t', yLabel: 'loss', yLog: true, series }, caption);
}
