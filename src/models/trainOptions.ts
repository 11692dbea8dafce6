// The training options, declared once: CLI flags, library types, defaults, checks and saved names all derive from here.
import { OptionDecl, Values, choice, int, num, parsed, withDefaults } from '../options/optionKit';
import { parseAugment } from '../data/augment';
import { OPTIMIZER_OPTIONS } from './optimizerOptions';
import { DEFAULT_FLOW_ALPHA } from './flows';

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
  // The library's trackHessian is a boolean (the CLI's words map to it).
  check: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
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
    help: 'heavy-ball momentum (--optimizer gd): b ← γb + ∇L, θ ← θ − ηb',
    atLeast: 0,
    below: 1,
    default: 0,
    onlyWhen: { option: 'optimizer', values: ['gd'] },
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
  ...OPTIMIZER_OPTIONS,
  precision: choice({
    flag: 'precision',
    help: 'float64, or dd: the double-double reference (≈ 32 digits; outputs are the doubles nearest the dd values)',
    defaultText: 'float64',
    values: ['float64', 'dd'] as const,
    // No declared default, so files and configs written before this option (which lack it) stay equal to new float64 ones.
    saved: 'precision',
  }),
} as const;

/**
 * The learning-rate decay and the image augmentations of the paper's CNN/WRN runs, and the flows that replace GD steps
 * (edge-of-stability study): options of `train` (and the library), kept out of TRAIN_OPTIONS so the golden-file and
 * sweep.json formats, which pin that table, stay as they are.
 */
export const SCHEDULE_OPTIONS = {
  flow: choice({
    flag: 'flow',
    help: 'integrate a flow in place of the GD steps, recorded at the same times t·η: gradient (dθ/dτ = −∇L) or central (Cohen, Damian et al. 2025: −(∇L + ½σ²∇S), holding the sharpness S at 2/η; exact ∇S)',
    values: ['gradient', 'central'] as const,
    saved: 'flow',
  }),
  flowAlpha: num({
    flag: 'flow-alpha',
    arg: 'α',
    help: 'RK4 substeps of min(α/S, --flow-max-step) in physical time, S the sharpness (Cohen et al.)',
    defaultText: String(DEFAULT_FLOW_ALPHA),
    above: 0,
    needs: 'flow',
    saved: 'flow_alpha',
  }),
  flowMaxStep: num({
    flag: 'flow-max-step',
    arg: 'h',
    help: 'the largest RK4 substep in physical time',
    defaultText: 'η',
    above: 0,
    needs: 'flow',
    saved: 'flow_max_step',
  }),
  // The schedule of Fig. 5b,d: η for a fixed physical time t·η, then a fixed final rate for a fixed number of steps.
  decayAt: num({
    flag: 'decay-at',
    arg: 'τ',
    help: 'train at η for ⌈τ/η⌉ steps (physical time τ), then at --final-lr for --final-steps steps; replaces --steps',
    above: 0,
    saved: 'decay_at',
  }),
  finalLr: num({ flag: 'final-lr', arg: 'η_f', help: 'the learning rate after the decay', above: 0, needs: 'decay-at', saved: 'final_lr' }),
  finalSteps: int({
    flag: 'final-steps',
    arg: 'S',
    help: 'steps at --final-lr',
    defaultText: '0',
    min: 0,
    needs: 'decay-at',
    saved: 'final_steps',
  }),
  augment: parsed({
    flag: 'augment',
    arg: 'flip,crop:P,mixup:α',
    help: "augment each step's images: random left-right flips, random crops of the image padded by P, mixup with Beta(α, α)",
    parse: parseAugment,
    onlyWhen: { option: 'model', values: ['cnn', 'wrn'] },
    saved: 'augment',
  }),
  augmentSeed: int({
    flag: 'augment-seed',
    arg: 'S',
    help: 'seeds the augmentation: step t draws from RandomState(S + t)',
    defaultText: '0',
    min: 0,
    max: 0xffffffff,
    needs: 'augment',
    saved: 'augment_seed',
  }),
} as const;

/** The declared training settings (what the CLI sets and golden files save). */
export type TrainSettings = Values<typeof TRAIN_OPTIONS>;

/** The decay schedule and augmentation settings (all optional). */
export type ScheduleSettings = Values<typeof SCHEDULE_OPTIONS>;

/**
 * The steps of a run: --steps, or with --decay-at τ the ⌈τ/η⌉ steps at η plus --final-steps; and the learning
 * rate of step t. (τ/η is rounded up after removing a relative 1e-12, so 30/0.1 = 299.99…6 gives 300 steps, not 301.)
 *
 * @example
 * schedule({ lr: 0.1, decayAt: 30, finalLr: 0.01, finalSteps: 100 }).steps; // 400
 */
export function schedule(o: { lr: number; steps?: number } & Pick<ScheduleSettings, 'decayAt' | 'finalLr' | 'finalSteps'>): {
  steps: number;
  lrAt(t: number): number;
  /** Physical time Σ_{s<t} η_s at step t (t·η before the decay). */
  timeAt(t: number): number;
} {
  const lr = o.lr;
  if (o.decayAt === undefined) return { steps: o.steps ?? (TRAIN_OPTIONS.steps.default as number), lrAt: () => lr, timeAt: (t) => t * lr };
  if (o.finalLr === undefined) throw new Error('--decay-at needs --final-lr (the learning rate after the decay)');
  const decay = Math.ceil((o.decayAt / lr) * (1 - 1e-12)),
    finalLr = o.finalLr;
  return {
    steps: decay + (o.finalSteps ?? 0),
    lrAt: (t) => (t < decay ? lr : finalLr),
    timeAt: (t) => (t <= decay ? t * lr : decay * lr + (t - decay) * finalLr),
  };
}

/** The settings a run uses: the given ones, the declared defaults for the rest. */
export function trainSettings(o: Partial<TrainSettings>): TrainSettings {
  return withDefaults(TRAIN_OPTIONS, o);
}
