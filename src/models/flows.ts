// Gradient flow and the central flow (Cohen, Damian et al. 2025) as steps of physical time η, integrated by RK4 with exact ∇L, S and ∇S.
import { Tensor, tensor } from '../linalg/tensor';
import { freeF64 } from '../linalg/backend';
import { curvatureGradient, hessianTopEigenvalues, splitParameters, vjp } from '../autodiff';
import type { Dataset } from '../data';
import type { Model } from './model';
import { edgeCovariance } from './edgeQp';
import { forwardPass } from './forward';

export type FlowKind = 'gradient' | 'central';

/** RK4 substeps of min(α/S, h_max) with this α unless a run says otherwise: four substeps per unit of S·τ. */
export const DEFAULT_FLOW_ALPHA = 0.5;

export interface FlowSettings {
  kind: FlowKind;
  /** RK4 substeps of min(α/S, hMax) (Cohen et al.'s rule), S the sharpness at the substep's start. */
  alpha: number;
  hMax: number;
}

/** What one RHS evaluation saw: the loss, the sharpness and (central flow) the multiplier σ² of ∇S. */
export interface FlowProbe {
  loss: number;
  sharpness: number;
  /** tr Σ ≥ 0 (σ² with one eigenvalue at the edge): zero off it. The time-averaged GD loss is predicted as L + tr Σ/η. */
  sigma2: number;
}

/** The flow's state across steps: the last top eigenvector (a warm start for Lanczos) and the last probe. */
export interface FlowState {
  vector?: Float64Array;
  /** The sharpness the last stage saw: whether the next can try a lone top eigenpair first (topEigenpairs). */
  lastSharpness?: number;
  probe?: FlowProbe;
}

/**
 * The edge as a barrier: within EDGE_BAND below 2/η the central flow lets S rise at most at κ·S·(2/η − S) and pulls it
 * back at that rate above, so S settles on 2/η without the integrator's stages flickering in and out of the active set.
 */
const EDGE_RESTORING = 4;
const EDGE_BAND = 0.05;
/** How many top eigenvalues the central flow watches: those within EDGE_BAND of 2/η form its complementarity problem. */
const EDGE_EIGENVALUES = 3;

/** The active eigenpairs' third-derivative vectors T_ij = D³L[u_i, u_j, ·] (flattened), by polarization for i ≠ j. */
function thirdDerivatives(loss: Parameters<typeof curvatureGradient>[0], us: Float64Array[][]): Float64Array[][] {
  const flat = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)));
  const along = (u: Float64Array[]) => flat(curvatureGradient(loss, u).grad);
  return us
    .map((ui, i) =>
      us.map((uj, j) => {
        if (j < i) return new Float64Array(0); // filled from (j, i) below
        if (j === i) return along(ui);
        const plus = along(ui.map((x, k) => x.map((v, l) => v + uj[k][l])));
        const minus = along(ui.map((x, k) => x.map((v, l) => v - uj[k][l])));
        return plus.map((v, l) => (v - minus[l]) / 4);
      }),
    )
    .map((row, i, all) => row.map((t, j) => (j < i ? all[j][i] : t)));
}

const dotF = (a: Float64Array, b: Float64Array) => a.reduce((acc, x, i) => acc + x * b[i], 0);

/**
 * The loss Hessian's top eigenpairs a stage needs: one for gradient flow; for the central flow the top EDGE_EIGENVALUES,
 * except that a lone top pair settles it when the sharpness is below the band (then no eigenvalue is at the edge). The
 * lone pair is tried first when the last stage's S was well below the band, so most stages far from the edge cost one
 * warm-started Lanczos instead of a three-vector one; the active set is the same either way.
 */
function topEigenpairs(loss: Parameters<typeof hessianTopEigenvalues>[0], eta: number, s: FlowSettings, state: FlowState) {
  const band = (1 - EDGE_BAND) * (2 / eta);
  const farBelow = state.lastSharpness !== undefined && state.lastSharpness < (1 - EDGE_BAND) * band;
  if (s.kind === 'gradient' || farBelow) {
    const one = hessianTopEigenvalues(loss, 1, 1e-12, state.vector);
    state.lastSharpness = one.values[0];
    if (s.kind === 'gradient' || one.values[0] < band) return one;
  }
  const top = hessianTopEigenvalues(loss, EDGE_EIGENVALUES, 1e-12, state.vector);
  state.lastSharpness = top.values[0];
  return top;
}

/**
 * dθ/dτ at θ: −∇L for gradient flow; for the central flow −(∇L + ½ Σ_ij Σ_ij ∇(u_iᵀHu_j)), Σ from the complementarity
 * problem over the eigenvalues at the edge (edgeCovariance), which holds them at 2/η. Near the edge the target rate
 * is a barrier (EDGE_BAND, EDGE_RESTORING), so drift is undone and stages do not flicker in and out of the active set.
 */
function velocity(
  model: Model,
  params: readonly Tensor[],
  data: Dataset,
  eta: number,
  s: FlowSettings,
  state: FlowState,
  needsSharpness = s.kind === 'central',
): { v: Float64Array[]; probe: FlowProbe } {
  const { tape, loss } = forwardPass(model, params, data);
  try {
    const swept = vjp(loss, Float64Array.of(1));
    const grad = swept.map((g) => Float64Array.from(g));
    new Set(swept).forEach(freeF64);
    if (!needsSharpness) return { v: grad.map((g) => g.map((x) => -x)), probe: { loss: loss.value.data[0], sharpness: NaN, sigma2: 0 } };
    const top = topEigenpairs(loss, eta, s, state);
    state.vector = top.vectors[0];
    const S = top.values[0];
    const probe: FlowProbe = { loss: loss.value.data[0], sharpness: S, sigma2: 0 };
    const edge = 2 / eta;
    const active = Array.from(top.values)
      .map((lam, i) => ({ lam, i }))
      .filter((e) => e.lam >= (1 - EDGE_BAND) * edge);
    if (s.kind === 'central' && active.length > 0) {
      const us = active.map(({ i }) => splitParameters(loss, top.vectors[i]));
      const T = thirdDerivatives(loss, us);
      const g = Float64Array.from(grad.flatMap((x) => Array.from(x)));
      // The eigenvalues' target rates: at most κ·λ·(2/η − λ) below the edge, pulled back at that rate above it.
      const C = active.map((a, i) => active.map((_, j) => dotF(T[i][j], g) + (i === j ? -EDGE_RESTORING * a.lam * (a.lam - edge) : 0)));
      const Sigma = edgeCovariance((i, j, a, b) => dotF(T[i][j], T[a][b]), C);
      probe.sigma2 = Sigma.reduce((acc, r, i) => acc + r[i], 0);
      let offset = 0;
      grad.forEach((gp) => {
        for (let l = 0; l < gp.length; l++, offset++) {
          let push = 0;
          for (let i = 0; i < active.length; i++) for (let j = 0; j < active.length; j++) push += Sigma[i][j] * T[i][j][offset];
          gp[l] += 0.5 * push;
        }
      });
    }
    return { v: grad.map((g) => g.map((x) => -x)), probe };
  } finally {
    tape.dispose();
  }
}

const shifted = (params: readonly Tensor[], k: readonly Float64Array[], h: number) =>
  params.map((p, i) =>
    tensor(
      p.shape,
      p.data.map((x, j) => x + h * k[i][j]),
    ),
  );

/** The probe at θ without a step: S and σ² where the run ends. */
export function flowProbe(
  model: Model,
  params: readonly Tensor[],
  data: Dataset,
  eta: number,
  s: FlowSettings,
  state: FlowState,
): FlowProbe {
  return velocity(model, params, data, eta, s, state, true).probe;
}

/**
 * Advances `params` (in place) by physical time η along the flow: RK4 substeps of min(α/S, hMax), the last one
 * shortened to land on τ + η exactly. Returns the probe at the step's start (for the record at θ_t).
 *
 * @example
 * const state: FlowState = {};
 * flowStep(model, params, data, 0.05, { kind: 'central', alpha: 0.5, hMax: 0.05 }, state);
 */
export function flowStep(model: Model, params: Tensor[], data: Dataset, eta: number, s: FlowSettings, state: FlowState): FlowProbe {
  let first: FlowProbe | null = null;
  for (let done = 0; done < eta;) {
    // The substep's size needs S at its start, whatever the flow.
    const k1 = velocity(model, params, data, eta, s, state, true);
    first ??= k1.probe;
    const h = Math.min(s.alpha / Math.max(k1.probe.sharpness, 1e-300), s.hMax, eta - done);
    const k2 = velocity(model, shifted(params, k1.v, h / 2), data, eta, s, state).v;
    const k3 = velocity(model, shifted(params, k2, h / 2), data, eta, s, state).v;
    const k4 = velocity(model, shifted(params, k3, h), data, eta, s, state).v;
    params.forEach((p, i) => {
      const d = p.data;
      for (let j = 0; j < d.length; j++) d[j] += (h / 6) * (k1.v[i][j] + 2 * k2[i][j] + 2 * k3[i][j] + k4[i][j]);
    });
    // The last substep may fall a rounding short of η; what is left then is below one ulp of η.
    done = eta - done - h <= eta * 1e-15 ? eta : done + h;
  }
  state.probe = first!;
  return first!;
}
