// The uv model's GD on one example (x, y) in closed form: two scalars (f, λ) and the loss Hessian's top eigenvalue.
//
// f = x·vᵀu/√n, L = ½(f − y)². With r = f − y and κ = x²/n, GD u' = u − η r x v/√n, v' = v − η r x u/√n closes over
// f = x·u·v/√n and λ = κ(|u|² + |v|²) (the NTK):
//   f' = f(1 + κη²r²) − ηλr,   λ' = λ + κηr(ηλr − 4f)
// (Lewkowycz et al. 2020 eqs. 6–7 at x = 1, y = 0). The Hessian H = JJᵀ + r∇²f, J = x(v, u)/√n and
// ∇²f = (x/√n)[[0, I], [I, 0]], is a rank-one term plus s·P with s = rx/√n and P = ±1 on (w, ±w). In the ±1 spaces
// J has the parts x(u+v)/√(2n) and x(v−u)/√(2n), with squares A = κ|u+v|²/2 and B = κ|u−v|²/2, so an eigenvalue off
// ±s solves (λ − s)(λ + s) = A(λ + s) + B(λ − s). With A + B = λ_NTK and A − B = 2xf/√n:
//   λ_H = ½(λ + √(λ² + 4κ r(r + 2f))),
// the larger root; it is ≥ |s| (the quadratic is ≤ 0 there), so it tops the ±s directions outside span{u, v} too.

/** The example and the width: f = x·vᵀu/√n fitted to y. */
export interface UvProblem {
  n: number;
  x: number;
  y: number;
}

/** The two scalars GD closes over: the output f and the NTK λ = x²(|u|² + |v|²)/n. */
export interface UvState {
  f: number;
  lambda: number;
}

/** What T steps of GD at one η did, in the form `criticalSweep` reports a point. */
export interface UvTrajectory {
  /** L_t, t = 0 … T, or up to and with the first loss that is not finite or exceeds maxLoss. */
  losses: number[];
  /** λ_H at the steps before that divergence (all T + 1 without one). */
  hessians: number[];
  /** The step whose loss diverged, or null. */
  divergedAt: number | null;
}

/**
 * (f, λ) of the parameters u, v (plain loops, no tape: an independent check of the engine's forward pass).
 *
 * @example
 * uvState(Float64Array.of(1, 0), Float64Array.of(1, 1), { n: 2, x: 1, y: 0 }); // { f: 0.7071…, lambda: 1.5 }
 */
export function uvState(u: ArrayLike<number>, v: ArrayLike<number>, p: UvProblem): UvState {
  if (u.length !== p.n || v.length !== p.n) throw new Error(`uvState: u and v need ${p.n} entries, got ${u.length} and ${v.length}`);
  let uv = 0,
    norms = 0;
  for (let i = 0; i < p.n; i++) {
    uv += u[i] * v[i];
    norms += u[i] * u[i] + v[i] * v[i];
  }
  return { f: (p.x * uv) / Math.sqrt(p.n), lambda: (p.x * p.x * norms) / p.n };
}

/**
 * One GD step at learning rate η, exact.
 *
 * @example
 * uvStep({ f: 1, lambda: 2 }, 0.5, { n: 4, x: 1, y: 0 }); // { f: 0.0625, lambda: 1.625 }
 */
export function uvStep(s: UvState, eta: number, p: UvProblem): UvState {
  const kappa = (p.x * p.x) / p.n;
  const r = s.f - p.y;
  return {
    f: s.f * (1 + kappa * eta * eta * r * r) - eta * s.lambda * r,
    lambda: s.lambda + kappa * eta * r * (eta * s.lambda * r - 4 * s.f),
  };
}

/** ½(f − y)², the engine's MSE on one example. */
export function uvLoss(s: UvState, p: UvProblem): number {
  const r = s.f - p.y;
  return 0.5 * r * r;
}

/**
 * The loss Hessian's top eigenvalue, ½(λ + √(λ² + 4κ r(r + 2f))) with κ = x²/n, r = f − y.
 *
 * @example
 * uvHessianTop({ f: 0, lambda: 2 }, { n: 4, x: 1, y: 0 }); // 2 (at f = y = 0 the Hessian is the NTK's JJᵀ)
 */
export function uvHessianTop(s: UvState, p: UvProblem): number {
  const kappa = (p.x * p.x) / p.n;
  const r = s.f - p.y;
  return 0.5 * (s.lambda + Math.sqrt(s.lambda * s.lambda + 4 * kappa * r * (r + 2 * s.f)));
}

/**
 * T steps of GD at η from s0, recorded as `criticalSweep` records them: it stops at the first loss that is not finite
 * or exceeds maxLoss (that loss is the last one kept; λ_H is kept for the steps before it).
 *
 * @example
 * uvTrajectory({ f: 0.3, lambda: 2 }, { n: 16, x: 1, y: 0 }, 1.5, 10, 1e5).losses.length; // 11, or fewer if it diverged
 */
export function uvTrajectory(s0: UvState, p: UvProblem, eta: number, steps: number, maxLoss: number): UvTrajectory {
  const losses: number[] = [];
  const hessians: number[] = [];
  let s = s0;
  for (let t = 0; t <= steps; t++) {
    if (t > 0) s = uvStep(s, eta, p);
    const L = uvLoss(s, p);
    losses.push(L);
    if (!Number.isFinite(L) || L > maxLoss) return { losses, hessians, divergedAt: t };
    hessians.push(uvHessianTop(s, p));
  }
  return { losses, hessians, divergedAt: null };
}
