// `catapult reproduce`: runs every linear-model experiment into DIR/<id>/ and keeps DIR/index.md current after each one.
import * as path from 'path';
import { Figure, FigureResult, SUITES, Suite, figureById } from './figures';
import { ensureDir, toJson, writeFileAtomic } from '../io/output';
import { VERSION } from './version';

export interface ReproduceOptions {
  out: string;
  seed: number;
  /** Which suite (default: linear). */
  suite?: Suite;
  /** Experiment ids to run (default: the whole suite, in order). */
  ids?: string[];
  /** Paper sizes instead of the CI-friendly defaults. */
  full?: boolean;
  /** Overall progress in [0, 1] and what is running. */
  onProgress?: (fraction: number, note: string) => void;
}

/** Runs one experiment into `out` (created if needed). `widths` is for the figures that sweep widths (`sweepsWidths`). */
export async function runFigure(
  fig: Figure, out: string, seed: number, width?: number, onProgress: (f: number, note: string) => void = () => {}, full = false, widths?: number[],
): Promise<FigureResult> {
  if (width !== undefined && !(Number.isInteger(width) && width >= 1)) throw new Error(`width must be a positive integer, got ${width}`);
  if (fig.sweepsWidths && width !== undefined) throw new Error(`${fig.id} sweeps widths; give them with --widths a,b,c instead of --width`);
  if (!fig.sweepsWidths && widths !== undefined) throw new Error(`${fig.id} runs at one width; --widths applies to the width-sweeping figures only (use --width)`);
  if (widths !== undefined && widths.length < 2) throw new Error(`--widths needs at least two widths to fit an exponent, got ${widths.join(',')}`);
  ensureDir(out);
  return fig.run({ out, seed, width, widths, full, progress: (f, note) => onProgress(f, note ?? '') });
}

const SUITE_TITLES: Record<Suite, string> = {
  linear: 'the linear-model experiments of Lewkowycz et al. (2020)',
  nonlinear: 'the nonlinear-network experiments of Lewkowycz et al. (2020)',
  followups: 'the follow-up studies (Huang et al., Haas et al., Sadrtdinov et al.)',
};

/** index.md: one line per experiment with its verdict counts, then links to each report and plot. */
export function indexMarkdown(results: readonly FigureResult[], pending: readonly string[], seed: number, suite: Suite = 'linear'): string {
  const lines = [
    `# catapult: ${SUITE_TITLES[suite]}`, '',
    `Engine ${VERSION}, seed ${seed}. Each report puts the paper's predictions beside the measured values.`, '',
    '| experiment | agrees | departs | time | report |', '|---|---|---|---|---|',
    ...results.map((r) => {
      const ok = r.checks.filter((c) => c.pass).length;
      return `| ${r.title} | ${ok} | ${r.checks.length - ok} | ${r.seconds.toFixed(1)} s | [${r.id}/report.md](${r.id}/report.md) |`;
    }),
    ...pending.map((id) => `| ${id} | | | not run yet | |`),
  ];
  for (const r of results) {
    const departs = r.checks.filter((c) => !c.pass);
    lines.push('', `## ${r.title}`, '', `[report](${r.id}/report.md) · data: ${r.files.filter((f) => f.endsWith('.csv')).map((f) => `[${f}](${r.id}/${f})`).join(', ')}`);
    if (departs.length) lines.push('', 'Departs from the paper:', ...departs.map((c) => `- ${c.quantity}: paper ${c.paper}; measured ${c.measured}`));
    const svgs = r.plots.filter((p) => p.endsWith('.svg'));
    if (svgs.length) lines.push('', ...svgs.map((p) => `![${p}](${r.id}/${p})`));
  }
  return lines.join('\n') + '\n';
}

/** Runs the experiments in order; index.md and results.json are rewritten after each one, so an interruption loses nothing finished. */
export async function reproduce(o: ReproduceOptions): Promise<FigureResult[]> {
  const suite = o.suite ?? 'linear';
  const figs = (o.ids ?? SUITES[suite].map((f) => f.id)).map(figureById);
  ensureDir(o.out);
  const total = figs.reduce((a, f) => a + f.weight, 0);
  const results: FigureResult[] = [];
  let before = 0;
  for (const fig of figs) {
    const r = await runFigure(fig, path.join(o.out, fig.id), o.seed, undefined, (f, note) => o.onProgress?.((before + f * fig.weight) / total, `${fig.id}: ${note}`), o.full);
    results.push(r);
    before += fig.weight;
    const pending = figs.slice(results.length).map((f) => f.id);
    writeFileAtomic(path.join(o.out, 'index.md'), indexMarkdown(results, pending, o.seed, suite));
    writeFileAtomic(path.join(o.out, 'results.json'), toJson({ engine: VERSION, seed: o.seed, suite, full: o.full === true, results }));
  }
  o.onProgress?.(1, 'done');
  return results;
}
