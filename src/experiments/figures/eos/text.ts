// The description of the eos nets and data that every eos report opens its text with.
import { Report } from '../../report/report';
import type { EosNet } from './options';

/** What the nets are, on which data, and where they differ from Cohen et al.'s. */
export function describeNet(report: Report, o: EosNet, steps: number): void {
  const hidden = Array.from({ length: o.depth }, () => o.width).join(', ');
  report.text(
    `Nets: Cohen et al.'s fc nets, hidden widths [${hidden}], standard parameterization with biases (W ~ N(0, σ_w²/fan_in), σ_w = ${o.sigmaW.toPrecision(4)}, the variance of PyTorch's nn.Linear init; biases σ_b = ${o.sigmaB}), ` +
      `on a balanced subset of ${o.trainSize} images of ${o.dataset}${o.pool > 1 ? `, average-pooled ${o.pool}×${o.pool} (the CI size; --full does not pool)` : ''} (classes interleaved, standardized pixels, one-hot targets; Cohen et al. take CIFAR-10's first 5,000), data seed ${o.dataSeed}, init seed ${o.seed}; full-batch GD for ${steps} steps. ` +
      `The MSE is 1/(2km)·‖f − Y‖² (k = 10 outputs): Cohen et al.'s ½‖f − y‖² per example is k times it, so their η is ours divided by k. ` +
      `Each run's directory under runs/ holds trajectory.csv/json and summary.json as \`catapult train\` writes them, with init.npz and data.npz: ` +
      '`catapult train --model mlp --param standard --init runs/<run>/init.npz --data runs/<run>/data.npz --lr <η from summary.json> --track hessian …` replays it, and `python/eos_replay.py runs/<run>` replays it in PyTorch.',
  );
}
