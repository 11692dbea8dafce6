// Huang et al.'s plots per kind of data: loss against time at the first depth, and the final flatness against η at every depth.
import { fmt } from '../../report/report';
import { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import type { DataKind } from './options';
import { flatness } from './runs';
import { HuangData, allRuns } from './settings';

/** Both plots for every kind of data, in the order the report lists them. */
export async function plots(out: FigureOutput, d: HuangData): Promise<void> {
  for (const kind of d.options.kinds) {
    await lossPlot(out, d, kind);
    await flatnessPlot(out, d, kind);
  }
}

/** Loss against time for the grid runs that did not diverge, the catapult run and the first divergent grid run (truncated). */
async function lossPlot(out: FigureOutput, d: HuangData, kind: DataKind): Promise<void> {
  const L = d.options.depths[0];
  const s = d.settings.find((x) => x.kind === kind && x.depth === L)!;
  const firstDiv = s.runs.find((r) => r.phase === 'divergent');
  const shown = [
    ...s.runs.filter((r) => r.phase !== 'divergent' || r === firstDiv),
    ...(s.catapult && !s.runs.includes(s.catapult) ? [s.catapult] : []),
  ].sort((a, b) => a.etaUnits - b.etaUnits);
  const series: Series[] = shown.map((r) => {
    const keep = r.t.map((t, i) => i).filter((i) => r.loss[i] > 0 && Number.isFinite(r.loss[i]));
    return {
      name: `η·λ0/2 = ${fmt(r.etaUnits, 3)} (${r.phase}${r === s.catapult ? ', compared' : ''})`,
      x: keep.map((i) => r.t[i] + 1),
      y: keep.map((i) => r.loss[i]),
      dashed: r === s.catapult,
    };
  });
  // Clip the divergent run so that the catapult's rise stays visible.
  const kept = shown.filter((r) => r.phase !== 'divergent');
  const low = Math.max(1e-4 * s.loss0, Math.min(...kept.flatMap((r) => r.loss.filter((v) => v > 0)))),
    high = Math.max(s.loss0, ...kept.map((r) => r.peakLoss));
  await out.plot(
    `huang_loss_${kind}`,
    {
      kind: 'line',
      title: `${kind} data, L = ${L} layers: loss against time`,
      xLabel: 'step t + 1',
      yLabel: 'logistic loss',
      xLog: true,
      yLog: true,
      series,
      yDomain: [0.8 * low, 2 * high],
      hlines: [{ at: s.loss0, label: 'L0' }],
    },
    `Loss against time on ${kind} data, depth ${L}, for the η grid (in units of 2/λ0) and the catapult run compared with the small η (dashed); the divergent run leaves the top of the plot${kind === 'separable' ? `; separable runs stop once L ≤ ${d.options.separableTarget}·L0` : ''}.`,
  );
}

/** Final flatness / λ_H0 against η·λ0/2 for every depth, with 2/η (= 1/(η·λ0/2) in these units). */
async function flatnessPlot(out: FigureOutput, d: HuangData, kind: DataKind): Promise<void> {
  const flat: Series[] = d.settings
    .filter((x) => x.kind === kind)
    .map((x) => {
      const rs = allRuns(x)
        .filter((r) => (r.phase === 'lazy' || r.phase === 'catapult') && Number.isFinite(flatness(kind, r)) && flatness(kind, r) > 0)
        .sort((a, b) => a.etaUnits - b.etaUnits);
      return { name: `L = ${x.depth}`, x: rs.map((r) => r.etaUnits), y: rs.map((r) => flatness(kind, r) / x.lambdaHessian0), points: true };
    });
  const ruleX = d.options.grid.filter((c) => c > 0);
  if (kind !== 'separable') flat.push({ name: '2/η (H·η/2 = 1)', x: ruleX, y: ruleX.map((c) => 1 / c), dashed: true, color: '#888' });
  await out.plot(
    `huang_hessian_${kind}`,
    {
      kind: 'line',
      title: `${kind} data: ${kind === 'separable' ? 'H/L at L ≤ target' : 'final top Hessian eigenvalue'} / λ0 against η`,
      xLabel: 'η·λ0/2',
      yLabel: kind === 'separable' ? '(H/L) / λ0' : 'H_final / λ0',
      yLog: true,
      series: flat,
      vlines: [{ at: 1, label: 'η = 2/λ0' }],
    },
    `${kind === 'separable' ? `Top Hessian eigenvalue per unit loss at the first step with L ≤ ${d.options.separableTarget}·L0` : 'Top Hessian eigenvalue at the end of the run'}, over λ0, against η·λ0/2 for each depth (settled runs only: divergent and unsettled runs left out)${kind === 'separable' ? '' : '; the dashed line is 2/η, the largest curvature at which GD can rest'}.`,
  );
}
