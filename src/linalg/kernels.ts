// The kernel boundary: every BLAS-like routine the engine calls goes through `kernels`, so a faster backend can replace it.
import * as blas from './blas';
import { dgemm } from './gemm';

/** The set of kernels a backend must provide (stdlib-style strided signatures). */
export interface Kernels {
  ddot: typeof blas.ddot;
  daxpy: typeof blas.daxpy;
  dscal: typeof blas.dscal;
  dnrm2: typeof blas.dnrm2;
  dgemv: typeof blas.dgemv;
  dgemm: typeof dgemm;
}

/** The plain-JS reference backend. */
export const jsKernels: Kernels = {
  ddot: blas.ddot, daxpy: blas.daxpy, dscal: blas.dscal, dnrm2: blas.dnrm2, dgemv: blas.dgemv, dgemm,
};

/** The active backend. Mutated in place by `setBackend` so importers keep one reference. */
export const kernels: Kernels = { ...jsKernels };

/** Replaces the active kernels (all or some of them). */
export function setBackend(k: Partial<Kernels>): void {
  Object.assign(kernels, k);
}
