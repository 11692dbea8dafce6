// Reading and writing whole files with one-line errors that name the file; writes are atomic (temp file, then rename).
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';

/**
 * Turns an fs error into the one-line `<path>: reason` form the CLI prints.
 *
 * @example
 * try { fs.readFileSync(p); } catch (err) { throw new Error(fsErrorMessage(p, err, 'read')); }
 */
export function fsErrorMessage(path: string, err: unknown, action: 'read' | 'write'): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return action === 'read' ? `${path}: no such file` : `${path}: cannot write (directory does not exist)`;
  if (code === 'EISDIR') return `${path}: is a directory`;
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied`;
  if (code === 'EROFS') return `${path}: cannot ${action} (read-only file system)`;
  if (code === 'ENOSPC') return `${path}: cannot ${action} (no space left on the device)`;
  if (code === 'ENOTDIR') return `${path}: a part of the path is not a directory`;
  if (code === 'ERR_FS_FILE_TOO_LARGE') return `${path}: file is too large to read into memory`;
  return `${path}: cannot ${action} (${code ?? (err as Error).message})`;
}

/**
 * The bytes of a file, or a one-line error naming it.
 *
 * @example
 * const buf = readFileOrThrow('params.npz');
 */
export function readFileOrThrow(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new Error(fsErrorMessage(path, err, 'read'));
  }
}

/**
 * Creates a directory and its missing parents, one level at a time. Node's recursive mkdir loops forever where a
 * parent exists but refuses children with ENOENT (procfs: `--out /proc/x`); here that is an error naming the path.
 *
 * @example
 * makeDirs('out/fig2/data');
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = nodePath.resolve(dir);
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at);
    } catch (e) {
      if (!['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(at);
    const parent = nodePath.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Writes a file so that readers never see it half-written: a temp file beside it, then a rename.
 * The directory is created if needed; a failed write removes its temp file and names the file.
 *
 * @example
 * writeFileAtomic('out/summary.json', toJson(summary));
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  try {
    makeDirs(nodePath.dirname(file));
  } catch (err) {
    throw new Error(fsErrorMessage(file, err, 'write'));
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new Error(fsErrorMessage(file, err, 'write'));
  }
}

const GIB = 2 ** 30;
const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** The environment variable that sets the memory limit: bytes, or with a K, M, G or T suffix (binary: 512M, 16G). */
export const MEMORY_LIMIT_ENV = 'CATAPULT_MEMORY_LIMIT';

/**
 * Bytes as a person reads them: GiB from one GiB on, else MiB.
 *
 * @example
 * formatBytes(3 * 2 ** 29); // '1.5 GiB'
 */
export function formatBytes(bytes: number): string {
  if (bytes < GIB) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  // A hostile header can declare 2^255 bytes: toFixed would spell out every digit.
  return bytes < 1e6 * GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${(bytes / GIB).toExponential(1)} GiB`;
}

/** This machine's memory: its RAM, or less where a cgroup (a container, a batch job's allocation) allows less. */
function machineMemory(): number {
  const total = os.totalmem();
  // Absent in a page (the explorer) and before Node 19.6; "no limit" reads as 0 or as a huge number.
  const constrained = globalThis.process?.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The limit and how it was set, for the error that refuses a size. */
function memoryLimitAndSource(): { limit: number; source: string } {
  const given = process.env[MEMORY_LIMIT_ENV];
  if (given !== undefined && given !== '') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(given);
    const limit = m === null ? NaN : Number(m[1]) * SIZE_SUFFIX[m[2].toLowerCase()];
    if (!(limit > 0)) throw new Error(`${MEMORY_LIMIT_ENV} must be a size such as 512M or 16G, got '${given}'`);
    return { limit, source: `${MEMORY_LIMIT_ENV}=${given}` };
  }
  const machine = machineMemory();
  // Half: the estimates count the large arrays only, and the OS, Node and other processes need the rest.
  return { limit: Math.floor(machine / 2), source: `half of this machine's ${formatBytes(machine)}; ${MEMORY_LIMIT_ENV} sets it` };
}

/**
 * The most memory a run may claim, in bytes: CATAPULT_MEMORY_LIMIT where set, else half of this machine's memory.
 *
 * @example
 * memoryLimit(); // 12637097472 on a machine with 23.5 GiB
 */
export function memoryLimit(): number {
  return memoryLimitAndSource().limit;
}

/**
 * Refuses, with one line that names the limit, what would need more memory than {@link memoryLimit}: checked before
 * anything is allocated.
 *
 * @example
 * checkFits('params.npz: its arrays', 8 * count); // Error: params.npz: its arrays would need 74.5 GiB, over the memory limit of 11.8 GiB (half of …)
 */
export function checkFits(what: string, bytes: number): void {
  const { limit, source } = memoryLimitAndSource();
  if (bytes > limit)
    throw new Error(`${what} would need ${formatBytes(bytes)}, over the memory limit of ${formatBytes(limit)} (${source})`);
}

/** Deeper than any file catapult writes (a golden's arrays nest 5 levels), far below what recursion over it survives. */
const MAX_JSON_DEPTH = 64;

/**
 * Refuses JSON text nested deeper than {@link MAX_JSON_DEPTH}, before it is parsed: code that walks a parsed value
 * recursively (comparing two sweep headers, say) would otherwise overflow the stack on a hostile 100,000-deep file.
 *
 * @example
 * checkJsonDepth('[[[]]]', 'x.json'); // fine
 * checkJsonDepth('['.repeat(1e5), 'x.json'); // Error: x.json: JSON nested more than 64 levels deep (not a file catapult writes)
 */
export function checkJsonDepth(text: string, file: string): void {
  let depth = 0,
    inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH)
        throw new Error(`${file}: JSON nested more than ${MAX_JSON_DEPTH} levels deep (not a file catapult writes)`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
