// Figs. 4 and 6 over several seeds: per η·λ0 the mean test accuracy, its spread and standard error, and the catapult-vs-lazy verdict.
import { fmt } from '../../../report/report';

/** One finished run of the η grid at one seed (what a checkpoint keeps). Accuracies are null when the run diverged. */
export interface Fig4Run {
  seed: number;
  etaLambda0: number;
  eta: number;
  /** λ0 of this seed's network on its training subset. */
  lambda0: number;
  diverged: boolean;
  steps: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** Test accuracy of the models linearized at step 0 and at `linearizeAt` (fig6 only; null: diverged or not run). */
  lin0: number | null;
  linT: number | null;
}

export type AccuracyKey = 'testAccuracy' | 'lin0' | 'linT';

/** The runs of one η·λ0 over the seeds. */
export interface GridSummary {
  etaLambda0: number;
  seeds: number;
  /** Seeds whose run (network, or the linearized model for lin0/linT) diverged; the mean is over the others. */
  diverged: number;
  /** Seeds that stopped at the physical-time cap before training accuracy 1. */
  unfinished: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  sd: number;
  /** Standard error of the mean: the larger of sd/√S and the binomial √(p(1−p)/(n·S)) (the only one for S = 1). */
  se: number;
  /** Binomial standard error √(p(1−p)/n) of one run's accuracy on n test images, at p = mean. */
  binomialSe: number;
  meanSteps: number;
}

/**
 * Per grid point, the accuracies `key` of the runs over the seeds; a point where every seed diverged has NaN statistics.
 * The standard error takes the larger of the between-seed one and the binomial one, since two or three seeds can agree by chance.
 *
 * @example
 * const rows = summarizeGrid(runs, [1, 2, 4], 'testAccuracy', 1000); // rows[0].mean ± rows[0].se
 */
export function summarizeGrid(runs: readonly Fig4Run[], grid: readonly number[], key: AccuracyKey, testSize: number): GridSummary[] {
  return grid.map((c) => {
    const at = runs.filter((r) => r.etaLambda0 === c);
    const acc = at.map((r) => r[key]).filter((a): a is number => a !== null);
    const S = acc.length;
    const mean = S ? acc.reduce((a, b) => a + b, 0) / S : NaN;
    const sd = S > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1)) : 0;
    const binomialSe = Math.sqrt((mean * (1 - mean)) / testSize);
    return {
      etaLambda0: c,
      seeds: at.length,
      diverged: at.length - S,
      unfinished: at.filter((r) => !r.diverged && r.trainAccuracy !== null && r.trainAccuracy < 1).length,
      mean,
      min: S ? Math.min(...acc) : NaN,
      max: S ? Math.max(...acc) : NaN,
      sd,
      se: S ? Math.max(sd / Math.sqrt(S), binomialSe / Math.sqrt(S)) : NaN,
      binomialSe,
      meanSteps: at.length ? at.reduce((a, r) => a + r.steps, 0) / at.length : NaN,
    };
  });
}

/** A difference counts as resolved beyond this many standard errors (never within one). */
export const RESOLVED_SE = 2;

/** The best mean test accuracy of each phase, their difference in standard errors, and what that allows one to say. */
export interface PhaseVerdict {
  best: GridSummary;
  bestLazy: GridSummary | null;
  bestCatapult: GridSummary | null;
  /** bestCatapult.mean − bestLazy.mean, its standard error √(se_c² + se_l²), and their ratio. */
  difference: number;
  differenceSe: number;
  z: number;
  /** 'catapult' or 'lazy' when resolved beyond RESOLVED_SE standard errors, else 'unresolved'. */
  outcome: 'catapult' | 'lazy' | 'unresolved';
  /** The grid points whose mean is within RESOLVED_SE standard errors of the best (the best among them). */
  tiedWithBest: number[];
}

/**
 * The paper's claim, tested on the points where no seed diverged: is the best test accuracy of the catapult phase
 * (2 < η·λ0 < 12) above the best of the lazy phase (η·λ0 < 2) by more than RESOLVED_SE standard errors?
 *
 * @example
 * const v = phaseVerdict(summarizeGrid(runs, grid, 'testAccuracy', 1000)); // v.outcome: 'unresolved' when within 2 SE
 */
export function phaseVerdict(rows: readonly GridSummary[]): PhaseVerdict {
  const clean = rows.filter((r) => r.diverged === 0 && r.seeds > 0);
  if (clean.length === 0) throw new Error('fig4: every η of the grid diverged at some seed; lower the grid');
  const top = (rs: GridSummary[]) => (rs.length ? rs.reduce((a, b) => (b.mean > a.mean ? b : a)) : null);
  const best = top(clean)!;
  const bestLazy = top(clean.filter((r) => r.etaLambda0 < 2));
  const bestCatapult = top(clean.filter((r) => r.etaLambda0 > 2 && r.etaLambda0 < 12));
  const both = bestLazy && bestCatapult;
  const difference = both ? bestCatapult.mean - bestLazy.mean : NaN;
  const differenceSe = both ? Math.hypot(bestCatapult.se, bestLazy.se) : NaN;
  const z = difference / differenceSe;
  return {
    best,
    bestLazy,
    bestCatapult,
    difference,
    differenceSe,
    z,
    outcome: z > RESOLVED_SE ? 'catapult' : z < -RESOLVED_SE ? 'lazy' : 'unresolved',
    tiedWithBest: clean.filter((r) => best.mean - r.mean <= RESOLVED_SE * Math.hypot(best.se, r.se)).map((r) => r.etaLambda0),
  };
}

/** "0.912 ± 0.004 (S seeds, range a–b)" for a report. */
export function meanText(r: GridSummary): string {
  return (
    `${fmt(r.mean, 4)} ± ${fmt(r.se, 2)}` +
    (r.seeds - r.diverged > 1 ? ` (${r.seeds - r.diverged} seeds, ${fmt(r.min, 4)}–${fmt(r.max, 4)})` : '')
  );
}
