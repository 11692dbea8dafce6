// Elementwise ops on contiguous vectors: vaxpby, vmul, vscale, vrelu.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

import { at } from './madd';

// ---- elementwise (contiguous) ----

/** out = x + beta·y (beta = ±1 for add/sub; out may alias x or y). */
export function vaxpby(N: i32, x: usize, beta: f64, y: usize, out: usize): void {
  let i = 0;
  const b = f64x2.splat(beta);
  if (beta == 1.0) for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.add(v128.load(at(x, i)), v128.load(at(y, i))));
  else for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.add(v128.load(at(x, i)), f64x2.mul(b, v128.load(at(y, i)))));
  for (; i < N; i++) store<f64>(at(out, i), beta == 1.0 ? load<f64>(at(x, i)) + load<f64>(at(y, i)) : load<f64>(at(x, i)) + beta * load<f64>(at(y, i)));
}

/** out = x ⊙ y. */
export function vmul(N: i32, x: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.mul(v128.load(at(x, i)), v128.load(at(y, i))));
  for (; i < N; i++) store<f64>(at(out, i), load<f64>(at(x, i)) * load<f64>(at(y, i)));
}

/** out = alpha·x. */
export function vscale(N: i32, alpha: f64, x: usize, out: usize): void {
  let i = 0;
  const a = f64x2.splat(alpha);
  for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.mul(a, v128.load(at(x, i))));
  for (; i < N; i++) store<f64>(at(out, i), alpha * load<f64>(at(x, i)));
}

/** out = max(x, 0) as x where x > 0, else +0 (NaN → 0, as the JS relu: only x > 0 passes). */
export function vrelu(N: i32, x: usize, out: usize): void {
  let i = 0;
  const z = f64x2.splat(0.0);
  for (; i + 2 <= N; i += 2) {
    const v = v128.load(at(x, i));
    v128.store(at(out, i), v128.and(v, f64x2.gt(v, z)));
  }
  for (; i < N; i++) { const v = load<f64>(at(x, i)); store<f64>(at(out, i), v > 0.0 ? v : 0.0); }
}
