// Sadrtdinov et al.'s plots: test accuracy against the initial η over the regime bands, and loss trajectories around the regime boundaries.
import { fmt } from '../../report/report';
import { Band, Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import type { SadrtdinovOptions } from './options';
import { CONVERGED_FRACTION, Regime } from './regimes';
import type { SadrtdinovRun } from './runs';

/** Background bands for the regimes: each spans its runs' η, split at the geometric midpoint between neighbours. */
function regimeBands(runs: readonly SadrtdinovRun[]): Band[] {
  const colors: Record<Regime, string> = { convergence: '#1f77b4', chaotic: '#2ca02c', divergence: '#d62728' };
  const bands: Band[] = [];
  runs.forEach((r, i) => {
    const from = i === 0 ? -Infinity : Math.sqrt(runs[i - 1].eta * r.eta),
      to = i === runs.length - 1 ? Infinity : Math.sqrt(r.eta * runs[i + 1].eta);
    const last = bands[bands.length - 1];
    if (last && last.label === r.regime) last.to = to;
    else bands.push({ from, to, label: r.regime, color: colors[r.regime] });
  });
  return bands;
}

export async function plotsOf(out: FigureOutput, runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): Promise<void> {
  const eta = runs.map((r) => r.eta);
  const line = (name: string, pick: (r: SadrtdinovRun) => number, dashed = false): Series => ({
    name,
    x: eta,
    y: runs.map(pick),
    points: true,
    dashed,
  });
  await out.plot(
    'sadrtdinov_accuracy',
    {
      kind: 'line',
      title: 'test accuracy against the initial η',
      xLabel: 'initial (effective) learning rate η',
      yLabel: 'test accuracy',
      xLog: true,
      series: [
        line(`after fine-tuning (η = ${fmt(o.fineTuneLr)})`, (r) => r.fineTuned.test.accuracy),
        line(`SWA (last ${o.swaEpochs} epochs)`, (r) => r.swa.test.accuracy),
        line('end of the initial phase', (r) => r.test.accuracy, true),
      ],
      bands: regimeBands(runs),
    },
    'Test accuracy after fine-tuning, after SWA and at the end of the initial phase, against the initial η (log axis); shaded: the regime each η reached.',
  );
  // A few trajectories: the ends of the grid and the runs on both sides of each regime boundary.
  const picks = new Set<number>([0, runs.length - 1]);
  runs.forEach((r, i) => {
    if (i > 0 && r.regime !== runs[i - 1].regime) {
      picks.add(i - 1);
      picks.add(i);
    }
  });
  await out.plot(
    'sadrtdinov_trajectories',
    {
      kind: 'line',
      title: 'training loss during the initial phase',
      xLabel: 'epoch',
      yLabel: 'mean minibatch loss',
      yLog: true,
      series: [...picks]
        .sort((a, b) => a - b)
        .map((i) => ({
          name: `η = ${fmt(runs[i].eta)} (${runs[i].regime})`,
          x: runs[i].epochLoss.map((_, e) => e + 1),
          y: runs[i].epochLoss,
        })),
      hlines: [
        { at: Math.log(10), label: 'ln 10 (chance)' },
        { at: CONVERGED_FRACTION * Math.log(10), label: `${CONVERGED_FRACTION}·ln 10` },
      ],
    },
    'Mean minibatch training loss per epoch for the ends of the grid and the η on both sides of each regime boundary (log y).',
  );
}
