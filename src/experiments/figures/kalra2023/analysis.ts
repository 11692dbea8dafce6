// The phase diagram's numbers: one row per sweep, the seeds' mean and spread per (d, w), and K&B's three claims.
import { linearFit, slopeInterval } from '../../report/stats';
import type { PhasePanel } from './options';
import type { PhaseSweep } from './sweeps';

export const CONSTANTS = ['c_loss', 'c_sharp', 'c_barrier', 'c_max'] as const;
export type ConstantName = (typeof CONSTANTS)[number];

/** K&B's "c_loss → 2": the mean c_loss at the smallest d/w within this factor of 2 (two steps of their 2^0.1 grid). */
export const LAZY_LIMIT_FACTOR = 2 ** 0.2;

/** The seeds of one (panel, depth, width): each constant's mean and sample standard deviation over the seeds that have it. */
export interface PhaseCell {
  panel: PhasePanel;
  depth: number;
  width: number;
  dOverW: number;
  seeds: number;
  mean: Record<ConstantName, number | null>;
  sd: Record<ConstantName, number | null>;
  /** How many seeds have the constant on the grid (c_sharp or c_barrier can be missing before the first divergence). */
  found: Record<ConstantName, number>;
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sdOf = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, x) => a + (x - meanOf(v)) ** 2, 0) / (v.length - 1)));

/**
 * The cells of a panel in increasing d/w (ties by depth), from its sweeps.
 * @example
 * phaseCells(d.sweeps, 'gd')[0].mean.c_loss; // the mean c_loss of the smallest d/w
 */
export function phaseCells(sweeps: readonly PhaseSweep[], panel: PhasePanel): PhaseCell[] {
  const groups = new Map<string, PhaseSweep[]>();
  for (const s of sweeps.filter((x) => x.panel === panel)) {
    const key = `${s.depth}/${s.width}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const cells = [...groups.values()].map((g) => {
    const values = (k: ConstantName) => g.map((s) => s.result[k]).filter((c): c is number => c !== null);
    const per = <T>(f: (v: number[]) => T) => Object.fromEntries(CONSTANTS.map((k) => [k, f(values(k))])) as Record<ConstantName, T>;
    return {
      panel,
      depth: g[0].depth,
      width: g[0].width,
      dOverW: g[0].depth / g[0].width,
      seeds: g.length,
      mean: per((v) => (v.length ? meanOf(v) : null)),
      sd: per((v) => (v.length ? sdOf(v) : null)),
      found: per((v) => v.length),
    };
  });
  return cells.sort((a, b) => a.dOverW - b.dOverW || a.depth - b.depth);
}

/** Whether c_loss ≤ c_sharp ≤ c_max holds in a sweep, fails, or cannot be told from the grid run. */
export type Ordering = 'holds' | 'fails' | 'undetermined';

/**
 * K&B's ordering in one sweep. A constant missing because nothing diverged lies beyond the grid (+∞), one missing
 * before the first divergence lies above c_max, and c_max missing because the first point diverged lies below the grid;
 * a comparison of two constants both beyond the grid is undetermined.
 * @example
 * ordering(sweep); // 'holds'
 */
export function ordering(s: PhaseSweep): Ordering {
  const r = s.result;
  const diverged = r.first_divergent_c !== null;
  const cMax = r.c_max ?? (diverged ? -Infinity : Infinity);
  // Missing before a divergence: somewhere between c_max and the first divergent c, i.e. just above c_max.
  const at = (c: number | null) => c ?? (diverged ? r.first_divergent_c! : Infinity);
  const pairs: [number, number][] = [
    [at(r.c_loss), at(r.c_sharp)],
    [at(r.c_sharp), cMax],
  ];
  if (pairs.some(([a, b]) => a > b)) return 'fails';
  return pairs.some(([a, b]) => a === Infinity && b === Infinity) ? 'undetermined' : 'holds';
}

/** log2 c against log2(d/w) over a panel's sweeps (each seed a point): slope, its 95 % interval, and the points used. */
export interface Trend {
  slope: number;
  interval: [number, number] | null;
  points: number;
}

/**
 * The trend of one constant with d/w, or null with fewer than two distinct d/w.
 * @example
 * trendWithDepthOverWidth(d.sweeps, 'gd', 'c_loss')?.slope; // > 0: c_loss grows with d/w
 */
export function trendWithDepthOverWidth(sweeps: readonly PhaseSweep[], panel: PhasePanel, k: ConstantName): Trend | null {
  const pts = sweeps.filter((s) => s.panel === panel && s.result[k] !== null);
  if (new Set(pts.map((s) => s.depth / s.width)).size < 2) return null;
  const fit = linearFit(
    pts.map((s) => Math.log2(s.depth / s.width)),
    pts.map((s) => Math.log2(s.result[k]!)),
  );
  return { slope: fit.slope, interval: slopeInterval(fit), points: pts.length };
}
