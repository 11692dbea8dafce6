// A run's loss spikes analysed as it trains: top-k NTK eigenspace share, λ against 2/η, and AGOP alignment with a teacher's.
import { Tensor, tensor } from '../../linalg/tensor';
import { agop, agopAlignment, lambdaAt, topEigenspaceShare } from '../../models';
import { Dataset, SYNTHETIC_CLASSES, stepData, teacherAgop, teacherNetwork } from '../../data';
import { DEFAULT_SPIKE_RISE, Spike, SpikeTracker } from './spikes';
import type { Setup } from './setup';

/** The default k of the top-k NTK eigenspace a spike's residual change is projected on. */
export const DEFAULT_SPIKE_TOP = 5;

export interface SpikeSettings {
  /** Relative rise over the last minimum that makes a spike (SpikeTracker). */
  rise?: number;
  /** k of the top-k NTK eigenspace. */
  top?: number;
  /** The run's (constant) learning rate η: the catapult criterion compares λ with 2/η. */
  eta: number;
  /** The true predictor's AGOP on the training inputs (d×d), where the data have one (a teacher). */
  agopStar?: Float64Array;
}

/** One spike as spikes.json holds it (snake_case, a public format). */
export interface SpikeRow {
  start: number;
  peak: number;
  end: number | null;
  loss_start: number;
  loss_peak: number;
  loss_end: number | null;
  top_k: number;
  /** Top-k NTK eigenvalues at θ_start. */
  ntk_top: number[];
  /** ‖P_k Δr‖²/‖Δr‖², Δr = r(θ_peak) − r(θ_start). */
  top_k_fraction: number;
  /** The MSE loss's part in the top-k eigenspace of Θ(θ_start) and the rest, at θ_start and θ_peak. */
  top_loss: [number, number];
  rest_loss: [number, number];
  lanczos_converged: boolean;
  lambda_start: number;
  /** Under SGD, λ of the NTK on the rows of update `start` at θ_start (the kernel that step descends); null under GD. */
  lambda_batch_start: number | null;
  lambda_peak: number;
  lambda_end: number | null;
  two_over_eta: number;
  /**
   * λ at the start above 2/η (under SGD that of the start step's batch, lambda_batch_start) and the training set's λ
   * at the end below 2/η: the catapult mechanism (null while the spike is open).
   */
  catapult: boolean | null;
  agop_alignment_start: number | null;
  agop_alignment_end: number | null;
}

export interface SpikesReport {
  rise: number;
  top_k: number;
  eta: number;
  two_over_eta: number;
  /** The series spikes are found in: the whole training set's loss at every step (under --batch too). */
  series: 'training-set loss';
  agop_alignment_init: number | null;
  agop_alignment_final: number | null;
  count: number;
  catapults: number;
  spikes: SpikeRow[];
}

/**
 * The teacher's AGOP on the training inputs when the data are `--dataset synthetic` (its seed and input dimension),
 * else null: only there is the true predictor known.
 *
 * @example
 * const Gstar = syntheticAgopStar(o.dataset, o.inputDim, o.dataSeed, s.data); // null for fashion-mnist
 */
export function syntheticAgopStar(dataset: string | undefined, inputDim: number, seed: number, data: Dataset): Float64Array | null {
  if (dataset !== 'synthetic') return null;
  return teacherAgop(teacherNetwork({ inputDim, numClasses: SYNTHETIC_CLASSES, seed }), data.X.data, data.X.shape[1]);
}

/**
 * Spike analysis riding along a run: `watch` goes in train's `watchParams` hook; each spike is analysed when it ends
 * (its θ's then dropped), and `finish(final θ)` analyses one still open and returns the report.
 *
 * @example
 * const spikes = spikeAnalysis(s, { eta, top: 5, agopStar });
 * train(s.model, s.init, s.data, { lr: eta, batch: 8, watchParams: spikes.watch }); const report = spikes.finish(result.params);
 */
/** What the tracker keeps of a step: θ_t and, under SGD, the rows of update t. */
interface StepState {
  params: Float64Array[];
  rows: Int32Array | null;
}

export function spikeAnalysis(s: Setup, o: SpikeSettings) {
  const rise = o.rise ?? DEFAULT_SPIKE_RISE,
    top = o.top ?? DEFAULT_SPIKE_TOP;
  const rows: SpikeRow[] = [];
  const asTensors = (params: Float64Array[]) => params.map((p, i) => tensor(s.init[i].shape.slice(), p));
  const alignment = (params: readonly Tensor[]) => (o.agopStar ? agopAlignment(agop(s.model, params, s.data.X).G, o.agopStar) : null);
  const analyse = (spike: Spike<StepState>) => {
    rows.push(spikeRow(s.model, s.data, spike, asTensors, alignment, top, o.eta));
    (delete spike.atStart, delete spike.atPeak, delete spike.atEnd);
  };
  const tracker = new SpikeTracker<StepState>(rise, analyse);
  return {
    watch: (t: number, loss: number, params: readonly Float64Array[], rows: Int32Array | null) =>
      tracker.push(t, loss, () => ({ params: params.map((p) => p.slice()), rows: rows && rows.slice() })),
    finish(final: readonly Tensor[]): SpikesReport {
      const all = tracker.finish();
      const open = all[all.length - 1];
      if (open !== undefined && open.end === null) analyse(open);
      return {
        rise,
        top_k: top,
        eta: o.eta,
        two_over_eta: 2 / o.eta,
        series: 'training-set loss',
        agop_alignment_init: alignment(s.init),
        agop_alignment_final: alignment(final),
        count: rows.length,
        catapults: rows.filter((r) => r.catapult).length,
        spikes: rows,
      };
    },
  };
}

function spikeRow(
  model: Setup['model'],
  data: Dataset,
  spike: Spike<StepState>,
  asTensors: (p: Float64Array[]) => Tensor[],
  alignment: (p: readonly Tensor[]) => number | null,
  top: number,
  eta: number,
): SpikeRow {
  const start = asTensors(spike.atStart!.params),
    peak = asTensors(spike.atPeak!.params);
  const end = spike.atEnd && asTensors(spike.atEnd.params);
  const share = topEigenspaceShare(model, start, peak, data, top);
  const lambdaStart = share.values[0];
  const rows = spike.atStart!.rows;
  const lambdaBatch = rows === null ? null : lambdaAt(model, start, stepData(data, rows));
  const lambdaEnd = end ? lambdaAt(model, end, data) : null;
  return {
    start: spike.start,
    peak: spike.peak,
    end: spike.end,
    loss_start: spike.lossStart,
    loss_peak: spike.lossPeak,
    loss_end: spike.lossEnd,
    top_k: share.k,
    ntk_top: share.values,
    top_k_fraction: share.fraction,
    top_loss: share.topLoss,
    rest_loss: share.restLoss,
    lanczos_converged: share.converged,
    lambda_start: lambdaStart,
    lambda_batch_start: lambdaBatch,
    lambda_peak: lambdaAt(model, peak, data),
    lambda_end: lambdaEnd,
    two_over_eta: 2 / eta,
    catapult: lambdaEnd === null ? null : (lambdaBatch ?? lambdaStart) > 2 / eta && lambdaEnd < 2 / eta,
    agop_alignment_start: alignment(start),
    agop_alignment_end: end ? alignment(end) : null,
  };
}
