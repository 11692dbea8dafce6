// Bench timing rules: repeat until the minimum is stable, and record each row's load average and CPU time to judge it quiet or loaded.
import * as fs from 'fs';
import * as os from 'os';

/**
 * When a row's minimum counts as stable: the last `repeats` samples improved the running minimum by at most
 * `tolerance` (relative). The minimum, not the mean, is the figure because interference only ever adds time; and
 * rather than a fixed best-of-N, sampling goes on until more samples stop finding a faster one, within the row's
 * time budget. `batchSeconds` is the shortest batch worth timing: tiny kernels run in batches at least that long, so
 * timer and loop overhead stay below 1 %. The Python references (ref_timing.py) receive these values in their request.
 */
export const STABILITY = { repeats: 5, tolerance: 0.01, batchSeconds: 0.01 } as const;

/**
 * What makes a row loaded (checked by `loadReasons`):
 * - the 1-minute load average before the row exceeds the machine's logical CPUs plus `loadMargin`. This bench never
 *   runs more threads than CPUs, so its own threads (still in the decaying average from the previous row) cannot push
 *   the load past the core count: beyond it, some task waited for a CPU;
 * - other processes used more than `othersCores` CPUs during the row (machine busy time from /proc/stat, steal
 *   included, minus this process's CPU time), when the row lasted at least `minProcSeconds` (the counters tick at 10 ms);
 * - the process's CPU time was under `minCpuShare` of the wall time of a row of at least `minCpuSeconds`: even the
 *   serial parts of a many-thread row keep one CPU busy, so less means it waited for one. (CPU time ≪ wall × threads is
 *   not a test: a 2-thread step has serial parts that legitimately use one core.)
 */
export const LOAD_RULE = { loadMargin: 0.5, othersCores: 0.25, minProcSeconds: 0.2, minCpuShare: 0.8, minCpuSeconds: 0.05 } as const;

/**
 * Before each row (TS and Python alike): wait, polling every `pollSeconds` for at most `seconds`, until the 1-minute
 * load is within LOAD_RULE's limit. The average decays over about a minute, and a PyTorch reference runs its OpenMP and
 * OpenBLAS pools side by side (3–4 runnable threads on 2 CPUs), so its row kept a quiet machine's next row above the
 * limit (2.52 > 2.5 on the λ bench). Load that outlasts the wait is someone else's: the row is then judged loaded.
 */
export const SETTLE = { seconds: 90, pollSeconds: 2 } as const;

/** Blocks this thread for `seconds` (the bench is synchronous: Benchmark.js runs with async false). */
export function sleepSync(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/**
 * Waits under SETTLE until the 1-min load is at most `cpus` + LOAD_RULE.loadMargin; returns the seconds waited.
 *
 * @example
 * settle(); // then snapshot() and time the row
 */
export function settle(cpus = os.cpus().length, load = () => os.loadavg()[0], sleep = sleepSync): number {
  let waited = 0;
  while (load() > cpus + LOAD_RULE.loadMargin && waited < SETTLE.seconds) {
    sleep(SETTLE.pollSeconds);
    waited += SETTLE.pollSeconds;
  }
  return waited;
}

/** One timed bench row (a `best`, a `once`, or one Python reference case), as written to bench/results/<name>.json. */
export interface Measurement {
  what: string;
  /** Threads the row ran on (the backend's, or the Python reference's BLAS/torch threads). */
  threads: number;
  /** The row's figure: the fastest per-call time, in seconds. */
  seconds: number;
  repeats: number;
  /** Whether the stability rule was met; null for a fixed count (`once`: too slow to repeat until stable). */
  stable: boolean | null;
  /** Wall and process CPU (user + system, all threads) seconds over all repeats of the row. */
  wallSeconds: number;
  cpuSeconds: number;
  /** os.loadavg() (1, 5, 15 minutes) before and after the row. */
  loadBefore: number[];
  loadAfter: number[];
  /** CPUs used by other processes during the row (null where /proc/stat is absent or the row was too short). */
  othersCores: number | null;
  loaded: boolean;
  /** Why the row is loaded (empty when quiet). */
  loadReasons: string[];
}

/** The result of sampling until the minimum is stable. */
export interface StableMinimum {
  min: number;
  repeats: number;
  stable: boolean;
}

/**
 * Calls `sample` (which returns one sample's seconds per call) until the running minimum is stable under `rule`,
 * after at least max(minRepeats, rule.repeats + 1) samples, or until `budget` seconds (by `now`) have passed since the
 * first sample: then `stable` is false. `now` is injectable so tests can drive it with a fake clock.
 *
 * @example
 *   const t = [3, 2, 2, 2, 2, 2, 2];
 *   stableMinimum(() => t.shift()!, 10, 1).repeats; // 7: the minimum 2 stopped improving after the 2nd sample
 */
export function stableMinimum(
  sample: () => number,
  budget: number,
  minRepeats: number,
  rule: { repeats: number; tolerance: number } = STABILITY,
  now: () => number = wallClock,
): StableMinimum {
  const t0 = now();
  const mins: number[] = [];
  for (;;) {
    const s = sample();
    mins.push(Math.min(s, mins.length > 0 ? mins[mins.length - 1] : Infinity));
    const stop = stopSampling(mins, now() - t0, budget, minRepeats, rule);
    if (stop !== null) return { min: mins[mins.length - 1], repeats: mins.length, stable: stop === 'stable' };
  }
}

/**
 * The stopping test of {@link stableMinimum} on the running minima so far and the seconds spent: 'stable', 'budget'
 * (out of time, not stable) or null (sample again). `best` applies it to Benchmark.js's samples as they come.
 *
 * @example
 *   stopSampling([3, 2, 2, 2, 2, 2, 2], 1, 10, 1); // 'stable'
 */
export function stopSampling(
  mins: readonly number[],
  elapsed: number,
  budget: number,
  minRepeats: number,
  rule: { repeats: number; tolerance: number } = STABILITY,
): 'stable' | 'budget' | null {
  const n = mins.length;
  const needed = Math.max(minRepeats, rule.repeats + 1);
  if (n >= needed && mins[n - 1] >= (1 - rule.tolerance) * mins[n - 1 - rule.repeats]) return 'stable';
  return n >= minRepeats && elapsed >= budget ? 'budget' : null;
}

/** Seconds on a monotonic clock. */
export function wallClock(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Process CPU seconds (user + system, every thread: native pool and wasm workers included). */
export function cpuClock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Busy CPU seconds of the whole machine from /proc/stat's first line (steal counted: another VM took the CPU); null off Linux. */
export function machineBusySeconds(stat: string | null = readOrNull('/proc/stat')): number | null {
  const line = stat?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return null;
  // user nice system idle iowait irq softirq steal (guest time is already inside user), in USER_HZ = 100 ticks a second
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return Number.isFinite(busy) ? busy / 100 : null;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** What the machine and the process look like at one instant: the load average, the clocks, the machine's busy time. */
export interface Snapshot {
  load: number[];
  wall: number;
  cpu: number;
  busy: number | null;
}

export function snapshot(): Snapshot {
  return { load: os.loadavg(), wall: wallClock(), cpu: cpuClock(), busy: machineBusySeconds() };
}

/** Why a row is loaded under LOAD_RULE on a machine of `cpus` logical CPUs (empty when it was quiet). */
export function loadReasons(
  m: Pick<Measurement, 'wallSeconds' | 'cpuSeconds' | 'loadBefore' | 'othersCores'>,
  cpus: number,
  rule = LOAD_RULE,
): string[] {
  const reasons: string[] = [];
  const limit = cpus + rule.loadMargin;
  if (m.loadBefore[0] > limit)
    reasons.push(`1-min load ${m.loadBefore[0].toFixed(2)} before the row > ${limit} (${cpus} CPUs + ${rule.loadMargin})`);
  if (m.othersCores !== null && m.othersCores > rule.othersCores)
    reasons.push(`other processes used ${m.othersCores.toFixed(2)} CPUs during the row (> ${rule.othersCores})`);
  if (m.wallSeconds >= rule.minCpuSeconds && m.cpuSeconds < rule.minCpuShare * m.wallSeconds)
    reasons.push(`CPU time ${(m.cpuSeconds / m.wallSeconds).toFixed(2)}× the wall time (< ${rule.minCpuShare}): it waited for a CPU`);
  return reasons;
}

/** CPUs used by other processes between two snapshots: machine busy time minus this process's CPU time, over the wall time. */
export function othersCores(before: Snapshot, after: Snapshot, ownCpu = after.cpu - before.cpu, rule = LOAD_RULE): number | null {
  const wall = after.wall - before.wall;
  if (before.busy === null || after.busy === null || wall < rule.minProcSeconds) return null;
  return Math.max(0, (after.busy - before.busy - ownCpu) / wall);
}

/** A Measurement from the row's figures and the snapshots around it, judged on a machine of `cpus` logical CPUs. */
export function measurement(
  row: { what: string; threads: number; seconds: number; repeats: number; stable: boolean | null },
  before: Snapshot,
  after: Snapshot,
  cpus = os.cpus().length,
): Measurement {
  const m = {
    ...row,
    wallSeconds: after.wall - before.wall,
    cpuSeconds: after.cpu - before.cpu,
    loadBefore: before.load,
    loadAfter: after.load,
    othersCores: othersCores(before, after),
  };
  const reasons = loadReasons(m, cpus);
  return { ...m, loaded: reasons.length > 0, loadReasons: reasons };
}
