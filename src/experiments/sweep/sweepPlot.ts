// The phase diagram of a sweep: λ at fixed physical time t·η against η (both in units of λ0), with the phase boundaries.
import * as path from 'path';
import { median } from '../report/stats';
import { LinePlot, Series, writePlot } from '../report/plot';
import { toCsv, writeFileAtomic } from '../../io/output';
import { SweepHeader, loadSweep } from './sweep';
import { SweepResult } from './sweepRun';

export interface PhaseDiagramPoint {
  width: number;
  lr: string;
  /** Medians over the seeds. */
  eta_lambda0: number;
  lambda_T_over_lambda0: number | null;
  seeds: number;
  diverged: number;
  catapult: number;
}

/** One point per (width, lr): medians over seeds; λ_T/λ0 over the runs that reached T without diverging. */
export function phaseDiagramPoints(results: readonly SweepResult[]): PhaseDiagramPoint[] {
  const groups = new Map<string, SweepResult[]>();
  for (const r of results) {
    const key = `${r.width}\u0000${r.lr}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((rs) => {
      const lam = rs.filter((r) => r.lambda_T !== null && r.diverged_at === null).map((r) => r.lambda_T! / r.lambda0);
      return {
        width: rs[0].width,
        lr: rs[0].lr,
        eta_lambda0: median(rs.map((r) => r.eta_lambda0)),
        lambda_T_over_lambda0: lam.length > 0 ? median(lam) : null,
        seeds: rs.length,
        diverged: rs.filter((r) => r.diverged_at !== null).length,
        catapult: rs.filter((r) => r.phase === 'catapult').length,
      };
    })
    .sort((a, b) => a.width - b.width || a.eta_lambda0 - b.eta_lambda0);
}

/** A phase the diagram shades. */
export type ShadedPhase = 'catapult' | 'diverged';

/** An interval of η·λ0 where most seeds of one width went through a catapult, or diverged. */
export interface PhaseRegion {
  width: number;
  phase: ShadedPhase;
  from: number;
  to: number;
}

/** The phase most (over half) of a point's seeds had, if one of those shaded; a tie is none. */
function majorityPhase(p: PhaseDiagramPoint): ShadedPhase | null {
  if (2 * p.diverged > p.seeds) return 'diverged';
  if (2 * p.catapult > p.seeds) return 'catapult';
  return null;
}

/**
 * Per width, the η·λ0 intervals where most of its seeds went through a catapult or diverged (not where any single seed
 * did, which would shade a width by another's runs or by one outlying seed). Neighbouring learning rates of the same
 * majority phase form one interval, whose edges lie halfway to the next rates of the width (at its first and last rate
 * on the ends of the grid). Widths ascending, then η·λ0.
 *
 * @example
 * phaseRegions(phaseDiagramPoints(results)); // [{ width: 256, phase: 'catapult', from: 1.75, to: 5.25 }, …]
 */
export function phaseRegions(points: readonly PhaseDiagramPoint[]): PhaseRegion[] {
  const out: PhaseRegion[] = [];
  const widths = [...new Set(points.map((p) => p.width))].sort((a, b) => a - b);
  for (const width of widths) {
    const ps = points.filter((p) => p.width === width).sort((a, b) => a.eta_lambda0 - b.eta_lambda0);
    const x = (i: number) => ps[i].eta_lambda0;
    for (let i = 0; i < ps.length;) {
      const phase = majorityPhase(ps[i]);
      let j = i;
      while (j + 1 < ps.length && majorityPhase(ps[j + 1]) === phase) j++;
      if (phase !== null)
        out.push({ width, phase, from: i === 0 ? x(0) : (x(i - 1) + x(i)) / 2, to: j === ps.length - 1 ? x(j) : (x(j) + x(j + 1)) / 2 });
      i = j + 1;
    }
  }
  return out;
}

/** Fills of the shaded phases (as the plot's band colours: blue for catapults, red for divergence). */
const PHASE_COLORS: Record<ShadedPhase, string> = { catapult: '#4c78a8', diverged: '#e45756' };

export interface PhaseDiagramFiles {
  /** The (batch, optimizer) combination drawn, e.g. "batch 8, adam"; empty for a grid without those dimensions. */
  label: string;
  svg: string;
  png: string | null;
  csv: string;
  runs: number;
}

/**
 * The results by (batch, optimizer) combination, each with the base name of its files: phase_diagram for a grid
 * without those dimensions (as always), phase_diagram_batch8_adam (or _batch8, _adam) for one with them, since the
 * learning rates of one update rule and batch size form one diagram and curves across them would not compare.
 */
function combinations(results: readonly SweepResult[]): { label: string; name: string; results: SweepResult[] }[] {
  const groups = new Map<string, { label: string; name: string; results: SweepResult[] }>();
  for (const r of results) {
    const parts = [...(r.batch !== undefined ? [['batch', r.batch]] : []), ...(r.optimizer !== undefined ? [['', r.optimizer]] : [])];
    const name = ['phase_diagram', ...parts.map(([what, v]) => `${what}${v}`)].join('_');
    const g = groups.get(name) ?? { label: parts.map((p) => p.join(' ').trim()).join(', '), name, results: [] };
    g.results.push(r);
    groups.set(name, g);
  }
  return [...groups.values()];
}

/**
 * Writes DIR/phase_diagram.svg (and .png with rsvg-convert) and DIR/phase_diagram.csv from a sweep directory; a
 * grid with batches or optimizers gets one such diagram per combination (phase_diagram_batch8_adam.svg, …).
 * Dashed lines: η·λ0 = 2 and 4 (the paper's η_crit and η_max for the linear models) and λ = 2/η; in a strip per width
 * above the data, shaded: the learning rates where most of that width's seeds went through a catapult, and where most
 * diverged (phaseRegions). The first diagram's files are also `svg`, `png` and `csv`.
 *
 * @example
 * const { svg } = await plotSweep('out/sweep');
 */
export async function plotSweep(
  dir: string,
): Promise<{ svg: string; png: string | null; csv: string; runs: number; diagrams: PhaseDiagramFiles[] }> {
  const { header, results } = loadSweep(dir);
  if (results.length === 0) throw new Error(`${dir}: no finished runs to plot yet`);
  const diagrams: PhaseDiagramFiles[] = [];
  for (const g of combinations(results))
    diagrams.push({ label: g.label, ...(await writeDiagram(dir, g.name, g.label, header, g.results)) });
  return { ...diagrams[0], runs: results.length, diagrams };
}

/** One phase diagram: DIR/<name>.svg (.png) and .csv. */
async function writeDiagram(
  dir: string,
  name: string,
  label: string,
  header: SweepHeader,
  results: readonly SweepResult[],
): Promise<{ svg: string; png: string | null; csv: string; runs: number }> {
  const points = phaseDiagramPoints(results);
  const csv = path.join(dir, `${name}.csv`);
  writeFileAtomic(
    csv,
    toCsv(
      ['width', 'lr', 'eta_lambda0', 'lambda_T_over_lambda0', 'seeds', 'diverged', 'catapult'],
      points.map((p) => ({ ...p })),
    ),
  );
  const { svg, png } = await writePlot(dir, name, phaseDiagramPlot(header, label, results));
  return { svg, png, csv, runs: results.length };
}

/**
 * The phase diagram of one (batch, optimizer) combination's results as plot data (rendering is writePlot's).
 *
 * @example
 * const plot = phaseDiagramPlot(header, '', results); // plot.lanes: per width, where most seeds went through a catapult or diverged
 */
export function phaseDiagramPlot(header: SweepHeader, label: string, results: readonly SweepResult[]): LinePlot {
  const points = phaseDiagramPoints(results);
  const widths = [...new Set(points.map((p) => p.width))];
  const series: Series[] = widths.map((w) => {
    const ps = points.filter((p) => p.width === w && p.lambda_T_over_lambda0 !== null);
    return { name: `width ${w}`, x: ps.map((p) => p.eta_lambda0), y: ps.map((p) => p.lambda_T_over_lambda0!), points: true };
  });
  const xs = points.map((p) => p.eta_lambda0);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const curve = Array.from({ length: 101 }, (_, i) => Math.max(xMin, 1) + (i / 100) * (xMax - Math.max(xMin, 1)));
  series.push({ name: 'λ = 2/η (stability edge)', x: curve, y: curve.map((x) => 2 / x), dashed: true, color: '#888' });
  // One strip per width above the data: where its seeds' majority went through a catapult or diverged.
  const regions = phaseRegions(points);
  const lanes = [...widths]
    .sort((a, b) => a - b)
    .map((w) => ({
      label: `width ${w}`,
      bands: regions.filter((r) => r.width === w).map((r) => ({ from: r.from, to: r.to, label: r.phase, color: PHASE_COLORS[r.phase] })),
    }));
  const c = header.config;
  return {
    kind: 'line',
    title: `Phase diagram: ${c.setup.model} model${label ? `, ${label}` : ''}, λ at t·η = ${c.train.time} (${results.length} runs)`,
    xLabel: 'learning rate η·λ0',
    yLabel: 'λ(t = time/η) / λ0',
    series,
    vlines: [
      { at: 2, label: 'η_crit = 2/λ0' },
      { at: 4, label: 'η_max = 4/λ0 (linear models)' },
    ],
    lanes,
    yDomain: [0, Math.max(2, ...points.map((p) => p.lambda_T_over_lambda0 ?? 0)) * 1.05],
  };
}
