// Double-double tensors (a pair of Float64Arrays hi, lo) and the array kernels of the dd evaluator, in a fixed reduction order.
//
// Reduction-order contract: every sum is taken left to right in increasing index order with dd addition, one element at
// a time (no pairwise or blocked splitting, no threads), products entering a sum as the exact TwoProd pair. A matrix
// product's entry (i, j) is Σ_k op(A)_ik·op(B)_kj in increasing k. So a dd result depends only on its inputs, never on
// the backend, the thread count or the float64 kernels' blocking.
import { Tensor, sizeOf } from '../tensor';
import { DD, add, mul, quickTwoSum, twoProd, twoSum } from './arith';

/** A dense row-major dd tensor: element i is hi[i] + lo[i]. */
export interface DdTensor {
  readonly hi: Float64Array;
  readonly lo: Float64Array;
  readonly shape: readonly number[];
}

/**
 * A zero dd tensor, or the exact dd copy of a float64 tensor (lo = 0).
 *
 * @example
 * const x = ddFrom(tensor([2], Float64Array.of(1, 2))); // x.hi = [1, 2], x.lo = [0, 0]
 */
export function ddZeros(shape: readonly number[]): DdTensor {
  const n = sizeOf(shape);
  return { hi: new Float64Array(n), lo: new Float64Array(n), shape: shape.slice() };
}

/**
 * @example
 * ddFrom(tensor([2], Float64Array.of(1, 2))); // hi [1, 2], lo [0, 0]
 */
export function ddFrom(t: Tensor): DdTensor {
  return { hi: t.data.slice(), lo: new Float64Array(t.data.length), shape: t.shape.slice() };
}

/**
 * The double nearest each element (hi + lo of a normalized pair), as a float64 tensor.
 *
 * @example
 * ddRound(x).data; // the doubles nearest x's values
 */
export function ddRound(t: DdTensor): Tensor {
  const out = new Float64Array(t.hi.length);
  for (let i = 0; i < out.length; i++) out[i] = t.hi[i] + t.lo[i];
  return { data: out, shape: t.shape.slice() };
}

/**
 * @example
 * ddGet(x, 0); // { hi, lo } of element 0
 */
export function ddGet(t: DdTensor, i: number): DD {
  return { hi: t.hi[i], lo: t.lo[i] };
}

/**
 * @example
 * ddSet(x, 0, DD_ONE);
 */
export function ddSet(t: DdTensor, i: number, v: DD): void {
  t.hi[i] = v.hi;
  t.lo[i] = v.lo;
}

/**
 * acc[i] += v, in dd.
 *
 * @example
 * ddAddAt(acc, i, mul(g, w)); // acc[i] += g·w
 */
export function ddAddAt(t: DdTensor, i: number, v: DD): void {
  ddSet(t, i, add(ddGet(t, i), v));
}

/**
 * Same values, another shape (shares the arrays, as float64 reshape does).
 *
 * @example
 * ddView(x, [2, 3]); // x as 2×3, no copy
 */
export function ddView(t: DdTensor, shape: readonly number[]): DdTensor {
  return { hi: t.hi, lo: t.lo, shape: shape.slice() };
}

/**
 * out[i] = f(a[i]) elementwise.
 *
 * @example
 * ddMap(x, tanh); // tanh elementwise in dd
 */
export function ddMap(a: DdTensor, f: (x: DD, i: number) => DD): DdTensor {
  const out = ddZeros(a.shape);
  for (let i = 0; i < a.hi.length; i++) ddSet(out, i, f(ddGet(a, i), i));
  return out;
}

/**
 * out[i] = f(a[i], b[i]) elementwise.
 *
 * @example
 * ddMap2(a, b, add); // a + b elementwise
 */
export function ddMap2(a: DdTensor, b: DdTensor, f: (x: DD, y: DD) => DD): DdTensor {
  const out = ddZeros(a.shape);
  for (let i = 0; i < a.hi.length; i++) ddSet(out, i, f(ddGet(a, i), ddGet(b, i)));
  return out;
}

/**
 * Σ x_i in index order.
 *
 * @example
 * ddSum(ddFrom(tensor([3], Float64Array.of(1, 1e-30, -1)))); // { hi: 1e-30, lo: 0 }
 */
export function ddSum(x: DdTensor): DD {
  let s: DD = { hi: 0, lo: 0 };
  for (let i = 0; i < x.hi.length; i++) s = add(s, ddGet(x, i));
  return s;
}

/**
 * Σ a_i·b_i in index order (the dot product of the contract).
 *
 * @example
 * ddDot(x, x); // ‖x‖² in dd
 */
export function ddDot(a: DdTensor, b: DdTensor): DD {
  let s: DD = { hi: 0, lo: 0 };
  for (let i = 0; i < a.hi.length; i++) s = add(s, mul(ddGet(a, i), ddGet(b, i)));
  return s;
}

/**
 * C += op(A)·op(B) (beta = 1; C zeroed first for a plain product), A stored row-major [M,K] (or [K,M] when transA),
 * B [K,N] (or [N,K] when transB), C [M,N]. Each entry is one running dd sum in increasing k, started from C's value;
 * the dd product and addition are written out inline (the same operations as `mul` and `add` in arith.ts).
 *
 * @example
 * ddGemm(false, false, 2, 2, 2, A, B, C); // C += A·B
 */
export function ddGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: DdTensor,
  B: DdTensor,
  C: { hi: Float64Array; lo: Float64Array },
): void {
  const Ah = A.hi,
    Al = A.lo,
    Bh = B.hi,
    Bl = B.lo;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sh = C.hi[i * N + j],
        sl = C.lo[i * N + j];
      for (let k = 0; k < K; k++) {
        const ia = transA ? k * M + i : i * K + k,
          ib = transB ? j * K + k : k * N + j;
        // p = a·b (dd × dd)
        const p = twoProd(Ah[ia], Bh[ib]);
        const q = quickTwoSum(p.hi, p.lo + (Ah[ia] * Bl[ib] + Al[ia] * Bh[ib]));
        // s += p (accurate dd addition)
        const u = twoSum(sh, q.hi),
          v = twoSum(sl, q.lo);
        let w = quickTwoSum(u.hi, u.lo + v.hi);
        w = quickTwoSum(w.hi, w.lo + v.lo);
        sh = w.hi;
        sl = w.lo;
      }
      C.hi[i * N + j] = sh;
      C.lo[i * N + j] = sl;
    }
  }
}
