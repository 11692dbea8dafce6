// Sadrtdinov et al.'s report: the regime summary and the checks (ordered regimes, best η after fine-tuning and SWA), the description and the runs table; writes the tables and plots.
import { Report, fmt } from '../../report/report';
import type { FigureOutput } from '../output';
import type { RunSettings } from '../spec';
import type { SadrtdinovOptions } from './options';
import { CONVERGED_FRACTION, NO_LEARNING_FRACTION, Regime } from './regimes';
import { plotsOf } from './plots';
import type { SadrtdinovData, SadrtdinovRun } from './runs';
import { writeTables } from './tables';

/** Where the regimes change along the grid: the last η of each regime before the next one starts (null if absent). */
export interface RegimeSummary {
  /** The largest η that converged, and the smallest that did not. */
  convergenceEdge: [number, number] | null;
  /** The largest η that learned, and the smallest that learned nothing. */
  learningEdge: [number, number] | null;
  /** The grid's regimes are ordered: convergence, then chaotic, then divergence, with no interleaving. */
  ordered: boolean;
}

const ORDER: Record<Regime, number> = { convergence: 0, chaotic: 1, divergence: 2 };

export function summarizeRegimes(runs: readonly SadrtdinovRun[]): RegimeSummary {
  const edge = (below: (r: SadrtdinovRun) => boolean): [number, number] | null => {
    const i = runs.findIndex((r) => !below(r));
    return i > 0 ? [runs[i - 1].eta, runs[i].eta] : null;
  };
  return {
    convergenceEdge: edge((r) => r.regime === 'convergence'),
    learningEdge: edge((r) => r.regime !== 'divergence'),
    ordered: runs.every((r, i) => i === 0 || ORDER[r.regime] >= ORDER[runs[i - 1].regime]),
  };
}

const best = (runs: readonly SadrtdinovRun[], pick: (r: SadrtdinovRun) => number) => runs.reduce((a, b) => (pick(b) > pick(a) ? b : a));

/**
 * The paper's claim for one way of ending training (fine-tuning or SWA): its best run is chaotic, just above the convergence
 * edge, and beats the converged runs by more than one binomial standard error of a test accuracy (else the ranking is noise).
 */
function checkBest(
  report: Report,
  runs: readonly SadrtdinovRun[],
  what: string,
  pick: (r: SadrtdinovRun) => number,
  testSize: number,
): void {
  const top = best(runs, pick);
  const converged = runs.filter((r) => r.regime === 'convergence'),
    chaotic = runs.filter((r) => r.regime === 'chaotic');
  const bestConverged = converged.length ? Math.max(...converged.map(pick)) : NaN;
  const bestChaotic = chaotic.length ? Math.max(...chaotic.map(pick)) : NaN;
  const stdError = Math.sqrt((pick(top) * (1 - pick(top))) / testSize);
  // "Just above the threshold": in the lower half (in log η) of the chaotic range.
  const lowerHalf = chaotic.length > 0 && Math.log(top.eta) <= (Math.log(chaotic[0].eta) + Math.log(chaotic[chaotic.length - 1].eta)) / 2;
  report.check({
    quantity: `initial η of the best test accuracy after ${what}`,
    paper: 'a narrow range just above the convergence threshold (chaotic equilibrium, lower half of it in log η)',
    measured: `η = ${fmt(top.eta)} (${top.regime}), test accuracy ${fmt(pick(top))}; chaotic range ${chaotic.length ? `${fmt(chaotic[0].eta)}–${fmt(chaotic[chaotic.length - 1].eta)}` : 'empty'}`,
    pass: top.regime === 'chaotic' && lowerHalf,
  });
  report.check({
    quantity: `best test accuracy after ${what}: chaotic-equilibrium runs vs converged runs (must differ by more than one standard error √(p(1−p)/${testSize}))`,
    paper: 'higher from the chaotic range than from any small (converging) η',
    measured: `${fmt(bestChaotic)} vs ${fmt(bestConverged)}: difference ${fmt(bestChaotic - bestConverged)}, standard error ${fmt(stdError)}`,
    pass: chaotic.length > 0 && converged.length > 0 && bestChaotic - bestConverged > stdError,
  });
}

function setupText(o: SadrtdinovOptions, d: SadrtdinovData, full: boolean): string {
  return (
    `${o.depth} hidden ReLU layer(s) of width ${o.width}, each pre-activation layer-normalized (no gain, no bias, eps 0) and no biases anywhere, so the loss is ` +
    `invariant to scaling any hidden weight matrix (measured: |ΔL|/L ≤ ${fmt(d.scaleInvariance, 2)} for α from 1e-3 to 1e3). The last layer (std ${fmt(o.lastLayerSigma)}/√${o.width}) is fixed at ` +
    `initialization. The trainable weights W_0…W_${o.depth - 1} start from the standard initialization rescaled jointly to total norm ${o.radius}, and after every SGD step they are ` +
    `projected back onto that sphere, so η is the effective learning rate. Softmax cross-entropy, minibatch SGD (batch ${o.batchSize}, no momentum, no weight decay) on a balanced ` +
    `${o.trainSize}-image subset of ${d.source} (${d.inputDim} inputs${o.pool > 1 ? `, after ${o.pool}×${o.pool} average pooling rescaled to unit std` : ''}); ` +
    `test accuracy on ${o.testSize} balanced test images. Initial phase: ${o.epochs} epochs at each of ${o.grid.length} η from ${fmt(o.grid[0])} to ${fmt(o.grid[o.grid.length - 1])} ` +
    `(log grid). Fine-tuning: ${o.fineTuneEpochs} epochs at η = ${fmt(o.fineTuneLr)} from the end of the initial phase. SWA: the mean of the weights after every step ` +
    `of the last ${o.swaEpochs} epochs, projected back onto the sphere (this does not change the function, which depends on each W_l's direction only). ` +
    `Regime rule, with L̄ the mean minibatch loss over those last ${o.swaEpochs} epochs: L̄ < ${CONVERGED_FRACTION}·ln 10 → convergence; ` +
    `L̄ > ${NO_LEARNING_FRACTION}·ln 10 or final training accuracy < 0.2 (twice chance) → divergence (no learning: on the sphere the weights cannot blow up); else chaotic equilibrium. ` +
    (full
      ? 'Larger sizes (`--full`).'
      : 'CI-friendly sizes; `--full` runs 32 η, width 256, 5000 full-resolution images and longer training.')
  );
}

/** What the checks do not say: the no-learning loss level, and that the convergence edge moves with the epoch budget. */
function caveats(runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): string {
  const dead = runs.filter((r) => r.regime === 'divergence').map((r) => r.windowLoss);
  const firstChaotic = runs.find((r) => r.regime === 'chaotic');
  return (
    (dead.length
      ? `Runs that learned nothing sit at L̄ = ${fmt(Math.min(...dead))}–${fmt(Math.max(...dead))}, above ln 10 = ${fmt(Math.log(10))}: the fixed ` +
        'random last layer gives O(1) logits, so chance-level predictions cost more than ln 10. '
      : '') +
    `The convergence edge is read after ${o.epochs} epochs: smaller η converge more slowly, and the lowest chaotic η` +
    (firstChaotic
      ? ` (${fmt(firstChaotic.eta)}, L̄ = ${fmt(firstChaotic.windowLoss)}, last epoch ${fmt(firstChaotic.epochLoss[firstChaotic.epochLoss.length - 1])})`
      : '') +
    ' may still be falling with spikes rather than at a stationary level, so the edge is uncertain by about one grid step. ' +
    'One seed; the accuracy differences near the top are of the order of the binomial standard error of the test set.'
  );
}

export async function reportSadrtdinov(d: SadrtdinovData, o: SadrtdinovOptions, out: FigureOutput, run: RunSettings): Promise<void> {
  writeTables(out, d.runs, o);
  const { report } = out;
  const s = summarizeRegimes(d.runs);
  report.check({
    quantity: 'regimes along the η grid',
    paper: 'convergence, then chaotic equilibrium, then divergence as η grows',
    measured:
      `convergence up to η = ${s.convergenceEdge ? fmt(s.convergenceEdge[0]) : '—'}, learning up to η = ${s.learningEdge ? fmt(s.learningEdge[0]) : '—'}` +
      `${s.ordered ? '' : ' (the regimes interleave on the grid)'}`,
    pass: s.ordered && new Set(d.runs.map((r) => r.regime)).size === 3,
  });
  checkBest(report, d.runs, 'fine-tuning', (r) => r.fineTuned.test.accuracy, o.testSize);
  checkBest(report, d.runs, 'SWA', (r) => r.swa.test.accuracy, o.testSize);
  report.text(setupText(o, d, run.full));
  report.text(caveats(d.runs, o));
  await plotsOf(out, d.runs, o);
  report.heading('Runs').table(
    ['η', 'regime', 'L̄ (last epochs)', 'train acc.', 'test acc.', 'fine-tuned test acc.', 'SWA test acc.'],
    d.runs.map((r) => [r.eta, r.regime, r.windowLoss, r.train.accuracy, r.test.accuracy, r.fineTuned.test.accuracy, r.swa.test.accuracy]),
  );
}
