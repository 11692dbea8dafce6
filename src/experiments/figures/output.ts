// A figure's directory: the tables, JSON and plots its report step writes, listed in the order they were written.
import * as fs from 'fs';
import * as path from 'path';
import { Row, toCsv, toJson, writeFileAtomic } from '../../io/output';
import { Report } from '../report/report';
import { Plot, Series, writePlot } from '../report/plot';
import { RunSeries, etaLabel } from './common';

/** Writes files into one directory and lists them (the list becomes the figure's `files`). */
export class FigureDir {
  /** File names written so far, relative to `dir`. */
  readonly written: string[] = [];

  constructor(readonly dir: string) {}

  /**
   * Writes NAME.csv and NAME.json (the same rows; `meta` goes into the JSON only).
   * @example
   * out.table('runs', ['eta', 'loss'], [{ eta: 0.1, loss: 0.5 }], { seed: 0 });
   */
  table(name: string, columns: readonly string[], rows: readonly Row[], meta: object = {}): void {
    writeFileAtomic(path.join(this.dir, `${name}.csv`), toCsv(columns, rows));
    const cells = rows.map((r) => columns.map((c) => r[c] ?? null));
    writeFileAtomic(path.join(this.dir, `${name}.json`), toJson({ ...meta, columns, rows: cells }));
    this.written.push(`${name}.csv`, `${name}.json`);
  }

  /**
   * Writes FILE (a name with its extension) as JSON.
   * @example
   * out.json('trials.json', trials);
   */
  json(file: string, value: unknown): void {
    writeFileAtomic(path.join(this.dir, file), toJson(value));
    this.written.push(file);
  }

  /**
   * The parsed JSON of FILE, or undefined when it is missing or not JSON (a torn write, a foreign file).
   * @example
   * const saved = dir.readJson('eta_max.partial.json');
   */
  readJson(file: string): unknown {
    const p = path.join(this.dir, file);
    if (!fs.existsSync(p)) return undefined;
    try {
      return JSON.parse(fs.readFileSync(p, 'utf8'));
    } catch {
      return undefined;
    }
  }
}

/** What a figure's report step writes into: its directory, its report.md in the making, and the plots. */
export class FigureOutput extends FigureDir {
  readonly plots: string[] = [];

  constructor(
    dir: string,
    readonly report: Report,
  ) {
    super(dir);
  }

  /**
   * Renders NAME.svg (and NAME.png when rsvg-convert exists) and links it from the report with its caption.
   * @example
   * await out.plot('loss', { kind: 'line', title: 'loss', xLabel: 't', yLabel: 'loss', series }, 'Loss against t.');
   */
  async plot(name: string, plot: Plot, caption: string): Promise<void> {
    const w = await writePlot(this.dir, name, plot);
    const svg = path.basename(w.svg),
      png = w.png ? path.basename(w.png) : null;
    this.report.plot(svg, caption, png);
    this.plots.push(...(png ? [svg, png] : [svg]));
  }
}

/** The early-dynamics table of fig3 and fig3wrn: loss and λ (blank where not measured) per step of each run. */
export function writeEarlyTable(
  out: FigureOutput,
  early: readonly { etaLambda0: number; eta: number; loss: number[]; lambda: number[] }[],
  meta: object,
): void {
  out.table(
    'early',
    ['eta_lambda0', 'eta', 't', 'loss', 'lambda'],
    early.flatMap((r) =>
      r.loss.map((l, t) => ({
        eta_lambda0: r.etaLambda0,
        eta: r.eta,
        t,
        loss: l,
        lambda: Number.isFinite(r.lambda[t]) ? r.lambda[t] : null,
      })),
    ),
    meta,
  );
}

/** One of the early-dynamics plots: its file id, panel letter and caption. */
export interface EarlyPanel {
  id: string;
  letter: string;
  caption: string;
}

/** The early-dynamics plots of fig3 and fig3wrn: the minibatch loss (log axis) and λ_t per step of each run. */
export async function plotEarly(
  out: FigureOutput,
  early: readonly { etaLambda0: number; diverged: boolean; loss: number[]; lambda: number[] }[],
  loss: EarlyPanel,
  lambda: EarlyPanel,
): Promise<void> {
  const series = (key: 'loss' | 'lambda'): Series[] =>
    early.map((r) => ({
      name: `${etaLabel(r.etaLambda0)}${r.diverged ? ' (diverged)' : ''}`,
      x: r.loss.map((_, t) => t),
      y: r[key],
      points: key === 'lambda',
    }));
  const title = (p: EarlyPanel, what: string) => `(${p.letter}) ${what}`;
  await out.plot(
    loss.id,
    {
      kind: 'line',
      title: title(loss, 'early training loss (batch)'),
      xLabel: 'step t',
      yLabel: 'loss',
      yLog: true,
      series: series('loss'),
    },
    loss.caption,
  );
  await out.plot(
    lambda.id,
    { kind: 'line', title: title(lambda, 'early top NTK eigenvalue'), xLabel: 'step t', yLabel: 'λ_t', series: series('lambda') },
    lambda.caption,
  );
}

/** trajectories.csv/json: one row per (run, step), λ blank where not measured. */
export function writeTrajectories(out: FigureDir, runs: readonly RunSeries[], meta: object): void {
  const rows = runs.flatMap((r) =>
    r.t.map((t, i) => ({
      eta_lambda0: r.etaLambda0,
      eta: r.eta,
      t,
      t_eta: t * r.eta,
      loss: r.loss[i],
      lambda: Number.isFinite(r.lambda[i]) ? r.lambda[i] : null,
    })),
  );
  out.table('trajectories', ['eta_lambda0', 'eta', 't', 't_eta', 'loss', 'lambda'], rows, meta);
}
