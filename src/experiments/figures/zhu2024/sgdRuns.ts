// The SGD-catapult study's runs: one teacher net trained by SGD at several batch sizes, its spikes analysed as it trains.
import { Dataset, loadClassification } from '../../../data';
import { evaluate, lambdaAt } from '../../../models';
import { runTraining } from '../../run/run';
import { SpikesReport, spikeAnalysis, syntheticAgopStar } from '../../run/spikeReport';
import type { RunDirContents } from '../runDir';
import type { ComputeContext } from '../spec';
import type { SgdCatapultOptions } from './options';
import { fcSetup } from './nqmRuns';

export interface SgdCatapultRun {
  batch: number;
  seed: number;
  eta: number;
  spikes: SpikesReport;
  testAccuracy: number;
  testLoss: number;
  finalLoss: number;
  dir: RunDirContents;
}

export interface SgdCatapultData {
  runs: SgdCatapultRun[];
  train: Dataset;
  test: Dataset;
}

/** The teacher's data: `synthetic` classes, its own held-out set. */
export function teacherData(o: SgdCatapultOptions): { train: Dataset; test: Dataset } {
  const c = loadClassification('synthetic', {
    trainSize: o.trainSize,
    testSize: o.testSize,
    classes: o.classes,
    seed: o.dataSeed,
    inputDim: o.inputDim,
  });
  return { train: c.train, test: c.test };
}

/**
 * Every seed × batch: SGD at η = etaLambda0/λ0 from the seed's θ0, the spikes found and analysed as it trains (the
 * top-k share, λ against 2/η, the AGOP alignment with the teacher's), then test accuracy and loss.
 * @example
 * const d = computeSgdCatapults(SGD_CATAPULT_DEFAULTS, { progress: () => {} }); // d.runs[0].spikes.catapults
 */
export function computeSgdCatapults(o: SgdCatapultOptions, ctx: Pick<ComputeContext<never>, 'progress'>): SgdCatapultData {
  const { train, test } = teacherData(o);
  const agopStar = syntheticAgopStar('synthetic', o.inputDim, o.dataSeed, train) ?? undefined;
  const runs: SgdCatapultRun[] = [];
  o.seeds.forEach((seed, i) => {
    const s = fcSetup(o, train, seed);
    const lambda0 = lambdaAt(s.model, s.init, s.data);
    const eta = o.etaLambda0 / lambda0;
    o.batches.forEach((batch, j) => {
      const name = `b${batch}-s${seed}`;
      const analysis = spikeAnalysis(s, { rise: o.spikeRise, top: o.spikeTop, eta, agopStar });
      const sgd = batch < train.X.shape[0] ? { batch, batchSeed: seed } : {};
      const { result, summary } = runTraining(
        s,
        {
          lr: { value: eta, unit: 'abs' },
          steps: o.steps,
          eigEvery: 0,
          stopAtConvergence: false,
          ...sgd,
          watchParams: analysis.watch,
          onStep: (r) => ctx.progress((i * o.batches.length + j + r.t / o.steps) / (o.seeds.length * o.batches.length), name),
        },
        seed,
        lambda0,
      );
      const onTest = evaluate(s.model, result.params, test);
      runs.push({
        batch,
        seed,
        eta,
        spikes: analysis.finish(result.params),
        testAccuracy: onTest.accuracy,
        testLoss: onTest.loss,
        finalLoss: result.records[result.records.length - 1].loss,
        dir: { name, result, summary, setup: s },
      });
    });
  });
  return { runs, train, test };
}
