// The explorer's views and their URL parameters, declared once: the page's inputs, its URL and its errors derive from here.
import { OptionDecl, Values, choice, decimal, int, num, oneOf, parsed } from '../options';
import { ACTIVATIONS, MODEL_KINDS, ModelKind, PARAMETERIZATIONS, SCHEDULE_OPTIONS, TRAIN_OPTIONS } from '../models';
import { SETUP_OPTIONS } from '../experiments/run/setupOptions';
import { LrSpec, formatLr, parseLr } from '../experiments/run/lr';
import { DEFAULT_CRITICAL_GRID, parseCriticalGrid } from '../experiments/sweep/criticalGrid';

/** How a parameter is edited on the page: a slider (with its number box) over a range, or a list of words. */
export interface Control {
  label: string;
  slider?: { min: number; max: number; step: number };
  /** Marks on the slider (e.g. η·λ0 = 2 and 4), labelled. */
  marks?: readonly { at: number; label: string }[];
  choices?: readonly string[];
}

/** One URL parameter: its declaration (parse, check, default, one-line errors) and its control. */
export interface Param<T> {
  decl: OptionDecl<T>;
  control: Control;
}

const param = <T>(decl: OptionDecl<T>, control: Control): Param<T> => ({ decl, control });

/** η as the page's slider sets it: η·λ0 = c, written `lr=(c/2)x` as the CLI's --lr takes it. */
export function lrFromEtaLambda0(c: number): string {
  return `${Number((c / 2).toPrecision(12))}x`;
}

/** The η·λ0 a relative --lr means (absolute ones have no η·λ0 before λ0 is measured: null). */
export function etaLambda0Of(lr: LrSpec): number | null {
  return lr.unit === 'crit' ? 2 * lr.value : null;
}

const PHASE_MARKS = [
  { at: 2, label: 'η_crit' },
  { at: 4, label: 'η_max' },
];

/** Browser runs stay small: every size parameter has an upper bound here that the CLI does not need. */
const MAX_WIDTH = 20000;
const MAX_DEPTH = 8;

/** The models a page can run from width alone (cnn and wrn need an architecture and image data; quadratic a --base). */
const PAGE_MODELS = MODEL_KINDS.filter((k) => k !== 'cnn' && k !== 'wrn' && k !== 'quadratic');

const model = param(
  parsed({
    flag: 'model',
    arg: PAGE_MODELS.join('|'),
    help: SETUP_OPTIONS.model.help,
    default: 'warmup' as ModelKind,
    parse: oneOf<ModelKind>('model', PAGE_MODELS),
  }),
  { label: 'model', choices: PAGE_MODELS },
);
const width = param(int({ flag: 'width', arg: 'N', help: 'width n', min: 1, max: MAX_WIDTH, default: 1000 }), {
  label: 'width n',
  slider: { min: 10, max: 5000, step: 10 },
});
const seed = param(SETUP_OPTIONS.seed, { label: 'seed', slider: { min: 0, max: 20, step: 1 } });
const lr = param(parsed({ flag: 'lr', arg: 'η|Cx', help: 'learning rate', default: parseLr('1.5x'), parse: (t) => parseLr(t) }), {
  label: 'learning rate η',
  slider: { min: 0.1, max: 5, step: 0.05 },
  marks: PHASE_MARKS,
});
const steps = param(int({ flag: 'steps', arg: 'T', help: TRAIN_OPTIONS.steps.help, min: 0, max: 5000, default: 200 }), {
  label: 'steps',
  slider: { min: 10, max: 2000, step: 10 },
});

// The mlp's own options: the CLI's declarations (bounds, defaults, errors, the model they apply to), the depth bounded.
const depth = param(int({ ...SETUP_OPTIONS.depth, min: 1, max: MAX_DEPTH, default: 1 }), {
  label: 'depth (hidden layers)',
  slider: { min: 1, max: MAX_DEPTH, step: 1 },
});
const act = param(SETUP_OPTIONS.act, { label: 'activation', choices: ACTIVATIONS });
const parameterization = param(SETUP_OPTIONS.param, { label: 'parameterization', choices: PARAMETERIZATIONS });

/** The data sets a page makes without files: the CLI's Gaussian data (no --dataset), or `--dataset synthetic`. */
export const PAGE_DATASETS = ['gaussian', 'synthetic'] as const;
/** `--dataset synthetic` at a size a page trains in seconds: two of its classes (k = 2 outputs), few examples. */
export const PAGE_SYNTHETIC = { classes: [0, 1], trainSize: 32, testSize: 100 };
const dataset = param(
  choice({
    flag: 'dataset',
    help: `gaussian: the CLI's Gaussian data (--samples ${SETUP_OPTIONS.samples.default}, no --dataset); synthetic: --dataset synthetic, classes ${PAGE_SYNTHETIC.classes.join(',')}, ${PAGE_SYNTHETIC.trainSize} examples`,
    values: PAGE_DATASETS,
    default: 'gaussian',
    onlyWhen: { option: 'model', values: ['mlp'] },
  }),
  { label: 'data set', choices: PAGE_DATASETS },
);

/** Phases: one GD run of `catapult train` with these options (depth … dataset apply to the mlp only, as on the CLI). */
export const PHASES_PARAMS = { model, width, seed, lr, steps, depth, act, param: parameterization, dataset };

/** Loss surface (Fig. S1): the warmup model in the (a, b) plane at width n, one GD path. */
export const SURFACE_PARAMS = {
  width: param(int({ flag: 'width', arg: 'N', help: 'width n', min: 2, max: MAX_WIDTH, default: 500 }), width.control),
  seed,
  lr: param({ ...lr.decl, default: parseLr('1.5x') }, lr.control),
  steps: param(int({ flag: 'steps', arg: 'T', help: TRAIN_OPTIONS.steps.help, min: 0, max: 2000, default: 100 }), {
    label: 'steps',
    slider: { min: 5, max: 500, step: 5 },
  }),
  grid: param(int({ flag: 'grid', arg: 'G', help: 'surface cells per side', min: 5, max: 201, default: 61 }), {
    label: 'grid',
    slider: { min: 11, max: 121, step: 2 },
  }),
};

/** A comma-separated list of distinct widths. */
function widthList(t: string): number[] {
  const xs = t.split(',').map(decimal);
  if (xs.length > 4 || xs.some((x, i) => !Number.isInteger(x) || x < 2 || x > MAX_WIDTH || xs.indexOf(x) !== i))
    throw new Error(`--widths must be at most 4 distinct integers in [2, ${MAX_WIDTH}] separated by commas, got '${t}'`);
  return xs;
}

/** The diagram's two modes: λ at t·η = τ against η·λ0 per width, or Kalra & Barkeshli's critical constants against d/w. */
export const DIAGRAM_MODES = ['eta', 'depth'] as const;
const inMode = (mode: (typeof DIAGRAM_MODES)[number]) => ({ option: 'mode', values: [mode] });
const ETA_MODE = inMode('eta');
const DEPTH_MODE = inMode('depth');

/** Depth-mode nets stay small: a Lanczos at every step of every c of every net runs in the page. */
const MAX_NET_WIDTH = 512;
const MAX_NETS_PER_AXIS = 6;

/** A comma-separated list of at most MAX_NETS_PER_AXIS distinct integers in [lo, hi], named by its flag in errors. */
function intList(flag: string, lo: number, hi: number): (t: string) => number[] {
  return (t) => {
    const xs = t.split(',').map(decimal);
    if (xs.length > MAX_NETS_PER_AXIS || xs.some((x, i) => !Number.isInteger(x) || x < lo || x > hi || xs.indexOf(x) !== i))
      throw new Error(`--${flag} must be at most ${MAX_NETS_PER_AXIS} distinct integers in [${lo}, ${hi}] separated by commas, got '${t}'`);
    return xs;
  };
}

/** At most this many points in depth mode's c grid (each is a run of T steps with a Lanczos per step, in the page). */
const MAX_PAGE_GRID = 400;

/**
 * Depth mode's c grid as its text (the URL keeps `2^0:10:0.1`, not 101 numbers), checked: parseCriticalGrid's forms,
 * with fewer points than the CLI allows; depthGrid gives the values.
 */
function pageGrid(t: string): string {
  const n = parseCriticalGrid(t).length;
  if (n > MAX_PAGE_GRID) throw new Error(`--cs '${t}' has ${n} points; the page runs at most ${MAX_PAGE_GRID}`);
  return t.trim();
}

/**
 * Phase diagram. Mode eta: λ at t·η = τ against η·λ0 on a grid, one curve per width (Fig. 2c with widths overlaid).
 * Mode depth: Kalra & Barkeshli's c_loss, c_sharp, c_max and c_barrier of ReLU nets (NTK, no bias) against d/w.
 */
export const DIAGRAM_PARAMS = {
  mode: param(
    choice({
      flag: 'mode',
      help: "eta: λ at t·η = τ against η·λ0; depth: Kalra & Barkeshli's critical constants against depth/width",
      values: DIAGRAM_MODES,
      default: 'eta',
    }),
    { label: 'mode', choices: DIAGRAM_MODES },
  ),
  widths: param(parsed({ flag: 'widths', arg: 'N,N,...', help: 'widths', default: [100, 1000], parse: widthList, onlyWhen: ETA_MODE }), {
    label: 'widths',
  }),
  seed,
  tau: param(num({ flag: 'tau', arg: 'τ', help: 'physical time τ at which λ is read', above: 0, default: 25, onlyWhen: ETA_MODE }), {
    label: 'τ = t·η',
    slider: { min: 1, max: 100, step: 1 },
  }),
  from: param(num({ flag: 'from', arg: 'c', help: 'smallest η·λ0', above: 0, default: 0.2, onlyWhen: ETA_MODE }), {
    label: 'η·λ0 from',
    marks: PHASE_MARKS,
  }),
  to: param(num({ flag: 'to', arg: 'c', help: 'largest η·λ0', above: 0, default: 4.6, onlyWhen: ETA_MODE }), {
    label: 'η·λ0 to',
    marks: PHASE_MARKS,
  }),
  points: param(int({ flag: 'points', arg: 'K', help: 'grid points', min: 2, max: 200, default: 23, onlyWhen: ETA_MODE }), {
    label: 'grid points',
    slider: { min: 2, max: 100, step: 1 },
  }),
  depths: param(
    parsed({
      flag: 'depths',
      arg: 'D,D,...',
      help: "K&B's depths d of the nets: weight layers (d − 1 hidden)",
      default: [2, 3, 4, 5],
      parse: intList('depths', 2, MAX_DEPTH + 1),
      onlyWhen: DEPTH_MODE,
    }),
    { label: 'depths d' },
  ),
  netWidths: param(
    parsed({
      flag: 'net-widths',
      arg: 'W,W,...',
      help: 'widths w of the nets',
      default: [16, 32, 64, 128],
      parse: intList('net-widths', 2, MAX_NET_WIDTH),
      onlyWhen: DEPTH_MODE,
    }),
    { label: 'widths w' },
  ),
  samples: param(
    int({ flag: 'samples', arg: 'M', help: 'Gaussian training points', min: 1, max: 256, default: 16, onlyWhen: DEPTH_MODE }),
    { label: 'data points', slider: { min: 4, max: 64, step: 1 } },
  ),
  horizon: param(int({ flag: 'horizon', arg: 'T', help: 'steps T judged per c', min: 1, max: 100, default: 10, onlyWhen: DEPTH_MODE }), {
    label: 'horizon T',
    slider: { min: 1, max: 40, step: 1 },
  }),
  cs: param(
    parsed({
      flag: 'cs',
      arg: '2^a:b:h|a:b:h|a,b,...',
      help: 'the grid in c = η·λ_H0',
      default: DEFAULT_CRITICAL_GRID,
      parse: pageGrid,
      onlyWhen: DEPTH_MODE,
    }),
    { label: 'grid in c' },
  ),
};

/**
 * Edge of stability: a tanh mlp (standard parameterization) on 20 Chebyshev points, GD at a fixed absolute η with the
 * sharpness every step, and gradient flow from the same initialization. The defaults end at the edge (S·η/2 ≈ 0.96) in seconds.
 */
export const EOS_PARAMS = {
  eta: param(num({ flag: 'lr', arg: 'η', help: 'learning rate η (absolute)', above: 0, default: 0.08 }), {
    label: 'learning rate η',
    slider: { min: 0.005, max: 0.3, step: 0.005 },
  }),
  width: param(int({ flag: 'width', arg: 'N', help: 'width n', min: 1, max: 256, default: 16 }), {
    label: 'width n',
    slider: { min: 2, max: 64, step: 1 },
  }),
  // The CLI's --depth, except that it always applies here (the model is an mlp; no `model` parameter to depend on).
  depth: param(int({ ...SETUP_OPTIONS.depth, onlyWhen: undefined, defaultText: undefined, min: 1, max: 4, default: 3 }), {
    label: 'depth (hidden layers)',
    slider: { min: 1, max: 4, step: 1 },
  }),
  steps: param(int({ flag: 'steps', arg: 'T', help: TRAIN_OPTIONS.steps.help, min: 1, max: 5000, default: 400 }), {
    label: 'steps',
    slider: { min: 50, max: 2000, step: 50 },
  }),
  seed,
  // RK4 substeps of min(α/S, η). At the CLI's α = 0.5 the flow takes about twice as long; at 2 (inside RK4's stability
  // interval, h·S < 2.78) the flow's S stays within 0.6 % of an α = 0.25 integration from step 100 on, 7 % at step 2.
  flowAlpha: param(num({ flag: 'flow-alpha', arg: 'α', help: SCHEDULE_OPTIONS.flowAlpha.help, above: 0, default: 2 }), {
    label: 'gradient flow: RK4 step α/S',
    slider: { min: 0.25, max: 2.5, step: 0.25 },
  }),
};

/** Every view and its parameters, in the order the page's tabs show them. */
export const VIEWS = { phases: PHASES_PARAMS, surface: SURFACE_PARAMS, diagram: DIAGRAM_PARAMS, eos: EOS_PARAMS } as const;
export type ViewName = keyof typeof VIEWS;
export const VIEW_NAMES = Object.keys(VIEWS) as ViewName[];

type ParamValues<P> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };
export type ViewValues<V extends ViewName> = ParamValues<(typeof VIEWS)[V]>;
export type PhasesValues = ViewValues<'phases'>;
export type SurfaceValues = ViewValues<'surface'>;
export type DiagramValues = ViewValues<'diagram'>;
export type EosValues = ViewValues<'eos'>;

/** A parameter's value as the URL (and the CLI) writes it. */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object' && v !== null && 'unit' in v) return formatLr(v as LrSpec);
  return String(v);
}

/**
 * Whether a parameter applies with these values (its declaration's `onlyWhen`, as the CLI refuses a flag that does not):
 * one that does not stays in the URL, unused and its input disabled, so switching the model back restores it.
 *
 * @example
 * applies(PHASES_PARAMS.depth, { model: 'warmup' }); // false
 */
export function applies(p: Param<unknown>, values: Readonly<Record<string, unknown>>): boolean {
  const w = p.decl.onlyWhen;
  return w === undefined || w.values.includes(String(values[w.option]));
}

/** Checks on a view's values that no single declaration can make; [parameter, problem] or null. */
export function crossCheck(view: ViewName, v: Record<string, unknown>): [string, string] | null {
  if (view === 'diagram' && v.mode === 'eta' && (v.to as number) <= (v.from as number))
    return ['to', `--to must be > --from (${formatValue(v.from)})`];
  return null;
}

export type { Values };
