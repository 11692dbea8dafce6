// The global --backend and --threads options: taken out of argv (anywhere) before the command parses the rest.
import { BACKENDS, BackendName, defaultBackend, initBackend, noteDefaultBackend, parseThreads, useBackend } from '../linalg/backend';

/**
 * Removes `--backend NAME` / `--threads N` (also `--opt=value`) from argv and applies them over the
 * CATAPULT_BACKEND / CATAPULT_THREADS defaults (which apply alone when neither is given); returns the remaining arguments.
 *
 * @example
 * const rest = await takeBackendOptions(['train', '--backend', 'js', '--lr', '1']); // ['train', '--lr', '1']
 */
export async function takeBackendOptions(argv: string[]): Promise<string[]> {
  const rest: string[] = [];
  let backend: string | undefined, threads: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(backend|threads)(?:=(.*))?$/.exec(a);
    if (m === null) {
      rest.push(a);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${m[1]} needs a value`);
    if (m[1] === 'backend') backend = value;
    else threads = value;
  }
  // Thread counts are checked before any worker starts: `--threads 2000` is one line, not a minute of workers.
  const envThreads = process.env.CATAPULT_THREADS;
  if (backend === undefined && threads === undefined) {
    const envName = process.env.CATAPULT_BACKEND as BackendName;
    if (envThreads) parseThreads(envThreads, BACKENDS.includes(envName) ? envName : defaultBackend(), 'CATAPULT_THREADS');
    return (initBackend(), rest);
  }
  const name = (backend ?? (process.env.CATAPULT_BACKEND || defaultBackend())) as BackendName;
  if (!BACKENDS.includes(name)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}, got '${name}'`);
  const n = threads === undefined ? undefined : parseThreads(threads, name, '--threads');
  useBackend(name, n);
  if (backend === undefined && !process.env.CATAPULT_BACKEND) noteDefaultBackend(); // --threads alone: the default backend
  return rest;
}
