// Runs the fuzz cases in worker processes, each case bounded in time and memory, and sorts what broke by input class.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { FUZZ_CLASSES, FuzzClass, makeBases, readBases, writeBases } from './bases';
import { makeCase } from './cases';
import { procStatusMb, type Outcome } from './worker';

export const LIMITS = {
  /** A case over this is a hang: the worker is killed and the next one starts after it. */
  caseSeconds: 10,
  peakMb: 500,
  /** The workers' memory limit (CATAPULT_MEMORY_LIMIT): bombs must be refused from their headers, not found out by inflating. */
  budgetBytes: 256 * 2 ** 20,
  /** A worker above this resident size is killed at once, so an unfixed reader cannot take the machine down. */
  killMb: 2048,
};

export const BREAKS = ['exit code', 'stack trace', 'not one line', 'memory', 'time', 'forged passes', 'control fails'] as const;
export type Break = (typeof BREAKS)[number];

export interface CaseResult extends Outcome {
  cls: FuzzClass;
  what: string;
  breaks: Break[];
}

/** The bases: a small golden from `oracle` (of the build under test: its golden version) and its initial parameters, plus the files written by formats.ts. */
export function prepareBases(dir: string, mainPath: string): void {
  const BIN = path.resolve(path.dirname(mainPath), '../../../bin/catapult.js');
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fuzz bases: catapult ${args.join(' ')}: ${r.stderr}`);
  };
  fs.mkdirSync(dir, { recursive: true });
  const small = ['--model', 'mlp', '--width', '4', '--depth', '1', '--samples', '3', '--input-dim', '2'];
  run(['oracle', ...small, '--lr', '0.5x', '--steps', '6', '--params-every', '3', '--out', 'g.json']);
  run(['train', ...small, '--lr', '0.1', '--steps', '0', '--quiet', '--out', 'init', '--save-params', 'params.npz']);
  writeBases(dir, makeBases(fs.readFileSync(path.join(dir, 'g.json')), fs.readFileSync(path.join(dir, 'params.npz'))));
}

/** Which limits an outcome broke, given what its case expected. */
function breaksOf(o: Outcome, expect: 'nonzero' | 'zero' | 'any'): Break[] {
  const b: Break[] = [];
  if (![0, 1, 2].includes(o.code)) b.push('exit code');
  if (o.stack) b.push('stack trace');
  if (o.code !== 0 && o.errorLines !== 1 && o.code !== 1) b.push('not one line');
  if (o.peakMb > LIMITS.peakMb) b.push('memory');
  if (o.ms > LIMITS.caseSeconds * 1000) b.push('time');
  if (expect === 'nonzero' && o.code === 0) b.push('forged passes');
  if (expect === 'zero' && o.code !== 0) b.push('control fails');
  return b;
}

/** A worker's resident set now, MB (0 once it is gone). */
const residentMb = (pid: number): number => procStatusMb(pid, 'VmRSS') ?? 0;

/** Cases [from, to) in one worker after another: a hang, a crash or a memory blow-up ends a worker, the next starts after that case. */
async function runRange(
  mainPath: string,
  basesDir: string,
  scratch: string,
  from: number,
  to: number,
  onOutcome: (o: Outcome) => void,
): Promise<void> {
  let next = from;
  while (next < to) {
    next = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [__dirname + '/worker.js', mainPath, basesDir, scratch, String(next), String(to)], {
        env: { ...process.env, CATAPULT_MEMORY_LIMIT: String(LIMITS.budgetBytes), CATAPULT_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let current = next,
        started = Date.now(),
        buffered = '',
        ended: Outcome | null = null,
        restartAt: number | null = null;
      const kill = (why: 'time' | 'memory') => {
        ended = {
          index: current,
          code: why === 'time' ? -1 : -2,
          stack: false,
          errorLines: 0,
          ms: Date.now() - started,
          peakMb: residentMb(child.pid!),
          message: why,
        };
        child.kill('SIGKILL');
      };
      const watch = setInterval(() => {
        if (Date.now() - started > LIMITS.caseSeconds * 1000 + 2000) kill('time');
        else if (residentMb(child.pid!) > LIMITS.killMb) kill('memory');
      }, 100);
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith('start ')) [current, started] = [Number(line.slice(6)), Date.now()];
          else {
            const o = JSON.parse(line) as Outcome;
            onOutcome(o);
            current = o.index + 1;
            // A case that raised the peak past the limit would be blamed for the next ones too: start afresh.
            if (o.peakMb > LIMITS.peakMb) {
              restartAt = o.index + 1;
              child.kill('SIGKILL');
            }
          }
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(watch);
        if (restartAt !== null && !ended) return resolve(restartAt);
        if (ended) onOutcome(ended);
        else if (current < to && (code !== 0 || signal)) {
          onOutcome({
            index: current,
            code: code ?? -3,
            stack: false,
            errorLines: 0,
            ms: Date.now() - started,
            peakMb: 0,
            message: `worker died (${signal ?? code})`,
          });
        }
        resolve(ended || code !== 0 || signal ? current + 1 : to);
      });
    });
  }
}

/** Runs cases 0 … n−1 on `workers` processes against the CLI whose main() is at `mainPath`; results by case index. */
export async function runCampaign(n: number, mainPath: string, workers = 2): Promise<{ results: CaseResult[]; seconds: number }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-fuzz-'));
  const basesDir = path.join(scratch, 'bases');
  const started = Date.now();
  try {
    prepareBases(basesDir, mainPath);
    const bases = readBases(basesDir);
    const outcomes: Outcome[] = [];
    const chunk = Math.ceil(n / workers);
    await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        runRange(mainPath, basesDir, scratch, w * chunk, Math.min(n, (w + 1) * chunk), (o) => outcomes.push(o)),
      ),
    );
    const results = outcomes
      .sort((a, b) => a.index - b.index)
      .map((o) => {
        const c = makeCase(o.index, bases);
        return { ...o, cls: c.cls, what: c.what, breaks: breaksOf(o, c.expect) };
      });
    return { results, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The audit table: per class, the cases and how many broke each limit. */
export function auditTable(results: readonly CaseResult[]): string {
  const rows = FUZZ_CLASSES.map((cls) => {
    const rs = results.filter((r) => r.cls === cls);
    return `| ${cls} | ${rs.length} | ${BREAKS.map((b) => rs.filter((r) => r.breaks.includes(b)).length).join(' | ')} | ${rs.filter((r) => r.breaks.length > 0).length} |`;
  });
  return [`| class | cases | ${BREAKS.join(' | ')} | cases broken |`, `|---|---|${BREAKS.map(() => '---|').join('')}---|`, ...rows].join(
    '\n',
  );
}
