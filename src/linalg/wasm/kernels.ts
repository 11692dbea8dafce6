// The wasm backend's Kernels: stdlib-style signatures over the SIMD module, arrays outside wasm memory staged in and out.
import * as blas from '../blas';
import * as im2col from '../im2col';
import { dgemm as jsDgemm } from '../gemm';
import type { Kernels } from '../kernels';
import type { WasmRuntime } from './runtime';

/** Below this many multiply-adds a thread hand-off (tens of µs) costs more than it saves. */
const PARALLEL_MIN_FLOPS = 1 << 21;
/**
 * Products with fewer multiply-adds, and vectors shorter than this, run the JS kernels: a wasm call
 * with its staging costs microseconds, more than the arithmetic. The choice depends on the shape
 * alone, so the bits of a run never depend on where its arrays live or on the thread count.
 */
const SMALL_GEMM = 1 << 15;
const SMALL_VECTOR = 1 << 12;
/** Staging buffers for operands in JS memory are split into sub-products above this many bytes. */
const STAGE_LIMIT = 512 * 1024 * 1024;

/** Copies made because an operand lived outside wasm memory (bench and tests read these). */
export const stagingCounts = { arrays: 0, bytes: 0 };

/** An operand as the kernels see it: a byte address, plus how to copy it back and free it. */
interface Staged {
  ptr: number;
  done(writeBack: boolean): void;
}

/** Lowest and one-past-highest element touched by a strided R×C access at `offset` (strides may be negative). */
function span(R: number, C: number, s1: number, s2: number, offset: number): [number, number] {
  const lo = offset + Math.min(0, (R - 1) * s1) + Math.min(0, (C - 1) * s2);
  const hi = offset + Math.max(0, (R - 1) * s1) + Math.max(0, (C - 1) * s2) + 1;
  return [lo, hi];
}

/** The wasm implementation of `Kernels` on one runtime. */
export function wasmKernels(rt: WasmRuntime): Kernels {
  const k = rt.exports;
  let gemvScratch: Float64Array | null = null;

  /** The address of x[offset] for an R×C strided access, copying the touched span in if x is a JS array. */
  function stage(x: Float64Array, R: number, C: number, s1: number, s2: number, offset: number, copyIn: boolean): Staged {
    if (rt.heap.owns(x)) return { ptr: x.byteOffset + offset * 8, done: () => undefined };
    const [lo, hi] = span(R, C, s1, s2, offset);
    // Staging blocks come in power-of-two sizes: the heap reuses freed blocks of one exact size only, and a caller
    // whose operands grow a little each call (Lanczos's basis in JS memory) would otherwise claim a new block every time.
    const block = rt.heap.alloc(2 ** Math.ceil(Math.log2(Math.max(hi - lo, 1))), false);
    if (block === null)
      throw new Error(`wasm memory is full (4 GiB): cannot stage ${(((hi - lo) * 8) / 2 ** 20).toFixed(0)} MiB; use --backend js`);
    const buf = block.subarray(0, hi - lo);
    if (copyIn) buf.set(x.subarray(lo, hi));
    stagingCounts.arrays++;
    stagingCounts.bytes += (hi - lo) * 8 * (copyIn ? 1 : 0);
    return {
      ptr: buf.byteOffset + (offset - lo) * 8,
      done: (writeBack) => {
        if (writeBack) {
          x.set(buf, lo);
          stagingCounts.bytes += (hi - lo) * 8;
        }
        rt.heap.freeView(block);
      },
    };
  }

  /** Bytes that staging this gemm would copy (0 when every operand already lives in wasm memory). */
  function stageBytes(M: number, N: number, K: number, A: Float64Array, B: Float64Array, C: Float64Array): number {
    return (rt.heap.owns(A) ? 0 : M * K * 8) + (rt.heap.owns(B) ? 0 : K * N * 8) + (rt.heap.owns(C) ? 0 : M * N * 8);
  }

  const dgemm: Kernels['dgemm'] = function dgemm(transA, transB, M, N, K, alpha, A, sA1, sA2, oA, B, sB1, sB2, oB, beta, C, sC1, sC2, oC) {
    if (M <= 0 || N <= 0) return;
    // Thin products (a vector side) are memory-bound: count the operands' sizes too, not only the multiply-adds.
    if (M * N * K + M * K + K * N + M * N < SMALL_GEMM)
      return jsDgemm(transA, transB, M, N, K, alpha, A, sA1, sA2, oA, B, sB1, sB2, oB, beta, C, sC1, sC2, oC);
    const saI = transA ? sA2 : sA1,
      saK = transA ? sA1 : sA2;
    const sbK = transB ? sB2 : sB1,
      sbJ = transB ? sB1 : sB2;
    if (M === 1 && N === 1) {
      // A dot product, in the order of this backend's ddot (as gemm.ts's contract says for 1×1).
      const d = alpha === 0 || K <= 0 ? 0 : ddot(K, A, saK, oA, B, sbK, oB);
      C[oC] = beta === 0 ? alpha * d : beta * C[oC] + alpha * d;
      return;
    }
    // Huge JS-memory operands are multiplied in column (or row) halves: each C entry's k-chain is
    // untouched by the split, so the bits are those of the whole product.
    if (stageBytes(M, N, K, A, B, C) > STAGE_LIMIT && (M >= 8 || N >= 8)) {
      if (N >= M) {
        const h = Math.floor(N / 2);
        dgemm(false, false, M, h, K, alpha, A, saI, saK, oA, B, sbK, sbJ, oB, beta, C, sC1, sC2, oC);
        dgemm(false, false, M, N - h, K, alpha, A, saI, saK, oA, B, sbK, sbJ, oB + h * sbJ, beta, C, sC1, sC2, oC + h * sC2);
      } else {
        const h = Math.floor(M / 2);
        dgemm(false, false, h, N, K, alpha, A, saI, saK, oA, B, sbK, sbJ, oB, beta, C, sC1, sC2, oC);
        dgemm(false, false, M - h, N, K, alpha, A, saI, saK, oA + h * saI, B, sbK, sbJ, oB, beta, C, sC1, sC2, oC + h * sC1);
      }
      return;
    }
    const useAB = alpha !== 0 && K > 0;
    const a = useAB ? stage(A, M, K, saI, saK, oA, true) : null;
    const b = useAB ? stage(B, K, N, sbK, sbJ, oB, true) : null;
    const c = stage(C, M, N, sC1, sC2, oC, beta !== 0);
    const pa = a?.ptr ?? 0,
      pb = b?.ptr ?? 0;
    try {
      const T = rt.threads;
      // Split C by rows (or by columns when it is wide and short) into parts of at least 4, so no
      // part falls into the thin path that the whole product would not take.
      const byRows = M >= N;
      const extent = byRows ? M : N;
      const parts = 2 * M * N * K >= PARALLEL_MIN_FLOPS ? Math.min(T, Math.floor(extent / 4)) : 1;
      if (parts <= 1) {
        k.dgemm(M, N, K, alpha, pa, saI, saK, pb, sbK, sbJ, beta, c.ptr, sC1, sC2, rt.scratch[0]);
        return;
      }
      const bounds = (t: number) => Math.floor((t * extent) / parts / 4) * 4;
      const args = (t: number): number[] => {
        const s = bounds(t),
          e = t === parts - 1 ? extent : bounds(t + 1);
        return byRows
          ? [e - s, N, K, alpha, pa + s * saI * 8, saI, saK, pb, sbK, sbJ, beta, c.ptr + s * sC1 * 8, sC1, sC2]
          : [M, e - s, K, alpha, pa, saI, saK, pb + s * sbJ * 8, sbK, sbJ, beta, c.ptr + s * sC2 * 8, sC1, sC2];
      };
      rt.parallel(
        parts,
        (t, slot) => slot.set(args(t)),
        () => {
          const x = args(0);
          k.dgemm(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], rt.scratch[0]);
        },
      );
    } finally {
      a?.done(false);
      b?.done(false);
      c.done(true);
    }
  };

  const ddot: Kernels['ddot'] = (N, x, sx, ox, y, sy, oy) => {
    if (N < SMALL_VECTOR) return blas.ddot(N, x, sx, ox, y, sy, oy);
    const a = stage(x, N, 1, sx, 0, ox, true),
      b = stage(y, N, 1, sy, 0, oy, true);
    try {
      return k.ddot(N, a.ptr, sx, b.ptr, sy);
    } finally {
      a.done(false);
      b.done(false);
    }
  };

  const daxpy: Kernels['daxpy'] = (N, alpha, x, sx, ox, y, sy, oy) => {
    if (N < SMALL_VECTOR) return blas.daxpy(N, alpha, x, sx, ox, y, sy, oy);
    if (alpha === 0) return;
    const a = stage(x, N, 1, sx, 0, ox, true),
      b = stage(y, N, 1, sy, 0, oy, true);
    try {
      k.daxpy(N, alpha, a.ptr, sx, b.ptr, sy);
    } finally {
      a.done(false);
      b.done(true);
    }
  };

  const dscal: Kernels['dscal'] = (N, alpha, x, sx, ox) => {
    if (N < SMALL_VECTOR) return blas.dscal(N, alpha, x, sx, ox);
    if (alpha === 1) return;
    const a = stage(x, N, 1, sx, 0, ox, true);
    try {
      k.dscal(N, alpha, a.ptr, sx);
    } finally {
      a.done(true);
    }
  };

  const dgemv: Kernels['dgemv'] = (trans, M, N, alpha, A, sA1, sA2, oA, x, sx, ox, beta, y, sy, oy) => {
    const nOut = trans ? N : M,
      nRed = trans ? M : N;
    const sOut = trans ? sA2 : sA1,
      sRed = trans ? sA1 : sA2;
    if (nOut * nRed < SMALL_GEMM) return blas.dgemv(trans, M, N, alpha, A, sA1, sA2, oA, x, sx, ox, beta, y, sy, oy);
    const useA = nRed > 0 && alpha !== 0;
    const a = useA ? stage(A, nOut, nRed, sOut, sRed, oA, true) : null;
    const v = useA ? stage(x, nRed, 1, sx, 0, ox, true) : null;
    const w = stage(y, nOut, 1, sy, 0, oy, beta !== 0);
    if (gemvScratch === null || gemvScratch.length < nOut) {
      if (gemvScratch !== null) rt.heap.freeView(gemvScratch);
      gemvScratch = rt.heap.alloc(Math.max(nOut, 256));
      if (gemvScratch === null) throw new Error('wasm memory is full (4 GiB); use --backend js');
    }
    try {
      k.dgemv(nOut, nRed, alpha, a?.ptr ?? 0, sOut, sRed, v?.ptr ?? 0, sx, beta, w.ptr, sy, gemvScratch.byteOffset);
    } finally {
      a?.done(false);
      v?.done(false);
      w.done(true);
    }
  };

  // dnrm2 stays in JS: Blue's scaled algorithm is branchy, O(n) and off the hot path. dkeep's JS loop and the im2col
  // copies read and write the wasm heap in place, so they need no staging (and a copy gains little from wasm).
  const { dim2col, dcol2im } = im2col;
  return { ddot, daxpy, dscal, dnrm2: blas.dnrm2, dgemv, dgemm, dkeep: blas.dkeep, dim2col, dcol2im };
}
