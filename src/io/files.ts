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

/**
 * The memory catapult counts on: this machine's, or less where CATAPULT_MEMORY_BYTES says so (a host shared with other
 * jobs; the fuzz suite, which shows that every bomb is refused from its header at a budget of 256 MiB).
 */
export function machineMemory(): number {
  const cap = Number(process.env.CATAPULT_MEMORY_BYTES);
  return Number.isFinite(cap) && cap > 0 ? Math.min(cap, os.totalmem()) : os.totalmem();
}

/** The most memory one thing may claim: a `fraction` of this machine's (half for a file's arrays, 90% for a run). */
export function memoryBudget(fraction = 0.5): number {
  return Math.floor(machineMemory() * fraction);
}

/**
 * Refuses, with one line, what would need more memory than the budget: checked before anything is allocated.
 *
 * @example
 * checkFits('params.npz: its arrays', 8 * count); // Error: params.npz: its arrays would need 74.5 GiB; this machine has 24.0 GiB …
 */
export function checkFits(what: string, bytes: number, fraction = 0.5): void {
  if (bytes > memoryBudget(fraction)) {
    const share = fraction === 0.5 ? 'half' : `${Math.round(100 * fraction)}%`;
    throw new Error(
      `${what} would need ${(bytes / GIB).toFixed(1)} GiB; this machine has ${(machineMemory() / GIB).toFixed(1)} GiB (at most ${share} of it is used)`,
    );
  }
}
