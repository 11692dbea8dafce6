// The Phase-diagram view's depth mode on the page: K&B's critical constants of nets of several depths and widths, one c per step.
import type { DiagramValues } from '../explore/params';
import { DepthNet, DepthStep, depthGrid, depthNets, depthProgress, depthRuns } from '../explore/depth';
import { phaseDiagramPlot } from '../experiments/figures/kalra2023/diagramPlot';
import { toJson } from '../io/output';
import type { GridJob } from './gridJob';

const fmtC = (c: number | null) => (c === null ? 'none' : c.toPrecision(4));

/**
 * The depth mode's job: every net's grid up to its first divergence; the plot and #result hold the finished nets.
 *
 * @example
 * const job = depthJob(values); // showDiagram runs it
 */
export function depthJob(v: DiagramValues): GridJob<DepthStep> {
  const grid = depthGrid(v);
  const nets = depthNets(v);
  const total = nets.length * grid.length;
  const finished = (steps: readonly DepthStep[]) => steps.flatMap((s) => (s.net ? [s.net] : []));
  return {
    total,
    unit: 'grid points',
    intro:
      `${nets.length} nets (depths ${v.depths.join(',')} × widths ${v.netWidths.join(',')}), up to ${grid.length} values of c ` +
      `each, T = ${v.horizon}: press compute`,
    runs: depthRuns(v),
    progress(s) {
      const { depth, width } = nets[s.k];
      return {
        value: depthProgress(s, grid.length),
        text: `net ${s.k + 1} of ${nets.length} (d = ${depth}, w = ${width}), c = ${fmtC(s.point.c)}`,
      };
    },
    plot: (steps) => phaseDiagramPlot(finished(steps), grid),
    finish(steps, complete) {
      const done: DepthNet[] = finished(steps);
      const runs = steps.length;
      const narrowest = done.length > 0 ? done.reduce((a, b) => (b.ratio > a.ratio ? b : a)) : null;
      const tail = narrowest
        ? `; at d/w = ${narrowest.ratio.toPrecision(3)}: c_loss ${fmtC(narrowest.c_loss)}, c_sharp ${fmtC(narrowest.c_sharp)}, c_max ${fmtC(narrowest.c_max)}`
        : '';
      // cs: the grid as this engine computed it (2^x by its own Math.pow, which may differ from Node's in the last bit).
      return { json: toJson({ complete, cs: grid, nets: done }), verdict: `${done.length} of ${nets.length} nets, ${runs} runs${tail}` };
    },
  };
}
