// Draws the reports' plots in the page: the vega-lite spec of src/experiments/report/plotSpec.ts, compiled and run by vega (canvas).
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import { Plot, toVegaLite } from '../experiments/report/plotSpec';

const views = new WeakMap<HTMLElement, vega.View>();

/**
 * Renders `plot` into `el`, replacing what was drawn there.
 *
 * @example
 * await drawPlot(document.getElementById('loss')!, phasesPlots(r)[0]);
 */
export async function drawPlot(el: HTMLElement, plot: Plot): Promise<void> {
  const spec = compile(toVegaLite(plot) as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'canvas', container: el, hover: false });
  views.get(el)?.finalize();
  views.set(el, view);
  await view.runAsync();
}
