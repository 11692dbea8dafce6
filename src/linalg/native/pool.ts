// The native backend's buffers: plain Float64Arrays, and those handed back by `freeF64` reused by exact length.
//
// Why a pool when the GC would free them: at width 16000 a step makes 2 GiB gradients and cotangents, and a
// fresh array is 524288 page faults (4 KiB pages: transparent huge pages are madvise-only on Debian) when first
// written; measured, that kernel time was ~40% of a Lanczos λ. Reuse also makes the peak what the tape holds
// (as on the wasm heap), not what the GC has not yet collected.

/** Arrays shorter than this are left to the GC: V8 allocates them cheaply and they never matter for memory. */
const POOL_MIN = 4096;

/**
 * Live plus pooled bytes stay within the most ever live plus POOL_SLACK of it, at most POOL_SLACK_MAX_BYTES. Reuse is
 * by exact length, and in a backward sweep the cotangents of a size are asked for while that size's activations are
 * still live, as arrays of other sizes come free. With no slack the pool dropped and re-made ~65 MB of arrays every
 * CNN bench step (fresh pages and external-memory GCs: median step 220 → 184 ms, 1 thread); half the peak was the
 * least of 0, ¼, ½ and 1 that re-made none. The cap keeps a width-16000 run's memory near its peak: uncapped, its
 * peak RSS went from 6.6 to 8.8 GiB.
 */
const POOL_SLACK = 0.5;
const POOL_SLACK_MAX_BYTES = 2 ** 29;

/** Exact-length free lists of JS Float64Arrays; live plus pooled bytes stay within the capacity (POOL_SLACK). */
export class BufferPool {
  private readonly free = new Map<number, Float64Array[]>();
  /** Arrays handed out and not yet handed back: only these may enter the pool (never a subarray, never twice). */
  private readonly out = new WeakSet<Float64Array>();
  /** Bytes handed out and not handed back (arrays of at least POOL_MIN elements), and the most since `resetPeak`. */
  live = 0;
  peak = 0;
  /** The most live bytes ever (live + pooled stays within it plus the slack). */
  private highWater = 0;
  /** Bytes held for reuse. */
  pooled = 0;

  /**
   * A Float64Array of n elements, zeroed unless `zero` is false (then it may hold old values: for outputs written in full).
   *
   * @example
   * const pool = new BufferPool();
   * const a = pool.alloc(5000); pool.freeView(a);
   * pool.alloc(5000) === a; // true: the same array, zeroed again
   */
  alloc(n: number, zero = true): Float64Array {
    if (n < POOL_MIN) return new Float64Array(n);
    let a = this.free.get(n)?.pop();
    if (a !== undefined) {
      this.pooled -= n * 8;
      if (zero) a.fill(0);
    } else {
      this.makeRoom(n * 8); // a new size: pooled arrays the capacity has no room for go to the GC first
      a = new Float64Array(n);
    }
    this.out.add(a);
    this.live += n * 8;
    if (this.live > this.peak) this.peak = this.live;
    if (this.live > this.highWater) this.highWater = this.live;
    return a;
  }

  /** Takes back an array from `alloc`; anything else (a subarray, a foreign or already freed array) is ignored. */
  freeView(a: Float64Array): void {
    if (!this.out.delete(a)) return;
    const n = a.length,
      bytes = n * 8;
    this.live -= bytes;
    // Live plus pooled stays within the capacity: the sizes freed least recently go to the GC first to make room.
    const list = this.free.get(n) ?? [];
    this.free.delete(n); // re-inserted last: the Map's order is the order sizes were last freed in
    if (this.makeRoom(bytes)) {
      list.push(a);
      this.pooled += bytes;
    }
    if (list.length > 0) this.free.set(n, list);
  }

  /** Stops tracking an array from `alloc` without pooling it (the caller keeps it); false for anything else. */
  disown(a: Float64Array): boolean {
    if (!this.out.delete(a)) return false;
    this.live -= a.length * 8;
    return true;
  }

  /** Drops the sizes freed least recently until `bytes` more fit in the capacity; false if they still do not. */
  private makeRoom(bytes: number): boolean {
    for (const [size, old] of this.free) {
      if (this.fits(bytes)) break;
      this.pooled -= size * 8 * old.length;
      this.free.delete(size);
    }
    return this.fits(bytes);
  }

  private fits(bytes: number): boolean {
    const capacity = this.highWater + Math.min(POOL_SLACK * this.highWater, POOL_SLACK_MAX_BYTES);
    return this.live + this.pooled + bytes <= capacity;
  }

  /** Starts a new peak measurement from the current live bytes (the bench's memory columns). */
  resetPeak(): void {
    this.peak = this.live;
  }
}
