// The training options, declared once: CLI flags, library types, defaults, checks and saved names all derive from here.
import { OptionDecl, Values, choice, int, num, withDefaults } from './optionKit';

/** A loss above this (or a non-finite one) ends a run as diverged, unless a run says otherwise. */
export const DIVERGENCE_LOSS = 1e12;
/** The threshold as reports and help write it: `1e12`. */
export const DIVERGENCE_LOSS_TEXT = DIVERGENCE_LOSS.toExponential().replace('e+', 'e');

/** `--track ntk|hessian`: the loss Hessian's top eigenvalue beside λ (the NTK's) wherever λ is measured. */
const track: OptionDecl<boolean> = {
  flag: 'track',
  arg: 'ntk|hessian',
  default: false,
  help: "hessian: also the loss Hessian's top eigenvalue (Lanczos on exact HVPs) wherever λ is measured",
  parse: (t) => {
    if (t !== 'ntk' && t !== 'hessian') throw new Error(`--track must be one of ntk|hessian, got '${t}'`);
    return t === 'hessian';
  },
};

/**
 * Every option of the optimizer loop. Adding one is a declaration here plus its use in `train`; the CLI of
 * train/oracle/phase-sweep/sweep, golden files (by `saved`) and sweep.json pick it up from this table.
 */
export const TRAIN_OPTIONS = {
  steps: int({ flag: 'steps', arg: 'T', help: 'GD steps (records t = 0 … T)', min: 0, default: 1000, saved: 'steps' }),
  momentum: num({
    flag: 'momentum',
    arg: 'γ',
    help: 'heavy-ball momentum: b ← γb + ∇L, θ ← θ − ηb',
    atLeast: 0,
    below: 1,
    default: 0,
    saved: 'momentum',
  }),
  l2: num({ flag: 'l2', arg: 'c', help: 'L2 coefficient: the loss gains (c/2)‖θ‖²', atLeast: 0, default: 0, saved: 'l2' }),
  eigEvery: int({
    flag: 'eig-every',
    arg: 'K',
    help: 'measure λ_t every K steps (0 = only at the ends)',
    min: 0,
    default: 1,
    saved: 'eig_every',
  }),
  maxLoss: num({
    flag: 'max-loss',
    arg: 'B',
    help: 'diverged once the loss exceeds B or is not finite',
    defaultText: DIVERGENCE_LOSS_TEXT,
    above: 0,
    default: DIVERGENCE_LOSS,
    saved: 'max_loss',
  }),
  convergeFraction: num({
    flag: 'converge',
    arg: 'F',
    help: 'converged at loss ≤ F·L0',
    above: 0,
    below: 1,
    default: 1e-8,
    saved: 'converge',
  }),
  trackHessian: track,
  precision: choice({
    flag: 'precision',
    help: 'float64 (default), or dd: the double-double reference (≈ 32 digits; outputs are the doubles nearest the dd values)',
    values: ['float64', 'dd'] as const,
    // No declared default, so files and configs written before this option (which lack it) stay equal to new float64 ones.
    saved: 'precision',
  }),
} as const;

/** The declared training settings (what the CLI sets and golden files save). */
export type TrainSettings = Values<typeof TRAIN_OPTIONS>;

/** The settings a run uses: the given ones, the declared defaults for the rest. */
export function trainSettings(o: Partial<TrainSettings>): TrainSettings {
  return withDefaults(TRAIN_OPTIONS, o);
}
