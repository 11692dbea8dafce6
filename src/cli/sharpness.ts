// `catapult sharpness`: the loss Hessian's top eigenvalues at a point and the exact gradient of the top one, written for replay.
import * as path from 'path';
import { SETUP_OPTIONS, measureSharpness, writeSharpness } from '../experiments';
import { int } from '../options';
import { defineCommand } from './command';
import { setupFrom } from './setupFrom';
import { out } from './options';

export const sharpness = defineCommand({
  name: 'sharpness',
  summary: 'top-k loss Hessian eigenvalues and the exact sharpness gradient ∇S = D³L[u, u, ·] at θ_0; writes sharpness.json and .npz files',
  options: {
    ...SETUP_OPTIONS,
    k: int({ flag: 'k', arg: 'K', help: 'how many top eigenvalues of the loss Hessian', min: 1, max: 64, default: 1 }),
    out: out('output directory', 'out/sharpness'),
  },
  notes:
    "∇S is exact (a second-order jet replay of the loss tape and its reverse sweep); its error follows the eigenvector's, residual/gap, recorded as vector_error.",
  run(o, ctx) {
    const s = setupFrom(o, ctx);
    const r = measureSharpness(s.model, s.init, s.data, o.k);
    writeSharpness(o.out, r, s.model, s.init, s.data, { loss: s.model.config.loss ?? 'mse', samples: s.data.X.shape[0] });
    console.log(
      `S = λ_H1 = ${r.values[0]} (residual ${r.residuals[0].toExponential(2)}, ${r.iterations} Lanczos iterations${r.converged ? '' : ', NOT converged'})`,
    );
    r.values.slice(1).forEach((v, i) => console.log(`λ_H${i + 2} = ${v} (residual ${r.residuals[i + 1].toExponential(2)})`));
    console.log(
      `uᵀHu from the jet replay: ${r.curvature}; ‖∇S‖ = ${r.gradNorm}; gap λ1 − λ2 = ${r.gap}, so ∇S is good to about ${r.vectorError.toExponential(1)} (relative)`,
    );
    console.log(`wrote ${path.join(o.out, 'sharpness.json')}, sharpness_grad.npz, sharpness_vec.npz, init.npz, data.npz`);
  },
});
