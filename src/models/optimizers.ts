// The update rules as one table: each optimizer's state and its step on one parameter, in float64 and in double-double.
import { allocF64, freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import * as D from '../linalg/dd/arith';
import { DdTensor, ddGet, ddSet, ddZeros } from '../linalg/dd/tensor';
import { ADAM_DEFAULTS, OptimizerName } from './optimizerOptions';
import { mupRates } from './mup';

/** An optimizer's settings with every default resolved (torch.optim's for Adam). */
export interface OptimizerSettings {
  name: OptimizerName;
  /** Heavy-ball γ (gd only). */
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * The settings a run uses: Adam's absent ones take torch.optim's defaults (AdamW's weight decay is 0.01, Adam's 0).
 *
 * @example
 * optimizerSettings({ optimizer: 'adamw' }); // { name: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, momentum: 0 }
 */
export function optimizerSettings(o: {
  optimizer?: OptimizerName;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}): OptimizerSettings {
  const name = o.optimizer ?? 'gd';
  return {
    name,
    momentum: o.momentum ?? 0,
    beta1: o.beta1 ?? ADAM_DEFAULTS.beta1,
    beta2: o.beta2 ?? ADAM_DEFAULTS.beta2,
    eps: o.eps ?? ADAM_DEFAULTS.eps,
    weightDecay: o.weightDecay ?? (name === 'adamw' ? ADAM_DEFAULTS.weightDecay.adamw : ADAM_DEFAULTS.weightDecay.adam),
  };
}

/** One parameter's update: θ (in place), its gradient g (may be overwritten), its state, the rate and the step t = 1, 2, …. */
interface StepArgs<A> {
  p: A;
  g: A;
  state: A[];
  lr: number;
  t: number;
  s: OptimizerSettings;
}

interface OptimizerRule {
  /** How many arrays of θ's size the rule keeps per parameter (momentum's b; Adam's m and v). */
  slots(s: OptimizerSettings): number;
  step(a: StepArgs<Float64Array>): void;
  /** The same update in double-double, the settings taken as exact doubles (the reference the float64 run is measured against). */
  ddStep(a: StepArgs<DdTensor>): void;
}

/** GD: b ← γb + g; θ ← θ − ηb (θ ← θ − ηg without momentum), with the kernels' rounding (as the runs before Adam). */
const gd: OptimizerRule = {
  slots: (s) => (s.momentum > 0 ? 1 : 0),
  step: ({ p, g, state, lr, s }) => {
    if (state.length === 0) return kernels.daxpy(p.length, -lr, g, 1, 0, p, 1, 0);
    const b = state[0];
    kernels.dscal(b.length, s.momentum, b, 1, 0);
    kernels.daxpy(b.length, 1, g, 1, 0, b, 1, 0);
    kernels.daxpy(p.length, -lr, b, 1, 0, p, 1, 0);
  },
  ddStep: ({ p, g, state, lr, s }) => {
    const b = state.length > 0 ? state[0] : null;
    for (let i = 0; i < p.hi.length; i++) {
      let gi = ddGet(g, i);
      if (b !== null) {
        gi = D.add(D.mulD(ddGet(b, i), s.momentum), gi);
        ddSet(b, i, gi);
      }
      ddSet(p, i, D.sub(ddGet(p, i), D.mulD(gi, lr)));
    }
  },
};

/** x^t in double-double by repeated squaring, x an exact double (t ≥ 1). */
function ddPow(x: number, t: number): D.DD {
  let base = D.dd(x),
    out = D.DD_ONE;
  for (let k = t; k > 0; k >>= 1) {
    if (k & 1) out = D.mul(out, base);
    base = D.mul(base, base);
  }
  return out;
}

/**
 * torch.optim.Adam / AdamW (amsgrad off, PyTorch 1.13's single-tensor step) operation for operation: Adam's weight
 * decay adds λθ to g, AdamW's multiplies θ by 1 − ηλ first; m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * θ ← θ − (η/(1−β1^t))·m/(√v/√(1−β2^t) + ε).
 */
function adam(decoupled: boolean): OptimizerRule {
  return {
    slots: () => 2,
    step: ({ p, g, state: [m, v], lr, t, s }) => {
      const c1 = 1 - s.beta1,
        c2 = 1 - s.beta2;
      const stepSize = lr / (1 - Math.pow(s.beta1, t)),
        root2 = Math.sqrt(1 - Math.pow(s.beta2, t));
      const shrink = 1 - lr * s.weightDecay;
      for (let i = 0; i < p.length; i++) {
        let gi = g[i];
        if (decoupled) p[i] *= shrink;
        else if (s.weightDecay !== 0) gi += s.weightDecay * p[i];
        m[i] = m[i] * s.beta1 + c1 * gi;
        v[i] = v[i] * s.beta2 + c2 * gi * gi; // addcmul: (value·g)·g
        p[i] += (-stepSize * m[i]) / (Math.sqrt(v[i]) / root2 + s.eps);
      }
    },
    ddStep: ({ p, g, state: [m, v], lr, t, s }) => {
      const one = D.dd(1);
      const stepSize = D.div(D.dd(lr), D.sub(one, ddPow(s.beta1, t)));
      const root2 = D.sqrt(D.sub(one, ddPow(s.beta2, t)));
      const shrink = D.sub(one, D.mulD(D.dd(lr), s.weightDecay));
      const c1 = D.sub(one, D.dd(s.beta1)),
        c2 = D.sub(one, D.dd(s.beta2));
      for (let i = 0; i < p.hi.length; i++) {
        let gi = ddGet(g, i),
          pi = ddGet(p, i);
        if (decoupled) pi = D.mul(pi, shrink);
        else if (s.weightDecay !== 0) gi = D.add(gi, D.mulD(pi, s.weightDecay));
        const mi = D.add(D.mulD(ddGet(m, i), s.beta1), D.mul(c1, gi));
        const vi = D.add(D.mulD(ddGet(v, i), s.beta2), D.mul(c2, D.mul(gi, gi)));
        ddSet(m, i, mi);
        ddSet(v, i, vi);
        const denom = D.add(D.div(D.sqrt(vi), root2), D.dd(s.eps));
        ddSet(p, i, D.sub(pi, D.div(D.mul(stepSize, mi), denom)));
      }
    },
  };
}

/** Every optimizer's rule: a new name in OPTIMIZER_NAMES without a rule here is a compile error. */
export const OPTIMIZER_RULES: { readonly [K in OptimizerName]: OptimizerRule } = { gd, adam: adam(false), adamw: adam(true) };

/** Steps every parameter with its rule, counting steps from 1 (Adam's bias corrections need t) after `done` earlier ones. */
function stepper<A>(s: OptimizerSettings, step: (a: StepArgs<A>) => void, state: readonly A[][], done = 0) {
  let t = done;
  return (params: readonly A[], grads: readonly A[], lrs: readonly number[]): void => {
    t++;
    params.forEach((p, i) => step({ p, g: grads[i], state: state[i], lr: lrs[i], t, s }));
  };
}

/** A run's optimizer state in float64: zeroed slots per parameter, stepped with a counter, freed once. */
export interface Optimizer {
  /** Update every parameter from its gradient at rate `lrs[i]`; the gradients may be overwritten. */
  step(params: readonly Float64Array[], grads: readonly Float64Array[], lrs: readonly number[]): void;
  /** A copy of the arrays it keeps, per parameter (momentum's b; Adam's m, v): with the step count, all its state. */
  slots(): Float64Array[][];
  free(): void;
}

/** Where an optimizer resumes: its arrays per parameter (as `Optimizer.slots` gave them) after `steps` updates. */
export interface OptimizerResume {
  slots: readonly (readonly Float64Array[])[];
  steps: number;
}

/**
 * The float64 optimizer of a run over parameters of these sizes: fresh (zeroed slots), or continuing from `from`.
 *
 * @example
 * const opt = makeOptimizer(optimizerSettings({ optimizer: 'adam' }), params.map((p) => p.data.length));
 * opt.step(params.map((p) => p.data), grads, params.map(() => 1e-3));
 */
export function makeOptimizer(s: OptimizerSettings, sizes: readonly number[], from?: OptimizerResume): Optimizer {
  const rule = OPTIMIZER_RULES[s.name];
  const state = sizes.map((n, i) =>
    Array.from({ length: rule.slots(s) }, (_, k) => {
      const a = allocF64(n);
      if (from !== undefined) a.set(from.slots[i][k]);
      return a;
    }),
  );
  return {
    step: stepper(s, rule.step, state, from?.steps),
    slots: () => state.map((arrays) => arrays.map((a) => a.slice())),
    free: () => state.flat().forEach(freeF64),
  };
}

/**
 * The double-double optimizer of a run over parameters of these shapes.
 *
 * @example
 * const opt = makeDdOptimizer(settings, params.map((p) => p.shape)); opt.step(params, grads, lrs);
 */
export function makeDdOptimizer(
  s: OptimizerSettings,
  shapes: readonly (readonly number[])[],
): { step(params: readonly DdTensor[], grads: readonly DdTensor[], lrs: readonly number[]): void } {
  const rule = OPTIMIZER_RULES[s.name];
  return {
    step: stepper(
      s,
      rule.ddStep,
      shapes.map((shape) => Array.from({ length: rule.slots(s) }, () => ddZeros(shape))),
    ),
  };
}

/**
 * Each parameter's factor on η from `--layer-lr a0,a1,…`: a_l for an mlp's W_l and b_l (1 everywhere without it).
 *
 * @example
 * layerRates(mlp.specs, [1, 0.5]); // [1, 1, 0.5, 0.5] for W0, b0, W1, b1
 */
export function layerRates(specs: readonly { name: string }[], layerLr: readonly number[] | undefined): number[] {
  if (layerLr === undefined) return specs.map(() => 1);
  const layerOf = specs.map((p) => /^[Wb](\d+)$/.exec(p.name));
  if (layerOf.some((x) => x === null)) throw new Error('--layer-lr applies to the mlp model only (its layers W_l, b_l)');
  const layers = Math.max(...layerOf.map((x) => Number(x![1]))) + 1;
  if (layerLr.length !== layers) {
    throw new Error(`--layer-lr needs one factor per layer: the mlp has ${layers} (W0 … W${layers - 1}), got ${layerLr.length}`);
  }
  return layerOf.map((x) => layerLr[Number(x![1])]);
}

/**
 * Each parameter's factor on η: --layer-lr's a_l times μP's rate for the optimizer times a study's own `rates` (each 1 where
 * not given).
 *
 * @example
 * paramRates(model, { optimizer: 'adam', layerLr: [1, 0.5, 2] });
 */
export function paramRates(
  model: { config: { param: string; width: number; mupBase?: number }; specs: readonly { name: string }[] },
  o: { optimizer?: OptimizerName; layerLr?: readonly number[]; rates?: readonly number[] },
): number[] {
  const mup = mupRates(model.config, model.specs, o.optimizer ?? 'gd');
  if (o.rates !== undefined && o.rates.length !== model.specs.length) {
    throw new Error(`rates needs one factor per parameter (${model.specs.length}), got ${o.rates.length}`);
  }
  return layerRates(model.specs, o.layerLr).map((a, i) => a * mup[i] * (o.rates?.[i] ?? 1));
}
