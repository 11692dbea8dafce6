// Every (data kind, depth) setting of Huang et al.: the η grid, both boundaries by bisection, and the catapult run in the window.
import type { Dataset } from '../../../data';
import { Bracket, bisect } from '../../sweep/bisect';
import { huangData } from './data';
import type { DataKind } from './options';
import { HUANG_DEFAULTS, HuangOptions } from './options';
import { HuangInstance, HuangRun, diverges, huangInstance, rises, runAt } from './runs';
import type { Progress } from '../spec';

export interface HuangSetting {
  kind: DataKind;
  depth: number;
  /** The study's λ0: top eigenvalue of the loss Hessian at initialization; η is measured in units of 2/λ0. */
  lambdaHessian0: number;
  /** Top NTK eigenvalue at initialization (engine normalization JJᵀ/m); at f = 0 the Hessian would be ≈ this/4. */
  lambdaNtk0: number;
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

export interface HuangData {
  options: HuangOptions;
  settings: HuangSetting[];
  source: Record<DataKind, string>;
}

/**
 * Runs inside [lo, hi] until one settles as a catapult: the midpoint first, then the quarter and eighth points, last `known` (the
 * largest η the divergence bisection saw survive, which can sit past a divergent stretch).
 */
function probeWindow(s: HuangInstance, lo: number, hi: number, known: number | null): HuangRun[] {
  const probes: HuangRun[] = [];
  const at = [
    ...[0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875].map((f) => lo + f * (hi - lo)),
    ...(known !== null && known > lo && known <= hi ? [known] : []),
  ];
  for (const x of at) {
    probes.push(runAt(s, x));
    if (probes[probes.length - 1].phase === 'catapult') break;
  }
  return probes;
}

/** Bisects between the last grid point where `on` is false and the first where it is true; null when there is no such pair. */
function boundary(
  runs: readonly HuangRun[],
  on: (r: HuangRun) => boolean,
  isOn: (x: number) => boolean,
  relTol: number,
  what: string,
): Bracket | null {
  const i = runs.findIndex(on);
  if (i <= 0) return null;
  return bisect(isOn, runs[i - 1].etaUnits, runs[i].etaUnits, relTol, what);
}

function computeSetting(kind: DataKind, layers: number, data: Dataset, o: HuangOptions, progress: (f: number) => void): HuangSetting {
  const s = huangInstance(kind, layers, data, o);
  const runs = o.grid.map((c, i) => {
    progress((0.6 * i) / o.grid.length);
    return runAt(s, c);
  });
  progress(0.6);
  // The grid run's own verdicts pick the brackets; bisection then uses the shorter yes/no runs.
  const onset = boundary(
    runs,
    (r) => r.peakLoss > r.loss0,
    (c) => rises(s, c),
    o.relTol,
    `${kind}, L = ${layers}: onset of the rise`,
  );
  progress(0.75);
  const edge = boundary(
    runs,
    (r) => r.phase === 'divergent',
    (c) => diverges(s, c),
    o.relTol,
    `${kind}, L = ${layers}: divergence`,
  );
  progress(0.9);
  const small = runs.find((r) => r.etaUnits === o.smallEta) ?? runAt(s, o.smallEta);
  const firstUnsettled = runs.findIndex((r) => r.phase === 'divergent' || r.phase === 'unsettled');
  const lastSettled = firstUnsettled === 0 ? null : runs[(firstUnsettled < 0 ? runs.length : firstUnsettled) - 1].etaUnits;
  // The middle of [onset, first grid η that does not settle], capped by the divergence edge.
  const upper = Math.min(edge ? edge.below : Infinity, firstUnsettled >= 0 ? runs[firstUnsettled].etaUnits : Math.max(...o.grid));
  const probes = onset && onset.above < upper ? probeWindow(s, onset.above, upper, edge ? edge.below : null) : [];
  const catapult = catapultRun(runs, probes);
  return {
    kind,
    depth: layers,
    lambdaHessian0: s.lambdaHessian0,
    lambdaNtk0: s.lambdaNtk0,
    loss0: s.loss0,
    runs,
    onset,
    edge,
    small,
    lastSettled,
    catapult,
    probes,
  };
}

/** The first probe that settled as a catapult; if none did, the grid's own catapult run nearest the window's middle, if there is one. */
function catapultRun(runs: readonly HuangRun[], probes: readonly HuangRun[]): HuangRun | null {
  const settledProbe = probes.find((r) => r.phase === 'catapult');
  const middle = probes.length ? probes[0].etaUnits : 0;
  const gridCatapult = runs
    .filter((r) => r.phase === 'catapult')
    .sort((a, b) => Math.abs(a.etaUnits - middle) - Math.abs(b.etaUnits - middle))[0];
  return settledProbe ?? gridCatapult ?? null;
}

/** Every (data kind, depth) setting: the η grid, both boundaries by bisection, and the run in the middle of the catapult window. */
export function computeHuang(options: Partial<HuangOptions> = {}, progress: Progress = () => {}): HuangData {
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
