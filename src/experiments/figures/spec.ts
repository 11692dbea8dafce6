// What a figure declares (options, compute, report) and what one run of it returns; reproduce.ts runs them.
import type { Check } from '../report/report';
import type { FigureDir, FigureOutput } from './output';

/** The suites of `catapult reproduce --suite`, with the subject line of their index.md. */
export const SUITE_TITLES = {
  linear: 'the linear-model experiments of Lewkowycz et al. (2020)',
  nonlinear: 'the nonlinear-network experiments of Lewkowycz et al. (2020)',
  followups: 'the follow-up studies (Huang et al., Haas et al., Sadrtdinov et al.)',
  convolutional: 'the convolutional and Wide ResNet experiments of Lewkowycz et al. (2020)',
  eos: 'the edge of stability after the catapult (Cohen et al. 2021; Damian et al. 2023; Cohen, Damian et al. 2025)',
  phases: 'the early-training phase diagram in depth and width (Kalra & Barkeshli 2023)',
  quadratic: 'catapults in the neural quadratic model and in SGD (Zhu, Liu, Radhakrishnan, Belkin 2024)',
} as const;
export type Suite = keyof typeof SUITE_TITLES;

/** Fraction of the work done so far, in [0, 1], and what is running. */
export type Progress = (fraction: number, note?: string) => void;

/** What one run asks of a figure, from the command line or `reproduce`. */
export interface RunSettings {
  seed: number;
  /** Overrides the figure's default width n. */
  width?: number;
  /** Overrides the widths of a figure that sweeps them (`sweepsWidths`). */
  widths?: number[];
  /** Run at the paper's sizes instead of the CI-friendly defaults. */
  full: boolean;
  /** The image data set, for the figures that take one (`takesDataset`). */
  dataset?: string;
}

/** What `compute` may use besides its options: nothing in it touches the file system itself. */
export interface ComputeContext<P> {
  progress: Progress;
  /** Work in progress saved by an earlier, interrupted run into the same directory (see `FigureSpec.checkpoint`). */
  resumed?: P;
  /** Hands work in progress to the runner, which saves it when the figure declares a `checkpoint`. */
  checkpoint(partial: P): void;
}

/** How a long figure keeps work in progress in its directory, so that an interruption loses nothing finished. */
export interface Checkpoint<O, P> {
  /** Reads back what an earlier run saved, when it can be reused with options `o`. */
  load?(o: O, dir: FigureDir): P | undefined;
  save(partial: P, o: O, dir: FigureDir): void;
}

/**
 * One experiment as a value: its options (defaults, paper sizes, what a run overrides), a compute that returns data,
 * and a report that writes that data out. Options O, data D, work in progress P.
 */
export interface FigureSpec<O extends object, D, P = never> {
  id: string;
  title: string;
  suite: Suite;
  /** Rough share of a full `reproduce` run, for its progress bar. */
  weight: number;
  /** The figure sweeps widths: it takes `--widths a,b,c` rather than `--width N`. */
  sweepsWidths?: boolean;
  /** The figure trains on images and takes `--dataset` (its options have a `dataset` field). */
  takesDataset?: boolean;
  /** Why the figure takes no --width at all (its widths are the study itself), when it takes none. */
  noWidth?: string;
  defaults: O;
  /** The paper's sizes, for `--full` (figures without them ignore the flag). */
  full?: Partial<O>;
  /** The options a run sets: its seed and sizes, under the names this figure uses; `o` is defaults (and full) merged. */
  overrides(run: RunSettings, o: O): Partial<O>;
  /** The experiment itself: returns data, writes no files. */
  compute(o: O, ctx: ComputeContext<P>): D | Promise<D>;
  /** The first line of report.md. */
  reportTitle(o: O): string;
  /** Tables, plots, checks and text from the data; the runner adds the footer and writes report.md. */
  report(d: D, o: O, out: FigureOutput, run: RunSettings): void | Promise<void>;
  checkpoint?: Checkpoint<O, P>;
}

/** Any figure, as the table holds it (its members are methods, so every FigureSpec<O, D, P> is one). */
export type Figure = FigureSpec<object, unknown, unknown>;

export interface FigureResult {
  id: string;
  title: string;
  checks: Check[];
  /** Files written, relative to the figure's directory; plots are listed separately. */
  files: string[];
  plots: string[];
  seconds: number;
}

/**
 * The overrides of most figures: the run's seed, and `--width` as the option `key` (n for the linear models, width for the nets).
 * @example
 * const spec = { ...rest, overrides: seedAndWidth('n') }; // --width 500 runs fig2 at n = 500
 */
export function seedAndWidth<K extends string>(key: K): (run: RunSettings) => { seed: number } & Partial<Record<K, number>> {
  type Overrides = { seed: number } & Partial<Record<K, number>>;
  return (run) => ({ seed: run.seed, ...(run.width === undefined ? {} : { [key]: run.width }) }) as Overrides;
}

/**
 * `--widths` as the option `widths`, when the run gives it (the figures that sweep widths).
 * @example
 * const spec = { ...rest, overrides: (run) => ({ seed: run.seed, ...givenWidths(run) }) };
 */
export function givenWidths(run: RunSettings): { widths?: number[] } {
  return run.widths ? { widths: run.widths } : {};
}
