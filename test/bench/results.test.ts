// Bench results: a run with a loaded row is written to bench/results/loaded/, not committed as a result, and its tables say so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { best, hooks, journal, measuring, once, referenceMeasurement, table, writeResults } from '../../bench/harness';
import { Measurement } from '../../bench/timing';

/** A journal row: quiet unless given load reasons. */
function row(what: string, loadReasons: string[] = []): Measurement {
  return {
    what,
    threads: 1,
    seconds: 0.1,
    repeats: 6,
    stable: true,
    wallSeconds: 0.6,
    cpuSeconds: 0.59,
    loadBefore: [loadReasons.length > 0 ? 5 : 0.3, 0.5, 0.5],
    loadAfter: [0.4, 0.5, 0.5],
    othersCores: 0,
    loaded: loadReasons.length > 0,
    loadReasons,
  };
}

/** What `f` printed with console.log. */
function printed(f: () => void): string[] {
  const lines: string[] = [],
    log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    f();
  } finally {
    console.log = log;
  }
  return lines;
}

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-bench-'));

test('a quiet run writes <dir>/<name>.json with every row’s load average and CPU time', () => {
  const dir = scratch();
  journal.push(row('a'), row('b'));
  const lines = printed(() => writeResults('quiet', { x: 1 }, { dir, env: {} }));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'quiet.json'), 'utf8'));
  assert.equal(
    [json.x, json.loaded, json.measurements.map((m: Measurement) => [m.what, m.cpuSeconds, m.loadBefore[0]])],
    [
      1,
      false,
      [
        ['a', 0.59, 0.3],
        ['b', 0.59, 0.3],
      ],
    ],
  );
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^wrote .*quiet\.json$/);
});

test('one loaded row sends the results to <dir>/loaded/<name>.json, with one line saying so', () => {
  const dir = scratch();
  journal.push(row('a'), row('b', ['1-min load 5.00 before the row > 2.5']));
  const lines = printed(() => writeResults('busy', { x: 1 }, { dir, env: {} }));
  assert.not.ok(fs.existsSync(path.join(dir, 'busy.json')), 'no committed result from a loaded run');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'loaded', 'busy.json'), 'utf8'));
  assert.equal([json.loaded, json.measurements.length], [true, 2], 'only the rows since the previous results');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /busy\.json not written: 1 of 2 rows ran under load \(b: 1-min load 5\.00.*wrote .*loaded\/busy\.json/);
});

test('CATAPULT_BENCH_ALLOW_LOADED=1 writes a loaded run in place, still marked loaded', () => {
  const dir = scratch();
  journal.push(row('b', ['other processes used 1.00 CPUs']));
  const lines = printed(() => writeResults('dev', {}, { dir, env: { CATAPULT_BENCH_ALLOW_LOADED: '1' } }));
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'dev.json'), 'utf8')).loaded, true);
  assert.match(lines[0], /1 loaded rows, allowed by CATAPULT_BENCH_ALLOW_LOADED=1/);
});

test('a table marks rows timed under load LOADED, with their load average and CPU/wall time', () => {
  journal.push(row('q'), row('l', ['1-min load 5.00 before the row > 2.5']));
  const q = journal.at(-2)!,
    l = journal.at(-1)!;
  const lines = printed(() =>
    table(
      ['', 'ms'],
      [
        ['quiet', '1'],
        ['busy', '2'],
      ],
      [[q], [l]],
    ),
  );
  assert.match(lines[0], /load 1m +cpu\/wall$/);
  assert.not.match(lines[1], /LOADED/);
  assert.match(lines[1], /0\.30 +0\.98$/);
  assert.match(lines[2], /5\.00 LOADED +0\.98$/);
  assert.match(lines[3], /LOADED: 1 measurement\(s\), e\.g\. l: 1-min load 5\.00/);
});

test('best and once journal their row: wall and CPU time, load averages, repeats and stability', () => {
  let x = 0;
  const spin = () => {
    for (let i = 0; i < 1000; i++) x += Math.sqrt(i);
  };
  const settle = hooks.settle;
  let settled = 0;
  hooks.settle = () => (settled++, 0); // the wait itself is timing.test's; here it must not wait on the machine
  let measured;
  try {
    measured = measuring(() => [best(spin, 0.05, 1, 'spin'), once(spin, 2)]);
  } finally {
    hooks.settle = settle;
  }
  const { value, timed } = measured;
  assert.is(settled, 2, 'each row settles first');
  assert.ok(x > 0 && value.every((t) => t > 0));
  assert.equal(
    timed.map((m) => [
      m.what,
      m.seconds === value[timed.indexOf(m)],
      typeof m.stable,
      m.loadBefore.length,
      m.cpuSeconds >= 0,
      m.wallSeconds > 0,
    ]),
    [
      ['spin', true, 'boolean', 3, true, true],
      [timed[1].what, true, 'object', 3, true, true],
    ],
  );
  assert.equal([timed[1].repeats, timed[1].stable], [2, null], 'once: a fixed count, not judged stable');
});

test('without per-row measurements, a table gives every row those of its results file so far', () => {
  const dir = scratch();
  printed(() => writeResults('reset', {}, { dir, env: { CATAPULT_BENCH_ALLOW_LOADED: '1' } }));
  journal.push(row('l', ['1-min load 5.00 before the row > 2.5']));
  const lines = printed(() =>
    table(
      ['', 'ms'],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ),
  );
  assert.equal(
    lines.slice(1, 3).map((l) => /LOADED/.test(l)),
    [true, true],
  );
  printed(() => writeResults('reset', {}, { dir, env: { CATAPULT_BENCH_ALLOW_LOADED: '1' } }));
  assert.equal(
    printed(() => table(['', 'ms'], [['a', '1']])),
    ['   ms', 'a   1'],
    'nothing timed: no load columns',
  );
});

test('a Python reference case is judged by the same rule from the figures it reports', () => {
  const r = { kind: 'gemm', n: 64, seconds: 1e-5, reps: 100, stable: true, wallSeconds: 1, cpuSeconds: 0.4, loadBefore: [0.2, 0, 0] };
  const m = referenceMeasurement('numpy_ref.py', r, 1, 2);
  assert.equal([m.what, m.loaded], ['numpy gemm n=64 1t', true]);
  assert.match(m.loadReasons[0], /CPU time 0\.40× the wall time/);
  assert.equal(referenceMeasurement('numpy_ref.py', { ...r, cpuSeconds: 0.99 }, 1, 2).loaded, false);
});

test.run();
