// A figure's run directory: what `catapult train` writes for a run, plus the θ_0 and data a peer replays it from.
import * as path from 'path';
import { ensureDir } from '../../io/output';
import { writeNpz } from '../../io/npz';
import { RunSummary, writeRun } from '../run/run';
import { Setup, saveParams } from '../run/setup';
import type { TrainResult } from '../../models';
import type { FigureDir } from './output';

/** What a run directory holds: the run's name (its directory under runs/), its result and summary, and its setup. */
export interface RunDirContents {
  name: string;
  result: TrainResult;
  summary: RunSummary;
  setup: Setup;
}

/** The files of one run's directory (runs/<name>/), in the order they are written. */
export const RUN_FILES = ['trajectory.csv', 'trajectory.json', 'summary.json', 'init.npz', 'data.npz'] as const;

/**
 * Writes runs/<name>/ with trajectory.csv/json and summary.json (as `catapult train` writes them), init.npz (θ_0 under
 * the parameter names, for `--init`) and data.npz (X, Y, for `--data`), and lists them in the figure's files.
 * @example
 * writeRunDir(out, run); // out/runs/tanh-mse-0.6/…
 */
export function writeRunDir(out: FigureDir, r: RunDirContents): void {
  const dir = path.join(out.dir, 'runs', r.name);
  ensureDir(dir);
  writeRun(dir, r.result, r.summary);
  saveParams(path.join(dir, 'init.npz'), r.setup.model, r.setup.init);
  writeNpz(path.join(dir, 'data.npz'), { X: r.setup.data.X, Y: r.setup.data.Y });
  out.written.push(...RUN_FILES.map((f) => `runs/${r.name}/${f}`));
}
