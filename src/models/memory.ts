// Memory a run will claim, estimated from sizes alone, so an impossible run is refused before it allocates anything.
import { checkFits } from '../io/files';
import type { Model } from './model';

/** Doubles a hidden value costs on the tape at once: its value, cotangent and tangent, and the activation's. */
const PER_HIDDEN = 6;
/** The caller's θ_0, the optimizer's θ_t, the gradient, and the JVP/VJP temporaries of a Lanczos matvec. */
const PER_PARAMETER = 4;
/** A run may use this share of the machine's memory (the rest is Node, the OS and the kernels' scratch). */
const RUN_SHARE = 0.9;
/** The Lanczos basis for λ keeps at most this many vectors of the outputs' size. */
const LANCZOS_VECTORS = 300;

/**
 * An upper estimate of the bytes one training step with λ holds, for a model on m samples.
 *
 * @example
 * trainingBytes(makeModel({ kind: 'mlp', width: 16000, depth: 4, … }), 250); // ≈ 25 GB: refused on a 24 GiB machine
 */
export function trainingBytes(model: Model, m: number): number {
  const parameters = model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const hidden =
    model.activationsPerSample ??
    model.specs.filter((s) => s.shape.length === 2 || model.config.kind !== 'mlp').reduce((a, s) => a + s.shape[0], 0);
  const outputs = m * model.config.outputs;
  return 8 * (PER_PARAMETER * parameters + PER_HIDDEN * m * hidden + LANCZOS_VECTORS * outputs);
}

/** Bytes one trajectory record holds: its numbers, and the outputs and θ_t where the run keeps them. */
const RECORD_BYTES = 160;

/**
 * Refuses a run whose trajectory records (kept in memory until the run ends) would not fit: `--steps 1e12`.
 *
 * @example
 * checkRecordsFit(1e12, 0); // Error: a trajectory of 1e12 steps would need 149011.6 GiB; …
 */
export function checkRecordsFit(steps: number, bytesPerStep: number): void {
  checkFits(`a trajectory of ${steps} steps`, (steps + 1) * (RECORD_BYTES + bytesPerStep), RUN_SHARE);
}

/**
 * Refuses, with one line, a model whose training would not fit in memory (before its parameters are drawn).
 *
 * @example
 * checkTrainingFits(model, data.X.shape[0]); // Error: an mlp of 7.7e10 parameters on 16 samples would need 2.3e3 GiB; …
 */
export function checkTrainingFits(model: Model, m: number): void {
  const parameters = model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const article = model.config.kind === 'mlp' ? 'an' : 'a';
  checkFits(
    `${article} ${model.config.kind} model of ${parameters.toExponential(2)} parameters on ${m} samples`,
    trainingBytes(model, m),
    RUN_SHARE,
  );
}
