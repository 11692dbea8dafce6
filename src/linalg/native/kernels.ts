// The native backend's Kernels: the N-API addon (OpenBLAS gemm/gemv, fixed-order C level-1 loops) on JS Float64Arrays in place.
import * as blas from '../blas';
import { locateAddon } from './locate';
import { dgemm as jsDgemm } from '../gemm';
import type { Kernels } from '../kernels';
import type { ImageWindow } from '../im2col';

/** What scripts/build-native.js compiles from the .c files of this folder (addon.c registers them): the kernels with blas.ts/gemm.ts signatures, plus OpenBLAS's identity. */
export interface NativeAddon extends Omit<Kernels, 'dim2col' | 'dcol2im'> {
  /** im2col.ts's kernels with the window spread into numbers: (C, H, W, kh, kw, stride, padTop, padLeft, oH, oW, from, its offset, to, its offset). */
  dim2col(...a: [...WindowNumbers, Float64Array, number, Float64Array, number]): void;
  dcol2im(...a: [...WindowNumbers, Float64Array, number, Float64Array, number]): void;
  /** Sets OpenBLAS's thread count; returns the count it took. */
  setThreads(threads: number): number;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64". */
  config(): string;
  /** `openblas_get_corename()`: the kernel set OpenBLAS picked for this CPU, e.g. "Cooperlake". */
  corename(): string;
}

/** The OpenBLAS behind the native backend: its bits depend on the version and on the kernel set (core). */
export interface OpenBlasInfo {
  version: string;
  core: string;
  config: string;
}

/**
 * Calls with fewer multiply-adds than this run the JS kernels: an N-API call costs 0.2–0.3 µs, as much as
 * ~250 multiply-adds in JS (measured: a 4×4×4 gemm takes 0.25 µs in JS, 0.45 µs through the addon; 8×8×8,
 * 0.6 vs 0.34). The C level-1 loops are the JS loops, so there the bits do not depend on it; for gemm and
 * gemv the choice depends on the shape alone, so neither do the bits of a run on its thread count.
 */
const SMALL = 256;

type WindowNumbers = [number, number, number, number, number, number, number, number, number, number];

/** The window as the addon's ten leading numbers. */
const windowNumbers = (g: ImageWindow): WindowNumbers => [g.C, g.H, g.W, g.kh, g.kw, g.stride, g.padTop, g.padLeft, g.oH, g.oW];

let addon: NativeAddon | null = null;
let loadError: string | null = null;

/**
 * The addon, loaded once; throws with the reason when it is not built or does not load.
 *
 * @example
 * const a = loadNativeAddon(); a.corename(); // 'Cooperlake'
 */
export function loadNativeAddon(): NativeAddon {
  if (addon !== null) return addon;
  if (loadError === null) {
    let file: string;
    try {
      file = locateAddon();
    } catch (e) {
      loadError = e instanceof Error ? e.message : String(e);
      throw new Error(loadError);
    }
    try {
      addon = require(file) as NativeAddon;
      return addon;
    } catch (e) {
      loadError = `the native addon does not load: ${e instanceof Error ? e.message.split('\n')[0] : e}`;
    }
  }
  throw new Error(loadError);
}

/** Why the native backend cannot run (not built and not buildable here, or it does not load), or null when it can. */
export function nativeUnavailable(): string | null {
  try {
    loadNativeAddon();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** True when the native backend can run (the addon is built, or builds now, and loads). */
export function nativeAvailable(): boolean {
  return nativeUnavailable() === null;
}

/** Version, core and configuration string of the OpenBLAS the addon is linked to. */
export function openblasInfo(a: NativeAddon): OpenBlasInfo {
  const config = a.config();
  return { version: /OpenBLAS ([\w.]+)/.exec(config)?.[1] ?? 'unknown', core: a.corename(), config };
}

/**
 * The native implementation of `Kernels`. gemm and gemv are OpenBLAS's, run single-threaded on parts of C (or y)
 * cut by shape alone, so the bits do not depend on the thread count (test/linalg/native.test.ts checks it on every
 * gemm case); ddot and dnrm2 are the C copies of blas.ts's fixed-order loops.
 *
 * @example
 * const k = nativeKernels(loadNativeAddon());
 * k.ddot(3, Float64Array.of(1, 2, 3), 1, 0, Float64Array.of(4, 5, 6), 1, 0); // 32, the bits of blas.ddot
 */
export function nativeKernels(a: NativeAddon): Kernels {
  return {
    ddot: (N, x, sx, ox, y, sy, oy) => (N < SMALL ? blas.ddot : a.ddot)(N, x, sx, ox, y, sy, oy),
    daxpy: (N, alpha, x, sx, ox, y, sy, oy) => (N < SMALL ? blas.daxpy : a.daxpy)(N, alpha, x, sx, ox, y, sy, oy),
    dscal: (N, alpha, x, sx, ox) => (N < SMALL ? blas.dscal : a.dscal)(N, alpha, x, sx, ox),
    dnrm2: (N, x, sx, ox) => (N < SMALL ? blas.dnrm2 : a.dnrm2)(N, x, sx, ox),
    dgemv: (trans, M, N, alpha, A, sA1, sA2, oA, x, sx, ox, beta, y, sy, oy) =>
      (M * N < SMALL ? blas.dgemv : a.dgemv)(trans, M, N, alpha, A, sA1, sA2, oA, x, sx, ox, beta, y, sy, oy),
    dgemm: (tA, tB, M, N, K, alpha, A, sA1, sA2, oA, B, sB1, sB2, oB, beta, C, sC1, sC2, oC) =>
      (M * N * K < SMALL ? jsDgemm : a.dgemm)(tA, tB, M, N, K, alpha, A, sA1, sA2, oA, B, sB1, sB2, oB, beta, C, sC1, sC2, oC),
    // An addon built before dkeep existed (a prebuilt dist/native not yet rebuilt) runs the JS loop rather than fail.
    dkeep: (N, key, ok, x, ox, y, oy) => (N < SMALL || a.dkeep === undefined ? blas.dkeep : a.dkeep)(N, key, ok, x, ox, y, oy),
    // The C loops are the JS loops (copies, and additions in the same order), so the bits do not depend on the size.
    dim2col: (g, x, ox, cols, oc) => a.dim2col(...windowNumbers(g), x, ox, cols, oc),
    dcol2im: (g, cols, oc, x, ox) => a.dcol2im(...windowNumbers(g), cols, oc, x, ox),
  };
}
