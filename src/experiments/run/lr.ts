// Learning-rate specs: an absolute η ("0.7") or a multiple of η_crit = 2/λ0 ("1.5x"), grids of them, and the one η resolution.
import { LossKind, Model, hessianAt } from '../../models';
import { decimal } from '../../options';
import type { Setup } from './setup';

export interface LrSpec {
  value: number;
  /** 'abs': η = value; 'crit': η = value · 2/λ0. */
  unit: 'abs' | 'crit';
}

/** Parses "0.7" or "1.5x" (decimal notation only). */
export function parseLr(text: string, what = 'learning rate'): LrSpec {
  const s = text.trim();
  const crit = s.endsWith('x');
  const body = crit ? s.slice(0, -1) : s;
  // Decimal only, as for every number option: `0x10` is not silently η = 16.
  const value = decimal(body);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${what} must be a number > 0, or a multiple of 2/λ0 such as 1.5x; got '${text}'`);
  }
  return { value, unit: crit ? 'crit' : 'abs' };
}

/** η for a given λ0. */
export function resolveLr(spec: LrSpec, lambda0: number): number {
  return spec.unit === 'abs' ? spec.value : (spec.value * 2) / lambda0;
}

export function formatLr(spec: LrSpec): string {
  return spec.unit === 'abs' ? String(spec.value) : `${spec.value}x`;
}

/**
 * Parses a grid "a:b:step" (inclusive, all three in one unit) or a list "a,b,c". Grid points are
 * a + i·step, computed by multiplication (not repeated addition) so 0.1-steps do not drift.
 *
 * @example
 * parseLrGrid('0.25x:2.25x:0.05x') // η·λ0 = 0.5, 0.6, …, 4.5
 */
export function parseLrGrid(text: string): LrSpec[] {
  const s = text.trim();
  if (s === '') throw new Error('the learning-rate grid is empty');
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 3) throw new Error(`learning-rate grid '${text}' must be start:stop:step`);
    const [a, b, h] = parts.map((p) => parseLr(p, `grid bound '${p}'`));
    if (a.unit !== b.unit || a.unit !== h.unit) throw new Error(`learning-rate grid '${text}' mixes absolute values and multiples of 2/λ0`);
    if (b.value < a.value) throw new Error(`learning-rate grid '${text}' has stop < start`);
    const n = Math.floor((b.value - a.value) / h.value + 1e-9) + 1;
    if (n > 100000) throw new Error(`learning-rate grid '${text}' has ${n} points; at most 100000`);
    return Array.from({ length: n }, (_, i) => ({ value: Number((a.value + i * h.value).toPrecision(12)), unit: a.unit }));
  }
  return s.split(',').map((p) => parseLr(p));
}

/** Which curvature a relative η (`Cx` = C·2/curvature) refers to: the NTK's λ0 for MSE, the loss Hessian's top eigenvalue otherwise. */
export type LrReference = 'ntk' | 'hessian';

/** The reference of a loss: for logistic and cross-entropy the NTK alone does not set the stability of GD. */
export function lrReference(loss: LossKind | undefined): LrReference {
  return (loss ?? 'mse') === 'mse' ? 'ntk' : 'hessian';
}

/** A resolved learning rate: η, the curvature it was measured against, and the Hessian's λ_H0 where that was needed. */
export interface ResolvedLr {
  eta: number;
  reference: LrReference;
  hessian0: number | null;
  curvature: number;
}

/**
 * η for a run, the same in train, oracle, phase-sweep and sweep: an absolute η as given; `Cx` as C·2/λ0 for MSE
 * and C·2/λ_H0 (the loss Hessian's top eigenvalue at θ_0) for logistic and cross-entropy.
 *
 * @example
 * const { eta, reference } = resolveRunLr(s, parseLr('1.5x'), lambdaAt(s.model, s.init, s.data));
 */
export function resolveRunLr(s: Pick<Setup, 'model' | 'init' | 'data'> & { model: Model }, spec: LrSpec, lambda0: number): ResolvedLr {
  const reference = lrReference(s.model.config.loss);
  const hessian0 = reference === 'hessian' && spec.unit === 'crit' ? hessianAt(s.model, s.init, s.data) : null;
  const curvature = hessian0 ?? lambda0;
  const eta = resolveLr(spec, curvature);
  if (!(Number.isFinite(eta) && eta > 0)) {
    // λ0 = 0 (all-zero inputs, or a σ_w so small the outputs do not move): C·2/λ0 is no learning rate.
    const name = reference === 'hessian' ? "λ_H0 (the loss Hessian's top eigenvalue)" : "λ0 (the NTK's top eigenvalue)";
    throw new Error(
      `--lr ${formatLr(spec)} is a multiple of 2/${name.split(' ')[0]}, but ${name} is ${curvature} at initialization, so η would be ${eta} ` +
        '(the outputs hardly depend on the parameters: all-zero inputs, or a vanishing --sigma-w); give an absolute η',
    );
  }
  return { eta, reference, hessian0, curvature };
}
