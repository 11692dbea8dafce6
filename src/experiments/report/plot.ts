// Report figures rendered: the vega-lite spec (plotSpec.ts) to SVG by vega, and to PNG by rsvg-convert.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../io/output';
import { Plot, toVegaLite } from './plotSpec';

export * from './plotSpec';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });
let modules: Promise<{ vega: Vega; vl: VegaLite }> | undefined;
/** The render in progress; the next one waits for it. */
let rendering: Promise<unknown> = Promise.resolve();

/** vega and vega-lite are ESM-only: import() them once, on first use. */
function load(): Promise<{ vega: Vega; vl: VegaLite }> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return modules;
}

/** Two fixes vega has no option for. Path coordinates to 0.01 px: vega writes float noise (3.999999999999986) that
 *  doubles a heatmap's SVG. Heatmap cells with crisp edges: antialiased edges of abutting cells show as a faint grid. */
function tidy(svg: string): string {
  return svg
    .replace(/ d="[^"]*"/g, (d) => d.replace(/\d+\.\d{3,}/g, (v) => String(Number(Number(v).toFixed(2)))))
    .replace('<g class="mark-rect role-mark cells_marks"', '$& shape-rendering="crispEdges"');
}

/**
 * Renders the plot to an SVG string; the same plot always gives the same bytes.
 * @example
 * const svg = await renderSvg({ kind: 'heatmap', title: 'loss landscape', xLabel: 'u', yLabel: 'v', zLabel: 'loss',
 *   x: us, y: vs, z: losses, zLog: true });
 */
export async function renderSvg(p: Plot): Promise<string> {
  const spec = toVegaLite(p);
  const { vega, vl } = await load();
  const view = new vega.View(vega.parse(vl.compile(spec as Parameters<VegaLite['compile']>[0]).spec), { renderer: 'none' });
  // vega numbers clip paths and gradients with global counters: reset them, one render at a time, for identical bytes.
  const svg = rendering
    .catch(() => {})
    .then(() => {
      vega.resetSVGDefIds();
      return view.toSVG();
    });
  rendering = svg;
  try {
    return tidy(await svg);
  } finally {
    view.finalize();
  }
}

let converter: string | null | undefined;

/**
 * Path of a PNG converter (rsvg-convert) on PATH, or null. Cached.
 * @example
 * if (pngConverter() === null) console.warn('no rsvg-convert: writing SVG only');
 */
export function pngConverter(): string | null {
  if (converter !== undefined) return converter;
  converter = null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'rsvg-convert');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      converter = file;
      break;
    } catch {
      // not in this directory
    }
  }
  return converter;
}

/**
 * Writes DIR/NAME.svg and, when a converter exists, DIR/NAME.png (rendered from the SVG at 2× zoom);
 * both atomically. Returns the paths written (png null if none). Creates DIR if needed.
 * @example
 * const { svg, png } = await writePlot('out/figures', 'loss', plot);
 */
export async function writePlot(dir: string, name: string, p: Plot): Promise<{ svg: string; png: string | null }> {
  const svg = path.join(dir, `${name}.svg`);
  writeFileAtomic(svg, await renderSvg(p));
  const conv = pngConverter();
  if (conv === null) return { svg, png: null };
  const png = path.join(dir, `${name}.png`);
  const tmp = `${png}.${process.pid}.tmp`;
  try {
    // 2× so that the figure stays sharp in a report; the SVG is the exact one.
    execFileSync(conv, ['--zoom', '2', '--format', 'png', '-o', tmp, svg], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(tmp, png);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
    throw new Error(`plot: ${conv} could not convert ${svg} to PNG: ${stderr || (e as Error).message}`);
  }
  return { svg, png };
}
