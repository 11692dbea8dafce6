// The curvature D²L[u, u] along a direction and its gradient D³L[u, u, ·], exactly: one jet replay of the loss's tape and one reverse sweep.
import { Tensor, tensor } from '../linalg/tensor';
import { freeF64 } from '../linalg/backend';
import { replayJets } from './jets';
import { vjp } from './sweeps';
import { Tape, Var } from './tape';

export interface CurvatureGradient {
  /** D²L[u, u] = uᵀ∇²L u: the sharpness S when u is the unit top eigenvector of the loss Hessian. */
  curvature: number;
  /** ∇_θ (uᵀ∇²L(θ) u) at fixed u = D³L[u, u, ·], one array per parameter: ∇S at a simple top eigenvalue (Hellmann–Feynman). */
  grad: Float64Array[];
  /** The first derivative DL[u] = ⟨∇L, u⟩, which the replay computes on the way. */
  slope: number;
}

/**
 * D²L[u, u] and its gradient in θ for a scalar `loss` recorded on a tape over its parameters, `u` one array per
 * parameter. The tape is replayed as second-order jets along u (jets.ts: every rule in primitives), and the replay's
 * reverse sweep gives the third derivative: no finite differences anywhere. Costs about three forward passes and
 * their reverse sweep.
 *
 * @example
 * const { tape, loss } = forwardPass(model, params, data);
 * const top = hessianTopEigenvalues(loss, 1);
 * const { curvature, grad } = curvatureGradient(loss, splitLike(params, top.vectors[0])); // S and ∇S
 */
export function curvatureGradient(loss: Var, u: readonly Float64Array[]): CurvatureGradient {
  const tape = loss.tape;
  if (loss.value.data.length !== 1) throw new Error(`curvatureGradient: the loss must be a scalar, got ${loss.value.data.length} values`);
  if (u.length !== tape.params.length)
    throw new Error(`curvatureGradient: ${u.length} direction arrays for ${tape.params.length} parameters`);
  const replay = new Tape();
  const jet = replayJets(loss, replay, (i, value: Tensor) => {
    if (u[i].length !== value.data.length)
      throw new Error(`curvatureGradient: direction ${i} has ${u[i].length} entries, its parameter ${value.data.length}`);
    return { v: replay.param(value), t1: replay.constant(tensor(value.shape, u[i])), t2: null };
  });
  try {
    const slope = jet.t1 === null ? 0 : jet.t1.value.data[0];
    if (jet.t2 === null) return { curvature: 0, slope, grad: u.map((d) => new Float64Array(d.length)) };
    const swept = vjp(jet.t2, Float64Array.of(1));
    const grad = swept.map((g) => Float64Array.from(g));
    new Set(swept).forEach(freeF64);
    return { curvature: jet.t2.value.data[0], slope, grad };
  } finally {
    replay.dispose();
  }
}
