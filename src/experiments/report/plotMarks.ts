// Pieces the report figures' layers share: which values plot, labels over a halo, and fills between two curves.
import { BAND_COLORS } from './plotColors';

export type Json = { [key: string]: unknown };

/** A region between two curves over the same x (e.g. one regime of a phase diagram), shaded and labelled inside. */
export interface Fill {
  label: string;
  /** Ascending. */
  x: ArrayLike<number>;
  /** The lower and upper curve at each x; a point that is not plottable on its axis is left out. */
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
  /** CSS colour of the fill (at low opacity) and its label; default: red, grey, blue in turn. */
  color?: string;
}

/**
 * A point survives if it is finite and, on a log axis, positive.
 *
 * @example
 * plottable(0, true); // false
 */
export function plottable(v: number, log: boolean | undefined): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

/**
 * Text labels over a white halo, so that they stay readable where they cross a line.
 *
 * @example
 * layers.push(...labelLayers([{ x: 2, label: 'peak' }], { color: RULE_TEXT }, { x: X('x'), y: { value: 0 }, text: { field: 'label' } }));
 */
export function labelLayers(data: readonly object[], mark: Json, encoding: Json): Json[] {
  const text = { type: 'text', fontSize: 11, ...mark };
  return [
    { data: { values: data }, mark: { ...text, stroke: 'white', strokeWidth: 3, strokeJoin: 'round', strokeOpacity: 0.9 }, encoding },
    { data: { values: data }, mark: text, encoding },
  ];
}

type FillRow = { x: number; lo: number; hi: number };

/** Where a fill's label goes: the middle of its x range and of its lo … hi there (both measured on the axes' scales). */
function middle(rows: readonly FillRow[], axes: { xLog?: boolean; yLog?: boolean }): { x: number; y: number } {
  const [fx, fy] = [axes.xLog, axes.yLog].map((log) => (log ? Math.log : (v: number) => v));
  const [gx, gy] = [axes.xLog, axes.yLog].map((log) => (log ? Math.exp : (v: number) => v));
  const u = (fx(rows[0].x) + fx(rows[rows.length - 1].x)) / 2;
  const j = Math.max(0, rows.findIndex((r) => fx(r.x) >= u) - 1);
  const [a, b] = [rows[j], rows[Math.min(j + 1, rows.length - 1)]];
  const s = fx(b.x) > fx(a.x) ? (u - fx(a.x)) / (fx(b.x) - fx(a.x)) : 0;
  const along = (k: 'lo' | 'hi') => fy(a[k]) + s * (fy(b[k]) - fy(a[k]));
  return { x: gx(u), y: gy((along('lo') + along('hi')) / 2) };
}

/**
 * Area layers of the fills (their points plottable on both axes) and, to go last in the plot, their labels at the middle point.
 *
 * @example
 * const { areas, labels } = fillLayers(p.fills ?? [], X, Y, p, clip); // areas under the series, labels over them
 */
export function fillLayers(
  fills: readonly Fill[],
  X: (f: string) => Json,
  Y: (f: string) => Json,
  axes: { xLog?: boolean; yLog?: boolean },
  clip: boolean,
) {
  const areas: Json[] = [],
    labels: Json[] = [];
  fills.forEach((f, k) => {
    if (f.x.length !== f.lo.length || f.x.length !== f.hi.length)
      throw new Error(`plot: fill '${f.label}' has ${f.x.length} x values but ${f.lo.length} lower and ${f.hi.length} upper`);
    const rows: Json[] = [];
    for (let i = 0; i < f.x.length; i++) {
      const [x, lo, hi] = [f.x[i], f.lo[i], f.hi[i]];
      if (plottable(x, axes.xLog) && plottable(lo, axes.yLog) && plottable(hi, axes.yLog)) rows.push({ x, lo, hi });
    }
    if (rows.length === 0) return;
    const [fill, text] = f.color ? [f.color, f.color] : BAND_COLORS[k % BAND_COLORS.length];
    const y2 = { field: 'hi' };
    areas.push({
      data: { values: rows },
      mark: { type: 'area', clip, color: fill, opacity: 0.18 },
      encoding: { x: X('x'), y: Y('lo'), y2 },
    });
    const at = { ...middle(rows as FillRow[], axes), label: f.label };
    const mark = { clip, color: text, align: 'center', baseline: 'middle' };
    labels.push(...labelLayers([at], mark, { x: X('x'), y: Y('y'), text: { field: 'label' } }));
  });
  return { areas, labels };
}

/** Vertical bars y ± err at the points of a series, in the series' colour. */
export interface ErrorBars {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  err: ArrayLike<number>;
  color: string;
}

/**
 * Error bars as rules from y − err to y + err (bars reaching 0 or below on a log axis start at the point itself).
 * @example
 * errorBarLayers([{ x: [1], y: [4], err: [0.5], color: '#1f77b4' }], X, Y, false, true);
 */
export function errorBarLayers(
  bars: readonly ErrorBars[],
  X: (f: string) => Json,
  Y: (f: string) => Json,
  yLog: boolean | undefined,
  clip: boolean,
): Json[] {
  return bars.map((b) => {
    const rows = Array.from(b.x, (x, i) => {
      const [y, e] = [b.y[i], b.err[i]];
      return { x, lo: yLog && y - e <= 0 ? y : y - e, hi: y + e };
    }).filter((r) => [r.x, r.lo, r.hi].every(Number.isFinite));
    return {
      data: { values: rows },
      mark: { type: 'rule', clip, color: b.color, strokeWidth: 1.5 },
      encoding: { x: X('x'), y: Y('lo'), y2: { field: 'hi' } },
    };
  });
}
