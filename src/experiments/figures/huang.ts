// Huang, Du, Xu & Liu: deep linear nets (2–4 layers) with logistic loss on degenerate, separable and non-separable data — the catapult window and the flatness it finds.
import type { Tensor } from '../../linalg/tensor';
import { tensor } from '../../linalg/tensor';
import { RandomState } from '../../random/randomState';
import { Dataset, Model, evaluate, hessianAt, initParams, lambdaAt, makeModel, train, validateTargets } from '../../models';
import { Bracket, bisect } from '../bisect';
import { Report, fmt } from '../report';
import { Series } from '../plot';
import { Figure, FigureContext, addPlot, finishFigure, writeTable } from './common';

export type DataKind = 'degenerate' | 'separable' | 'nonseparable';
export const DATA_KINDS: readonly DataKind[] = ['degenerate', 'separable', 'nonseparable'];

export interface HuangOptions {
  kinds: DataKind[];
  /** Layers L of f(x) = W_L⋯W_1 x (L − 1 hidden layers). */
  depths: number[];
  width: number;
  inputDim: number;
  samples: number;
  /** Fraction of labels flipped for the degenerate and non-separable data (what makes them non-separable). */
  labelNoise: number;
  /** Separable data keep only points with |u·x|·√d ≥ margin (x ~ N(0, I/d), u the teacher direction). */
  margin: number;
  /** η in units of 2/λ0, i.e. η·λ0/2. */
  grid: number[];
  /** Grid point whose run is "the small η" the catapult is compared with. */
  smallEta: number;
  steps: number;
  /** Step budget of the bisection runs (they stop at the first rise or divergence). */
  bisectSteps: number;
  /** Bisection stops once the bracket is this narrow, relative to its upper end. */
  relTol: number;
  /** Separable data have their minimum at infinity: runs stop (and are compared) once the loss is ≤ this·L0. */
  separableTarget: number;
  /** A loss above this ends a run as divergent (the logistic loss grows only like |f|, so this means |f| ~ 10⁶). */
  maxLoss: number;
  seed: number;
  dataSeed: number;
}

export const HUANG_DEFAULTS: HuangOptions = {
  kinds: [...DATA_KINDS], depths: [2, 3, 4], width: 50, inputDim: 10, samples: 100, labelNoise: 0.2, margin: 0.1,
  grid: [0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6], smallEta: 0.5, steps: 1500, bisectSteps: 1500, relTol: 0.003,
  separableTarget: 1e-2, maxLoss: 1e6, seed: 0, dataSeed: 0,
};
export const HUANG_FULL: Partial<HuangOptions> = {
  width: 100, samples: 200, inputDim: 20, steps: 4000, bisectSteps: 4000, relTol: 0.001,
  grid: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 5, 6, 8, 12, 16],
};

/** How a run ended: the catapult is a rise above L0 followed by a settled loss. */
export type HuangPhase = 'lazy' | 'catapult' | 'divergent' | 'unsettled';

export interface HuangRun {
  etaUnits: number;
  eta: number;
  phase: HuangPhase;
  loss0: number;
  peakLoss: number;
  /** Step of the highest loss (0 when the loss never rose). */
  peakAt: number;
  finalLoss: number;
  /** Top Hessian eigenvalue at the last step (the stop at L ≤ target·L0 for separable data); null when divergent. */
  finalHessian: number | null;
  /** Top NTK eigenvalue at the same step (finite even where the loss, and with it H, underflows to 0). */
  finalNtk: number | null;
  lastStep: number;
  divergedAt: number | null;
  accuracy: number;
  meanMargin: number;
  minMargin: number;
  t: number[];
  loss: number[];
  hessianT: number[];
  hessian: number[];
}

export interface HuangSetting {
  kind: DataKind;
  depth: number;
  /** λ0: top eigenvalue of the loss Hessian at initialization; η is measured in units of 2/λ0. */
  lambda0: number;
  /** Top NTK eigenvalue at initialization (engine normalization JJᵀ/m); at f = 0 the Hessian would be ≈ this/4. */
  ntk0: number;
  loss0: number;
  runs: HuangRun[];
  /** Smallest η·λ0/2 at which the loss rises above L0 within the step budget (null: none on the grid). */
  onset: Bracket | null;
  /** Largest η·λ0/2 that does not diverge within the budget (null: nothing on the grid diverged). */
  edge: Bracket | null;
  small: HuangRun;
  /** The largest grid η·λ0/2 whose run settled (lazy or catapult) below the first grid run that did not. */
  lastSettled: number | null;
  /** The first probe that settled as a catapult, or else the grid's catapult run nearest the window's middle. */
  catapult: HuangRun | null;
  /** Runs inside the window, the middle first, until one settles as a catapult (phases need not be monotone in η). */
  probes: HuangRun[];
}

/** The grid runs and the window probes, in order of η. */
export function allRuns(s: HuangSetting): HuangRun[] {
  return [...s.runs, ...s.probes].sort((a, b) => a.etaUnits - b.etaUnits);
}

export interface HuangData { options: HuangOptions; settings: HuangSetting[]; source: Record<DataKind, string> }

/** A unit vector in d dimensions: the direction of the degenerate data and the teacher of the others. */
function unitVector(rng: RandomState, d: number): Float64Array {
  const u = rng.standardNormalArray(d);
  const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  return u.map((v) => v / norm);
}

/**
 * Seeded binary data with labels ±1. degenerate: x_i = c_i u with c_i ~ N(0, 1), y_i = sign(c_i) flipped with probability
 * `labelNoise` (so not separable along u: ℓ(z) of the one coordinate z = w·u has a finite minimizer). separable: x ~ N(0, I/d),
 * y = sign(u·x), points with |u·x|·√d < margin redrawn. nonseparable: x ~ N(0, I/d), y = sign(u·x) flipped with probability `labelNoise`.
 */
export function huangData(kind: DataKind, o: Pick<HuangOptions, 'samples' | 'inputDim' | 'labelNoise' | 'margin' | 'dataSeed'>): Dataset {
  const [m, d] = [o.samples, o.inputDim];
  const rng = new RandomState(o.dataSeed);
  const u = unitVector(rng, d);
  const X = new Float64Array(m * d), Y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (kind === 'degenerate') {
      const c = rng.standardNormal();
      const flip = rng.randomDouble() < o.labelNoise;
      Y[i] = (c >= 0 ? 1 : -1) * (flip ? -1 : 1);
      for (let j = 0; j < d; j++) X[i * d + j] = c * u[j];
      continue;
    }
    let z: Float64Array, p: number;
    do {
      z = rng.standardNormalArray(d);
      p = z.reduce((s, v, j) => s + v * u[j], 0);
    } while (kind === 'separable' && Math.abs(p) < o.margin);
    const flip = kind === 'nonseparable' && rng.randomDouble() < o.labelNoise;
    Y[i] = (p >= 0 ? 1 : -1) * (flip ? -1 : 1);
    for (let j = 0; j < d; j++) X[i * d + j] = z[j] / Math.sqrt(d);
  }
  const what = kind === 'degenerate' ? `x = c·u, c ~ N(0, 1), labels sign(c) with ${o.labelNoise} flipped`
    : kind === 'separable' ? `x ~ N(0, I/${d}), labels sign(u·x), |u·x|·√d ≥ ${o.margin}`
      : `x ~ N(0, I/${d}), labels sign(u·x) with ${o.labelNoise} flipped`;
  const data = { X: tensor([m, d], X), Y: tensor([m, 1], Y), source: `${kind} (${m} samples in d = ${d}: ${what}; data seed ${o.dataSeed})` };
  validateTargets('logistic', data);
  return data;
}

/** The L-layer deep linear net f(x) = W_L⋯W_1 x in NTK parameterization (σ_w = 1, no biases), logistic loss. */
export function deepLinearModel(layers: number, width: number, inputDim: number): Model {
  return makeModel({ kind: 'mlp', width, depth: layers - 1, act: 'identity', param: 'ntk', sigmaW: 1, sigmaB: 0, outputs: 1, inputDim, loss: 'logistic', bias: false });
}

interface Setup { kind: DataKind; model: Model; data: Dataset; init: Tensor[]; lambda0: number; ntk0: number; loss0: number; o: HuangOptions }

/** Options every run of a setting shares; separable runs stop at the common loss level target·L0 and are measured there. */
function runOptions(s: Setup, etaUnits: number, steps: number) {
  const separable = s.kind === 'separable';
  return {
    lr: (2 * etaUnits) / s.lambda0, steps, momentum: 0, l2: 0, maxLoss: s.o.maxLoss,
    convergeFraction: separable ? s.o.separableTarget : 1e-12, stopAtConvergence: separable,
  };
}

/** Relative range of the loss over the last `window` steps under which a non-separable run counts as settled (and stops). */
const SETTLE_WINDOW = 50, SETTLE_TOL = 1e-10;

/**
 * Stops a run once its loss has settled: reached the target (separable data, via stopAtConvergence), or varied by ≤ SETTLE_TOL
 * relative over the last SETTLE_WINDOW steps; `also` can end it earlier. `fired` says whether it settled.
 */
function settleWatch(kind: DataKind, also: (loss: number, t: number) => boolean = () => false) {
  const recent: number[] = [];
  const w = { fired: false, stopWhen: (r: { t: number; loss: number }) => {
    if (also(r.loss, r.t)) return true;
    if (kind === 'separable') return false;
    recent.push(r.loss);
    if (recent.length > SETTLE_WINDOW) recent.shift();
    w.fired = recent.length === SETTLE_WINDOW && Math.max(...recent) - Math.min(...recent) <= SETTLE_TOL * Math.abs(r.loss);
    return w.fired;
  } };
  return w;
}

/** Settled: reached the loss target (separable), stopped by the watcher, or varies by ≤ 1e-6 relative over the last tenth of a full-length run. */
function settled(kind: DataKind, loss: readonly number[], convergedAt: number | null, watcherFired: boolean): boolean {
  if (kind === 'separable') return convergedAt !== null;
  if (watcherFired) return true;
  const tail = loss.slice(-Math.max(2, Math.floor(loss.length / 10)));
  return Math.max(...tail) - Math.min(...tail) <= 1e-6 * Math.abs(tail[tail.length - 1]);
}

/** One GD run at η = etaUnits·2/λ0 until it settles, diverges or uses its budget, with the Hessian's top eigenvalue at the start and end. */
function runAt(s: Setup, etaUnits: number): HuangRun {
  const o = runOptions(s, etaUnits, s.o.steps);
  const watch = settleWatch(s.kind);
  const r = train(s.model, s.init, s.data, { ...o, eigEvery: 0, trackHessian: true, stopWhen: watch.stopWhen });
  const loss = r.records.map((x) => x.loss);
  const rose = r.peakLoss > r.loss0;
  const phase: HuangPhase = r.diverged ? 'divergent' : !settled(s.kind, loss, r.convergedAt, watch.fired) ? 'unsettled' : rose ? 'catapult' : 'lazy';
  const metrics = r.diverged ? { accuracy: NaN, meanMargin: NaN, minMargin: NaN } : evaluate(s.model, r.params, s.data);
  const withH = r.records.filter((x) => x.hessian !== undefined);
  return {
    etaUnits, eta: o.lr, phase, loss0: r.loss0, peakLoss: r.peakLoss, peakAt: loss.indexOf(r.peakLoss), finalLoss: loss[loss.length - 1],
    finalHessian: r.diverged ? null : r.finalHessian, finalNtk: r.diverged ? null : r.finalLambda, lastStep: r.records[r.records.length - 1].t, divergedAt: r.diverged?.step ?? null,
    accuracy: metrics.accuracy, meanMargin: metrics.meanMargin, minMargin: metrics.minMargin,
    t: r.records.map((x) => x.t), loss, hessianT: withH.map((x) => x.t), hessian: withH.map((x) => x.hessian!),
  };
}

/** Yes/no runs for the bisections, without eigenvalues, stopping as soon as the answer is known (or the loss settles). */
function rises(s: Setup, etaUnits: number): boolean {
  const watch = settleWatch(s.kind, (loss, t) => t > 0 && loss > s.loss0);
  const r = train(s.model, s.init, s.data, { ...runOptions(s, etaUnits, s.o.bisectSteps), eigEvery: 0, measureLambda: false, stopWhen: watch.stopWhen });
  return r.peakLoss > r.loss0;
}
function diverges(s: Setup, etaUnits: number): boolean {
  const watch = settleWatch(s.kind);
  return train(s.model, s.init, s.data, { ...runOptions(s, etaUnits, s.o.bisectSteps), eigEvery: 0, measureLambda: false, stopWhen: watch.stopWhen }).diverged !== null;
}

/**
 * Runs inside [lo, hi] until one settles as a catapult: the midpoint first, then the quarter and eighth points, last `known` (the
 * largest η the divergence bisection saw survive, which can sit past a divergent stretch).
 */
function probeWindow(s: Setup, lo: number, hi: number, known: number | null): HuangRun[] {
  const probes: HuangRun[] = [];
  const at = [...[0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875].map((f) => lo + f * (hi - lo)), ...(known !== null && known > lo && known <= hi ? [known] : [])];
  for (const x of at) {
    probes.push(runAt(s, x));
    if (probes[probes.length - 1].phase === 'catapult') break;
  }
  return probes;
}

/** Bisects between the last grid point where `on` is false and the first where it is true; null when there is no such pair. */
function boundary(runs: readonly HuangRun[], on: (r: HuangRun) => boolean, isOn: (x: number) => boolean, relTol: number, what: string): Bracket | null {
  const i = runs.findIndex(on);
  if (i <= 0) return null;
  return bisect(isOn, runs[i - 1].etaUnits, runs[i].etaUnits, relTol, what);
}

function setup(kind: DataKind, layers: number, data: Dataset, o: HuangOptions): Setup {
  const model = deepLinearModel(layers, o.width, o.inputDim);
  const init = initParams(model, o.seed);
  return { kind, model, data, init, lambda0: hessianAt(model, init, data), ntk0: lambdaAt(model, init, data), o, loss0: evaluate(model, init, data).loss };
}

function computeSetting(kind: DataKind, layers: number, data: Dataset, o: HuangOptions, progress: (f: number) => void): HuangSetting {
  const s = setup(kind, layers, data, o);
  const runs = o.grid.map((c, i) => { progress((0.6 * i) / o.grid.length); return runAt(s, c); });
  progress(0.6);
  // The grid run's own verdicts pick the brackets; bisection then uses the shorter yes/no runs.
  const onset = boundary(runs, (r) => r.peakLoss > r.loss0, (c) => rises(s, c), o.relTol, `${kind}, L = ${layers}: onset of the rise`);
  progress(0.75);
  const edge = boundary(runs, (r) => r.phase === 'divergent', (c) => diverges(s, c), o.relTol, `${kind}, L = ${layers}: divergence`);
  progress(0.9);
  const small = runs.find((r) => r.etaUnits === o.smallEta) ?? runAt(s, o.smallEta);
  const firstUnsettled = runs.findIndex((r) => r.phase === 'divergent' || r.phase === 'unsettled');
  const lastSettled = firstUnsettled === 0 ? null : runs[(firstUnsettled < 0 ? runs.length : firstUnsettled) - 1].etaUnits;
  // The middle of [onset, first grid η that does not settle], capped by the divergence edge.
  const upper = Math.min(edge ? edge.below : Infinity, firstUnsettled >= 0 ? runs[firstUnsettled].etaUnits : Math.max(...o.grid));
  const probes = onset && onset.above < upper ? probeWindow(s, onset.above, upper, edge ? edge.below : null) : [];
  const settledProbe = probes.find((r) => r.phase === 'catapult');
  // No probe settled: the grid's own catapult run nearest the window's middle, if there is one.
  const middle = probes.length ? probes[0].etaUnits : 0;
  const gridCatapult = runs.filter((r) => r.phase === 'catapult').sort((a, b) => Math.abs(a.etaUnits - middle) - Math.abs(b.etaUnits - middle))[0];
  const catapult = settledProbe ?? gridCatapult ?? null;
  return { kind, depth: layers, lambda0: s.lambda0, ntk0: s.ntk0, loss0: s.loss0, runs, onset, edge, small, lastSettled, catapult, probes };
}

/** Every (data kind, depth) setting: the η grid, both boundaries by bisection, and the run in the middle of the catapult window. */
export function computeHuang(options: Partial<HuangOptions> = {}, progress: (f: number, note?: string) => void = () => {}): HuangData {
  const o: HuangOptions = { ...HUANG_DEFAULTS, ...options };
  const settings: HuangSetting[] = [];
  const source = {} as Record<DataKind, string>;
  const total = o.kinds.length * o.depths.length;
  for (const kind of o.kinds) {
    const data = huangData(kind, o);
    source[kind] = data.source;
    for (const L of o.depths) {
      const k = settings.length;
      settings.push(computeSetting(kind, L, data, o, (f) => progress((k + f) / total, `${kind}, L = ${L}`)));
    }
  }
  progress(1);
  return { options: o, settings, source };
}

// ---- the figure: tables, plots and report ----

const bracketText = (b: Bracket | null, none: string) => (b ? `[${fmt(b.below, 3)}, ${fmt(b.above, 3)}]` : none);

/** The boundaries of one setting in η·λ0/2 as text. */
function windowText(s: HuangSetting, grid: readonly number[]): string {
  const none = `none up to ${Math.max(...grid)}`;
  const empty = s.onset && s.edge && s.onset.above >= s.edge.below ? ' (no room between them)' : '';
  const holes = s.edge ? s.probes.filter((r) => r.phase === 'divergent' && r.etaUnits < s.edge!.below).length : 0;
  const gaps = holes ? ` (not monotone: ${holes} run(s) below it diverge)` : '';
  return `L = ${s.depth}: rise from ${bracketText(s.onset, none)}, divergence from ${bracketText(s.edge, none)}${empty}${gaps}, last settled grid η ${s.lastSettled ?? '—'}`;
}

/** What the runs inside the window did, and which run stands for the catapult. */
function probesText(s: HuangSetting): string {
  const c = s.catapult;
  const tried = s.probes.length ? `runs inside it: ${s.probes.map((r) => `${fmt(r.etaUnits, 4)} ${r.phase}`).join(', ')}` : 'no room for runs inside it';
  return `${tried}; catapult run ${c ? `${fmt(c.etaUnits, 4)}${s.probes.includes(c) ? '' : ' (grid)'}, peak ${fmt(c.peakLoss / c.loss0)}·L0 at step ${c.peakAt}` : 'none'}`;
}

/** The flatness measure compared across η: the final top Hessian eigenvalue (per unit loss for separable data, stopped at a common loss level). */
const flatness = (kind: DataKind, r: HuangRun) => (r.finalHessian === null ? NaN : kind === 'separable' ? r.finalHessian / r.finalLoss : r.finalHessian);

function runRows(d: HuangData) {
  return d.settings.flatMap((s) => allRuns(s).map((r) => ({
    kind: s.kind, depth: s.depth, eta_units: r.etaUnits, eta: r.eta, lambda0: s.lambda0, ntk0: s.ntk0, role: s.probes.includes(r) ? 'window-probe' : 'grid', compared_as_catapult: String(r === s.catapult),
    phase: r.phase, loss0: r.loss0, peak_loss: r.peakLoss, peak_at: r.peakAt, final_loss: r.finalLoss, final_hessian: r.finalHessian,
    hessian_over_loss: r.finalHessian === null || r.finalLoss === 0 ? null : r.finalHessian / r.finalLoss, final_ntk: r.finalNtk, final_hessian_eta_over_2: r.finalHessian === null ? null : (r.finalHessian * r.eta) / 2,
    last_step: r.lastStep, diverged_at: r.divergedAt, accuracy: r.accuracy, mean_margin: r.meanMargin, min_margin: r.minMargin,
  })));
}

/** Trajectories kept dense over the first 200 steps (where the catapult happens) and every 10th step after. */
function trajectoryRows(d: HuangData) {
  return d.settings.flatMap((s) => allRuns(s).flatMap((r) => {
    const hAt = new Map(r.hessianT.map((t, i) => [t, r.hessian[i]]));
    return r.t.map((t, i) => ({ t, i })).filter(({ t, i }) => t <= 200 || t % 10 === 0 || i === r.t.length - 1).map(({ t, i }) => ({
      kind: s.kind, depth: s.depth, eta_units: r.etaUnits, role: s.probes.includes(r) ? 'window-probe' : r === s.small ? 'small' : 'grid', t, loss: r.loss[i], hessian: hAt.get(t) ?? null,
    }));
  }));
}

function boundaryRows(d: HuangData) {
  return d.settings.map((s) => ({
    kind: s.kind, depth: s.depth, lambda0: s.lambda0, ntk0: s.ntk0, ntk0_over_4: s.ntk0 / 4, loss0: s.loss0,
    onset_below: s.onset?.below ?? null, onset_above: s.onset?.above ?? null, edge_below: s.edge?.below ?? null, edge_above: s.edge?.above ?? null,
    last_settled: s.lastSettled, probes: s.probes.map((r) => `${fmt(r.etaUnits, 4)}:${r.phase}`).join(' '),
    catapult_eta_units: s.catapult?.etaUnits ?? null, catapult_phase: s.catapult?.phase ?? null,
    small_eta_units: s.small.etaUnits, small_final_hessian: s.small.finalHessian, catapult_final_hessian: s.catapult?.finalHessian ?? null,
    small_hessian_over_loss: s.small.finalHessian === null ? null : s.small.finalHessian / s.small.finalLoss,
    catapult_hessian_over_loss: s.catapult?.finalHessian == null ? null : s.catapult.finalHessian / s.catapult.finalLoss,
  }));
}

function checkWindows(report: Report, d: HuangData, kind: DataKind): void {
  const ss = d.settings.filter((s) => s.kind === kind);
  report.check({
    quantity: `${kind} data: a catapult phase (loss rises above L0, then settles); boundaries in η·λ0/2`,
    paper: 'exists (Huang et al.), its range set by the separation of the data; for reference, MSE (Lewkowycz et al.): from 1 to 2',
    measured: ss.map((s) => `${windowText(s, d.options.grid)}; ${probesText(s)}`).join('; '),
    pass: ss.length > 0 && ss.every((s) => s.catapult?.phase === 'catapult'),
  });
}

/** The compared quantity of one run as text (separable: H, L and H/L at the stop, and the NTK's λ there). */
function flatText(kind: DataKind, r: HuangRun): string {
  if (r.finalHessian === null) return `${r.phase}`;
  if (kind !== 'separable') return `${fmt(r.finalHessian)} (H·η/2 = ${fmt((r.finalHessian * r.eta) / 2, 3)})`;
  const ratio = r.finalLoss > 0 ? fmt(r.finalHessian / r.finalLoss) : 'undefined (the loss underflowed to 0)';
  return `H/L = ${ratio} at L = ${fmt(r.finalLoss)}, step ${r.lastStep}; λ_NTK = ${fmt(r.finalNtk ?? NaN)}`;
}

/** The other settled catapult runs of a setting (grid and probes), so that the comparison does not rest on one chosen η. */
function otherCatapults(kind: DataKind, s: HuangSetting): string {
  const others = allRuns(s).filter((r) => r.phase === 'catapult' && r !== s.catapult);
  return others.length ? ` [other catapult runs: ${others.map((r) => `${fmt(r.etaUnits, 3)}: ${flatText(kind, r)}`).join(', ')}]` : '';
}

function checkFlatter(report: Report, d: HuangData, kind: DataKind): void {
  const ss = d.settings.filter((s) => s.kind === kind);
  const what = kind === 'separable' ? `H/L at the first step with L ≤ ${d.options.separableTarget}·L0` : 'final top Hessian eigenvalue H';
  const flatter = (s: HuangSetting) => s.catapult !== null && s.catapult.phase === 'catapult' && flatness(kind, s.catapult) < flatness(kind, s.small);
  report.check({
    quantity: `${kind} data: ${what}, catapult run against η·λ0/2 = ${d.options.smallEta}`,
    paper: kind === 'degenerate' ? 'smaller in the catapult phase (proved for degenerate data)' : 'smaller in the catapult phase, depending on the separation of the data',
    measured: ss.map((s) => `L = ${s.depth}: ${flatText(kind, s.small)} → ${s.catapult ? `${flatText(kind, s.catapult)} at ${fmt(s.catapult.etaUnits, 3)} (${s.catapult.phase})` : 'no catapult run'}`
      + otherCatapults(kind, s)).join('; '),
    pass: ss.length > 0 && ss.every(flatter),
  });
}

async function plots(report: Report, ctx: FigureContext, d: HuangData): Promise<string[]> {
  const files: string[] = [];
  const kinds = d.options.kinds, L = d.options.depths[0];
  for (const kind of kinds) {
    const s = d.settings.find((x) => x.kind === kind && x.depth === L)!;
    // Loss against time for the grid runs that did not diverge, the catapult run and the first divergent grid run (truncated).
    const firstDiv = s.runs.find((r) => r.phase === 'divergent');
    const shown = [...s.runs.filter((r) => r.phase !== 'divergent' || r === firstDiv), ...(s.catapult && !s.runs.includes(s.catapult) ? [s.catapult] : [])].sort((a, b) => a.etaUnits - b.etaUnits);
    const series: Series[] = shown.map((r) => {
      const keep = r.t.map((t, i) => i).filter((i) => r.loss[i] > 0 && Number.isFinite(r.loss[i]));
      return { name: `η·λ0/2 = ${fmt(r.etaUnits, 3)} (${r.phase}${r === s.catapult ? ', compared' : ''})`, x: keep.map((i) => r.t[i] + 1), y: keep.map((i) => r.loss[i]), dashed: r === s.catapult };
    });
    // Clip the divergent run so that the catapult's rise stays visible.
    const kept = shown.filter((r) => r.phase !== 'divergent');
    const low = Math.max(1e-4 * s.loss0, Math.min(...kept.flatMap((r) => r.loss.filter((v) => v > 0)))), high = Math.max(s.loss0, ...kept.map((r) => r.peakLoss));
    files.push(...await addPlot(report, ctx.out, `huang_loss_${kind}`, {
      kind: 'line', title: `${kind} data, L = ${L} layers: loss against time`, xLabel: 'step t + 1', yLabel: 'logistic loss', xLog: true, yLog: true, series,
      yDomain: [0.8 * low, 2 * high],
      hlines: [{ at: s.loss0, label: 'L0' }],
    }, `Loss against time on ${kind} data, depth ${L}, for the η grid (in units of 2/λ0) and the catapult run compared with the small η (dashed); the divergent run leaves the top of the plot${kind === 'separable' ? `; separable runs stop once L ≤ ${d.options.separableTarget}·L0` : ''}.`));
    // Final flatness / λ0 against η·λ0/2 for every depth, with 2/η (= 1/(η·λ0/2) in these units).
    const flat: Series[] = d.settings.filter((x) => x.kind === kind).map((x) => {
      const rs = allRuns(x).filter((r) => (r.phase === 'lazy' || r.phase === 'catapult') && Number.isFinite(flatness(kind, r)) && flatness(kind, r) > 0).sort((a, b) => a.etaUnits - b.etaUnits);
      return { name: `L = ${x.depth}`, x: rs.map((r) => r.etaUnits), y: rs.map((r) => flatness(kind, r) / x.lambda0), points: true };
    });
    const xs = d.options.grid;
    const ruleX = xs.filter((c) => c > 0);
    if (kind !== 'separable') flat.push({ name: '2/η (H·η/2 = 1)', x: ruleX, y: ruleX.map((c) => 1 / c), dashed: true, color: '#888' });
    files.push(...await addPlot(report, ctx.out, `huang_hessian_${kind}`, {
      kind: 'line', title: `${kind} data: ${kind === 'separable' ? 'H/L at L ≤ target' : 'final top Hessian eigenvalue'} / λ0 against η`, xLabel: 'η·λ0/2', yLabel: kind === 'separable' ? '(H/L) / λ0' : 'H_final / λ0', yLog: true, series: flat,
      vlines: [{ at: 1, label: 'η = 2/λ0' }],
    }, `${kind === 'separable' ? `Top Hessian eigenvalue per unit loss at the first step with L ≤ ${d.options.separableTarget}·L0` : 'Top Hessian eigenvalue at the end of the run'}, over λ0, against η·λ0/2 for each depth (settled runs only: divergent and unsettled runs left out)${kind === 'separable' ? '' : '; the dashed line is 2/η, the largest curvature at which GD can rest'}.`));
  }
  return files;
}

export const huang: Figure = {
  id: 'huang',
  title: 'Huang et al.: the catapult phase of deep linear nets under logistic loss, by separation of the data',
  weight: 2,
  async run(ctx: FigureContext) {
    const started = Date.now();
    const o: Partial<HuangOptions> = { ...(ctx.full ? HUANG_FULL : {}), ...(ctx.width ? { width: ctx.width } : {}), seed: ctx.seed };
    const d = computeHuang(o, (f, note) => ctx.progress(0.9 * f, note));
    const meta = { ...d.options, source: d.source, eta_units: 'η·λ0/2, λ0 = top Hessian eigenvalue at initialization' };
    const files = [
      ...writeTable(ctx.out, 'runs', Object.keys(runRows(d)[0]), runRows(d), meta),
      ...writeTable(ctx.out, 'boundaries', Object.keys(boundaryRows(d)[0]), boundaryRows(d), meta),
      ...writeTable(ctx.out, 'trajectories', ['kind', 'depth', 'eta_units', 'role', 't', 'loss', 'hessian'], trajectoryRows(d), meta),
    ];
    const report = new Report('Huang et al.: deep linear networks, logistic loss, catapult phase by data separation');
    for (const kind of d.options.kinds) checkWindows(report, d, kind);
    for (const kind of d.options.kinds) checkFlatter(report, d, kind);
    describe(report, d);
    ctx.progress(0.9, 'plots');
    const plotFiles = await plots(report, ctx, d);
    return finishFigure(ctx, huang, report, files, plotFiles, started);
  },
};

function describe(report: Report, d: HuangData): void {
  const o = d.options;
  report.text(`Deep linear networks f(x) = W_L⋯W_1 x with L = ${o.depths.join(', ')} layers of width ${o.width}, NTK parameterization (W ~ N(0, 1), each layer scaled by 1/√fan_in, no biases), `
    + `init seed ${o.seed}, logistic loss 1/m Σ log(1 + e^(−y f)), full-batch GD for ${o.steps} steps (loss > ${fmt(o.maxLoss)} counts as divergence).`);
  report.text('**λ0** is the top eigenvalue of the loss Hessian at initialization (Lanczos on exact Hessian-vector products), and η is given as η·λ0/2, so 1 is the '
    + 'edge of stability at initialization. At f = 0 the logistic curvature is 1/4, so λ0 ≈ λ_NTK/4 (the engine\'s NTK is JJᵀ/m); f0 ≠ 0 and the term ℓ′·∇²f make them differ, so both are listed.');
  // The largest η that stayed lazy: how much flatter GD gets without a catapult, which the catapult's gain must be read against.
  const lastLazy = (s: HuangSetting) => allRuns(s).filter((r) => r.phase === 'lazy').pop();
  report.table(['data', 'L', 'λ0 (Hessian)', 'λ_NTK', 'λ_NTK/4', 'L0', 'rise from (η·λ0/2)', 'divergence from', 'H final, small η', 'H final, largest lazy η', 'H final, catapult'],
    d.settings.map((s) => [s.kind, s.depth, s.lambda0, s.ntk0, s.ntk0 / 4, s.loss0, bracketText(s.onset, '—'), bracketText(s.edge, '—'),
      s.small.finalHessian ?? NaN, lastLazy(s) ? `${fmt(lastLazy(s)!.finalHessian ?? NaN)} (${fmt(lastLazy(s)!.etaUnits, 3)})` : '—', s.catapult?.finalHessian ?? NaN]));
  report.text('The final H also falls with η inside the lazy phase (the "largest lazy η" column): on non-separable data most of the catapult run\'s '
    + 'gain over η·λ0/2 = ' + `${o.smallEta} is already there without a rise, while on degenerate data the catapult takes H well below the lazy runs'. For separable data H is listed at the stop (L ≤ ${o.separableTarget}·L0).`);
  report.text(`Data (seed ${o.dataSeed}): ${Object.values(d.source).join('; ')}. The degenerate data are *not* separable along u (labels flipped with probability ${o.labelNoise}), so the `
    + 'loss, a function of the one coordinate z = (W_L⋯W_1)·u, has a finite minimizer and every converged run ends at the same loss; what differs is how sharp the minimum it finds is. '
    + `Separable data have their minimum at infinity and the curvature decays with the loss, so those runs stop at the first step with L ≤ ${o.separableTarget}·L0 and are compared by H/L there `
    + '(for large margins ℓ″ ≈ ℓ, so H/L tends to a loss-weighted kernel eigenvalue and stays finite as L → 0). Non-separable data have a finite minimizer: their final H is compared after the full run.');
  report.text(`Boundaries: the onset is the smallest η whose loss rises above L0 at some step within ${o.bisectSteps} steps, the edge the smallest η that diverges within that budget; each is bisected `
    + `(to ${o.relTol} relative) between the grid points ${o.grid.join(', ')} where the grid runs change verdict. A run is *catapult* if its loss rose and then settled `
    + '(its loss stopped changing, or for separable data reached the target), *unsettled* if it neither diverged nor settled within the budget (e.g. a period-2 cycle). '
    + 'The catapult run compared with the small-η run (the grid run at η·λ0/2 = ' + `${o.smallEta}) is found by running inside [onset, first grid η that does not settle] `
    + '(capped by the divergence edge), the middle first, then the quarter and eighth points, last the largest η the divergence bisection saw survive, until a run settles as a catapult; the verdicts need not be monotone in η, '
    + 'so every such run is listed. If none settles, the grid\'s own catapult run nearest the middle stands in. '
    + `Runs stop early once settled (loss range ≤ ${SETTLE_TOL} relative over ${SETTLE_WINDOW} steps), so "final" means at that step.`);
}
