// Running the catapult CLI as a child process in a scratch directory, and checking its one-line errors.
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

export const BIN = path.resolve(__dirname, '../../../bin/catapult.js');

/** A scratch directory and a runner whose relative paths resolve in it. */
export function scratch(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    // A hang is a failure, not a stuck suite: every command gets two minutes.
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, ...env },
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    return { code: r.status, stderr: r.stderr, stdout: r.stdout };
  };
  /** Runs a bad command and checks: exit 2, exactly one stderr line naming the problem, no stack trace. */
  const rejects = (args: string[], pattern: RegExp): void => {
    const r = run(args);
    assert.is(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.is(lines.length, 1, `one stderr line for ${args.join(' ')}, got:\n${r.stderr}`);
    assert.ok(lines[0].startsWith('catapult: error: '), lines[0]);
    assert.ok(pattern.test(lines[0]), `'${lines[0]}' should match ${pattern}`);
    assert.not.ok(/\n\s+at /.test(r.stderr), 'no stack trace');
  };
  const file = (name: string) => path.join(dir, name);
  // Loaded before the CLI: on exit it writes the process's peak resident memory (getrusage, KiB) where the test reads it.
  const hook = path.join(dir, 'peak-rss-hook.js');
  fs.writeFileSync(
    hook,
    "process.on('exit', () => require('fs').writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  /** Runs the CLI and measures it: exit code, stderr, peak RSS (MiB) and wall seconds. */
  const measure = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const rssFile = path.join(dir, `peak-rss-${process.hrtime.bigint()}`);
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', hook, BIN, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, ...env, PEAK_RSS_FILE: rssFile },
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peakMiB = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) / 1024 : Infinity;
    return { code: r.status, stderr: r.stderr, stdout: r.stdout, peakMiB, seconds };
  };
  return { dir, run, rejects, measure, file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** An .npy entry with a hand-written header (dtype, order, shape) around raw bytes. */
export function npyBytes(descr: string, shape: number[], data: Buffer, fortran = false): Buffer {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeRepr}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}
