// What a mode of the Phase-diagram view runs, one step per slice of the page: shared by the eta and depth modes.
import type { Plot } from '../experiments/report/plotSpec';

/** What a mode runs: its steps one by one, how far a step is, and what the page shows of the steps so far. */
export interface GridJob<P> {
  /** The progress bar's end, in the units of `progress`. */
  total: number;
  /** What `total` counts (runs, grid points). */
  unit: string;
  /** The status line before compute. */
  intro: string;
  runs: Iterator<P>;
  /** The progress after `step`, the `count`-th, and its text. */
  progress(step: P, count: number): { value: number; text: string };
  plot(steps: readonly P[]): Plot;
  /** The #result JSON and the verdict once the runs ended (complete: none was left out). */
  finish(steps: readonly P[], complete: boolean): { json: string; verdict: string };
}
