// gemm's thin products (M < 4 or N < 4): plain loops in the per-entry k order of the tiled path.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

import { at, madd1, madd2 } from './madd';
import { NR } from './tiles';

/** M < 4 or N < 4: plain loops in the same per-entry k order as the tiled path and the JS dgemmThin. */
export function gemmThin(M: i32, N: i32, K: i32, alpha: f64, A: usize, saI: i32, saK: i32, B: usize, sbK: i32, sbJ: i32, C: usize, s1: i32, s2: i32): void {
  if (N < NR && K < NR) {
    for (let j = 0; j < N; j++) {
      for (let k = 0; k < K; k++) {
        const b = load<f64>(at(B, k * sbK + j * sbJ));
        let ia = k * saK, ic = j * s2, i = 0;
        if (saI == 1 && s1 == 1) {
          // A contiguous column of C and of op(A) (a rank-one product's long side): two rows a step, the same roundings.
          const bv = f64x2.splat(b), av = f64x2.splat(alpha);
          for (; i + 2 <= M; i += 2, ia += 2, ic += 2) v128.store(at(C, ic), madd2(f64x2.mul(av, v128.load(at(A, ia))), bv, v128.load(at(C, ic))));
        }
        for (; i < M; i++, ia += saI, ic += s1) store<f64>(at(C, ic), madd1(alpha * load<f64>(at(A, ia)), b, load<f64>(at(C, ic))));
      }
    }
    return;
  }
  if (N < NR) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const ic = i * s1 + j * s2;
        let c = load<f64>(at(C, ic));
        let ia = i * saI, ib = j * sbJ;
        for (let k = 0; k < K; k++, ia += saK, ib += sbK) c = madd1(alpha * load<f64>(at(A, ia)), load<f64>(at(B, ib)), c);
        store<f64>(at(C, ic), c);
      }
    }
    return;
  }
  // Few rows: one axpy of a row of op(B) into a row of C per k; vectorized when both rows are contiguous.
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = alpha * load<f64>(at(A, i * saI + k * saK));
      let ib = k * sbK, ic = i * s1, j = 0;
      if (sbJ == 1 && s2 == 1) {
        const av = f64x2.splat(a);
        for (; j + 2 <= N; j += 2, ib += 2, ic += 2) v128.store(at(C, ic), madd2(av, v128.load(at(B, ib)), v128.load(at(C, ic))));
      }
      for (; j < N; j++, ib += sbJ, ic += s2) store<f64>(at(C, ic), madd1(a, load<f64>(at(B, ib)), load<f64>(at(C, ic))));
    }
  }
}
