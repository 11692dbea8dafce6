// The average gradient outer product (AGOP) of a model's outputs with respect to its inputs, and the alignment of two AGOPs.
import type { Tensor } from '../linalg/tensor';
import { freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { Tape, vjp } from '../autodiff';
import type { Model } from './model';
import { parseArch } from './layers';

/** A d×d AGOP, row-major. */
export interface Agop {
  d: number;
  G: Float64Array;
}

/**
 * G(θ) = (1/m) Σ_i J_x f(x_i)ᵀ J_x f(x_i), the input Jacobian J_x f(x_i) being k×d: for k outputs the sum over outputs
 * c of (1/m) Σ_i ∇_x f_c(x_i) ∇_x f_c(x_i)ᵀ (Radhakrishnan et al.'s AGOP; k = 1 is the scalar case). The rows of X are
 * separate examples (no layer mixes rows), so one reverse sweep with cotangent 1 on column c of every row gives every
 * ∇_x f_c(x_i) at once: k sweeps in all, with X the only leaf differentiated (the weights are constants on this tape).
 *
 * @example
 * const { d, G } = agop(model, params, data.X); // d = data.X.shape[1]; G[a·d + b] = G_ab
 */
export function agop(model: Model, params: readonly Tensor[], X: Tensor): Agop {
  const c = model.config,
    kind = c.kind === 'quadratic' ? c.base : c.kind;
  // Batch normalization couples the rows (its statistics are the batch's): the summed sweep would mix examples.
  if (kind === 'wrn' || (kind === 'cnn' && parseArch(c.arch ?? '').some((l) => l.kind === 'bn')))
    throw new Error(
      `AGOP: the ${kind} model's batch normalization couples the examples; per-example input gradients need a model without bn`,
    );
  const [m, d] = X.shape;
  const tape = new Tape();
  try {
    const f = model.forward(
      params.map((p) => tape.constant(p)),
      tape.param(X),
    );
    const k = f.value.shape[1];
    const G = new Float64Array(d * d);
    const w = new Float64Array(m * k);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < m; i++) w[i * k + c] = 1;
      const [gX] = vjp(f, w);
      w.fill(0);
      // G += (1/m)·gXᵀ gX, gX being m×d row-major: op(A) = gXᵀ (d×m).
      kernels.dgemm(true, false, d, d, m, 1 / m, gX, d, 1, 0, gX, d, 1, 0, c === 0 ? 0 : 1, G, d, 1, 0);
      freeF64(gX);
    }
    return { d, G };
  } finally {
    tape.dispose();
  }
}

/**
 * The cosine similarity of two matrices in the Frobenius inner product, ⟨A, B⟩_F / (‖A‖_F ‖B‖_F): 1 when one is a
 * positive multiple of the other, NaN when either is zero.
 *
 * @example
 * agopAlignment(agop(model, params, X).G, teacherAgop(teacher, X).G); // in [0, 1] for two PSD matrices
 */
export function agopAlignment(A: Float64Array, B: Float64Array): number {
  if (A.length !== B.length) throw new Error(`agopAlignment: the matrices have ${A.length} and ${B.length} entries`);
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < A.length; i++) {
    ab += A[i] * B[i];
    aa += A[i] * A[i];
    bb += B[i] * B[i];
  }
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}
