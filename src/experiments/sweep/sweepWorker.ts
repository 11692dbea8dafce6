// A sweep's worker thread: runs the grid points it is sent, one at a time, and posts each result (or error) back.
import { parentPort, workerData } from 'worker_threads';
import '../../linalg/backend'; // applies CATAPULT_BACKEND and CATAPULT_THREADS (1 in workers) before any kernel runs
import { GridPoint, SetupCache, SweepConfig, runGridPoint } from './sweepRun';

const config = (workerData as { config: SweepConfig }).config;
const cache = new SetupCache();

parentPort!.on('message', (p: GridPoint) => {
  try {
    parentPort!.postMessage({ ok: true, result: runGridPoint(config, p, cache) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message.split('\n')[0] : String(e) });
  }
});
