// A figure's directory: the tables, JSON and plots its report step writes, listed in the order they were written.
import * as fs from 'fs';
import * as path from 'path';
import { Row, toCsv, toJson, writeFileAtomic } from '../../io/output';
import { Report } from '../report';
import { Plot, writePlot } from '../plot';

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
