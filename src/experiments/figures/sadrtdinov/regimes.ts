// Sadrtdinov et al.'s regimes (convergence, chaotic equilibrium, divergence) and the rule that reads a run's regime off its loss and accuracy.
export type Regime = 'convergence' | 'chaotic' | 'divergence';

/** Mean minibatch loss below this fraction of ln k: the run converged. */
export const CONVERGED_FRACTION = 0.05;
/** Mean minibatch loss above this fraction of ln k, or training accuracy below twice chance: the run learned nothing. */
export const NO_LEARNING_FRACTION = 0.9;

/** The regime from the mean minibatch loss over the last epochs and the final training accuracy (k classes). */
export function regimeOf(windowLoss: number, trainAccuracy: number, classes: number): Regime {
  const chance = Math.log(classes);
  if (!Number.isFinite(windowLoss) || windowLoss > NO_LEARNING_FRACTION * chance || trainAccuracy < 2 / classes) return 'divergence';
  return windowLoss < CONVERGED_FRACTION * chance ? 'convergence' : 'chaotic';
}
