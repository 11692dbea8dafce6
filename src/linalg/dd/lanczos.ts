// The top eigenvalue of a symmetric operator in double-double: Lanczos with full reorthogonalization, Ritz value by Sturm bisection.
import * as D from './arith';
import { DD } from './arith';
import { DdTensor, ddDot, ddGet, ddSet, ddZeros } from './tensor';

export interface DdTopEigen {
  value: DD;
  iterations: number;
  /** True when the Ritz value moved by ≤ tol relative, or the Krylov space was exhausted (then it is exact to dd rounding). */
  converged: boolean;
}

/** y ← y − a·x (dd axpy). */
function subtractScaled(y: DdTensor, a: DD, x: DdTensor): void {
  for (let i = 0; i < y.hi.length; i++) ddSet(y, i, D.sub(ddGet(y, i), D.mul(a, ddGet(x, i))));
}

function scaledCopy(x: DdTensor, a: DD): DdTensor {
  const out = ddZeros(x.shape);
  for (let i = 0; i < x.hi.length; i++) ddSet(out, i, D.mul(a, ddGet(x, i)));
  return out;
}

/** How many eigenvalues of the tridiagonal (α, β) are below x (Sturm sequence of the LDLᵀ pivots). */
function countBelow(alpha: readonly DD[], beta: readonly DD[], x: DD): number {
  let count = 0,
    q: DD = D.DD_ONE;
  for (let i = 0; i < alpha.length; i++) {
    q = i === 0 ? D.sub(alpha[0], x) : D.sub(D.sub(alpha[i], x), D.div(D.mul(beta[i - 1], beta[i - 1]), q));
    if (q.hi === 0) q = { hi: -1e-300, lo: 0 }; // a zero pivot counts as negative (x is then an eigenvalue)
    if (q.hi < 0) count++;
  }
  return count;
}

/** The largest eigenvalue of the symmetric tridiagonal (α, β) by bisection to dd resolution, given a lower bound. */
function topOfTridiagonal(alpha: readonly DD[], beta: readonly DD[], lower: DD): DD {
  const n = alpha.length;
  let hi = alpha[0];
  for (let i = 0; i < n; i++) {
    const radius = D.add(i > 0 ? D.dd(Math.abs(beta[i - 1].hi)) : D.DD_ZERO, i < n - 1 ? D.dd(Math.abs(beta[i].hi)) : D.DD_ZERO);
    const g = D.add(D.add(alpha[i], radius), D.dd(Math.abs(alpha[i].hi) * 1e-15 + 1e-300));
    if (D.gt(g, hi)) hi = g;
  }
  let lo = lower;
  for (let it = 0; it < 400; it++) {
    const mid = D.ldexp(D.add(lo, hi), -1);
    if (!D.lt(lo, mid) || !D.lt(mid, hi)) break;
    if (countBelow(alpha, beta, mid) === n) hi = mid;
    else lo = mid;
  }
  return D.ldexp(D.add(lo, hi), -1);
}

/**
 * Top eigenpair of the symmetric positive semi-definite operator `matvec` on ℝⁿ in dd, from `start` (typically the
 * float64 Lanczos eigenvector, so few dd iterations are needed). Stops when the Ritz value moves by ≤ tol relative
 * twice in a row, when the Krylov space is exhausted (β = 0 or n iterations) or after maxIter.
 *
 * @example
 * const { value } = ddLanczosTop(ddNtkMatvec(tape, values, f.id), n, float64Eigvec);
 */
export function ddLanczosTop(
  matvec: (w: DdTensor) => DdTensor,
  n: number,
  start: Float64Array | undefined,
  tol = 1e-30,
  maxIter = 200,
): DdTopEigen {
  let q = ddZeros([n]);
  for (let i = 0; i < n; i++) q.hi[i] = start ? start[i] : 1 + i / n;
  q = scaledCopy(q, D.div(D.DD_ONE, D.sqrt(ddDot(q, q))));
  const basis: DdTensor[] = [q],
    alpha: DD[] = [],
    beta: DD[] = [];
  let value: DD = D.DD_ZERO,
    calm = 0,
    converged = false;
  for (let j = 0; j < Math.min(n, maxIter); j++) {
    const w = matvec(basis[j]);
    alpha.push(ddDot(w, basis[j]));
    // Full reorthogonalization, twice (classical Gram–Schmidt in dd): the basis stays orthogonal to dd rounding.
    for (let pass = 0; pass < 2; pass++) for (const b of basis) subtractScaled(w, ddDot(w, b), b);
    const next = topOfTridiagonal(alpha, beta, value);
    const moved = D.sub(next, value).hi;
    value = next;
    calm = j > 0 && Math.abs(moved) <= tol * Math.abs(value.hi) ? calm + 1 : 0;
    const norm = D.sqrt(ddDot(w, w));
    if (calm >= 2 || norm.hi <= 1e-28 * Math.abs(value.hi) || j + 1 === n) {
      converged = true;
      break;
    }
    beta.push(norm);
    basis.push(scaledCopy(w, D.div(D.DD_ONE, norm)));
  }
  return { value, iterations: alpha.length, converged };
}
