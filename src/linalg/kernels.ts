// The kernel boundary: every BLAS-like routine the engine calls goes through `kernels`, so a faster backend can replace it.
import * as blas from './blas';
import { dgemm } from './gemm';
import * as im2col from './im2col';

/** The set of kernels a backend must provide (stdlib-style strided signatures). */
export interface Kernels {
  ddot: typeof blas.ddot;
  daxpy: typeof blas.daxpy;
  dscal: typeof blas.dscal;
  dnrm2: typeof blas.dnrm2;
  dgemv: typeof blas.dgemv;
  dgemm: typeof dgemm;
  dkeep: typeof blas.dkeep;
  /** One image's patches as a (C·kh·kw, oH·oW) matrix (im2col.ts), and their adjoint added back into the image. */
  dim2col: typeof im2col.dim2col;
  dcol2im: typeof im2col.dcol2im;
}

/** The plain-JS reference backend. */
export const jsKernels: Kernels = {
  ddot: blas.ddot,
  daxpy: blas.daxpy,
  dscal: blas.dscal,
  dnrm2: blas.dnrm2,
  dgemv: blas.dgemv,
  dgemm,
  dkeep: blas.dkeep,
  dim2col: im2col.dim2col,
  dcol2im: im2col.dcol2im,
};

let firstUse: (() => void) | null = null;

/**
 * Registers the set-up that picks the default backend; it runs once, at the first kernel call, unless a
 * backend was chosen before (importing a module never starts wasm threads).
 */
export function onFirstKernelUse(init: () => void): void {
  firstUse = init;
}

/** False until a backend has been chosen (by `useBackend`, `initBackend` or a first kernel call). */
export function kernelsChosen(): boolean {
  return !pending;
}

/** Runs the registered default set-up if no backend has been chosen yet (plain JS if none is registered). */
export function ensureKernels(): void {
  if (!pending) return;
  pending = false;
  Object.assign(kernels, jsKernels); // what runs if the set-up fails part-way
  firstUse?.();
}
let pending = true;

/** A kernel that picks the default backend on its first call, then runs the chosen one. */
function deferred<K extends keyof Kernels>(name: K): Kernels[K] {
  return ((...args: unknown[]) => {
    ensureKernels();
    return (kernels[name] as (...a: unknown[]) => unknown)(...args);
  }) as Kernels[K];
}

/** The active backend. Mutated in place by `setBackend` so importers keep one reference. */
export const kernels: Kernels = {
  ddot: deferred('ddot'),
  daxpy: deferred('daxpy'),
  dscal: deferred('dscal'),
  dnrm2: deferred('dnrm2'),
  dgemv: deferred('dgemv'),
  dgemm: deferred('dgemm'),
  dkeep: deferred('dkeep'),
  dim2col: deferred('dim2col'),
  dcol2im: deferred('dcol2im'),
};

/** Replaces the active kernels (all or some of them). */
export function setBackend(k: Partial<Kernels>): void {
  if (pending) {
    pending = false;
    Object.assign(kernels, jsKernels);
  }
  Object.assign(kernels, k);
}
