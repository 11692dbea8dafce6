// The paper's exact update equations, used only to check what the engine's GD and Lanczos measure.

/** Warmup model, eqs. (6)–(7): one GD step of f and λ = Θ(1,1) at width n. */
export function warmupStep(f: number, lambda: number, eta: number, n: number): { f: number; lambda: number } {
  const f2n = (f * f) / n;
  return { f: (1 - eta * lambda + eta * eta * f2n) * f, lambda: lambda + eta * f2n * (eta * lambda - 4) };
}

/**
 * State of the linear model f_α = n^-1/2 vᵀ u x_α (§2.2) that the exact updates (S3)–(S4) close
 * over: outputs f, kernel Θ (m×m, row-major, normalised 1/(nm) as in (S2)) and |v|².
 */
export interface LinearModelState {
  f: Float64Array;
  theta: Float64Array;
  vNorm2: number;
}

/**
 * One GD step by (S3) for f̃ and (S4) for Θ, with ζ = Σ_α f̃_α x_α / m. (S4) needs |v|² and ζᵀuᵀuζ;
 * the second follows from Θ, since f̃ᵀΘf̃ = (|v|²ζᵀζ + ζᵀuᵀuζ)·m/n, and |v|² has its own exact update
 * |v'|² = |v|² − 2η fᵀf̃/m + (η²/n) ζᵀuᵀuζ (from the same GD step). X is m×d row-major, y has length m.
 */
export function linearModelStep(
  s: LinearModelState,
  X: Float64Array,
  y: Float64Array,
  m: number,
  d: number,
  n: number,
  eta: number,
): LinearModelState {
  const { f, theta, vNorm2 } = s;
  const ft = new Float64Array(m);
  for (let a = 0; a < m; a++) ft[a] = f[a] - y[a];
  const zeta = new Float64Array(d);
  for (let a = 0; a < m; a++) for (let i = 0; i < d; i++) zeta[i] += (ft[a] * X[a * d + i]) / m;
  const xz = new Float64Array(m); // x_αᵀζ
  const gram = new Float64Array(m * m); // x_αᵀx_β
  for (let a = 0; a < m; a++) {
    for (let i = 0; i < d; i++) xz[a] += X[a * d + i] * zeta[i];
    for (let b = 0; b < m; b++) {
      let g = 0;
      for (let i = 0; i < d; i++) g += X[a * d + i] * X[b * d + i];
      gram[a * m + b] = g;
    }
  }
  let fDotFt = 0,
    zz = 0,
    ftThetaFt = 0;
  for (let a = 0; a < m; a++) fDotFt += f[a] * ft[a];
  for (let i = 0; i < d; i++) zz += zeta[i] * zeta[i];
  const thetaFt = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) thetaFt[a] += theta[a * m + b] * ft[b];
    ftThetaFt += ft[a] * thetaFt[a];
  }
  const zuuz = (n / m) * ftThetaFt - vNorm2 * zz; // ζᵀuᵀuζ

  const fNext = new Float64Array(m);
  for (let a = 0; a < m; a++) fNext[a] = y[a] + ft[a] - eta * thetaFt[a] + ((eta * eta) / (n * m)) * xz[a] * fDotFt; // (S3)
  const thetaNext = new Float64Array(m * m);
  const c1 = eta / (n * m),
    c2 = (eta * eta) / (n * n * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      // (S4)
      const g = gram[a * m + b];
      thetaNext[a * m + b] =
        theta[a * m + b] - c1 * (xz[b] * f[a] + xz[a] * f[b] + (2 / m) * g * fDotFt) + c2 * (vNorm2 * xz[a] * xz[b] + zuuz * g);
    }
  }
  return { f: fNext, theta: thetaNext, vNorm2: vNorm2 - (2 * eta * fDotFt) / m + ((eta * eta) / n) * zuuz };
}
