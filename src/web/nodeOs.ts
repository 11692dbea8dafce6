// Node's `os` as the engine asks it in a page: one kernel thread, and the memory the browser says it has (memory checks of runs).

/** Bytes of memory: the browser's navigator.deviceMemory (GiB, rounded down by the browser; Chromium only), else 4 GiB. */
export function totalmem(): number {
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return (gib ?? 4) * 2 ** 30;
}

/** The page runs the kernels on its one thread (no workers). */
export function availableParallelism(): number {
  return 1;
}

export const EOL = '\n';
