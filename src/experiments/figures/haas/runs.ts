// One (loss, width, seed) of Haas et al.: the SGD trial runs of the η_max search, and what is measured at η_max.
import { Tensor } from '../../../linalg/tensor';
import { kernels } from '../../../linalg/kernels';
import { freeF64 } from '../../../linalg/backend';
import { Dataset, firstRows } from '../../../data';
import {
  LossKind,
  Model,
  checkTrainingFits,
  classification,
  evaluate,
  forwardPass,
  hessianAt,
  initParams,
  lambdaAt,
  table3Rates,
  train,
} from '../../../models';
import { vjp } from '../../../autodiff';
import { fmt } from '../../report/report';
import { constantLoss, haasModel } from './data';
import type { HaasOptions, HaasRule } from './options';

export interface Trial {
  eta: number;
  stable: boolean;
  finalLoss: number;
  blewUpAt: number | null;
}

export interface EtaMax {
  loss: LossKind;
  /** The update rule: SGD or Adam, global or layerwise rates. */
  rule: HaasRule;
  width: number;
  seed: number;
  /** Largest stable η found, and the smallest unstable one above it. */
  etaMax: number;
  etaUnstable: number;
  /** A stable η above the first unstable one was seen (the boundary is not sharp). */
  nonMonotone: boolean;
  trials: Trial[];
  loss0: number;
  /** At initialization, on the first `curvatureSamples` rows: the NTK's top eigenvalue and the loss Hessian's (null above `hessianMaxParams`). */
  lambda0: number;
  hessian0: number | null;
  /** At η_max: final training loss and accuracy, RMS and max |logit|, and ‖ΔW_l a_l‖/‖W_l a_l‖ per layer. */
  finalLoss: number;
  accuracy: number;
  logitRms: number;
  logitMax: number;
  featureUpdate: number[];
  /** At η_max: ‖∇L‖ over all parameters, and the RMS of the last hidden layer's activations, on the training set. */
  gradNorm: number;
  activationRms: number;
}

/** How one trial trains: the optimizer and each parameter's factor on η (the layerwise rules' TP5 Table 3 rates). */
export interface HaasStep {
  rule: HaasRule;
  /** ñ = n / the study's smallest width: the layerwise rates are the global ones there. */
  ratio: number;
}

/** The optimizer of a rule and, for the layerwise ones, each parameter's factor on η. */
export function haasTraining(model: Model, s: HaasStep): { optimizer: 'gd' | 'adam'; rates?: number[] } {
  const optimizer = s.rule.startsWith('adam') ? 'adam' : 'gd';
  return s.rule.endsWith('layerwise') ? { optimizer, rates: table3Rates(model.specs, optimizer, s.ratio) } : { optimizer };
}

/** One SGD run at η: stable unless the loss blows up or the final loss fails to beat the constant predictor by `stableFraction`. */
export function trial(
  model: Model,
  init: Tensor[],
  loss0: number,
  data: Dataset,
  eta: number,
  o: HaasOptions,
  seed: number,
  step: HaasStep,
): { t: Trial; params: Tensor[] | null } {
  const r = train(model, init, data, {
    lr: eta,
    ...haasTraining(model, step),
    steps: o.steps,
    l2: 0,
    eigEvery: 0,
    measureLambda: false,
    maxLoss: 1e8 * Math.max(loss0, 1e-3),
    convergeFraction: 1e-12,
    batch: o.batch,
    batchLossOnly: true,
    batchSeed: 10_000 + seed,
  });
  if (r.diverged) return { t: { eta, stable: false, finalLoss: NaN, blewUpAt: r.diverged.step }, params: null };
  const finalLoss = evaluate(model, r.params, data).loss;
  const stable = Number.isFinite(finalLoss) && finalLoss < o.stableFraction * constantLoss(model.config.loss!, data.Y.shape[1]);
  return { t: { eta, stable, finalLoss, blewUpAt: null }, params: r.params };
}

/** ‖(W_l − W_l⁰) a_l‖/‖W_l⁰ a_l‖ per layer, with a_l the layer's input at initialization on the rows of X. */
export function featureUpdates(model: Model, init: readonly Tensor[], final: readonly Tensor[], X: Tensor): number[] {
  const weights = model.specs.map((s, i) => (s.name.startsWith('W') ? i : -1)).filter((i) => i >= 0);
  const m = X.shape[0];
  let a = X.data,
    width = X.shape[1];
  return weights.map((wi, l) => {
    const [nOut, nIn] = init[wi].shape;
    if (nIn !== width) throw new Error(`featureUpdates: layer ${l} takes ${nIn} inputs, got ${width}`);
    const h = new Float64Array(m * nOut),
      dh = new Float64Array(m * nOut);
    const dW = final[wi].data.map((v, i) => v - init[wi].data[i]);
    kernels.dgemm(false, true, m, nOut, nIn, 1, a, nIn, 1, 0, init[wi].data, nIn, 1, 0, 0, h, nOut, 1, 0);
    kernels.dgemm(false, true, m, nOut, nIn, 1, a, nIn, 1, 0, dW, nIn, 1, 0, 0, dh, nOut, 1, 0);
    const ratio = kernels.dnrm2(dh.length, dh, 1, 0) / kernels.dnrm2(h.length, h, 1, 0);
    // The next layer's input at init: ReLU of the pre-activation plus the (initial) bias.
    const b = init[wi + 1]?.shape.length === 1 ? init[wi + 1].data : null;
    a = h.map((v, i) => Math.max(0, v + (b ? b[i % nOut] : 0)));
    width = nOut;
    return ratio;
  });
}

/** Where a rule's η scan starts: Adam's stable rates lie orders of magnitude below SGD's. */
export function ruleEtaStart(rule: HaasRule, o: HaasOptions): number {
  return rule.startsWith('adam') ? o.adamEtaStart : o.etaStart;
}

/** RMS of the last hidden layer's activations relu(W_l a_l + b_l) (standard parameterization: no multipliers) on X. */
export function lastHiddenRms(model: Model, params: readonly Tensor[], X: Tensor): number {
  const weights = model.specs.map((s, i) => (s.name.startsWith('W') ? i : -1)).filter((i) => i >= 0);
  const m = X.shape[0];
  let a = X.data;
  for (const wi of weights.slice(0, -1)) {
    const [nOut, nIn] = params[wi].shape;
    const h = new Float64Array(m * nOut);
    kernels.dgemm(false, true, m, nOut, nIn, 1, a, nIn, 1, 0, params[wi].data, nIn, 1, 0, 0, h, nOut, 1, 0);
    const b = params[wi + 1]?.shape.length === 1 ? params[wi + 1].data : null;
    a = h.map((v, i) => Math.max(0, v + (b ? b[i % nOut] : 0)));
  }
  return kernels.dnrm2(a.length, a, 1, 0) / Math.sqrt(a.length);
}

/**
 * η_max for one loss, width and seed: a ×2 scan up from `start` (default `etaStart`) to the first unstable η,
 * then `refine` bisections in log η. A start that is already unstable because the loss blew up scans down
 * instead; one that merely failed to learn falls back to the scan from `etaStart`.
 */
export function findEtaMax(
  loss: LossKind,
  rule: HaasRule,
  width: number,
  seed: number,
  data: Dataset,
  o: HaasOptions,
  start = ruleEtaStart(rule, o),
): EtaMax {
  const model = haasModel(width, loss, data);
  checkTrainingFits(model, data.X.shape[0]);
  const init = initParams(model, seed),
    loss0 = evaluate(model, init, data).loss;
  const step: HaasStep = { rule, ratio: width / Math.min(...o.widths) };
  const etaStart = ruleEtaStart(rule, o);
  const trials: Trial[] = [];
  // Only the largest stable η's parameters are kept (at width 8192 one set is 0.5 GB): the search never
  // accepts a stable η below its current lower end, so that run is the one at η_max.
  const best: { eta: number; params: Tensor[] | null } = { eta: -Infinity, params: null };
  const run = (eta: number) => {
    const { t, params } = trial(model, init, loss0, data, eta, o, seed, step);
    trials.push(t);
    if (params && t.stable && eta > best.eta) Object.assign(best, { eta, params });
    return t.stable;
  };
  let lo = NaN,
    hi = NaN;
  const scanUp = (from: number) => {
    for (let eta = from; eta <= 1024; eta *= 2) {
      if (run(eta)) lo = eta;
      else if (Number.isFinite(lo)) {
        hi = eta;
        break;
      } else if (trials[trials.length - 1].blewUpAt !== null) break;
    }
  };
  scanUp(start);
  if (!Number.isFinite(lo) && start !== etaStart && trials[0].blewUpAt !== null) {
    // The previous width's η_max/2 already blows up here: halve until a run is stable.
    hi = start;
    for (let eta = start / 2; eta >= etaStart && !Number.isFinite(lo); eta /= 2) {
      if (run(eta)) lo = eta;
      else hi = eta;
    }
  } else if (!Number.isFinite(lo) && start !== etaStart) {
    scanUp(etaStart);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error(
      `haas: no stable-to-unstable bracket for ${loss}, ${rule}, width ${width}, seed ${seed} from η = ${etaStart} (trials: ${trials.map((t) => `${fmt(t.eta)}:${t.stable ? 'stable' : 'unstable'}`).join(', ')})`,
    );
  }
  for (let i = 0; i < o.refine; i++) {
    const mid = Math.sqrt(lo * hi);
    if (run(mid)) lo = mid;
    else hi = mid;
  }
  const nonMonotone = trials.some((t) => t.stable && t.eta > hi);
  if (best.params === null || best.eta !== lo) throw new Error(`haas: internal: the kept run is not the one at η_max = ${lo}`);
  const final = best.params;
  // One pass at η_max gives the loss, the accuracy, the logits and the gradient.
  const { tape, f, loss: finalLoss } = forwardPass(model, final, data);
  const logits = f.value.data,
    [m, k] = f.value.shape;
  const ev = { loss: finalLoss.value.data[0], accuracy: classification(logits, data.Y.data, m, k).accuracy };
  const grads = vjp(finalLoss, Float64Array.of(1));
  const gradNorm = Math.sqrt(grads.reduce((a, g) => a + kernels.ddot(g.length, g, 1, 0, g, 1, 0), 0));
  grads.forEach(freeF64);
  let ss = 0,
    max = 0;
  for (const v of logits) {
    ss += v * v;
    max = Math.max(max, Math.abs(v));
  }
  tape.dispose();
  const probe = firstRows(data, Math.min(o.curvatureSamples, data.X.shape[0]));
  const P = init.reduce((a, p) => a + p.data.length, 0);
  return {
    loss,
    rule,
    width,
    seed,
    etaMax: lo,
    etaUnstable: hi,
    nonMonotone,
    trials,
    loss0,
    lambda0: lambdaAt(model, init, probe),
    hessian0: P <= o.hessianMaxParams ? hessianAt(model, init, probe) : null,
    finalLoss: ev.loss,
    accuracy: ev.accuracy,
    logitRms: Math.sqrt(ss / logits.length),
    logitMax: max,
    featureUpdate: featureUpdates(model, init, final, data.X),
    gradNorm,
    activationRms: lastHiddenRms(model, final, data.X),
  };
}
