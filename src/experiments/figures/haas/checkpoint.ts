// The Haas et al. figure's compute with a checkpoint: each finished result is saved at once, and a rerun resumes from them.
import type { FigureDir } from '../output';
import type { ComputeContext } from '../spec';
import type { HaasOptions } from './options';
import type { EtaMax } from './runs';
import { HaasData, computeHaas } from './sweep';

export const PARTIAL_FILE = 'eta_max.partial.json';

/**
 * The results of an earlier run into the same directory whose options match `o` in everything but the widths and seeds,
 * with the same smallest width (the layerwise rates' ñ = n / that width).
 * A missing, torn or foreign file gives none: the run starts afresh (and the file is rewritten as results come in).
 */
export function resumable(dir: FigureDir, o: HaasOptions): EtaMax[] {
  const saved = dir.readJson(PARTIAL_FILE) as { options?: HaasOptions; results?: EtaMax[] } | undefined;
  const rest = (x: HaasOptions) => JSON.stringify({ ...x, widths: Math.min(...x.widths), seeds: null });
  return saved?.options && rest(saved.options) === rest(o) && Array.isArray(saved.results) ? saved.results : [];
}

/** The figure's data: the results, and how many of them an interrupted earlier run had already found. */
export interface HaasFigureData extends HaasData {
  resumed: number;
}

/**
 * Each finished (loss, width, seed) is checkpointed at once, so an interrupted run keeps it, and a rerun into the same
 * directory with the same options (widths and seeds may differ) takes it from there. Resumed results stay in the
 * checkpoint from the start, whatever order this run reaches them in.
 */
export function computeHaasFigure(o: HaasOptions, ctx: ComputeContext<EtaMax[]>): HaasFigureData {
  const resumed = ctx.resumed ?? [];
  const done: EtaMax[] = [...resumed];
  const d = computeHaas(
    o,
    ctx.progress,
    (r) => {
      if (!done.includes(r)) done.push(r);
      ctx.checkpoint(done);
    },
    resumed,
  );
  return { ...d, resumed: d.results.filter((r) => resumed.includes(r)).length };
}
