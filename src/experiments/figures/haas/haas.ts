// Haas et al. (2025): the maximal stable learning rate of SP ReLU MLPs against width, MSE (~n^-1) vs cross-entropy (~n^-1/2).
import { Tensor } from '../../../linalg/tensor';
import { kernels } from '../../../linalg/kernels';
import { Dataset, firstRows, loadClassification } from '../../../data';
import { LossKind, Model, classification, evaluate, forwardPass, hessianAt, initParams, lambdaAt, makeModel, train } from '../../../models';
import { Report, fmt } from '../../report/report';
import { LineFit, powerLawFit, slopeInterval } from '../../report/stats';
import { Series } from '../../report/plot';
import { poolImages, figureDataset } from '../common';
import { FigureDir, FigureOutput } from '../output';
import { ComputeContext, FigureSpec, Progress, givenWidths } from '../spec';

export interface HaasOptions {
  widths: number[];
  losses: LossKind[];
  /** Balanced training subset of the data set (fashion-mnist unless `dataset` says otherwise) (all 10 classes) and the SGD minibatch size. */
  trainSize: number;
  batch: number;
  /** SGD steps of every trial run. */
  steps: number;
  /** Average-pool the images by this factor (1 = 28×28). */
  pool: number;
  /** Initialization seeds; each gives its own η_max per width. */
  seeds: number[];
  /** First η of the upward scan (×2 per trial until unstable), then `refine` halvings of the log-bracket. */
  etaStart: number;
  refine: number;
  /** A run is stable when it never blows up and its final training loss is below this fraction of the best constant predictor's. */
  stableFraction: number;
  /** λ0 (NTK) and λ_H0 (loss Hessian) at initialization are measured on this many training rows. */
  curvatureSamples: number;
  /** λ_H0 is skipped above this many parameters (its Lanczos basis lives in parameter space). */
  hessianMaxParams: number;
  /** The data set (a --dataset spec); absent: fashion-mnist. Optional, so the default runs' outputs, which list the options, stay as they were. */
  dataset?: string;
}

/** The issue's widths, 256 … 8192, one seed: about 80 min on 2 threads here (width 8192 is 58 of them). */
export const HAAS_DEFAULTS: HaasOptions = {
  widths: [256, 512, 1024, 2048, 4096, 8192],
  losses: ['mse', 'ce'],
  trainSize: 1500,
  batch: 64,
  steps: 200,
  pool: 4,
  seeds: [0],
  etaStart: 1 / 64,
  refine: 5,
  stableFraction: 0.8,
  curvatureSamples: 256,
  hessianMaxParams: 2 ** 22,
};
export const HAAS_FULL: Partial<HaasOptions> = { widths: [256, 512, 1024, 2048, 4096, 8192, 16384], seeds: [0, 1, 2] };
/** CI sizes (the test): widths 64–256, three seeds, a few minutes in all. */
export const HAAS_SMALL: Partial<HaasOptions> = { widths: [64, 128, 256], seeds: [0, 1, 2] };

/** The loss of the best constant prediction on balanced one-hot data with k classes: the yardstick of "learned something". */
export function constantLoss(loss: LossKind, k: number): number {
  return loss === 'ce' ? Math.log(k) : (0.5 * (1 - 1 / k)) / k;
}

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

export interface ExponentFit {
  loss: LossKind;
  fit: LineFit;
  ci: [number, number] | null;
  points: number;
}

export interface HaasData {
  results: EtaMax[];
  fits: ExponentFit[];
  source: string;
  inputDim: number;
}

function haasModel(width: number, loss: LossKind, data: Dataset): Model {
  return makeModel({
    kind: 'mlp',
    width,
    depth: 2,
    act: 'relu',
    param: 'standard',
    sigmaW: Math.SQRT2,
    readoutSigmaW: 1,
    sigmaB: 0,
    outputs: data.Y.shape[1],
    inputDim: data.X.shape[1],
    loss,
  });
}

/** One SGD run at η: stable unless the loss blows up or the final loss fails to beat the constant predictor by `stableFraction`. */
function trial(
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
    batchSize: o.batch,
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

/** Fits log η_max = slope · log n + c per loss over every (width, seed), with the slope's 95% interval. */
export function fitExponents(results: readonly EtaMax[], losses: readonly LossKind[]): ExponentFit[] {
  return losses.flatMap((loss) => {
    const rs = results.filter((r) => r.loss === loss);
    if (new Set(rs.map((r) => r.width)).size < 2) return [];
    const fit = powerLawFit(
      rs.map((r) => r.width),
      rs.map((r) => r.etaMax),
    );
    return [{ loss, fit, ci: slopeInterval(fit), points: rs.length }];
  });
}

export function haasData(o: HaasOptions): { train: Dataset; source: string } {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: 0, seed: 0 });
  const [train] = poolImages(c.train, c.test, o.pool);
  return { train, source: train.source };
}

/**
 * Every (loss, width, seed) in turn; `onResult` sees each as it finishes (the figure writes it out at once).
 * Results in `finished` (from an interrupted run with the same options) are taken as they are.
 */
export function computeHaas(
  o: HaasOptions,
  progress: Progress = () => {},
  onResult: (r: EtaMax) => void = () => {},
  finished: readonly EtaMax[] = [],
): HaasData {
  const { train: data, source } = haasData(o);
  const widths = [...o.widths].sort((a, b) => a - b);
  const jobs = o.losses.flatMap((loss) => widths.flatMap((width) => o.seeds.map((seed) => ({ loss, width, seed }))));
  // Cost grows with the width (about n² per step for the hidden layer), so progress is weighted by it.
  const cost = (w: number) => w * (data.X.shape[1] + w);
  const total = jobs.reduce((s, j) => s + cost(j.width), 0);
  let done = 0;
  const previous = new Map<string, number>();
  const results = jobs.map((j) => {
    progress(done / total, `${j.loss}, width ${j.width}, seed ${j.seed}`);
    // Widths run in increasing order and η_max falls with n, so half the last η_max is a close stable start.
    const key = `${j.loss}/${j.seed}`,
      last = previous.get(key);
    const r =
      finished.find((f) => f.loss === j.loss && f.width === j.width && f.seed === j.seed) ??
      findEtaMax(j.loss, j.width, j.seed, data, o, last === undefined ? o.etaStart : Math.max(o.etaStart, last / 2));
    previous.set(key, r.etaMax);
    done += cost(j.width);
    onResult(r);
    return r;
  });
  return { results, fits: fitExponents(results, o.losses), source, inputDim: data.X.shape[1] };
}

const ROW_COLUMNS = [
  'loss',
  'width',
  'seed',
  'eta_max',
  'eta_unstable',
  'non_monotone',
  'lambda0',
  'eta_max_lambda0',
  'hessian0',
  'eta_max_hessian0',
  'loss0',
  'final_loss',
  'accuracy',
  'logit_rms',
  'logit_max',
  'feature_update_1',
  'feature_update_2',
  'feature_update_3',
  'trials',
];

const row = (r: EtaMax) => ({
  loss: r.loss,
  width: r.width,
  seed: r.seed,
  eta_max: r.etaMax,
  eta_unstable: r.etaUnstable,
  non_monotone: String(r.nonMonotone),
  lambda0: r.lambda0,
  eta_max_lambda0: r.etaMax * r.lambda0,
  hessian0: r.hessian0,
  eta_max_hessian0: r.hessian0 === null ? null : r.etaMax * r.hessian0,
  loss0: r.loss0,
  final_loss: r.finalLoss,
  accuracy: r.accuracy,
  logit_rms: r.logitRms,
  logit_max: r.logitMax,
  feature_update_1: r.featureUpdate[0],
  feature_update_2: r.featureUpdate[1],
  feature_update_3: r.featureUpdate[2],
  trials: r.trials.length,
});

const ciText = (f: ExponentFit) =>
  `${fmt(f.fit.slope, 3)}${f.ci ? ` (95% CI ${fmt(f.ci[0], 3)} … ${fmt(f.ci[1], 3)})` : ' (no CI: two widths)'}`;

function checks(report: Report, d: HaasData, o: HaasOptions): void {
  const mse = d.fits.find((f) => f.loss === 'mse'),
    ce = d.fits.find((f) => f.loss === 'ce');
  if (mse) {
    report.check({
      quantity: 'exponent of η_max(n), MSE',
      paper: '≈ −1 (the NTK grows like n under SP, so η_max ~ 1/n)',
      measured: ciText(mse),
      pass: mse.ci !== null && mse.ci[0] <= -1 && -1 <= mse.ci[1],
    });
  }
  if (ce) {
    report.check({
      quantity: 'exponent of η_max(n), cross-entropy',
      paper: '≈ −1/2 (controlled divergence)',
      measured: ciText(ce),
      pass: ce.ci !== null && ce.ci[0] <= -0.5 && -0.5 <= ce.ci[1],
    });
  }
  if (mse && ce) {
    report.check({
      quantity: 'MSE exponent vs cross-entropy exponent',
      paper: 'MSE decays faster (more negative)',
      measured:
        `${fmt(mse.fit.slope, 3)} vs ${fmt(ce.fit.slope, 3)}` +
        (mse.ci && ce.ci ? `; the 95% intervals ${mse.ci[1] < ce.ci[0] ? 'do not overlap' : 'overlap'}` : ''),
      pass: mse.fit.slope < ce.fit.slope,
    });
  }
  const ceRuns = d.results.filter((r) => r.loss === 'ce');
  if (ceRuns.length >= 2) {
    const logit = powerLawFit(
      ceRuns.map((r) => r.width),
      ceRuns.map((r) => r.logitRms),
    );
    const lossBounded = Math.max(...ceRuns.map((r) => r.finalLoss)) < constantLoss('ce', 10);
    report.check({
      quantity: 'cross-entropy at η_max: logits vs loss',
      paper: 'logits grow with n while the loss stays bounded',
      measured: `RMS logit ~ n^${fmt(logit.slope, 3)}; final loss ≤ ${fmt(Math.max(...ceRuns.map((r) => r.finalLoss)))} (ln 10 = ${fmt(Math.log(10))})`,
      pass: logit.slope > 0 && lossBounded,
    });
  }
  const mseRuns = d.results.filter((r) => r.loss === 'mse');
  if (mseRuns.length >= 2) {
    const products = mseRuns.map((r) => r.etaMax * r.lambda0);
    const trend = powerLawFit(
      mseRuns.map((r) => r.width),
      products,
    );
    report.check({
      quantity: 'MSE: η_max·λ0 (λ0 the NTK top eigenvalue at init) against width',
      paper: 'a constant (Lewkowycz et al.: ≈ 12 for ReLU nets), which makes η_max ~ 1/λ0 ~ 1/n',
      measured: `${fmt(Math.min(...products), 3)} … ${fmt(Math.max(...products), 3)}, power of n ${fmt(trend.slope, 3)}; λ0 ~ n^${fmt(
        powerLawFit(
          mseRuns.map((r) => r.width),
          mseRuns.map((r) => r.lambda0),
        ).slope,
        3,
      )}`,
      pass: Math.abs(trend.slope) < 0.15,
    });
  }
  for (const loss of o.losses) {
    const rs = d.results.filter((r) => r.loss === loss);
    if (rs.length < 2) continue;
    const slopes = [0, 1, 2].map(
      (l) =>
        powerLawFit(
          rs.map((r) => r.width),
          rs.map((r) => r.featureUpdate[l]),
        ).slope,
    );
    report.check({
      quantity: `relative feature update ‖ΔW_l a‖/‖W_l a‖ at η_max, ${loss}`,
      paper:
        loss === 'ce'
          ? 'non-vanishing in the hidden layers as n grows (feature learning)'
          : 'decays with n (no feature learning at the MSE-stable rate)',
      measured: `power of n per layer (input, hidden, readout): ${slopes.map((s) => fmt(s, 3)).join(', ')}`,
      pass: loss === 'ce' ? slopes[1] > -0.25 : slopes[1] < 0,
    });
  }
}

const PARTIAL_FILE = 'eta_max.partial.json';

/**
 * The results of an earlier run into the same directory whose options match `o` in everything but the widths and seeds.
 * A missing, torn or foreign file gives none: the run starts afresh (and the file is rewritten as results come in).
 */
function resumable(dir: FigureDir, o: HaasOptions): EtaMax[] {
  const saved = dir.readJson(PARTIAL_FILE) as { options?: HaasOptions; results?: EtaMax[] } | undefined;
  const rest = (x: HaasOptions) => JSON.stringify({ ...x, widths: null, seeds: null });
  return saved?.options && rest(saved.options) === rest(o) && Array.isArray(saved.results) ? saved.results : [];
}

/** The figure's data: the results, and how many of them an interrupted earlier run had already found. */
export interface HaasFigureData extends HaasData {
  resumed: number;
}

/**
 * Each finished (loss, width, seed) is checkpointed at once, so an interrupted run keeps it, and a rerun into the same
 * directory with the same options (widths and seeds may differ) takes it from there. Resumed results stay in the
 * checkpoint from the start, whatever order this run reaches them in.
 */
function computeHaasFigure(o: HaasOptions, ctx: ComputeContext<EtaMax[]>): HaasFigureData {
  const resumed = ctx.resumed ?? [];
  const done: EtaMax[] = [...resumed];
  const d = computeHaas(
    o,
    ctx.progress,
    (r) => {
      if (!done.includes(r)) done.push(r);
      ctx.checkpoint(done);
    },
    resumed,
  );
  return { ...d, resumed: d.results.filter((r) => resumed.includes(r)).length };
}

async function reportHaas(d: HaasFigureData, o: HaasOptions, out: FigureOutput): Promise<void> {
  out.table('eta_max', ROW_COLUMNS, d.results.map(row), { ...o, data: d.source });
  out.json(
    'trials.json',
    d.results.map((r) => ({ loss: r.loss, width: r.width, seed: r.seed, trials: r.trials })),
  );
  const { report } = out;
  checks(report, d, o);
  if (d.resumed > 0)
    report.text(
      `${d.resumed} of the ${d.results.length} (loss, width, seed) results were taken from ${PARTIAL_FILE} of an earlier, interrupted run with the same options.`,
    );
  report.text(
    `MLP ${d.inputDim} → n → n → 10, ReLU, standard parameterization with He initialization ` +
      `(hidden weights N(0, 2/fan_in), readout N(0, 1/fan_in), biases 0), one global η, plain SGD with batch ${o.batch} for ${o.steps} steps on ${d.source}. ` +
      `A run is **stable** when its loss never exceeds 10⁸·L0 and its final full-training-set loss is below ${o.stableFraction} × the best constant predictor's ` +
      `(${fmt(constantLoss('mse', 10))} for MSE, ln 10 for cross-entropy). η_max is the largest stable η found by a ×2 scan from ${o.etaStart} and ${o.refine} ` +
      `bisections in log η (bracket ratio ${fmt(2 ** (1 / 2 ** o.refine), 4)}). Exponents are least-squares slopes of log η_max against log n over every (width, seed), ` +
      `with 95% Student-t intervals. The paper uses CIFAR-10, MNIST and generated data, widths up to 16384, SGD and Adam; this is ${figureDataset(o)} with SGD only.`,
  );
  report.table(
    ['loss', 'width', 'seed', 'η_max', 'λ0 (NTK)', 'η_max·λ0', 'η_max·λ_H0', 'final loss', 'accuracy', 'RMS logit', 'ΔW a / W a (1, 2, 3)'],
    d.results.map((r) => [
      r.loss,
      r.width,
      r.seed,
      r.etaMax,
      r.lambda0,
      r.etaMax * r.lambda0,
      r.hessian0 === null ? '—' : r.etaMax * r.hessian0,
      r.finalLoss,
      r.accuracy,
      r.logitRms,
      r.featureUpdate.map((v) => fmt(v, 3)).join(', '),
    ]),
  );
  report.text(
    `λ0 is the top eigenvalue of the empirical NTK JJᵀ/(km) and λ_H0 that of the loss Hessian (Lanczos on exact HVPs), both at initialization on the first ${o.curvatureSamples} training rows; ` +
      `λ_H0 is left out above ${o.hessianMaxParams} parameters, where its Lanczos basis would not fit in memory.`,
  );
  await plots(out, d, o);
}

async function plots(out: FigureOutput, d: HaasData, o: HaasOptions): Promise<void> {
  const byLoss = (f: (r: EtaMax) => number, suffix = ''): Series[] =>
    o.losses.map((loss) => {
      const rs = d.results.filter((r) => r.loss === loss);
      return { name: `${loss}${suffix}`, x: rs.map((r) => r.width), y: rs.map(f), points: true };
    });
  const fitLines: Series[] = d.fits.map((f) => ({
    name: `${f.loss} fit n^${fmt(f.fit.slope, 3)}`,
    x: o.widths,
    y: o.widths.map((n) => Math.exp(f.fit.intercept + f.fit.slope * Math.log(n))),
    dashed: true,
  }));
  await out.plot(
    'haas_eta_max',
    {
      kind: 'line',
      title: 'maximal stable learning rate',
      xLabel: 'width n',
      yLabel: 'η_max',
      xLog: true,
      yLog: true,
      series: [...byLoss((r) => r.etaMax), ...fitLines],
    },
    'η_max against width (log–log) with the fitted power laws.',
  );
  await out.plot(
    'haas_eta_lambda',
    {
      kind: 'line',
      title: 'η_max in units of the initial curvature',
      xLabel: 'width n',
      yLabel: 'η_max · curvature at init',
      xLog: true,
      yLog: true,
      series: [
        ...byLoss((r) => r.etaMax * r.lambda0, ' · λ0 (NTK)'),
        ...byLoss((r) => (r.hessian0 === null ? NaN : r.etaMax * r.hessian0), ' · λ_H0 (Hessian)').map((x) => ({ ...x, dashed: true })),
      ],
      hlines: [{ at: 2, label: 'η = 2/curvature' }],
    },
    'η_max times the top NTK eigenvalue (solid) and the top loss-Hessian eigenvalue (dashed) at initialization, against width.',
  );
  await out.plot(
    'haas_logits',
    {
      kind: 'line',
      title: 'logits and loss at η_max',
      xLabel: 'width n',
      yLabel: 'value at the end of training',
      xLog: true,
      yLog: true,
      series: [...byLoss((r) => r.logitRms, ' RMS logit'), ...byLoss((r) => r.finalLoss, ' final loss')],
    },
    'RMS logit and final training loss at η_max against width.',
  );
  await out.plot(
    'haas_feature_update',
    {
      kind: 'line',
      title: 'relative feature update at η_max',
      xLabel: 'width n',
      yLabel: '‖ΔW_l a_l‖ / ‖W_l a_l‖',
      xLog: true,
      yLog: true,
      series: o.losses.flatMap((loss) =>
        [0, 1, 2].map((l) => {
          const rs = d.results.filter((r) => r.loss === loss);
          return {
            name: `${loss} layer ${l + 1}`,
            x: rs.map((r) => r.width),
            y: rs.map((r) => r.featureUpdate[l]),
            points: true,
            dashed: loss === 'mse',
          };
        }),
      ),
    },
    'Relative feature update per layer at η_max against width.',
  );
}

export const haas: FigureSpec<HaasOptions, HaasFigureData, EtaMax[]> = {
  takesDataset: true,
  id: 'haas',
  title: 'Haas et al.: maximal stable learning rate against width, MSE vs cross-entropy',
  suite: 'followups',
  weight: 6,
  sweepsWidths: true,
  defaults: HAAS_DEFAULTS,
  full: HAAS_FULL,
  // Every seed of the study is shifted by the run's seed; the options have no seed of their own.
  overrides: (run, o) => ({ ...givenWidths(run), seeds: o.seeds.map((s) => s + run.seed) }),
  compute: computeHaasFigure,
  checkpoint: {
    load: (o, dir) => resumable(dir, o),
    save: (done, o, dir) => dir.json(PARTIAL_FILE, { options: o, results: done }),
  },
  reportTitle: () => 'Haas et al. (2025): maximal stable learning rate under standard width scaling',
  report: reportHaas,
};
