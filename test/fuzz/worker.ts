// Runs fuzz cases [from, to) in this process through a catapult CLI's main(), one JSON line per case on stdout.
import * as fs from 'fs';
import * as path from 'path';
import { readBases } from './bases';
import { makeCase } from './cases';
import type { FuzzCase } from './bases';

/** What one case did: its exit code, whether it printed a stack trace or more than one error line, its time and the peak RSS so far. */
export interface Outcome {
  index: number;
  code: number;
  stack: boolean;
  errorLines: number;
  ms: number;
  /** Peak resident set of this worker so far, MB (ownPeakMb: it only grows). */
  peakMb: number;
  message: string;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

function writeCaseFiles(dir: string, c: FuzzCase): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(c.files)) {
    if (content === 'dir') fs.mkdirSync(path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), content);
  }
}

/** Runs one case with stdout, stderr and process.exit captured. */
async function runCase(main: (argv: string[]) => Promise<number>, c: FuzzCase, dir: string): Promise<Outcome> {
  writeCaseFiles(dir, c);
  let err = '';
  const writes = { out: process.stdout.write, err: process.stderr.write, exit: process.exit };
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  process.exit = ((code?: number) => {
    throw new Exit(code ?? 0);
  }) as typeof process.exit;
  process.exitCode = undefined;
  const started = process.hrtime.bigint();
  let code: number;
  try {
    code = await main(c.argv.map((a) => a.replace('{dir}', dir)));
  } catch (e) {
    code = e instanceof Exit ? e.code : 99;
    if (!(e instanceof Exit)) err += `uncaught: ${e instanceof Error ? e.stack : String(e)}\n`;
  } finally {
    Object.assign(process.stdout, { write: writes.out });
    Object.assign(process.stderr, { write: writes.err });
    process.exit = writes.exit;
  }
  if (typeof process.exitCode === 'number' && process.exitCode !== 0 && code === 0) code = process.exitCode;
  process.exitCode = undefined;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    index: c.index,
    code,
    stack: /\n\s+at \S/.test(err) || /^\s+at \S/.test(err),
    errorLines: err.split('\n').filter((l) => l.startsWith('catapult: error')).length,
    ms,
    peakMb: ownPeakMb(),
    message: err.trim().split('\n')[0]?.slice(0, 200) ?? '',
  };
}

/**
 * A size field of /proc/<pid>/status (VmRSS, VmHWM), MB; null where it cannot be read (no /proc, a process gone).
 *
 * @example
 * procStatusMb('self', 'VmHWM'); // 61.2
 */
export function procStatusMb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * This process's own peak resident set, MB: VmHWM, which starts afresh at exec. resourceUsage's maxRSS does not:
 * Linux carries it across fork and exec, so a worker spawned by a test process of 576 MB reported 576 MB for every
 * case. Off Linux, maxRSS.
 */
function ownPeakMb(): number {
  return procStatusMb('self', 'VmHWM') ?? process.resourceUsage().maxRSS / 1024;
}

async function runWorker(): Promise<void> {
  const [mainPath, basesDir, scratchDir, from, to] = process.argv.slice(2);
  const { main } = require(path.resolve(mainPath)) as { main: (argv: string[]) => Promise<number> };
  const bases = readBases(basesDir);
  const dir = path.join(scratchDir, `case-${process.pid}`);
  for (let i = Number(from); i < Number(to); i++) {
    const c = makeCase(i, bases);
    // The parent times each case from this line: a case that never reports was a hang.
    writes(`start ${i}\n`);
    const o = await runCase(main, c, dir);
    writes(`${JSON.stringify(o)}\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

const writes = (s: string) => fs.writeSync(1, s);

if (require.main === module) runWorker().then(() => process.exit(0));
