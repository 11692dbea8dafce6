// Sweep locks that let go (empty, stale, future-dated, symlinked, foreign-host and own-PID locks), merge judging locks as sweep does, and inputs checked by content.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import * as lockfile from 'proper-lockfile';
import { DIVERGENCE_LOSS } from '../../src/models';
import { serializeNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { SweepConfig, mergeSweeps, runSweep } from '../../src/experiments';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-locks-'));
const out = (name: string) => path.join(dir, name);
const config: SweepConfig = {
  setup: { model: 'warmup' },
  grid: { widths: [50], seeds: [0], lrs: ['0.5x', '1.5x'] },
  train: { steps: 50, momentum: 0, l2: 0, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, time: 25 },
};
const minutesAgo = (at: string, m: number) => {
  const t = (Date.now() - m * 60_000) / 1000;
  fs.utimesSync(at, t, t);
};
async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    return assert.match((e as Error).message, pattern);
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test('an empty sweep.lock file (left by a full disk) does not block a rerun', async () => {
  fs.mkdirSync(out('empty'));
  fs.writeFileSync(path.join(out('empty'), 'sweep.lock'), '');
  const r = await runSweep({ config, out: out('empty') });
  assert.is(r.results.length, 2);
  assert.not.ok(fs.existsSync(path.join(out('empty'), 'sweep.lock')), 'released');
});

test('a stale lock from another host (a requeued Slurm job) is taken over; a fresh one is refused', async () => {
  for (const name of ['stale', 'fresh']) {
    const at = path.join(out(name), 'sweep.lock');
    fs.mkdirSync(at, { recursive: true });
    fs.writeFileSync(`${at}.json`, JSON.stringify({ host: 'node-17.cluster', pid: 4242 }));
    if (name === 'stale') minutesAgo(at, 2);
  }
  assert.is((await runSweep({ config, out: out('stale') })).results.length, 2);
  await rejects(
    runSweep({ config, out: out('fresh') }),
    /fresh is in use by another sweep or merge \(.*sweep\.lock was refreshed less than 30 s ago\)/,
  );
});

test("a lock carrying this process's own PID (a container restart) or a dead PID on this host is taken over at once", async () => {
  for (const [name, pid] of [
    ['own', process.pid],
    ['dead', 2 ** 22 - 1],
  ] as const) {
    const at = path.join(out(name), 'sweep.lock');
    fs.mkdirSync(at, { recursive: true });
    fs.writeFileSync(`${at}.json`, JSON.stringify({ host: os.hostname(), pid }));
    assert.is((await runSweep({ config, out: out(name) })).results.length, 2, name);
  }
});

test('a lock dated in the future (a host whose clock runs ahead) is judged by its distance from now, not refused until then', async () => {
  const at = path.join(out('future'), 'sweep.lock');
  fs.mkdirSync(at, { recursive: true });
  fs.writeFileSync(`${at}.json`, JSON.stringify({ host: 'node-17.cluster', pid: 4242 }));
  minutesAgo(at, -10);
  assert.is((await runSweep({ config, out: out('future') })).results.length, 2);
  assert.not.ok(fs.existsSync(at), 'released');
  // Within the stale time either way it is a live holder's refresh (clocks a few seconds apart): still refused.
  fs.mkdirSync(at);
  fs.writeFileSync(`${at}.json`, JSON.stringify({ host: 'node-17.cluster', pid: 4242 }));
  const soon = (Date.now() + 10_000) / 1000;
  fs.utimesSync(at, soon, soon);
  await rejects(runSweep({ config, out: out('future') }), /future is in use by another sweep or merge/);
});

test('a symlink at sweep.lock (dangling, or to a directory) is no lock: removed, and its target left alone', async () => {
  fs.mkdirSync(out('dangling'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(out('dangling'), 'sweep.lock'));
  assert.is((await runSweep({ config, out: out('dangling') })).results.length, 2);
  assert.not.ok(fs.existsSync(path.join(out('dangling'), 'sweep.lock')), 'released');
  fs.mkdirSync(out('linked'));
  fs.mkdirSync(out('target'));
  fs.writeFileSync(path.join(out('target'), 'keep.txt'), 'kept');
  fs.symlinkSync(out('target'), path.join(out('linked'), 'sweep.lock'));
  assert.is((await runSweep({ config, out: out('linked') })).results.length, 2);
  assert.is(fs.readFileSync(path.join(out('target'), 'keep.txt'), 'utf8'), 'kept', 'the link is removed, not what it points to');
});

test('merge takes an input whose lock a dead process, a future date or a dangling symlink left, at once as sweep would', () => {
  const inputs = ['dead-input', 'future-input', 'link-input'].map((name) => {
    fs.cpSync(out('stale'), out(name), { recursive: true });
    return [name, path.join(out(name), 'sweep.lock')] as const;
  });
  const [[, dead], [, future], [, link]] = inputs;
  fs.mkdirSync(dead);
  fs.writeFileSync(`${dead}.json`, JSON.stringify({ host: os.hostname(), pid: 2 ** 22 - 1 }));
  fs.mkdirSync(future);
  fs.writeFileSync(`${future}.json`, JSON.stringify({ host: 'node-17.cluster', pid: 4242 }));
  minutesAgo(future, -10);
  fs.symlinkSync(path.join(dir, 'nowhere'), link);
  for (const [name] of inputs) assert.is(mergeSweeps([out(name)], out(`merged-${name}`)).present, 2, name);
});

test('merge refuses a directory whose sweep is running, and a merge into it', async () => {
  await runSweep({ config, out: out('live') });
  const release = lockfile.lockSync(out('live'), { lockfilePath: path.join(out('live'), 'sweep.lock'), realpath: false });
  try {
    assert.throws(() => mergeSweeps([out('live')], out('merged')), /live is in use by a running sweep/);
    assert.throws(() => mergeSweeps([out('stale')], out('live')), /live is in use by another sweep or merge/);
  } finally {
    release();
  }
  assert.is(mergeSweeps([out('live')], out('merged')).present, 2);
});

test('merge refuses the directory of a sweep running in its own process (its PID there is a live holder, not a restart)', async () => {
  let refused = '';
  const tryMerge = () => {
    try {
      mergeSweeps([out('running')], out('merged-running'));
    } catch (e) {
      refused = (e as Error).message;
    }
  };
  await runSweep({ config, out: out('running'), onProgress: tryMerge });
  assert.match(refused, /running is in use by a running sweep/);
  assert.is(mergeSweeps([out('running')], out('merged-running')).present, 2, 'once it has finished');
});

test('a resume with other bytes at the --data path is refused (the inputs are recorded by content)', async () => {
  const data = out('data.npz');
  const write = (scale: number) =>
    fs.writeFileSync(
      data,
      serializeNpz({
        X: tensor(
          [4, 2],
          Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8], (x) => x * scale),
        ),
        Y: tensor([4, 1], Float64Array.of(1, -1, 1, -1)),
      }),
    );
  write(1);
  const c: SweepConfig = { ...config, setup: { model: 'linear', data } };
  await runSweep({ config: c, out: out('by-content') });
  const header = JSON.parse(fs.readFileSync(path.join(out('by-content'), 'sweep.json'), 'utf8'));
  assert.match(header.inputs.data, /^[0-9a-f]{64}$/);
  assert.is((await runSweep({ config: c, out: out('by-content') })).resumed, 2, 'same bytes: resumes');
  write(2);
  await rejects(runSweep({ config: c, out: out('by-content') }), /by-content holds a different sweep \(inputs\.data: /);
});

test('--data replaced while the sweep runs: the sweep stops naming the file, and keeps only runs on the recorded bytes', async () => {
  const data = out('swapped.npz');
  const write = (scale: number) =>
    fs.writeFileSync(
      data,
      serializeNpz({
        X: tensor(
          [4, 2],
          Float64Array.from([1, -2, 3, 4, -5, 6, 7, 8], (x) => x * scale),
        ),
        Y: tensor([4, 1], Float64Array.of(1, -1, 1, -1)),
      }),
    );
  write(1);
  // Seeds 0 and 1: seed 1's runs read the data after seed 0's first run has finished (one worker runs the grid in order).
  const c: SweepConfig = { ...config, setup: { model: 'linear', data }, grid: { ...config.grid, seeds: [0, 1] } };
  const swapAfterFirst = (done: number, _total: number, last?: unknown) => {
    if (last !== undefined && done === 1) write(3);
  };
  await rejects(
    runSweep({ config: c, out: out('swapped'), onProgress: swapAfterFirst }),
    /swapped\.npz changed while the sweep ran \(its SHA-256 is not the one in .*sweep\.json\)/,
  );
  const seeds = fs
    .readFileSync(path.join(out('swapped'), 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).seed);
  assert.equal(seeds, [0, 0], 'only the runs on the recorded bytes were written');
  write(1);
  assert.equal((await runSweep({ config: c, out: out('swapped') })).resumed, 2, 'the recorded bytes back: it resumes');
});

test('two reruns racing for one stale lock: never both run the grid', async () => {
  const BIN = path.resolve(__dirname, '../../../bin/catapult.js');
  const args = [
    'sweep',
    '--model',
    'warmup',
    '--widths',
    '3000',
    '--seeds',
    '0,1',
    '--lrs',
    '0.5x,1x,1.5x',
    '--steps',
    '300',
    '--converge',
    '1e-300',
    '--quiet',
  ];
  const launch = (out: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: dir });
      let stdout = '',
        stderr = '';
      c.stdout.on('data', (b) => (stdout += b));
      c.stderr.on('data', (b) => (stderr += b));
      c.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  for (let trial = 0; trial < 4; trial++) {
    const name = `race${trial}`,
      at = path.join(out(name), 'sweep.lock');
    fs.mkdirSync(at, { recursive: true });
    fs.writeFileSync(`${at}.json`, JSON.stringify({ host: 'gone.cluster', pid: 1 }));
    minutesAgo(at, 5);
    const [a, b] = await Promise.all([launch(name), launch(name)]);
    const ran = [a, b].map((r) => Number(/(\d+) ran now/.exec(r.stdout)?.[1] ?? 0));
    assert.is(ran[0] + ran[1], 6, `trial ${trial}: the grid's 6 runs ran once in all (${ran}); ${a.stderr}${b.stderr}`);
    for (const r of [a, b]) if (r.code !== 0) assert.match(r.stderr, /is in use by another sweep or merge/);
    const lines = fs
      .readFileSync(path.join(out(name), 'results.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.is(lines.length, 6);
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
