// What every figure shares: its context and result, model setups, a GD call with defaults, and file writers.
import * as path from 'path';
import {
  Activation, Dataset, Model, Parameterization, TrainOptions, TrainResult, firstRows, gaussianData, initParams, lambdaAt, loadClassification, makeModel, train, warmupData,
} from '../../models';
import type { Tensor } from '../../linalg/tensor';
import { Row, toCsv, toJson, writeFileAtomic } from '../../io/output';
import { Check, Report } from '../report';
import { Plot, writePlot } from '../plot';

export interface FigureContext {
  /** Directory for this figure's data, plots and report.md. */
  out: string;
  seed: number;
  /** Overrides the figure's default width n. */
  width?: number;
  /** Overrides the widths of a figure that sweeps them (`sweepsWidths`). */
  widths?: number[];
  /** Run at the paper's sizes instead of the CI-friendly defaults (nonlinear suite). */
  full?: boolean;
  /** Fraction of the figure's work done so far, in [0, 1]. */
  progress: (fraction: number, note?: string) => void;
}

export interface FigureResult {
  id: string;
  title: string;
  checks: Check[];
  /** Files written, relative to `out`; plots are listed separately. */
  files: string[];
  plots: string[];
  seconds: number;
}

export interface Figure {
  id: string;
  title: string;
  /** Rough share of a full `reproduce` run, for its progress bar. */
  weight: number;
  /** The figure sweeps widths: it takes `--widths a,b,c` rather than `--width N`. */
  sweepsWidths?: boolean;
  run(ctx: FigureContext): Promise<FigureResult>;
}

/** A model with its data and seeded initial parameters, and λ0 from Lanczos. */
export interface Instance {
  model: Model;
  data: Dataset;
  init: Tensor[];
  lambda0: number;
  /** Where λ is measured, when not on all of `data` (a fixed subset for large training sets). */
  lambdaData?: Dataset;
}

function instance(model: Model, data: Dataset, seed: number, lambdaData?: Dataset): Instance {
  const init = initParams(model, seed);
  return { model, data, init, lambda0: lambdaAt(model, init, lambdaData ?? data), lambdaData };
}

/** A fully connected net (NTK parameterization unless `param` says otherwise) on `data`; λ on `lambdaData` if given. */
export function mlpInstance(
  c: { width: number; depth: number; act: Activation; sigmaW?: number; sigmaB?: number; param?: Parameterization },
  data: Dataset, seed: number, lambdaData?: Dataset,
): Instance {
  const model = makeModel({
    kind: 'mlp', width: c.width, depth: c.depth, act: c.act, param: c.param ?? 'ntk', sigmaW: c.sigmaW ?? Math.SQRT2, sigmaB: c.sigmaB ?? 0,
    outputs: data.Y.shape[1], inputDim: data.X.shape[1],
  });
  return instance(model, data, seed, lambdaData);
}

/** The warmup model of §2.1 (f = n^-1/2 vᵀu on x = 1, y = 0) at width n. */
export function warmupInstance(n: number, seed: number): Instance {
  const model = makeModel({ kind: 'warmup', width: n, depth: 1, act: 'identity', param: 'ntk', sigmaW: 1, sigmaB: 0, outputs: 1, inputDim: 1 });
  return instance(model, warmupData(), seed);
}

/** The linear model of §2.2 on m Gaussian samples in d dimensions with Gaussian labels. */
export function linearInstance(n: number, m: number, d: number, seed: number, dataSeed: number): Instance {
  const model = makeModel({ kind: 'linear', width: n, depth: 1, act: 'identity', param: 'ntk', sigmaW: 1, sigmaB: 0, outputs: 1, inputDim: d });
  return instance(model, gaussianData(m, d, 1, dataSeed), seed);
}

/**
 * A balanced fashion-mnist training subset and its first `lambdaSamples` rows, where λ is measured (the subset is
 * class-interleaved, so those rows are balanced too).
 */
export function fashionSubsets(o: { trainSize: number; lambdaSamples: number; seed: number }): { train: Dataset; lambdaData: Dataset; source: string } {
  const c = loadClassification('fashion-mnist', { trainSize: o.trainSize, testSize: 0, seed: o.seed });
  return { train: c.train, lambdaData: firstRows(c.train, o.lambdaSamples), source: c.source };
}

/** Full-batch GD from the instance's initialization; η is absolute. */
export function gd(inst: Instance, eta: number, o: Partial<TrainOptions> & { steps: number }): TrainResult {
  return train(inst.model, inst.init, inst.data, {
    lr: eta, momentum: 0, l2: 0, eigEvery: 1, maxLoss: 1e12, convergeFraction: 1e-8, lambdaData: inst.lambdaData, ...o,
  });
}

/** Writes NAME.csv and NAME.json (same rows) into `dir`; returns the file names. */
export function writeTable(dir: string, name: string, columns: readonly string[], rows: readonly Row[], meta: object = {}): string[] {
  writeFileAtomic(path.join(dir, `${name}.csv`), toCsv(columns, rows));
  writeFileAtomic(path.join(dir, `${name}.json`), toJson({ ...meta, columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) }));
  return [`${name}.csv`, `${name}.json`];
}

/** A run's per-step series, as fig2 and full keep them. */
export interface RunSeries { etaLambda0: number; eta: number; t: number[]; loss: number[]; lambda: number[] }

/** trajectories.csv/json: one row per (run, step), λ blank where not measured. */
export function writeTrajectories(dir: string, runs: readonly RunSeries[], meta: object): string[] {
  const rows = runs.flatMap((r) => r.t.map((t, i) => ({
    eta_lambda0: r.etaLambda0, eta: r.eta, t, t_eta: t * r.eta, loss: r.loss[i], lambda: Number.isFinite(r.lambda[i]) ? r.lambda[i] : null,
  })));
  return writeTable(dir, 'trajectories', ['eta_lambda0', 'eta', 't', 't_eta', 'loss', 'lambda'], rows, meta);
}

/** Renders a plot into `dir` and links it from the report; returns the file names written. */
export async function addPlot(report: Report, dir: string, name: string, plot: Plot, caption: string): Promise<string[]> {
  const w = await writePlot(dir, name, plot);
  const svg = path.basename(w.svg), png = w.png ? path.basename(w.png) : null;
  report.plot(svg, caption, png);
  return png ? [svg, png] : [svg];
}

/** Writes report.md and assembles the figure's result. */
export function finishFigure(ctx: FigureContext, fig: { id: string; title: string }, report: Report, files: string[], plots: string[], started: number): FigureResult {
  const seconds = (Date.now() - started) / 1000;
  report.text(`---\nGenerated by \`catapult figure ${fig.id}\` (seed ${ctx.seed}) in ${seconds.toFixed(1)} s. `
    + (plots.some((p) => p.endsWith('.png')) ? 'PNG copies of the plots were rendered with rsvg-convert.'
      : 'No SVG-to-PNG converter (rsvg-convert) was found on this machine, so the plots are SVG only.'));
  writeFileAtomic(path.join(ctx.out, 'report.md'), report.toMarkdown());
  ctx.progress(1);
  return { id: fig.id, title: fig.title, checks: report.checks, files: [...files, 'report.md'], plots, seconds };
}

/** η·λ0 formatted for labels. */
export function etaLabel(etaLambda: number): string {
  return `η·λ0 = ${Number(etaLambda.toFixed(3))}`;
}
