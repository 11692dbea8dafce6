// Report figures as data: line plots and heatmaps, and the vega-lite spec of each (no rendering, no files: the page uses it too).
import { BAND_COLORS, PATH_COLORS, RULE_COLOR, RULE_TEXT, TABLEAU10, TABLEAU20 } from './plotColors';
import { ErrorBars, Fill, Json, errorBarLayers, fillLayers, labelLayers, plottable } from './plotMarks';

export type { ErrorBars, Fill };

export interface Series {
  /** Legend entry; unique within a plot. */
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Draw point markers too (default false: line only). */
  points?: boolean;
  /** Markers only, no line. */
  pointsOnly?: boolean;
  dashed?: boolean;
  /** CSS colour; default: the next colour of the plot's categorical palette. */
  color?: string;
}

/** A reference line at x = at (vlines) or y = at (hlines), labelled. */
export interface Rule {
  at: number;
  label: string;
}

/** A shaded x-interval such as the divergent phase; ±Infinity ends stop at the edge of the data. */
export interface Band {
  from: number;
  to: number;
  label: string;
  /** CSS colour of the fill (at low opacity) and label; default: red, grey, blue in turn. */
  color?: string;
}

/** A strip across the top of a line plot, above its data, with shaded intervals of its own (e.g. one width's phases). */
export interface Lane {
  /** Written left of the plot, beside the strip. */
  label: string;
  bands: Band[];
}

export interface LinePlot {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  vlines?: Rule[];
  hlines?: Rule[];
  bands?: Band[];
  /** Regions between curves, drawn under everything else. */
  fills?: Fill[];
  /** Vertical bars y ± err (e.g. one standard deviation over seeds), drawn under the series. */
  errorBars?: ErrorBars[];
  /**
   * Strips of LANE_PX each across the top, in order, above the data (the plot grows by their height): shading that
   * holds for one curve only, which a full-height band would claim for all. Rule labels start below them.
   */
  lanes?: Lane[];
  /** Fixed domains; marks outside are clipped. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Size of the plotting area in px (default 480 × 300); title, axes and legend come on top. */
  width?: number;
  height?: number;
}

export interface Heatmap {
  kind: 'heatmap';
  title: string;
  xLabel: string;
  yLabel: string;
  zLabel: string;
  /** Grid cell centers, ascending, evenly spaced. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** z[j * x.length + i] is the value at (x[i], y[j]). */
  z: ArrayLike<number>;
  /** Log colour scale; cells ≤ 0 are then left blank, as non-finite ones always are. */
  zLog?: boolean;
  /** Trajectories drawn on top: lines with point markers, in array order (points, pointsOnly and dashed are ignored). */
  paths?: Series[];
  width?: number;
  height?: number;
}

export type Plot = LinePlot | Heatmap;

const WIDTH = 480;
const HEIGHT = 300;
const DASH = [6, 4];
/** Height (px) of a lane: its band labels (10 px) fit inside. */
export const LANE_PX = 16;

/** Rows {series, x, y, i, seg} of the plottable points: i keeps the array order, seg changes at every dropped point
 *  so that a line breaks there instead of bridging the gap. */
function seriesRows(series: readonly Series[], xLog?: boolean, yLog?: boolean): Json[] {
  const rows: Json[] = [];
  let seg = 0;
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new Error(`plot: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    seg++;
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i],
        y = s.y[i];
      if (plottable(x, xLog) && plottable(y, yLog)) rows.push({ series: s.name, x, y, i, seg });
      else seg++;
    }
  }
  return rows;
}

/** The colour encoding of the series: given order in legend and colour domain, palette colours unless overridden. */
function seriesColor(series: readonly Series[], palette: readonly string[]): Json {
  const names = series.map((s) => s.name);
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup !== undefined) throw new Error(`plot: two series are named '${dup}'; legend names must be unique`);
  const range = series.map((s, k) => s.color ?? palette[k % palette.length]);
  return { field: 'series', type: 'nominal', title: null, sort: null, scale: { domain: names, range } };
}

/** Log-axis labels: plain numbers between 1e-3 and 1e4, else exponents (1e-6, 2.5e+8) rather than long runs of zeros.
 *  Keeps vega's blank labels, which thin out the minor ticks. */
const LOG_LABELS =
  "datum.label === '' ? '' : abs(datum.value) >= 1e-3 && abs(datum.value) < 1e4 ? format(datum.value, '~g') : format(datum.value, '~e')";

/** A positional encoding; every layer repeats it so that the shared axis keeps its title and scale. */
function axis(field: string, title: string, log: boolean | undefined, domain: [number, number] | undefined, range?: number[]): Json {
  // A nice log domain can waste most of a decade on each side; the data (or the given domain) fills the plot instead.
  // Linear axes need not reach 0: a sharpness hovering near 2/η would otherwise be squashed into the top of the plot.
  const scale: Json = log ? { type: 'log', nice: false } : { type: 'linear', zero: false };
  if (domain) Object.assign(scale, { domain, nice: false });
  if (range) scale.range = range;
  return { field, type: 'quantitative', title, scale, ...(log ? { axis: { labelExpr: LOG_LABELS } } : {}) };
}

/** Layers drawing the series (plain lines, lines with markers, markers only) on the plot's data. */
function seriesLayers(series: readonly Series[], palette: readonly string[], x: Json, y: Json, clip: boolean): Json[] {
  const line = (s: Series) => !s.pointsOnly;
  const marked = (s: Series) => !!(s.points || s.pointsOnly);
  const only = (pick: (s: Series) => boolean) => [{ filter: { field: 'series', oneOf: series.filter(pick).map((s) => s.name) } }];
  // vega-lite merges the colour legends of all layers and the dash legend into one; the same explicit line symbol on each
  // keeps it a line with its dashes (the markers' default would turn every entry into a hollow dot).
  const legend = { labelLimit: 320, ...(series.some(line) ? { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } : {}) };
  const color = { ...seriesColor(series, palette), legend };
  const strokeDash = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: null,
    legend,
    scale: { domain: series.map((s) => s.name), range: series.map((s) => (s.dashed ? DASH : [1, 0])) },
  };
  const layers: Json[] = [];
  if (series.some(line)) {
    layers.push({
      transform: only(line),
      mark: { type: 'line', clip, strokeWidth: 2 },
      // order: connect points in array order, not sorted by x; detail: a new path after every dropped point.
      encoding: { x, y, color, strokeDash, order: { field: 'i', type: 'quantitative' }, detail: { field: 'seg', type: 'nominal' } },
    });
  }
  if (series.some(marked)) {
    layers.push({ transform: only(marked), mark: { type: 'point', clip, filled: true, size: 30, opacity: 1 }, encoding: { x, y, color } });
  }
  return layers;
}

/** Bands with their open (±Infinity) ends at the data's x range [xlo, xhi], unplottable ones dropped, and their label's x. */
function placeBands(bands: readonly Band[], xlo: number, xhi: number, log: boolean | undefined) {
  return bands
    .map((b) => ({ ...b, from: b.from === -Infinity ? xlo : b.from, to: b.to === Infinity ? xhi : b.to }))
    .filter((b) => plottable(b.from, log) && plottable(b.to, log))
    .map((b) => ({ ...b, mid: log ? Math.sqrt(b.from * b.to) : (b.from + b.to) / 2 }));
}

/** Fill and label colours of bands: their own colour, else red, grey, blue in turn. */
const bandColors = (bands: readonly Band[]) => bands.map((b, k) => (b.color ? [b.color, b.color] : BAND_COLORS[k % BAND_COLORS.length]));

/**
 * The layers of lanes: `strips` (per lane its bands, LANE_PX high from the top, and a thin line where the lanes end, so
 * that they do not read as part of the data's y range) and `labels` (the bands' inside them, the lane's left of the plot).
 */
function laneLayers(
  lanes: readonly Lane[],
  place: (bs: readonly Band[]) => ReturnType<typeof placeBands>,
  X: (f: string) => Json,
  clip: boolean,
) {
  const strips: Json[] = [],
    labels: Json[] = [],
    text = { field: 'label' };
  lanes.forEach((lane, k) => {
    const top = k * LANE_PX,
      y = { value: top + LANE_PX / 2 },
      bands = place(lane.bands),
      colors = bandColors(bands);
    bands.forEach((b, j) => {
      const encoding = { x: X('from'), x2: { field: 'to' }, y: { value: top }, y2: { value: top + LANE_PX } };
      strips.push({ data: { values: [b] }, mark: { type: 'rect', clip, color: colors[j][0], opacity: 0.3 }, encoding });
      const mark = { clip, color: colors[j][1], fontSize: 10, align: 'center', baseline: 'middle' };
      labels.push(...labelLayers([b], mark, { x: X('mid'), y, text }));
    });
    const mark = { clip: false, color: RULE_TEXT, fontSize: 10, align: 'right', baseline: 'middle', dx: -6 };
    labels.push(...labelLayers([{ label: lane.label }], mark, { x: { value: 0 }, y, text }));
  });
  if (lanes.length)
    strips.push({ mark: { type: 'rule', color: '#bbbbbb', strokeWidth: 1 }, encoding: { y: { value: lanes.length * LANE_PX } } });
  return { strips, labels };
}

function lineSpec(p: LinePlot): Json {
  const lanes = p.lanes ?? [],
    lanesPx = lanes.length * LANE_PX;
  const width = p.width ?? WIDTH,
    height = (p.height ?? HEIGHT) + lanesPx;
  const clip = !!(p.xDomain || p.yDomain);
  const X = (field: string) => axis(field, p.xLabel, p.xLog, p.xDomain);
  // With lanes the data's y range ends below them, so that no point or line is drawn under the strips.
  const Y = (field: string) => axis(field, p.yLabel, p.yLog, p.yDomain, lanesPx ? [height, lanesPx] : undefined);
  const rows = seriesRows(p.series, p.xLog, p.yLog);
  // Bands open to ±Infinity stop at the data (or at the fixed domain) rather than stretching the axis.
  // (A loop, not Math.min(...xs): a long run would overflow the call stack.)
  let [xlo, xhi] = p.xDomain ?? [Infinity, -Infinity];
  if (!p.xDomain) for (const r of rows) [xlo, xhi] = [Math.min(xlo, r.x as number), Math.max(xhi, r.x as number)];
  const place = (bs: readonly Band[]) => placeBands(bs, xlo, xhi, p.xLog);
  const bands = place(p.bands ?? []);
  // One layer per band with its colour on the mark: a colour encoding would join (and break) the series legend.
  const colors = bandColors(bands);
  const vlines = (p.vlines ?? []).filter((r) => plottable(r.at, p.xLog));
  const hlines = (p.hlines ?? []).filter((r) => plottable(r.at, p.yLog));

  const fills = fillLayers(p.fills ?? [], X, Y, p, clip);
  const layers: Json[] = [...fills.areas];
  bands.forEach((b, k) => {
    // A rect with x and x2 only spans the full height.
    layers.push({
      data: { values: [b] },
      mark: { type: 'rect', clip, color: colors[k][0], opacity: 0.12 },
      encoding: { x: X('from'), x2: { field: 'to' } },
    });
  });
  const inLanes = laneLayers(lanes, place, X, clip);
  layers.push(...inLanes.strips);
  const rule = { type: 'rule', clip, color: RULE_COLOR, strokeDash: [4, 4], strokeWidth: 1 };
  if (vlines.length) layers.push({ data: { values: vlines }, mark: rule, encoding: { x: X('at') } });
  if (hlines.length) layers.push({ data: { values: hlines }, mark: rule, encoding: { y: Y('at') } });
  layers.push(...errorBarLayers(p.errorBars ?? [], X, Y, p.yLog, clip));
  layers.push(...seriesLayers(p.series, p.series.length > 10 ? TABLEAU20 : TABLEAU10, X('x'), Y('y'), clip));
  // Labels last, so that no line is drawn over them.
  const text = { field: 'label' };
  bands.forEach((b, k) => {
    layers.push(
      ...labelLayers([b], { clip, color: colors[k][1], align: 'center', baseline: 'top', dy: 4 }, { x: X('mid'), y: { value: 0 }, text }),
    );
  });
  layers.push(...inLanes.labels, ...fills.labels);
  if (vlines.length) {
    // Vertical, along the line, so that labels of close lines do not run into each other or into band labels; below
    // the lanes, which hold labels of their own.
    layers.push(
      ...labelLayers(
        vlines,
        { clip, color: RULE_TEXT, angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -3 },
        { x: X('at'), y: { value: lanesPx }, text },
      ),
    );
  }
  if (hlines.length) {
    layers.push(
      ...labelLayers(
        hlines,
        { clip, color: RULE_TEXT, align: 'right', baseline: 'bottom', dx: -4, dy: -3 },
        { x: { value: width }, y: Y('at'), text },
      ),
    );
  }
  return { title: p.title, width, height, data: { values: rows }, layer: layers };
}

/** Lower and upper cell edges from evenly spaced ascending centres (a single centre gets a unit cell). */
function edges(c: ArrayLike<number>): { lo: (i: number) => number; hi: (i: number) => number } {
  const h = c.length > 1 ? (c[c.length - 1] - c[0]) / (c.length - 1) : 1;
  return { lo: (i) => c[i] - h / 2, hi: (i) => c[i] + h / 2 };
}

function heatmapSpec(p: Heatmap): Json {
  const nx = p.x.length,
    ny = p.y.length;
  if (p.z.length !== nx * ny) throw new Error(`plot: heatmap z has ${p.z.length} values, expected ${nx}·${ny} = ${nx * ny}`);
  const ex = edges(p.x),
    ey = edges(p.y);
  const cells: Json[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const z = p.z[j * nx + i];
      if (plottable(z, p.zLog)) cells.push({ x0: ex.lo(i), x1: ex.hi(i), y0: ey.lo(j), y1: ey.hi(j), z });
    }
  }
  const X = (field: string) => axis(field, p.xLabel, false, nx ? [ex.lo(0), ex.hi(nx - 1)] : undefined);
  const Y = (field: string) => axis(field, p.yLabel, false, ny ? [ey.lo(0), ey.hi(ny - 1)] : undefined);
  const layers: Json[] = [
    {
      name: 'cells',
      data: { values: cells },
      mark: { type: 'rect', strokeWidth: 0 },
      encoding: {
        x: X('x0'),
        x2: { field: 'x1' },
        y: Y('y0'),
        y2: { field: 'y1' },
        color: {
          field: 'z',
          type: 'quantitative',
          title: p.zLabel,
          scale: { type: p.zLog ? 'log' : 'linear', scheme: 'viridis' },
          ...(p.zLog ? { legend: { labelExpr: LOG_LABELS } } : {}),
        },
      },
    },
  ];
  const paths = p.paths ?? [];
  if (paths.length) {
    layers.push({
      data: { values: seriesRows(paths) },
      mark: { type: 'line', clip: true, strokeWidth: 2, point: { filled: true, size: 25 } },
      encoding: {
        x: X('x'),
        y: Y('y'),
        color: seriesColor(paths, PATH_COLORS),
        order: { field: 'i', type: 'quantitative' },
        detail: { field: 'seg', type: 'nominal' },
      },
    });
  }
  return {
    title: p.title,
    width: p.width ?? WIDTH,
    height: p.height ?? HEIGHT,
    layer: layers,
    // The cells' quantitative colour and the paths' categorical colour are different scales, with a legend each.
    resolve: { scale: { color: 'independent' } },
  };
}

/**
 * Vega-lite spec (plain JSON) for a plot; exported so tests can inspect it.
 * @example
 * const spec = toVegaLite({ kind: 'line', title: 'loss', xLabel: 'step', yLabel: 'loss', yLog: true,
 *   series: [{ name: 'η = 1.5x', x: steps, y: losses }] });
 */
export function toVegaLite(p: Plot): object {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    ...(p.kind === 'line' ? lineSpec(p) : heatmapSpec(p)),
    config: {
      // No aria labels: they would double the SVG of a heatmap, and a report figure is not interactive.
      aria: false,
      title: { fontSize: 14, anchor: 'start', offset: 10 },
      axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e8e8e8' },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
    },
  };
}
