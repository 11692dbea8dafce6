// Progress on stderr: a redrawn bar with ETA on a terminal, a plain line every few seconds otherwise.

export interface Progress {
  update(done: number, note?: string): void;
  finish(note?: string): void;
}

/** True while a terminal bar is drawn without its newline: an error line must first clear it. */
let barOnScreen = false;

/** Clears a half-drawn terminal bar, so that what follows (an error) is alone on its line. */
export function clearProgress(): void {
  if (barOnScreen) process.stderr.write('\r\x1b[K');
  barOnScreen = false;
}

/**
 * A progress reporter for `total` units of work; silent when `quiet`. Off a terminal the first line comes after
 * 5 s, so a command that fails at once prints its one error line alone.
 */
export function progress(label: string, total: number, quiet = false): Progress {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  let lastPrint = tty ? 0 : start;
  const eta = (done: number) => {
    const el = (Date.now() - start) / 1000;
    return done > 0 ? `${el.toFixed(1)}s elapsed, ETA ${((el / done) * (total - done)).toFixed(1)}s` : `${el.toFixed(1)}s elapsed`;
  };
  return {
    update(done, note = '') {
      if (quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastPrint < 100 && done < total) return;
        const w = 30,
          filled = Math.round((w * done) / Math.max(total, 1));
        process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${done}/${total} ${eta(done)} ${note}\x1b[K`);
        barOnScreen = true;
      } else {
        if (now - lastPrint < 5000 && done < total) return;
        process.stderr.write(`${label}: ${done}/${total} (${eta(done)}) ${note}\n`);
      }
      lastPrint = now;
    },
    finish(note = '') {
      if (quiet) return;
      if (tty && barOnScreen) process.stderr.write('\n');
      barOnScreen = false;
      if (note) process.stderr.write(`${label}: ${note}\n`);
    },
  };
}
