// Reading and writing whole files with one-line errors that name the file; writes are atomic (temp file, then rename).
import * as fs from 'fs';
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
 * Writes a file so that readers never see it half-written: a temp file beside it, then a rename.
 * The directory is created if needed; a failed write removes its temp file and names the file.
 *
 * @example
 * writeFileAtomic('out/summary.json', toJson(summary));
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(nodePath.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new Error(fsErrorMessage(file, err, 'write'));
  }
}
