// The Sadrtdinov et al. sweep over the initial η: per η the initial phase with SWA, its regime, and fine-tuning; returns the runs, writes nothing.
import { Tensor } from '../../../linalg/tensor';
import { Dataset } from '../../../data';
import { Evaluation, Model, checkTrainingFits, evaluate } from '../../../models';
import { fmt } from '../../report/report';
import type { Progress } from '../spec';
import { firstRowsOf, sadrtdinovData } from './data';
import { sadrtdinovModel, scaleInvarianceError, sphereInit } from './model';
import type { SadrtdinovOptions } from './options';
import { Regime, regimeOf } from './regimes';
import { sphereSgd } from './sgd';

export interface SadrtdinovRun {
  eta: number;
  regime: Regime;
  /** Mean minibatch loss of every epoch of the initial phase (the trajectory). */
  epochLoss: number[];
  /** Mean minibatch loss over the last `swaEpochs` epochs: what the regime is read from. */
  windowLoss: number;
  /** The weights at the end of the initial phase, on the whole training and test sets. */
  train: Evaluation;
  test: Evaluation;
  fineTuned: { train: Evaluation; test: Evaluation };
  swa: { train: Evaluation; test: Evaluation };
}

export interface SadrtdinovData {
  runs: SadrtdinovRun[];
  source: string;
  inputDim: number;
  scaleInvariance: number;
}

/** One initial η: the initial phase (with SWA over its last epochs), its regime, then fine-tuning at the small η. */
function runAt(model: Model, init: readonly Tensor[], train: Dataset, test: Dataset, eta: number, o: SadrtdinovOptions): SadrtdinovRun {
  const sgd = { batchSize: o.batchSize, seed: o.seed, radius: o.radius };
  const first = sphereSgd(model, init, train, { ...sgd, lr: eta, epochs: o.epochs, averageEpochs: o.swaEpochs });
  const tail = first.epochLoss.slice(-o.swaEpochs);
  const windowLoss = tail.reduce((a, b) => a + b, 0) / tail.length;
  const trainEval = evaluate(model, first.params, train);
  // The fine-tuning batches follow their own seeded order, the same for every initial η.
  const tuned = sphereSgd(model, first.params, train, { ...sgd, seed: o.seed + 1, lr: o.fineTuneLr, epochs: o.fineTuneEpochs });
  return {
    eta,
    regime: regimeOf(windowLoss, trainEval.accuracy, train.Y.shape[1]),
    epochLoss: first.epochLoss,
    windowLoss,
    train: trainEval,
    test: evaluate(model, first.params, test),
    fineTuned: { train: evaluate(model, tuned.params, train), test: evaluate(model, tuned.params, test) },
    swa: { train: evaluate(model, first.average!, train), test: evaluate(model, first.average!, test) },
  };
}

/** The sweep over the initial η; `onRun` sees every run as it finishes (the figure writes its tables there). */
export function computeSadrtdinov(
  o: SadrtdinovOptions,
  progress: Progress = () => {},
  onRun: (runs: SadrtdinovRun[]) => void = () => {},
): SadrtdinovData {
  if (o.swaEpochs < 1 || o.swaEpochs > o.epochs) throw new Error(`swaEpochs must be in [1, epochs = ${o.epochs}], got ${o.swaEpochs}`);
  const { train, test, source } = sadrtdinovData(o);
  const model = sadrtdinovModel(o, train.X.shape[1], train.Y.shape[1]);
  checkTrainingFits(model, train.X.shape[0]);
  const init = sphereInit(model, o.seed, o.radius);
  const scaleInvariance = scaleInvarianceError(model, init, firstRowsOf(train, 100));
  const runs: SadrtdinovRun[] = [];
  o.grid.forEach((eta, i) => {
    progress(i / o.grid.length, `η = ${fmt(eta)}`);
    runs.push(runAt(model, init, train, test, eta, o));
    onRun(runs);
  });
  return { runs, source, inputDim: train.X.shape[1], scaleInvariance };
}
