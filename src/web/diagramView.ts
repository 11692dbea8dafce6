// The Phase-diagram view: a grid of runs computed on demand one at a time, with a progress bar and cancel (modes eta and depth).
import type { DiagramValues } from '../explore/params';
import { DiagramPoint, diagramGrid, diagramPlot, diagramRuns } from '../explore/diagram';
import { toJson } from '../io/output';
import { byId, h } from './dom';
import { drawPlot } from './plots';
import { depthJob } from './depthView';
import type { GridJob } from './gridJob';
import { plotBoxes, setPageError, setResult, setStatus, showCli, showVerdict } from './page';

/** Each slice of work runs for about this long before the page gets a frame (progress, cancel clicks). */
const SLICE_MS = 40;

let cancelled = false;
let running = false;

/** Mode eta: λ at t·η = τ against η·λ0, one warmup run per point and width. */
function etaJob(v: DiagramValues): GridJob<DiagramPoint> {
  const total = diagramGrid(v).length;
  return {
    total,
    unit: 'runs',
    intro: `${total} runs (${v.widths.length} widths × ${v.points} values of η·λ0): press compute`,
    runs: diagramRuns(v),
    progress: (_, n) => ({ value: n, text: `${n} of ${total} runs` }),
    plot: (points) => diagramPlot(points, v),
    finish(points, complete) {
      const diverged = points.filter((p) => p.diverged_at !== null);
      const edge = diverged.length > 0 ? `; diverged from η·λ0 = ${Math.min(...diverged.map((p) => p.eta_lambda0)).toPrecision(4)}` : '';
      return { json: toJson({ complete, points }), verdict: `${points.length} of ${total} runs${edge}` };
    },
  };
}

/**
 * Shows the view's buttons; Compute runs the mode's grid, drawing as runs come in.
 *
 * @example
 * showDiagram(state.values as DiagramValues);
 */
export function showDiagram(v: DiagramValues): void {
  cancelled = true; // a change of the inputs stops a run in progress
  const job: GridJob<unknown> = v.mode === 'depth' ? (depthJob(v) as GridJob<unknown>) : (etaJob(v) as GridJob<unknown>);
  const compute = h('button', { id: 'compute', type: 'button' }, 'compute');
  const cancel = h('button', { id: 'cancel', type: 'button', disabled: '' }, 'cancel');
  const bar = h('progress', { id: 'progress', max: String(job.total), value: '0' });
  const count = h('span', { id: 'count' }, `0 of ${job.total} ${job.unit}`);
  byId('extra').replaceChildren(h('div', { class: 'player' }, compute, cancel, bar, ' ', count));
  showVerdict('idle', job.intro);
  showCli(null);
  plotBoxes(['plot-diagram']);
  setStatus('idle');
  compute.addEventListener('click', () => {
    if (running) return;
    compute.setAttribute('disabled', '');
    cancel.removeAttribute('disabled');
    void run(job, bar, count).finally(() => {
      compute.removeAttribute('disabled');
      cancel.setAttribute('disabled', '');
    });
  });
  cancel.addEventListener('click', () => (cancelled = true));
}

async function run<P>(job: GridJob<P>, bar: HTMLElement, count: HTMLElement): Promise<void> {
  running = true;
  cancelled = false;
  setStatus('running');
  const [box] = plotBoxes(['plot-diagram']);
  const steps: P[] = [];
  let done = false;
  try {
    while (!done) {
      const until = performance.now() + SLICE_MS;
      for (let next = job.runs.next(); ; next = job.runs.next()) {
        if (next.done) {
          done = true;
          break;
        }
        steps.push(next.value);
        if (performance.now() > until) break;
      }
      if (steps.length > 0) {
        const at = job.progress(steps[steps.length - 1], steps.length);
        bar.setAttribute('value', String(at.value));
        count.textContent = at.text;
      }
      await drawPlot(box, job.plot(steps));
      if (done) break;
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
  const end = job.finish(steps, done);
  setResult(end.json);
  showVerdict(done ? 'done' : 'cancelled', end.verdict);
  setStatus(done ? 'done' : 'cancelled');
}
