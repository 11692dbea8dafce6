// One (loss, width, seed) of Haas et al.: the SGD trial runs of the η_max search, and what is measured at η_max.
import { Tensor } from '../../../linalg/tensor';
import { kernels } from '../../../linalg/kernels';
import { Dataset, firstRows } from '../../../data';
import { LossKind, Model, classification, evaluate, forwardPass, hessianAt, initParams, lambdaAt, train } from '../../../models';
import { fmt } from '../../report/report';
import { constantLoss, haasModel } from './data';
import type { HaasOptions } from './options';

export interface Trial {
  eta: number;
  stable: boolean;
  finalLoss: number;
  blewUpAt: number | null;
}

export interface EtaMax {
  loss: LossKind;
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
): { t: Trial; params: Tensor[] | null } {
  const r = train(model, init, data, {
    lr: eta,
    steps: o.steps,
    momentum: 0,
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

/**
 * η_max for one loss, width and seed: a ×2 scan up from `start` (default `etaStart`) to the first unstable η,
 * then `refine` bisections in log η. A start that is already unstable because the loss blew up scans down
 * instead; one that merely failed to learn falls back to the scan from `etaStart`.
 */
export function findEtaMax(loss: LossKind, width: number, seed: number, data: Dataset, o: HaasOptions, start = o.etaStart): EtaMax {
  const model = haasModel(width, loss, data),
    init = initParams(model, seed),
    loss0 = evaluate(model, init, data).loss;
  const trials: Trial[] = [];
  // Only the largest stable η's parameters are kept (at width 8192 one set is 0.5 GB): the search never
  // accepts a stable η below its current lower end, so that run is the one at η_max.
  const best: { eta: number; params: Tensor[] | null } = { eta: -Infinity, params: null };
  const run = (eta: number) => {
    const { t, params } = trial(model, init, loss0, data, eta, o, seed);
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
  if (!Number.isFinite(lo) && start !== o.etaStart && trials[0].blewUpAt !== null) {
    // The previous width's η_max/2 already blows up here: halve until a run is stable.
    hi = start;
    for (let eta = start / 2; eta >= o.etaStart && !Number.isFinite(lo); eta /= 2) {
      if (run(eta)) lo = eta;
      else hi = eta;
    }
  } else if (!Number.isFinite(lo) && start !== o.etaStart) {
    scanUp(o.etaStart);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error(
      `haas: no stable-to-unstable bracket for ${loss}, width ${width}, seed ${seed} from η = ${o.etaStart} (trials: ${trials.map((t) => `${fmt(t.eta)}:${t.stable ? 'stable' : 'unstable'}`).join(', ')})`,
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
  // One pass at η_max gives the loss, the accuracy and the logits.
  const { tape, f, loss: finalLoss } = forwardPass(model, final, data);
  const logits = f.value.data,
    [m, k] = f.value.shape;
  const ev = { loss: finalLoss.value.data[0], accuracy: classification(logits, data.Y.data, m, k).accuracy };
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
  };
}
