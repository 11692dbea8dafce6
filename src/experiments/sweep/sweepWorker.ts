// A sweep's worker thread: runs the grid points it is sent, one at a time, and posts each result (or error) back.
import { parentPort, workerData } from 'worker_threads';
import '../../linalg/backend'; // applies CATAPULT_BACKEND and CATAPULT_THREADS (1 in workers) before any kernel runs
import { GridPoint, SetupCache, SweepConfig, runGridPoint } from './sweepRun';
import { checkInputsUnchanged } from './sweepFiles';

/** The sweep's configuration, and its input files' digests as DIR/sweep.json records them (in `headerFile`). */
export interface SweepWorkerData {
  config: SweepConfig;
  inputs?: Record<string, string>;
  headerFile: string;
}

const { config, inputs, headerFile } = workerData as SweepWorkerData;
// Each read of the data is checked against the recorded digests: a file replaced mid-sweep stops it, never mixes data sets.
const cache = new SetupCache(2, inputs && (() => checkInputsUnchanged(config.setup, inputs, headerFile)));

parentPort!.on('message', (p: GridPoint) => {
  try {
    parentPort!.postMessage({ ok: true, result: runGridPoint(config, p, cache) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message.split('\n')[0] : String(e) });
  }
});
