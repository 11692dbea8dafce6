// Parallel, resumable, shardable sweeps over widths × seeds (× batches × optimizers) × learning rates, into DIR/results.jsonl.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { backendInfo } from '../../linalg/backend';
import { fsErrorMessage } from '../../io/files';
import { ensureDir, toJson, writeFileAtomic } from '../../io/output';
import { lock, lockIsLive, lockPath } from './sweepLock';
import { formatLr, parseLr } from '../run/lr';
import { trainingRows } from '../run/setup';
import { OPTIMIZER_NAMES } from '../../models';
import { GridPoint, SweepConfig, SweepResult, gridOptionsProblem, gridPoints, runKey } from './sweepRun';
import type { SweepWorkerData } from './sweepWorker';
import {
  HEADER_FILE,
  RESULTS_FILE,
  Shard,
  SweepHeader,
  claimHeader,
  collect,
  firstDifference,
  header,
  readHeader,
  readResults,
} from './sweepFiles';

export * from './sweepRun';
export * from './sweepFiles';

export interface RunSweepOptions {
  config: SweepConfig;
  /** Output directory; rerunning with the same config and shard resumes it. */
  out: string;
  /** Worker threads (default 1); each runs its kernels single-threaded. */
  workers?: number;
  /** Run only the grid points with index % count === index. */
  shard?: Shard;
  /** After the resume scan (last undefined) and after every finished run. */
  onProgress?: (done: number, total: number, last?: SweepResult) => void;
}

export interface RunSweepResult {
  /** This shard's results in grid order (resumed ones included). */
  results: SweepResult[];
  /** Runs computed now, and runs found finished in DIR. */
  ran: number;
  resumed: number;
  /** Wall time of this call in seconds. */
  seconds: number;
  file: string;
}

const WORKER_FILE = path.join(__dirname, 'sweepWorker.js');

/** The grid points of one shard (strided, so slow and fast learning rates spread evenly). */
export function shardPoints(points: readonly GridPoint[], shard?: Shard): GridPoint[] {
  return shard ? points.filter((p) => p.index % shard.count === shard.index) : [...points];
}

/** Runs `todo` on `n` worker threads; `onResult` is called in the main thread as each run finishes. */
function runPool(data: SweepWorkerData, todo: readonly GridPoint[], n: number, onResult: (r: SweepResult) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0,
      active = 0,
      settled = false;
    const workers: Worker[] = [];
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      void Promise.all(workers.map((w) => w.terminate())).then(() => (err ? reject(err) : resolve()));
    };
    const feed = (w: Worker) => {
      if (next < todo.length) {
        active++;
        w.postMessage(todo[next++]);
      } else if (active === 0) settle();
    };
    // Kernels single-threaded in each worker, and the parent's backend, so every run computes the same bits.
    const env = { ...process.env, CATAPULT_THREADS: '1', CATAPULT_BACKEND: backendInfo().name };
    for (let i = 0; i < Math.min(n, todo.length); i++) {
      const w = new Worker(WORKER_FILE, { workerData: data, env });
      workers.push(w);
      w.on('message', (m: { ok: true; result: SweepResult } | { ok: false; message: string }) => {
        active--;
        if (!m.ok) return settle(new Error(m.message));
        try {
          onResult(m.result);
        } catch (e) {
          return settle(e as Error);
        }
        feed(w);
      });
      w.on('error', (e) => settle(new Error(`sweep worker failed: ${e.message.split('\n')[0]}`)));
      w.on('exit', (code) => {
        if (code !== 0) settle(new Error(`sweep worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}

/** Checks a programmatic config as strictly as the CLI does; learning rates come back in canonical form ('0.50x' → '0.5x'). */
export function validateSweepConfig(c: SweepConfig): SweepConfig {
  const list = <T>(xs: readonly T[], what: string, ok: (x: T) => boolean) => {
    if (!Array.isArray(xs) || xs.length === 0) throw new Error(`the ${what} list is empty`);
    const bad = xs.find((x) => !ok(x));
    if (bad !== undefined) throw new Error(`bad ${what.replace(/s$/, '')} ${JSON.stringify(bad)}`);
    if (new Set(xs).size !== xs.length) throw new Error(`the ${what} list has duplicates`);
  };
  list(c.grid.widths, 'widths', (w) => Number.isInteger(w) && w >= 1);
  list(c.grid.seeds, 'seeds', (s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff);
  list(c.grid.lrs, 'learning rates', (l) => typeof l === 'string');
  const lrs = c.grid.lrs.map((l) => formatLr(parseLr(l)));
  list(lrs, 'learning rates', () => true);
  if (c.grid.batches !== undefined) list(c.grid.batches, 'batch sizes', (b) => Number.isInteger(b) && b >= 1);
  if (c.grid.optimizers !== undefined) list(c.grid.optimizers, 'optimizers', (name) => OPTIMIZER_NAMES.includes(name));
  // From code, an option counts as set when it has a value other than the default of a plain GD run.
  const problem = gridOptionsProblem(c, (k) => c.train[k] !== undefined && !(k === 'momentum' && c.train.momentum === 0));
  if (problem !== null) throw new Error(problem);
  const t = c.train;
  if (!Number.isInteger(t.steps) || t.steps < 1) throw new Error(`steps must be an integer ≥ 1, got ${t.steps}`);
  if (!(Number.isFinite(t.time) && t.time > 0)) throw new Error(`time must be a finite number > 0, got ${t.time}`);
  if ((c.setup as { init?: string }).init !== undefined)
    throw new Error('a sweep draws each initialization from its seed; --init is not supported');
  return { ...c, grid: { ...c.grid, lrs } };
}

/** A batch larger than the training set, refused before any run starts (and before DIR is made), not by a worker. */
function checkBatchSizes(c: SweepConfig): void {
  const batches = c.grid.batches ?? (c.train.batch !== undefined ? [c.train.batch] : []);
  if (batches.length === 0) return;
  const m = trainingRows(c.setup),
    big = batches.find((b) => b > m);
  if (big === undefined) return;
  if (c.grid.batches === undefined) throw new Error(`--batch must be at most the ${m} training rows, got ${big}`);
  throw new Error(`--batches ${batches.join(',')}: batch ${big} is larger than the training set (${m} rows)`);
}

/**
 * Runs (or resumes) a sweep into `out`: DIR/sweep.json holds the configuration, DIR/results.jsonl one JSON
 * line per finished run, appended with one write and an fsync each, so a kill loses at most the runs in
 * progress. When every run of the shard is done, results.jsonl is rewritten in grid order, so its bytes do
 * not depend on the number of workers. Resolves to this shard's results.
 *
 * @example
 * const { results, seconds } = await runSweep({
 *   config: { setup: { model: 'warmup', act: 'relu', param: 'ntk', sigmaW: Math.SQRT2, sigmaB: 0, samples: 16, inputDim: 8, dataSeed: 0 },
 *     grid: { widths: [1000], seeds: [0], lrs: ['0.5x', '1.5x'] },
 *     train: { steps: 500, momentum: 0, l2: 0, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, time: 25 } },
 *   out: 'out/sweep', workers: 2 });
 */
export async function runSweep(o: RunSweepOptions): Promise<RunSweepResult> {
  const started = Date.now();
  o = { ...o, config: validateSweepConfig(o.config) };
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer ≥ 1, got ${workers}`);
  if (
    o.shard &&
    !(
      Number.isInteger(o.shard.count) &&
      o.shard.count >= 1 &&
      Number.isInteger(o.shard.index) &&
      o.shard.index >= 0 &&
      o.shard.index < o.shard.count
    )
  ) {
    throw new Error(`shard ${o.shard.index}/${o.shard.count} is out of range (index 0 … count − 1)`);
  }
  checkBatchSizes(o.config);
  ensureDir(o.out);
  const held = lock(o.out);
  try {
    const h = header(o.config, o.shard ?? null);
    claimHeader(o.out, h);
    const file = path.join(o.out, RESULTS_FILE);
    const mine = shardPoints(gridPoints(o.config), o.shard);
    const wanted = new Set(mine.map(runKey));
    const done = new Map<string, { r: SweepResult; line: string; from: string }>();
    const old = readResults(file, true).results;
    const stray = old.find((r) => !wanted.has(runKey(r)));
    if (stray) throw new Error(`${file} holds a run outside this sweep's grid (${runKey(stray)})`);
    collect(done, old, file);
    const resumed = done.size;
    const todo = mine.filter((p) => !done.has(runKey(p)));
    o.onProgress?.(done.size, mine.length);
    if (todo.length > 0) {
      const fd = fs.openSync(file, 'a');
      try {
        const data: SweepWorkerData = { config: o.config, inputs: h.inputs, headerFile: path.join(o.out, HEADER_FILE) };
        await runPool(data, todo, workers, (r) => {
          const line = JSON.stringify(r);
          // One write of the whole line, then fsync: a kill leaves at most a torn last line, which a resume cuts off.
          try {
            fs.appendFileSync(fd, Buffer.from(line + '\n', 'utf8'));
            fs.fsyncSync(fd);
          } catch (e) {
            throw new Error(fsErrorMessage(file, e, 'write'));
          }
          held.assertHeld();
          done.set(runKey(r), { r, line, from: file });
          o.onProgress?.(done.size, mine.length, r);
        });
      } finally {
        fs.closeSync(fd);
      }
    }
    const results = mine.map((p) => done.get(runKey(p))!.r);
    writeFileAtomic(file, results.map((r) => JSON.stringify(r) + '\n').join(''));
    held.assertHeld();
    return { results, ran: todo.length, resumed, seconds: (Date.now() - started) / 1000, file };
  } finally {
    held.release();
  }
}

export interface MergeSummary {
  /** Runs in the full grid, runs present after the merge, and identical duplicates dropped. */
  total: number;
  present: number;
  duplicates: number;
  /** Results lost to a torn last line in an input (not repaired there; rerun that shard to redo them). */
  torn: number;
  file: string;
}

/**
 * Merges sweep directories of the same sweep (shards, or partial copies) into `out`: identical duplicates
 * are dropped, conflicting ones are an error, and results already in `out` are kept. The grid order is kept.
 *
 * @example
 * mergeSweeps(['out/shard-0', 'out/shard-1'], 'out/sweep'); // { total: 81, present: 81, … }
 */
export function mergeSweeps(dirs: readonly string[], out: string): MergeSummary {
  if (dirs.length === 0) throw new Error('merge needs at least one sweep directory');
  // A running sweep still appends to its results and rewrites them at the end: merging it, or into it, would lose runs.
  // The same test as sweep's takeover: a lock sweep would take over at once (dead holder, future date, symlink) is no reason to wait.
  const busy = dirs.find((d) => lockIsLive(lockPath(d)));
  if (busy !== undefined) throw new Error(`${busy} is in use by a running sweep; merge it once that sweep has finished`);
  ensureDir(out);
  const held = lock(out);
  try {
    return mergeUnlocked(dirs, out);
  } finally {
    held.release();
  }
}

function mergeUnlocked(dirs: readonly string[], out: string): MergeSummary {
  const headers = dirs.map(readHeader);
  const base = { ...headers[0], shard: null };
  headers.forEach((h, i) => {
    const d = firstDifference({ ...h, shard: null }, base);
    if (d) throw new Error(`${dirs[i]} is a different sweep from ${dirs[0]} (${d})`);
  });
  const done = new Map<string, { r: SweepResult; line: string; from: string }>();
  let duplicates = 0,
    torn = 0;
  const outIsSweep = fs.existsSync(path.join(out, HEADER_FILE));
  if (outIsSweep) {
    const d = firstDifference({ ...readHeader(out), shard: null }, base);
    if (d) throw new Error(`${out} holds a different sweep (${d}); merge into another --out`);
  }
  for (const dir of outIsSweep && !dirs.includes(out) ? [...dirs, out] : dirs) {
    const { results, tornBytes } = readResults(path.join(dir, RESULTS_FILE));
    if (tornBytes > 0) torn++;
    duplicates += collect(done, results, dir);
  }
  const grid = gridPoints(base.config);
  const keys = new Set(grid.map(runKey));
  const stray = [...done.keys()].find((k) => !keys.has(k));
  if (stray) throw new Error(`a result lies outside the sweep's grid (${stray})`);
  ensureDir(out);
  writeFileAtomic(path.join(out, HEADER_FILE), toJson(base));
  const file = path.join(out, RESULTS_FILE);
  const present = grid.filter((p) => done.has(runKey(p)));
  writeFileAtomic(file, present.map((p) => done.get(runKey(p))!.line + '\n').join(''));
  return { total: grid.length, present: present.length, duplicates, torn, file };
}

/**
 * Reads a sweep directory: its header and results (grid order as stored).
 *
 * @example
 * const { header, results } = loadSweep('out/sweep');
 */
export function loadSweep(dir: string): { header: SweepHeader; results: SweepResult[] } {
  return { header: readHeader(dir), results: readResults(path.join(dir, RESULTS_FILE)).results };
}
