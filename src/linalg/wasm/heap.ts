// The tensor heap inside the shared wasm memory: exact-size free lists over a bump pointer, freed explicitly.

/** Blocks are 64-byte aligned (a cache line), which also keeps every f64x2 load aligned. */
const ALIGN = 64;
const PAGE = 65536;

/**
 * Allocates Float64Array views of the shared memory, so kernels take them by address without a copy.
 * Training allocates the same sizes every step, so freed blocks go to a free list per exact size and
 * are reused as they are; the bump pointer only moves for sizes not seen before. Once the 4 GiB are
 * claimed, a request takes the smallest larger free block whole.
 *
 * Blocks are freed only explicitly (`freeView`: the sweeps, `Tape.dispose` and `train` do it). Freeing
 * when the GC collects a view would be unsafe: a `subarray` of the block can outlive the view it came
 * from, and the block would be handed out again under it. So only code that owns a buffer's whole life
 * allocates here; long-lived data (parameters handed back to callers, data sets) stays in JS memory.
 */
export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly sizeOf = new Map<number, number>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Bytes in live blocks, and the most there ever were (for the bench's memory column). */
  live = 0;
  peak = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxPages: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
    this.buffers.add(memory.buffer);
  }

  /** Bytes the bump pointer has claimed so far (live + free-listed). */
  get claimed(): number {
    return this.top;
  }

  /** True when `a` is a view of this memory (so a kernel can take its address). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * A Float64Array of n elements in wasm memory (zeroed unless `zero` is false), or null when the 4 GiB address space is full
   * (the caller then allocates in JS memory and the kernels stage it).
   *
   * @example
   * const x = heap.alloc(1024); // zeros, reachable by the wasm kernels at x.byteOffset
   */
  alloc(n: number, zero = true): Float64Array | null {
    const bytes = Math.max(ALIGN, Math.ceil((n * 8) / ALIGN) * ALIGN);
    let ptr = this.free.get(bytes)?.pop(),
      size = bytes;
    if (ptr === undefined) {
      const end = this.top + bytes;
      const have = this.memory.buffer.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE);
        if (have / PAGE + pages > this.maxPages) {
          // The address space is full: hand out the smallest free block that is large enough, whole. Without
          // this, blocks freed by an earlier phase of a run (other widths, a Lanczos basis) could never be used again.
          const fit = this.smallestFreeAtLeast(bytes);
          if (fit === null) return null;
          [ptr, size] = fit;
        } else {
          // Grow by at least a quarter, so a growing working set does not grow the memory every call.
          this.memory.grow(Math.min(this.maxPages - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 4))));
          this.buffers.add(this.memory.buffer);
        }
      }
      if (ptr === undefined) {
        ptr = this.top;
        this.top = end;
      }
    }
    this.sizeOf.set(ptr, size);
    this.live += size;
    if (this.live > this.peak) this.peak = this.live;
    const view = new Float64Array(this.memory.buffer, ptr, n);
    // V8 may hand out a fresh SharedArrayBuffer object for the same memory, so remember each view's.
    this.buffers.add(view.buffer);
    if (zero) view.fill(0);
    return view;
  }

  /** Takes the smallest free block of at least `bytes` off its list: [address, its size], or null. */
  private smallestFreeAtLeast(bytes: number): [number, number] | null {
    let best = Infinity;
    for (const [size, list] of this.free) if (size >= bytes && size < best && list.length > 0) best = size;
    return best === Infinity ? null : [this.free.get(best)!.pop()!, best];
  }

  /** Returns a view's block to its free list now; the view must not be used afterwards. */
  freeView(a: Float64Array): void {
    if (!this.owns(a)) return;
    const ptr = a.byteOffset,
      bytes = this.sizeOf.get(ptr);
    if (bytes === undefined) return;
    this.sizeOf.delete(ptr);
    this.live -= bytes;
    let list = this.free.get(bytes);
    if (list === undefined) this.free.set(bytes, (list = []));
    list.push(ptr);
  }

  /** Resets the peak to the current live bytes (to measure one phase of a run). */
  resetPeak(): void {
    this.peak = this.live;
  }
}
