// Elementwise rule helpers: writing or adding a cotangent target, tangent products, and the unary primitives' rules.
import { allocF64, freeF64 } from '../linalg/backend';
import { copyF64 } from '../linalg/tensor';
import type { Rule, Target } from './prims';

/** The vjp rule of a linear primitive does not depend on its inputs: no second-order term. */
export const linear = (): void => {};

/** target (+)= alpha·g, elementwise. */
export function addScaled(t: Target | null, alpha: number, g: Float64Array): void {
  if (t === null) return;
  const a = t.a;
  if (t.beta === 0) for (let i = 0; i < g.length; i++) a[i] = alpha * g[i];
  else for (let i = 0; i < g.length; i++) a[i] += alpha * g[i];
}

/** target (+)= g ⊙ w, elementwise. */
export function addProduct(t: Target | null, g: Float64Array, w: Float64Array): void {
  if (t === null) return;
  const a = t.a;
  if (t.beta === 0) for (let i = 0; i < g.length; i++) a[i] = g[i] * w[i];
  else for (let i = 0; i < g.length; i++) a[i] += g[i] * w[i];
}

/** target (+)= w in every entry. */
export function addConstant(t: Target | null, w: number): void {
  if (t === null) return;
  if (t.beta === 0) t.a.fill(w);
  else for (let i = 0; i < t.a.length; i++) t.a[i] += w;
}

/** The two 32-bit halves of each float64 of a (a view on the same memory). */
const halves = (a: Float64Array) => new Int32Array(a.buffer, a.byteOffset, 2 * a.length);

/**
 * out[i] = keep[i] ? x[i] : +0, bit for bit, without a branch: both halves of x ANDed with all ones or all zeros.
 * ReLU's signs are a coin flip per entry, so a branch mispredicts half the time; this costs the same either way.
 *
 * @example
 * keepWhere(Uint8Array.of(1, 0), Float64Array.of(-2, 3), out); // out = [-2, 0]
 */
export function keepWhere(keep: Uint8Array, x: Float64Array, out: Float64Array): void {
  const xi = halves(x),
    oi = halves(out);
  for (let i = 0; i < keep.length; i++) {
    const m = -keep[i];
    oi[2 * i] = xi[2 * i] & m;
    oi[2 * i + 1] = xi[2 * i + 1] & m;
  }
}

/** An accumulator that already holds a sum (or zeros), as a Target; vjpTangent rules add into those. */
export function adding(a: Float64Array | null): Target | null {
  return a === null ? null : { a, beta: 1 };
}

/** t ⊙ w, or null when the tangent is zero. */
export function product(t: Float64Array | null, w: Float64Array): Float64Array | null {
  if (t === null) return null;
  const out = allocF64(t.length);
  for (let i = 0; i < t.length; i++) out[i] = t[i] * w[i];
  return out;
}

/** alpha·t, or null when the tangent is zero. */
export function scaled(t: Float64Array | null, alpha: number): Float64Array | null {
  if (t === null) return null;
  const out = allocF64(t.length);
  for (let i = 0; i < t.length; i++) out[i] = alpha * t[i];
  return out;
}

/** a + beta·b with either side possibly zero (null). */
export function combine(a: Float64Array | null, b: Float64Array | null, beta: number): Float64Array | null {
  if (b === null) return a === null ? null : copyF64(a);
  const out = a === null ? allocF64(b.length) : copyF64(a);
  for (let i = 0; i < b.length; i++) out[i] += beta * b[i];
  return out;
}

export type Unary = 'square' | 'tanh' | 'exp' | 'log' | 'softplus';

/** Elementwise first (order 1) or second (order 2) derivative of a unary primitive, from its input x and output y. */
export function unaryDerivative(prim: Unary, x: Float64Array, y: Float64Array, order: 1 | 2 = 1): Float64Array {
  const d = allocF64(x.length);
  let e = 0.0;
  for (let i = 0; i < x.length; i++) {
    switch (prim) {
      case 'square':
        d[i] = order === 1 ? 2 * x[i] : 2;
        break;
      case 'tanh':
        d[i] = order === 1 ? 1 - y[i] * y[i] : -2 * y[i] * (1 - y[i] * y[i]);
        break;
      case 'exp':
        d[i] = y[i];
        break;
      case 'log':
        d[i] = order === 1 ? 1 / x[i] : -1 / (x[i] * x[i]);
        break;
      // softplus' = σ and softplus'' = σ(1 − σ) = e/(1 + e)² with e = exp(−|x|) ≤ 1: never overflows.
      case 'softplus':
        e = Math.exp(-Math.abs(x[i]));
        d[i] = order === 2 ? e / ((1 + e) * (1 + e)) : x[i] >= 0 ? 1 / (1 + e) : e / (1 + e);
        break;
    }
  }
  return d;
}

/** The rules for an elementwise unary primitive, from its first and second derivatives. */
export function unaryRule<P extends Unary>(prim: P): Rule<P> {
  return {
    vjp: (c) => {
      const d = unaryDerivative(prim, c.x[0].data, c.y.data);
      addProduct(c.target(0), c.g, d);
      freeF64(d);
    },
    jvp: (c) => {
      if (c.t[0] === null) return null;
      const d = unaryDerivative(prim, c.x[0].data, c.y.data),
        out = product(c.t[0], d);
      freeF64(d);
      return out;
    },
    // acc += g ⊙ f'(x) differentiates to g ⊙ f''(x) ⊙ t.
    vjpTangent: (c) => {
      const a = c.acc(0),
        t = c.t[0];
      if (a === null || t === null) return;
      const d = unaryDerivative(prim, c.x[0].data, c.y.data, 2);
      for (let i = 0; i < a.length; i++) a[i] += c.g[i] * d[i] * t[i];
      freeF64(d);
    },
  };
}
