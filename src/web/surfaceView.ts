// The Loss-surface view (Fig. S1): the GD path drawn step by step on the (a, b) plane, with play/pause.
import type { SurfaceValues } from '../explore/params';
import { SurfaceResult, runSurface, surfacePlot } from '../explore/surface';
import { toJson } from '../io/output';
import { byId, h } from './dom';
import { drawPlot } from './plots';
import { plotBoxes, setResult, setStatus, showCli, showVerdict, summaryTable } from './page';

/** Milliseconds between frames while playing. */
const FRAME_MS = 120;
let timer: ReturnType<typeof setInterval> | null = null;

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

/**
 * Runs GD in the plane and shows the whole path; play redraws it from step 0, one step per frame.
 *
 * @example
 * await showSurface(state.values as SurfaceValues);
 */
export async function showSurface(v: SurfaceValues): Promise<void> {
  stop();
  const r = runSurface(v);
  const s = r.summary;
  setResult(toJson(s));
  const end = s.diverged_at !== null ? `diverged at step ${s.diverged_at}; ` : '';
  showVerdict(
    s.phase,
    `${end}η·λ0 = ${Number(s.eta_lambda0.toPrecision(6))}, warmup model at n = ${v.width} in the plane u = a·r + b·s, v = a·r − b·s`,
  );
  const last = r.path.a.length - 1;
  const frame = h('span', { id: 'frame' }, `step ${last} of ${last}`);
  const play = h('button', { id: 'play', type: 'button' }, 'play');
  const [box] = plotBoxes(['plot-surface']);
  const draw = (k: number) => {
    frame.textContent = `step ${k} of ${last}`;
    return drawPlot(box, surfacePlot(r, k));
  };
  play.addEventListener('click', () => {
    if (timer !== null) return pause(play);
    play.textContent = 'pause';
    let k = 0;
    void draw(k);
    timer = setInterval(() => {
      k++;
      if (k > last) return pause(play);
      void draw(k);
    }, FRAME_MS);
  });
  byId('extra').replaceChildren(
    h('div', { class: 'player' }, play, frame),
    summaryTable([
      ['λ0', s.lambda0],
      ['η', s.eta],
      ['a0, b0', `${s.a0.toPrecision(5)}, ${s.b0.toPrecision(5)}`],
      ['peak loss', s.peak_loss],
      ['final loss', s.final_loss],
      ['final λ', s.final_lambda],
      ['steps run', s.steps_run],
      ['max leak from the plane', r.path.leak],
    ]),
  );
  showCli(['figure', 'figS1', '--width', String(v.width), '--seed', String(v.seed)], 'Fig. S1 (its three η) on the command line');
  await draw(last);
  setStatus('done');
}

function pause(play: HTMLElement): void {
  stop();
  play.textContent = 'play';
}

export type { SurfaceResult };
