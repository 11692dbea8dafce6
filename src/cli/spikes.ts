// `train --spikes`: its options, the runs it refuses (one line each), and spikes.json beside the trajectory.
import * as path from 'path';
import { flag, int, num } from '../options';
import {
  DEFAULT_SPIKE_RISE,
  DEFAULT_SPIKE_TOP,
  Setup,
  SpikesReport,
  spikeAnalysis,
  syntheticAgopStar,
  toJson,
  writeFileAtomic,
} from '../experiments';
import type { Tensor } from '../linalg/tensor';

export const SPIKE_OPTIONS = {
  spikes: flag({
    flag: 'spikes',
    help: 'find the loss spikes (training-set loss) and analyse each: top-k NTK eigenspace share, λ against 2/η, AGOP alignment with the teacher (--dataset synthetic); writes spikes.json',
  }),
  spikeRise: num({
    flag: 'spike-rise',
    arg: 'ρ',
    help: 'a spike starts when the loss exceeds (1 + ρ)·its last minimum and ends when it is back under',
    above: 0,
    default: DEFAULT_SPIKE_RISE,
    needs: 'spikes',
  }),
  spikeTop: int({
    flag: 'spike-top',
    arg: 'K',
    help: 'k of the top-k NTK eigenspace',
    min: 1,
    default: DEFAULT_SPIKE_TOP,
    needs: 'spikes',
  }),
} as const;

/** What of a train command's values the spike analysis reads or refuses. */
interface SpikeRunValues {
  spikes: boolean;
  spikeRise: number;
  spikeTop: number;
  dataset?: string;
  inputDim: number;
  dataSeed: number;
  optimizer?: string;
  momentum?: number;
  precision?: string;
  decayAt?: number;
  flow?: string;
}

/**
 * Why this run cannot be analysed for spikes, or null: the criterion 2/η is that of plain GD/SGD at a constant η on
 * the MSE loss, and the tracker must see every step from θ_0.
 */
export function spikesRefusal(o: SpikeRunValues, given: ReadonlySet<string>, loss: string): string | null {
  if (given.has('resume')) return '--spikes follows a run from θ_0; it cannot be combined with --resume';
  if (o.precision === 'dd') return '--spikes analyses float64 runs; it does not take --precision dd';
  if (o.flow !== undefined) return '--spikes compares λ with 2/η of GD/SGD steps; it does not take --flow';
  if ((o.optimizer ?? 'gd') !== 'gd' || (o.momentum ?? 0) > 0)
    return '--spikes: the catapult criterion 2/η is that of plain GD/SGD (no --optimizer adam/adamw, no --momentum)';
  if (o.decayAt !== undefined) return '--spikes compares λ with 2/η of a constant η; it does not take --decay-at';
  if (loss !== 'mse') return `--spikes: the NTK criterion is that of the MSE loss, not --loss ${loss}`;
  return null;
}

/**
 * The analysis riding along a train run (its `watchParams` hook), or null without --spikes; `write` puts spikes.json
 * in the run's directory and prints a line per spike.
 *
 * @example
 * const spikes = spikeRun(o, s, eta); train(…, { watchParams: spikes?.watch }); spikes?.write(o.out, result.params);
 */
export function spikeRun(o: SpikeRunValues, s: Setup, eta: number) {
  if (!o.spikes) return null;
  const agopStar = syntheticAgopStar(o.dataset, o.inputDim, o.dataSeed, s.data) ?? undefined;
  const analysis = spikeAnalysis(s, { rise: o.spikeRise, top: o.spikeTop, eta, agopStar });
  return {
    watch: analysis.watch,
    write(dir: string, final: readonly Tensor[]): SpikesReport {
      const report = analysis.finish(final);
      writeFileAtomic(path.join(dir, 'spikes.json'), toJson(report));
      printReport(report);
      return report;
    },
  };
}

function printReport(r: SpikesReport): void {
  const fmt = (x: number | null) => (x === null ? '—' : x.toPrecision(4));
  console.log(`spikes (loss > ${1 + r.rise}× its last minimum): ${r.count}, catapults: ${r.catapults}; 2/η = ${fmt(r.two_over_eta)}`);
  for (const s of r.spikes) {
    const batch = s.lambda_batch_start === null ? '' : ` (batch ${fmt(s.lambda_batch_start)})`;
    const align = s.agop_alignment_start === null ? '' : `, AGOP alignment ${fmt(s.agop_alignment_start)} → ${fmt(s.agop_alignment_end)}`;
    console.log(
      `  steps ${s.start}–${s.peak}–${s.end ?? 'open'}: loss ${fmt(s.loss_start)} → ${fmt(s.loss_peak)}, ` +
        `top-${s.top_k} share ${fmt(s.top_k_fraction)}, λ ${fmt(s.lambda_start)}${batch} → ${fmt(s.lambda_end)}` +
        `${s.catapult ? ' (catapult)' : ''}${align}`,
    );
  }
  if (r.agop_alignment_init !== null)
    console.log(`AGOP alignment with the teacher: ${fmt(r.agop_alignment_init)} at θ_0, ${fmt(r.agop_alignment_final)} at the end`);
}
