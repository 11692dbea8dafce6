// Kalra & Barkeshli's phase diagram: c_loss, c_sharp, c_max, c_barrier against d/w, regimes shaded (the figure's and the explorer's).
import type { ErrorBars, Fill, LinePlot, Series } from '../../report/plotSpec';
import type { CriticalConstants } from '../../sweep/critical';

/** One net of the diagram: its d/w and its constants (first_divergent_c null when no c of the grid diverged). */
export interface DiagramNet extends CriticalConstants {
  /** d/w, the x of the diagram. */
  ratio: number;
  first_divergent_c: number | null;
}

/** The four regimes, bottom to top, and their colours. */
export const REGIMES = [
  { label: 'sharpness reduction', color: '#54a24b' },
  { label: 'loss catapult', color: '#4c78a8' },
  { label: 'sharpness catapult', color: '#f58518' },
  { label: 'divergence', color: '#e45756' },
] as const;

/** The x axis's margin beyond the outer nets, as a factor in d/w. */
const PAD = 1.25;

const CONSTANTS = ['c_loss', 'c_sharp', 'c_max', 'c_barrier'] as const;
/** Each constant's colour, so that its bars match its markers. */
const COLORS = { c_loss: '#4c78a8', c_sharp: '#f58518', c_max: '#e45756', c_barrier: '#72b7b2' } as const;

/**
 * A net's regime edges in c, from the grid's bottom to `top`, made monotone so that the four regions tile the column:
 * c_loss (or `top` if the loss never rose), then c_sharp clamped into [c_loss, c_max] (a sharpness that already rose
 * below c_loss leaves no loss-catapult region), then c_max (the bottom if the first c diverged, `top` if none did).
 */
function edges(n: DiagramNet, bottom: number, top: number): [number, number, number, number, number] {
  const max = n.c_max ?? (n.first_divergent_c !== null ? bottom : top);
  const loss = Math.min(n.c_loss ?? top, max);
  const sharp = Math.min(Math.max(n.c_sharp ?? max, loss), max);
  return [bottom, loss, sharp, max, top];
}

/** The mean of each constant over the nets of each d/w (K&B average over nets), NaN where none has it. */
function byRatio(nets: readonly DiagramNet[]): { ratio: number; nets: DiagramNet[] }[] {
  const ratios = [...new Set(nets.map((n) => n.ratio))].sort((a, b) => a - b);
  return ratios.map((ratio) => ({ ratio, nets: nets.filter((n) => n.ratio === ratio) }));
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
/** The sample standard deviation (NaN below two values: no bar). */
const sd = (xs: readonly number[]) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const found = (nets: readonly DiagramNet[], key: (typeof CONSTANTS)[number]) =>
  nets.map((n) => n[key]).filter((c): c is number => c !== null);

/**
 * The constants against d/w (log-log; nets of the same d/w averaged) over the four regimes shaded between the mean edges:
 * below c_loss, c_loss … c_sharp, c_sharp … c_max, above c_max (up to the largest first divergent c, or the grid's end).
 *
 * @example
 * phaseDiagramPlot(nets, depthGrid(v)); // K&B's Fig. 1 for the nets run so far
 */
export function phaseDiagramPlot(
  nets: readonly DiagramNet[],
  grid: readonly number[],
  title = 'critical constants against depth/width',
): LinePlot {
  const bottom = grid[0];
  const top = Math.max(bottom, ...nets.map((n) => n.first_divergent_c ?? grid[grid.length - 1]));
  const groups = byRatio(nets);
  const x = groups.map((g) => g.ratio);
  const series: Series[] = CONSTANTS.map((key) => ({
    name: key,
    x,
    y: groups.map((g) => mean(found(g.nets, key))),
    points: true,
    dashed: key === 'c_barrier',
    color: COLORS[key],
  }));
  // ±1 sd over the nets of a d/w (seeds, and depths at the same ratio) that have the constant.
  const errorBars: ErrorBars[] = CONSTANTS.map((key) => ({
    x,
    y: groups.map((g) => mean(found(g.nets, key))),
    err: groups.map((g) => sd(found(g.nets, key))),
    color: COLORS[key],
  }));
  const edgeMeans = groups.map((g) => [0, 1, 2, 3, 4].map((e) => mean(g.nets.map((n) => edges(n, bottom, top)[e]))));
  // The axis reaches PAD beyond the outer nets, so that their markers are not cut in half; the regimes run on to its ends.
  const xDomain: [number, number] | undefined = x.length > 0 ? [x[0] / PAD, x[x.length - 1] * PAD] : undefined;
  const ends = <T>(xs: T[]) => (xs.length > 0 ? [xs[0], ...xs, xs[xs.length - 1]] : xs);
  const fills: Fill[] = REGIMES.map((r, k) => ({
    label: r.label,
    color: r.color,
    x: xDomain ? [xDomain[0], ...x, xDomain[1]] : [],
    lo: ends(edgeMeans.map((m) => m[k])),
    hi: ends(edgeMeans.map((m) => m[k + 1])),
  }));
  return {
    kind: 'line',
    title,
    xLabel: 'd/w',
    yLabel: 'c = η·λ_H0',
    xLog: true,
    yLog: true,
    series,
    fills,
    errorBars,
    xDomain,
    yDomain: [bottom, top],
    width: 480,
    height: 300,
  };
}
