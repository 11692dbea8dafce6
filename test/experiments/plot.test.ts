// Tests for the report figures: vega-lite specs, SVG rendering through vega, PNG files through rsvg-convert.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Heatmap, LinePlot, Series, pngConverter, renderSvg, toVegaLite, writePlot } from '../../src/experiments/report/plot';

type Json = { [key: string]: unknown };
type Layer = { data?: { values: Json[] }; mark: Json; encoding: Json };

const steps = [1, 2, 3, 4, 5, 6];
const loss = (): LinePlot => ({
  kind: 'line',
  title: 'Loss by learning rate',
  xLabel: 'step t',
  yLabel: 'loss L_t',
  xLog: true,
  yLog: true,
  series: [
    { name: 'lazy', x: steps, y: [1, 1e-2, 1e-4, 1e-6, 1e-7, 1e-8] },
    // Diverges: ∞ and NaN as a real run records them; 0 and a negative value have no place on a log axis.
    { name: 'divergent', x: steps, y: [1, 10, 0, -1, Infinity, NaN], dashed: true, points: true },
    { name: 'no data', x: [], y: [] },
  ],
  vlines: [
    { at: 2, label: 'peak' },
    { at: 0, label: 'off the log axis' },
  ],
  hlines: [{ at: 1e-3, label: 'tolerance' }],
  bands: [{ from: 4, to: Infinity, label: 'late phase' }],
});

const grid = (n: number): number[] => Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
const landscape = (n: number): Heatmap => {
  const x = grid(n),
    y = grid(n),
    z = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) z[j * n + i] = (x[i] * y[j]) ** 2 + 1e-6;
  return {
    kind: 'heatmap',
    title: 'Loss landscape',
    xLabel: 'u',
    yLabel: 'v',
    zLabel: 'loss',
    zLog: true,
    x,
    y,
    z,
    paths: [{ name: 'GD path', x: [0.9, -0.5, 0.3, -0.1], y: [0.2, 0.4, -0.3, 0.1] }],
  };
};

const layers = (p: LinePlot | Heatmap): Layer[] => (toVegaLite(p) as { layer: Layer[] }).layer;
const rows = (p: LinePlot): Json[] => (toVegaLite(p) as { data: { values: Json[] } }).data.values;
/** Every number anywhere in the spec. */
const numbers = (v: unknown): number[] =>
  typeof v === 'number' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(numbers) : [];
/** The texts of the SVG's <text> elements. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

test('a log-log line plot renders title, axis titles, legend, log tick labels, rule and band labels', async () => {
  const svg = await renderSvg(loss());
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
  const t = texts(svg);
  for (const s of ['Loss by learning rate', 'step t', 'loss L_t', 'lazy', 'divergent', 'no data', 'peak', 'tolerance', 'late phase']) {
    assert.ok(t.includes(s), `no text '${s}' in ${JSON.stringify(t)}`);
  }
  assert.not.ok(t.includes('off the log axis'), 'a vline at 0 on a log axis is dropped');
  // Exponent form outside [1e-3, 1e4], plain numbers inside.
  for (const s of ['1e-8', '1e-6', '0.01', '1']) assert.ok(t.includes(s), `no y tick '${s}' in ${JSON.stringify(t)}`);
});

test('non-finite points, and points ≤ 0 on a log axis, are dropped and break the line', async () => {
  const data = rows(loss());
  assert.ok(numbers(toVegaLite(loss())).every(Number.isFinite), 'the spec holds only finite numbers');
  const div = data.filter((r) => r.series === 'divergent');
  assert.equal(
    div.map((r) => r.y),
    [1, 10],
  );
  assert.equal(data.filter((r) => r.series === 'lazy').length, 6);
  // A diverged run alone, on linear axes: ∞ dropped, the gap not bridged (two segments), and it still renders.
  const p: LinePlot = {
    kind: 'line',
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    series: [{ name: 'gap', x: [0, 1, 2, 3, 4], y: [1, 2, Infinity, 4, 5] }],
  };
  const r = rows(p);
  assert.equal(
    r.map((d) => d.i),
    [0, 1, 3, 4],
  );
  assert.is.not(r[1].seg, r[2].seg, 'a new segment after the dropped point');
  const svg = await renderSvg(p);
  const pieces = [...svg.matchAll(/<g class="mark-line role-mark[^>]*><path d="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(pieces, ['M0,300L120,225', 'M360,75L480,0'], 'two line pieces, none across x = 2');
});

test('empty series and empty plots render without error', async () => {
  const p: LinePlot = {
    kind: 'line',
    title: 'nothing to plot',
    xLabel: 'x',
    yLabel: 'y',
    xLog: true,
    series: [
      { name: 'empty', x: [], y: [] },
      { name: 'all infinite', x: [1, 2], y: [Infinity, NaN] },
    ],
    bands: [{ from: 1, to: Infinity, label: 'open band without data' }],
  };
  const t = texts(await renderSvg(p));
  assert.ok(t.includes('empty') && t.includes('all infinite'), 'both stay in the legend');
  assert.ok((await renderSvg({ ...p, series: [] })).startsWith('<svg'));
  assert.ok((await renderSvg({ ...landscape(3), z: [NaN, NaN, NaN, 0, -1, Infinity, NaN, NaN, NaN], paths: [] })).startsWith('<svg'));
});

test('lines connect points in array order, not sorted by x', async () => {
  const p: LinePlot = {
    kind: 'line',
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    xDomain: [0, 2],
    yDomain: [0, 2],
    series: [{ name: 'loop', x: [0, 2, 1], y: [0, 1, 2] }],
  };
  const line = layers(p).find((l) => l.mark.type === 'line')!;
  assert.equal(line.encoding.order, { field: 'i', type: 'quantitative' });
  const d = (await renderSvg(p)).match(/<g class="mark-line role-mark[^>]*><path d="([^"]*)"/)![1];
  const xs = [...d.matchAll(/[ML]([-\d.]+),/g)].map((m) => Number(m[1]));
  assert.equal(xs, [0, 480, 240]);
});

test('fixed domains: exact scale domain, no nice rounding, marks clipped', () => {
  const p: LinePlot = { ...loss(), xDomain: [1, 4], yDomain: [1e-6, 1] };
  for (const l of layers(p)) {
    assert.is(l.mark.clip, true, `clip on ${String(l.mark.type)}`);
    for (const [ch, dom] of [
      ['x', p.xDomain],
      ['y', p.yDomain],
    ] as const) {
      const enc = l.encoding[ch] as { scale?: Json } | undefined;
      if (enc?.scale) assert.equal([enc.scale.domain, enc.scale.nice], [dom, false]);
    }
  }
  // The open band stops at the fixed domain.
  const band = layers(p).find((l) => l.mark.type === 'rect')!;
  assert.equal([band.data!.values[0].from, band.data!.values[0].to], [4, 4]);
});

test('series colours and legend keep the given order; duplicate names and ragged series are errors', () => {
  const series: Series[] = Array.from({ length: 12 }, (_, k) => ({ name: `width ${2 ** (k + 4)}`, x: [0, 1], y: [k, k + 1] }));
  series[3] = { ...series[3], color: 'black' };
  const line = layers({ kind: 'line', title: 't', xLabel: 'x', yLabel: 'y', series }).find((l) => l.mark.type === 'line')!;
  const scale = (line.encoding.color as { scale: { domain: string[]; range: string[] } }).scale;
  assert.equal(
    scale.domain,
    series.map((s) => s.name),
  );
  assert.is(scale.range[3], 'black');
  assert.is(new Set(scale.range).size, 12, 'twelve distinct colours');
  const dup = { kind: 'line', title: 't', xLabel: 'x', yLabel: 'y', series: [series[0], series[0]] } as LinePlot;
  assert.throws(() => toVegaLite(dup), /named 'width 16'/);
  assert.throws(() => toVegaLite({ ...dup, series: [{ name: 'a', x: [1, 2], y: [1] }] }), /2 x values but 1 y values/);
});

test('heatmap: one rect per plottable cell with edges from the spacing, log colour, paths on top', async () => {
  const p = landscape(5);
  (p.z as Float64Array)[7] = NaN;
  (p.z as Float64Array)[8] = 0; // blank on the log scale
  const [cells, paths] = layers(p);
  assert.is(cells.data!.values.length, 23);
  assert.equal(cells.data!.values[0], { x0: -1.25, x1: -0.75, y0: -1.25, y1: -0.75, z: 1 + 1e-6 });
  assert.equal((cells.encoding.color as { scale: Json }).scale, { type: 'log', scheme: 'viridis' });
  assert.equal(
    paths.data!.values.map((r) => r.i),
    [0, 1, 2, 3],
  );
  const svg = await renderSvg(p);
  const rects = svg.match(/<g class="mark-rect role-mark[^>]*>(.*?)<\/g>/)![1].match(/<path/g)!.length;
  assert.is(rects, 23);
  assert.ok(svg.includes('class="mark-rect role-mark cells_marks" shape-rendering="crispEdges"'), 'cells with crisp edges');
  assert.not.match(svg, / d="[^"]*\d\.\d{3}/, 'path coordinates rounded to 0.01 px');
  const t = texts(svg);
  for (const s of ['Loss landscape', 'u', 'v', 'loss', 'GD path']) assert.ok(t.includes(s), `no text '${s}'`);
  assert.throws(() => toVegaLite({ ...p, z: [1, 2, 3] }), /expected 5·5 = 25/);
});

test('a 120×120 heatmap renders in well under a few seconds', async () => {
  const t0 = performance.now();
  const svg = await renderSvg(landscape(120));
  const ms = performance.now() - t0;
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  assert.is(svg.match(/<g class="mark-rect role-mark[^>]*>(.*?)<\/g>/)![1].match(/<path/g)!.length, 120 * 120);
});

test('rendering is deterministic, also for renders running at the same time', async () => {
  const [a1, h1] = [await renderSvg(loss()), await renderSvg(landscape(8))];
  const clipped: LinePlot = { ...loss(), xDomain: [1, 4] };
  const [c1, a2, h2, c2] = await Promise.all([renderSvg(clipped), renderSvg(loss()), renderSvg(landscape(8)), renderSvg(clipped)]);
  assert.ok(a1 === a2, 'line plot');
  assert.ok(h1 === h2, 'heatmap (colour gradient ids)');
  assert.ok(c1 === c2, 'clipped plot (clip path ids)');
  assert.ok(c1.includes('clip-path='), 'the clipped plot does clip');
});

/** loss() with two fills, one of whose points (lo = 0) has no place on the log y axis. */
const filled = (): LinePlot => ({
  ...loss(),
  fills: [
    { label: 'low region', x: [1, 2, 4], lo: [1e-8, 0, 1e-8], hi: [1e-4, 1e-4, 1e-3], color: '#54a24b' },
    { label: 'high region', x: [1, 2, 4], lo: [1e-4, 1e-4, 1e-3], hi: [1, 1, 1] },
  ],
});

test('fills: an area between lo and hi per fill under the series, unplottable points dropped, labelled; ragged ones are errors', async () => {
  const layers = (toVegaLite(filled()) as { layer: Layer[] }).layer;
  const areas = layers.filter((l) => l.mark.type === 'area');
  assert.is(areas.length, 2);
  assert.is(layers.indexOf(areas[1]), 1, 'the fills come first, under everything else');
  assert.equal(areas[0].data!.values, [
    { x: 1, lo: 1e-8, hi: 1e-4 },
    { x: 4, lo: 1e-8, hi: 1e-3 },
  ]);
  assert.is(areas[0].mark.color, '#54a24b');
  assert.equal(Object.keys(areas[0].encoding), ['x', 'y', 'y2']);
  const svg = await renderSvg(filled());
  for (const s of ['low region', 'high region']) assert.ok(texts(svg).includes(s), `no label '${s}'`);
  assert.ok(svg.includes('mark-area'), 'the SVG has area marks');
  const ragged = { ...loss(), fills: [{ label: 'r', x: [1, 2], lo: [1], hi: [2, 3] }] };
  assert.throws(() => toVegaLite(ragged), /fill 'r' has 2 x values but 1 lower and 2 upper/);
});

test('the specs compile without vega-lite warnings', async () => {
  const warnings: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  try {
    for (const p of [
      loss(),
      filled(),
      { ...loss(), xDomain: [1, 4], yDomain: [1e-6, 1] } as LinePlot,
      landscape(4),
      { ...landscape(4), zLog: false },
    ]) {
      await renderSvg(p);
    }
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings, []);
});

test('writePlot writes the SVG and, with rsvg-convert, a PNG, into a new directory', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-plot-'));
  try {
    const dir = path.join(root, 'figures', 'loss');
    const out = await writePlot(dir, 'loss', loss());
    assert.is(out.svg, path.join(dir, 'loss.svg'));
    assert.ok(fs.readFileSync(out.svg, 'utf8').startsWith('<svg'));
    if (pngConverter() === null) {
      console.log('plot.test: no rsvg-convert on PATH; PNG output not checked');
      assert.is(out.png, null);
    } else {
      assert.is(out.png, path.join(dir, 'loss.png'));
      const magic = fs.readFileSync(out.png!).subarray(0, 8);
      assert.equal([...magic], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    assert.equal(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp files left',
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test.run();
