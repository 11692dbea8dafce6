// The phase diagram of a sweep: λ at fixed physical time t·η against η (both in units of λ0), with the phase boundaries.
import * as path from 'path';
import { median } from '../report/stats';
import { Band, LinePlot, Series, writePlot } from '../report/plot';
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
 * Dashed lines: η·λ0 = 2 and 4 (the paper's η_crit and η_max for the linear models) and λ = 2/η; shaded: the
 * learning rates where some run diverged, and where some run went through a catapult. The first diagram's files
 * are also `svg`, `png` and `csv`.
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
 * const plot = phaseDiagramPlot(header, '', results); // plot.bands: where runs went through a catapult, where they diverged
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
  const bands: Band[] = [];
  const firstDiverged = Math.min(...points.filter((p) => p.diverged > 0).map((p) => p.eta_lambda0));
  const catapults = points.filter((p) => p.catapult > 0).map((p) => p.eta_lambda0);
  if (catapults.length > 0)
    bands.push({
      from: Math.min(...catapults),
      to: Math.min(Math.max(...catapults), firstDiverged),
      label: 'catapult observed',
      color: '#4c78a8',
    });
  if (Number.isFinite(firstDiverged)) bands.push({ from: firstDiverged, to: xMax, label: 'diverged', color: '#e45756' });
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
    bands,
    yDomain: [0, Math.max(2, ...points.map((p) => p.lambda_T_over_lambda0 ?? 0)) * 1.05],
  };
}
