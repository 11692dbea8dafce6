// eos-flows' plots: distances from GD to the flows, the losses with the central flow's prediction, and the three sharpnesses.
import type { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import type { FlowsData } from './flowCompare';
import { sharpnessSeries } from './runs';

export async function plotFlows(out: FigureOutput, d: FlowsData): Promise<void> {
  const rows = d.compare.rows,
    t = rows.map((r) => r.t);
  const cross = d.edge.crossedAt === null ? [] : [{ at: d.edge.crossedAt, label: 'S ≥ 2/η' }];
  await out.plot(
    'eos_flow_distance',
    {
      kind: 'line',
      title: 'distance from GD to the flows',
      xLabel: 'step t (flows at τ = t·η)',
      yLabel: '‖θ_GD − θ_flow‖',
      yLog: true,
      series: [
        { name: 'gradient flow', x: t, y: rows.map((r) => r.gdGradient) },
        { name: 'central flow', x: t, y: rows.map((r) => r.gdCentral) },
        { name: '‖θ_GF − θ_0‖', x: t, y: rows.map((r) => r.gradientTravel), dashed: true },
      ],
      vlines: cross,
    },
    '‖θ_GD − θ_GF‖ and ‖θ_GD − θ_CF‖ at matched times, with how far gradient flow has travelled (dashed).',
  );
  const p = d.compare.prediction.rows;
  const rec = (k: 'gd' | 'gradient' | 'central') => d[k].result.records;
  await out.plot(
    'eos_flow_loss',
    {
      kind: 'line',
      title: 'GD loss and the flows',
      xLabel: 'step t',
      yLabel: 'loss',
      yLog: true,
      series: [
        { name: 'GD', x: rec('gd').map((r) => r.t), y: rec('gd').map((r) => r.loss) },
        { name: 'GD, averaged', x: p.map((r) => r.t), y: p.map((r) => r.gd_average) },
        { name: 'gradient flow', x: rec('gradient').map((r) => r.t), y: rec('gradient').map((r) => r.loss), dashed: true },
        { name: 'central flow', x: rec('central').map((r) => r.t), y: rec('central').map((r) => r.loss), dashed: true },
        { name: 'L(θ_CF) + tr Σ/η', x: p.map((r) => r.t), y: p.map((r) => r.central_predicted) },
      ],
      vlines: cross,
    },
    "GD's loss, its centred average, the flows' losses and the central flow's prediction of the average.",
  );
  const gd = sharpnessSeries(d.gd.result);
  const flowS = (k: 'gradient' | 'central') => rec(k).filter((r) => r.sharpness !== undefined);
  await out.plot(
    'eos_flow_sharpness',
    {
      kind: 'line',
      title: 'sharpness of GD and the flows',
      xLabel: 'step t',
      yLabel: 'S·η/2',
      series: [
        { name: 'GD', x: gd.t, y: gd.S.map((v) => (v * d.gd.eta) / 2) },
        ...(['gradient', 'central'] as const).map((k) => ({
          name: `${k} flow`,
          x: flowS(k).map((r) => r.t),
          y: flowS(k).map((r) => (r.sharpness! * d.gd.eta) / 2),
          dashed: true,
        })),
      ] as Series[],
      hlines: [{ at: 1, label: 'S = 2/η' }],
    },
    "S·η/2 of GD (where measured: its trajectory's hessian column) and of the flows (the S their RK4 steps follow).",
  );
}
