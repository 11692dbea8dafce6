// The phase a run reached, judged from its trajectory alone (not from η·λ0).

export type Phase = 'lazy' | 'catapult' | 'divergent' | 'unconverged';

/** What a trajectory says about its phase. */
export interface PhaseEvidence {
  diverged: boolean;
  /** First step with loss ≤ F·L0, or null. */
  convergedAt: number | null;
  peakLoss: number;
  loss0: number;
}

/**
 * Divergent if it blew up; unconverged if it never reached F·L0; catapult if the loss ever rose above L0; lazy otherwise.
 *
 * @example
 * classifyPhase({ diverged: false, convergedAt: 40, peakLoss: 3.2, loss0: 0.5 }); // 'catapult'
 */
export function classifyPhase(e: PhaseEvidence): Phase {
  if (e.diverged) return 'divergent';
  if (e.convergedAt === null) return 'unconverged';
  return e.peakLoss > e.loss0 ? 'catapult' : 'lazy';
}
