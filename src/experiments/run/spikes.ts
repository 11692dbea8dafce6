// Loss spikes of a training run: maximal rises of the loss above a relative threshold over its last minimum, found as the run goes.
/** The default relative rise that makes a spike: the loss more than doubles its last minimum. */
export const DEFAULT_SPIKE_RISE = 1;

/** One spike of a loss series, with what the caller kept of its start, peak and end (e.g. the parameters θ). */
export interface Spike<P = never> {
  /** Step of the last minimum before the rise: the loss there is the reference the rise is measured from. */
  start: number;
  /** Step of the highest loss of the spike (its first occurrence). */
  peak: number;
  /** First step after the peak whose loss is back to at most (1 + rise)·loss(start); null if the series ends first. */
  end: number | null;
  lossStart: number;
  lossPeak: number;
  lossEnd: number | null;
  atStart?: P;
  atPeak?: P;
  atEnd?: P;
}

/**
 * Finds spikes in a loss series as it is fed, step by step, keeping the caller's state (`snapshot`) only at the
 * candidate start, the peak and the end, so a run of any length holds O(1) states beyond the spikes themselves.
 *
 * Definition (rise ρ > 0, default 1): outside a spike, the reference is the lowest loss since the series began or the
 * last spike ended (its first step, s). A spike starts at s as soon as a loss exceeds (1 + ρ)·L_s; its peak is its
 * highest loss; it ends at the first later step e with L_e ≤ (1 + ρ)·L_s, and the search for the next reference starts
 * at e. A non-finite loss (a diverged run's last record) is skipped: a spike open then stays open (end null).
 *
 * @example
 * const tracker = new SpikeTracker<Float64Array[]>(1);
 * tracker.push(t, loss, () => params.map((p) => p.slice())); // each step; tracker.finish() gives the spikes
 */
export class SpikeTracker<P = never> {
  private refStep = -1;
  private refLoss = Infinity;
  private refState: P | undefined;
  private open: Spike<P> | null = null;
  private readonly done: Spike<P>[] = [];

  /** `onSpike` sees each spike when it ends (and may drop its states); `finish` hands back every spike. */
  constructor(
    readonly rise: number = DEFAULT_SPIKE_RISE,
    private readonly onSpike?: (s: Spike<P>) => void,
  ) {
    if (!(Number.isFinite(rise) && rise > 0)) throw new Error(`spike rise must be a finite number > 0, got ${rise}`);
  }

  push(t: number, loss: number, snapshot?: () => P): void {
    if (!Number.isFinite(loss)) return;
    const spike = this.open;
    if (spike === null) {
      if (loss < this.refLoss) [this.refStep, this.refLoss, this.refState] = [t, loss, snapshot?.()];
      else if (loss > (1 + this.rise) * this.refLoss) {
        this.open = { start: this.refStep, peak: t, end: null, lossStart: this.refLoss, lossPeak: loss, lossEnd: null };
        if (this.refState !== undefined) this.open.atStart = this.refState;
        keep(this.open, 'atPeak', snapshot);
      }
      return;
    }
    if (loss > spike.lossPeak) {
      [spike.peak, spike.lossPeak] = [t, loss];
      keep(spike, 'atPeak', snapshot);
    } else if (loss <= (1 + this.rise) * spike.lossStart) {
      [spike.end, spike.lossEnd] = [t, loss];
      keep(spike, 'atEnd', snapshot);
      this.done.push(spike);
      this.open = null;
      this.onSpike?.(spike);
      [this.refStep, this.refLoss, this.refState] = [t, loss, spike.atEnd];
    }
  }

  /** Every spike, in order; one still rising or falling when the series ended last, with end null. */
  finish(): Spike<P>[] {
    return this.open === null ? this.done.slice() : [...this.done, this.open];
  }
}

/** The caller's state at this step under `key`, when the caller keeps any (no key at all otherwise). */
function keep<P>(spike: Spike<P>, key: 'atPeak' | 'atEnd', snapshot: (() => P) | undefined): void {
  if (snapshot === undefined) delete spike[key];
  else spike[key] = snapshot();
}

/**
 * The spikes of a whole loss series (the step of loss i being i), by the SpikeTracker's definition.
 *
 * @example
 * detectSpikes([4, 2, 1, 3, 5, 1.5, 0.5]); // [{ start: 2, peak: 4, end: 5, lossStart: 1, lossPeak: 5, lossEnd: 1.5 }]
 */
export function detectSpikes(losses: ArrayLike<number>, rise = DEFAULT_SPIKE_RISE): Spike[] {
  const tracker = new SpikeTracker(rise);
  for (let t = 0; t < losses.length; t++) tracker.push(t, losses[t]);
  return tracker.finish();
}
