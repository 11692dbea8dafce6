// Sadrtdinov et al.'s tables (runs and trajectories), written after every run as a checkpoint and again by the report.
import type { FigureDir } from '../output';
import type { SadrtdinovOptions } from './options';
import type { SadrtdinovRun } from './runs';

const COLUMNS = [
  'eta',
  'regime',
  'window_loss',
  'train_loss',
  'train_accuracy',
  'test_accuracy',
  'finetune_train_loss',
  'finetune_test_accuracy',
  'swa_train_loss',
  'swa_test_accuracy',
];

function rowsOf(runs: readonly SadrtdinovRun[]) {
  return runs.map((r) => ({
    eta: r.eta,
    regime: r.regime,
    window_loss: r.windowLoss,
    train_loss: r.train.loss,
    train_accuracy: r.train.accuracy,
    test_accuracy: r.test.accuracy,
    finetune_train_loss: r.fineTuned.train.loss,
    finetune_test_accuracy: r.fineTuned.test.accuracy,
    swa_train_loss: r.swa.train.loss,
    swa_test_accuracy: r.swa.test.accuracy,
  }));
}

/** runs.csv/json and trajectories.csv/json: written after every run as it finishes, and again by the report. */
export function writeTables(out: FigureDir, runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): void {
  const traj = runs.flatMap((r) => r.epochLoss.map((loss, e) => ({ eta: r.eta, epoch: e + 1, loss })));
  out.table('runs', COLUMNS, rowsOf(runs), { ...o });
  out.table('trajectories', ['eta', 'epoch', 'loss'], traj, { note: 'mean minibatch training loss per epoch of the initial phase' });
}
