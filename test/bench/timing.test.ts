// The bench's timing rules on fake clocks and fake load figures: sampling stops once the minimum is stable, and loaded rows are flagged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { loadReasons, measurement, othersCores, settle, SETTLE, Snapshot, stableMinimum } from '../../bench/timing';
import { nominalPeak } from '../../bench/machine';

const RULE = { repeats: 5, tolerance: 0.01 };

/** A sampler over fixed samples on a fake clock that advances one second a sample; with the clock to pass to stableMinimum. */
function fake(samples: number[]): { sample: () => number; now: () => number; taken: () => number } {
  let t = 0,
    i = 0;
  return {
    sample: () => {
      t += 1;
      return samples[i++];
    },
    now: () => t,
    taken: () => i,
  };
}

test('sampling stops once the last 5 samples improved the minimum by at most 1 %', () => {
  const f = fake([10, 9.95, 9.99, 9.96, 9.97, 9.98, 9.94, 1, 1]);
  assert.equal(stableMinimum(f.sample, 100, 1, RULE, f.now), { min: 9.95, repeats: 6, stable: true });
});

test('a minimum still improving by more than 1 % keeps sampling', () => {
  // 10 → 9.8 at the 6th sample is 2 %: not settled until 5 samples pass without such a gain.
  const f = fake([10, 10, 10, 10, 10, 9.8, 9.8, 9.8, 9.8, 9.8, 9.8, 0]);
  assert.equal(stableMinimum(f.sample, 100, 1, RULE, f.now), { min: 9.8, repeats: 11, stable: true });
});

test('the time budget ends sampling that never settles, and says it is not stable', () => {
  const f = fake(Array.from({ length: 100 }, (_, i) => 0.95 ** i));
  assert.equal(stableMinimum(f.sample, 8, 1, RULE, f.now), { min: 0.95 ** 7, repeats: 8, stable: false });
});

test('at least minRepeats samples are taken, even past the budget', () => {
  const f = fake([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const r = stableMinimum(f.sample, 0, 9, RULE, f.now);
  assert.equal([r.repeats, f.taken()], [9, 9]);
});

test('the Python references use the same stability rule (ref_timing.py --selftest, on its fake clock)', () => {
  const r = spawnSync('python3', [path.resolve(__dirname, '../../../bench/ref_timing.py')], { encoding: 'utf8' });
  assert.equal([r.status, r.stdout.trim()], [0, 'OK'], r.stderr);
});

const QUIET = { wallSeconds: 2, cpuSeconds: 1.9, loadBefore: [1.2, 1, 1], othersCores: 0.05 };

test('a quiet row has no load reasons', () => {
  assert.equal(loadReasons(QUIET, 2), []);
});

test('a row is loaded by the 1-min load before it, by other processes, or by CPU time well under the wall time', () => {
  assert.match(loadReasons({ ...QUIET, loadBefore: [3.1, 2, 2] }, 2).join(), /1-min load 3.10 before the row > 2.5 \(2 CPUs/);
  assert.equal(loadReasons({ ...QUIET, loadBefore: [3.1, 2, 2] }, 4), [], 'the same load on 4 CPUs is quiet');
  assert.match(loadReasons({ ...QUIET, othersCores: 0.9 }, 2).join(), /other processes used 0.90 CPUs/);
  assert.match(loadReasons({ ...QUIET, cpuSeconds: 1 }, 2).join(), /CPU time 0.50× the wall time/);
  assert.equal(loadReasons({ ...QUIET, wallSeconds: 0.01, cpuSeconds: 0.001 }, 2), [], 'too short to judge by CPU time');
});

test('a row waits for the 1-min load to fall within the rule, polling, and gives up at SETTLE.seconds', () => {
  const loads = [3.1, 2.8, 2.4],
    slept: number[] = [];
  assert.is(
    settle(
      2,
      () => loads.shift()!,
      (s) => slept.push(s),
    ),
    2 * SETTLE.pollSeconds,
  );
  assert.equal(slept, [SETTLE.pollSeconds, SETTLE.pollSeconds]);
  assert.is(
    settle(
      2,
      () => 1.0,
      () => assert.unreachable('a quiet machine does not wait'),
    ),
    0,
  );
  assert.is(
    settle(
      2,
      () => 9,
      () => {},
    ),
    SETTLE.seconds,
    'a load that stays is judged, not waited out',
  );
});

test('other processes’ CPUs are the machine’s busy time less ours, over the wall time', () => {
  const at = (wall: number, cpu: number, busy: number | null): Snapshot => ({ load: [0, 0, 0], wall, cpu, busy });
  assert.equal(othersCores(at(0, 0, 100), at(2, 1.8, 103)), (3 - 1.8) / 2);
  assert.equal(othersCores(at(0, 0, null), at(2, 1.8, 103)), null);
  assert.equal(othersCores(at(0, 0, 100), at(0.1, 0.1, 100.1)), null, 'too short for 10 ms ticks');
  const m = measurement({ what: 'x', threads: 1, seconds: 0.1, repeats: 6, stable: true }, at(0, 0, 100), at(2, 1.9, 104), 2);
  assert.equal([m.loaded, m.cpuSeconds, m.loadReasons.length], [true, 1.9, 1]);
});

const ZEN4 = `processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.144\nphysical id\t: 0\ncore id\t\t: 0\nflags\t\t: fpu sse2 avx fma avx2 avx512f\n`;

test('the nominal peak: cores × GHz × flop/cycle, read from cpuinfo, with its derivation', () => {
  const two = ZEN4 + '\n' + ZEN4.replace('processor\t: 0', 'processor\t: 1').replace('core id\t\t: 0', 'core id\t\t: 1');
  const p = nominalPeak(two, null);
  assert.equal([p.cores, p.flopsPerCycle, p.ghz], [2, 16, 2.596144]);
  assert.ok(Math.abs(p.gflops - 2 * 2.596144 * 16) < 1e-12);
  assert.match(p.derivation, /2 cores × 2.596 GHz .* × 16 flop\/cycle .*= 83.1 GFLOP\/s/);
  const intel = nominalPeak(ZEN4.replace('AuthenticAMD', 'GenuineIntel'), 3_000_000);
  assert.equal([intel.cores, intel.flopsPerCycle, intel.ghz, intel.clockSource], [1, 32, 3, '/sys cpuinfo_max_freq']);
  const hyperthreads = nominalPeak(two.replace('core id\t\t: 1', 'core id\t\t: 0'), null);
  assert.equal(hyperthreads.cores, 1, 'two hyperthreads of one core share its FMA units');
  assert.equal(nominalPeak(ZEN4.replace(' fma avx2 avx512f', ''), null).flopsPerCycle, 8, 'avx without fma: 4 doubles × 2 pipes');
});

test.run();
