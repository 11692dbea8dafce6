// The Phase-diagram view: λ at t·η = τ against η·λ0, computed on demand one run at a time, with a progress bar and cancel.
import type { DiagramValues } from '../explore/params';
import { DiagramPoint, diagramGrid, diagramPlot, diagramRuns } from '../explore/diagram';
import { toJson } from '../io/output';
import { byId, h } from './dom';
import { drawPlot } from './plots';
import { plotBoxes, setPageError, setResult, setStatus, showCli, showVerdict } from './page';

/** Each slice of work runs for about this long before the page gets a frame (progress, cancel clicks). */
const SLICE_MS = 40;

let cancelled = false;
let running = false;

/**
 * Shows the view's buttons; Compute runs the grid (one warmup run per point), drawing as points come in.
 *
 * @example
 * showDiagram(state.values as DiagramValues);
 */
export function showDiagram(v: DiagramValues): void {
  cancelled = true; // a change of the inputs stops a run in progress
  const total = diagramGrid(v).length;
  const compute = h('button', { id: 'compute', type: 'button' }, 'compute');
  const cancel = h('button', { id: 'cancel', type: 'button', disabled: '' }, 'cancel');
  const bar = h('progress', { id: 'progress', max: String(total), value: '0' });
  const count = h('span', { id: 'count' }, `0 of ${total} runs`);
  byId('extra').replaceChildren(h('div', { class: 'player' }, compute, cancel, bar, ' ', count));
  showVerdict('idle', `${total} runs (${v.widths.length} widths × ${v.points} values of η·λ0): press compute`);
  showCli(null);
  plotBoxes(['plot-diagram']);
  setStatus('idle');
  compute.addEventListener('click', () => {
    if (running) return;
    compute.setAttribute('disabled', '');
    cancel.removeAttribute('disabled');
    void run(v, bar, count, total).finally(() => {
      compute.removeAttribute('disabled');
      cancel.setAttribute('disabled', '');
    });
  });
  cancel.addEventListener('click', () => (cancelled = true));
}

async function run(v: DiagramValues, bar: HTMLElement, count: HTMLElement, total: number): Promise<void> {
  running = true;
  cancelled = false;
  setStatus('running');
  const [box] = plotBoxes(['plot-diagram']);
  const points: DiagramPoint[] = [];
  const runs = diagramRuns(v);
  try {
    for (;;) {
      const until = performance.now() + SLICE_MS;
      let next = runs.next();
      while (!next.done) {
        points.push(next.value);
        if (performance.now() > until) break;
        next = runs.next();
      }
      bar.setAttribute('value', String(points.length));
      count.textContent = `${points.length} of ${total} runs`;
      await drawPlot(box, diagramPlot(points, v));
      if (next.done || points.length === total) break;
      await new Promise((r) => setTimeout(r, 0));
      if (cancelled) break;
    }
  } catch (e) {
    setPageError(e instanceof Error ? e.message : String(e));
    setStatus('error');
    running = false;
    return;
  }
  running = false;
  const complete = points.length === total;
  setResult(toJson({ complete, points }));
  const diverged = points.filter((p) => p.diverged_at !== null);
  const edge = diverged.length > 0 ? `; diverged from η·λ0 = ${Math.min(...diverged.map((p) => p.eta_lambda0)).toPrecision(4)}` : '';
  showVerdict(complete ? 'done' : 'cancelled', `${points.length} of ${total} runs${edge}`);
  setStatus(complete ? 'done' : 'cancelled');
}
