// The SGD-catapult study's report: spikes, their top-eigenspace share, catapults, AGOP alignment and accuracy against the batch.
import * as path from 'path';
import { Report, fmt } from '../../report/report';
import type { Series } from '../../report/plot';
import { toJson, writeFileAtomic } from '../../../io/output';
import type { FigureOutput } from '../output';
import { writeRunDir } from '../runDir';
import type { SgdCatapultOptions } from './options';
import type { SgdCatapultData, SgdCatapultRun } from './sgdRuns';

/** "The residual's rise lies in the top eigenspace": the median top-k share of the spikes at least this (our reading). */
export const TOP_SHARE_TOL = 0.5;

const meanOf = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
const sdOf = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, x) => a + (x - meanOf(v)) ** 2, 0) / (v.length - 1)));

/** Per batch (ascending): the seeds' mean and sd of a quantity. */
export function byBatch(d: SgdCatapultData, o: SgdCatapultOptions, y: (r: SgdCatapultRun) => number | null) {
  return [...o.batches]
    .sort((a, b) => a - b)
    .map((batch) => {
      const v = d.runs
        .filter((r) => r.batch === batch)
        .map(y)
        .filter((x): x is number => x !== null && Number.isFinite(x));
      return { batch, mean: meanOf(v), sd: sdOf(v), n: v.length };
    });
}

const allSpikes = (d: SgdCatapultData) => d.runs.flatMap((r) => r.spikes.spikes.map((s) => ({ ...s, batch: r.batch, seed: r.seed })));
const table = (rows: ReturnType<typeof byBatch>, digits = 3) =>
  rows.map((r) => `${r.batch}: ${fmt(r.mean, digits)} ± ${fmt(r.sd, 2)}`).join(', ');
/** Non-increasing in the batch (ascending batches): "smaller batches give more/better". */
const falling = (rows: ReturnType<typeof byBatch>) => rows.every((r, i) => i === 0 || r.mean <= rows[i - 1].mean);

function checks(report: Report, d: SgdCatapultData, o: SgdCatapultOptions): void {
  const spikes = allSpikes(d);
  const closed = spikes.filter((s) => s.catapult !== null);
  const cats = closed.filter((s) => s.catapult);
  report.check({
    quantity:
      'spikes (ended within the run) that are catapults: λ of the driving kernel above 2/η at the start, the training set’s below 2/η at the end',
    paper: 'the spikes in SGD’s training loss are catapults',
    measured: `${cats.length} of ${closed.length} (${spikes.length - closed.length} still open at the end)`,
    pass: closed.length > 0 && cats.length === closed.length,
  });
  const shares = spikes.map((s) => s.top_k_fraction).sort((a, b) => a - b);
  const median = shares.length ? shares[Math.floor((shares.length - 1) / 2)] : NaN;
  report.check({
    quantity: `top-${o.spikeTop} NTK eigenspace share of the residual's change start → peak: median [min, max] over ${shares.length} spikes`,
    paper: `the catapult happens in the top eigenspace of the tangent kernel: median share ≥ ${TOP_SHARE_TOL} (our reading)`,
    measured: shares.length ? `${fmt(median, 3)} [${fmt(shares[0], 3)}, ${fmt(shares[shares.length - 1], 3)}]` : 'no spike',
    pass: shares.length > 0 && median >= TOP_SHARE_TOL,
  });
  const raised = cats.filter(
    (s) => s.agop_alignment_end !== null && s.agop_alignment_start !== null && s.agop_alignment_end > s.agop_alignment_start,
  );
  report.check({
    quantity: 'catapults after which the AGOP alignment with the teacher is higher than before',
    paper: 'each catapult raises the alignment of the AGOP with the true predictor’s',
    measured: `${raised.length} of ${cats.length}`,
    pass: cats.length > 0 && raised.length === cats.length,
  });
  for (const [what, y, paper] of [
    ['catapults per run', (r: SgdCatapultRun) => r.spikes.catapults, 'smaller batches give more catapults'],
    ['final AGOP alignment', (r: SgdCatapultRun) => r.spikes.agop_alignment_final, 'smaller batches give better AGOP alignment'],
    ['test accuracy', (r: SgdCatapultRun) => r.testAccuracy, 'smaller batches give better test performance'],
  ] as const) {
    const rows = byBatch(d, o, y);
    report.check({
      quantity: `${what} against the batch (mean ± sd over seeds)`,
      paper: `${paper} (non-increasing in the batch)`,
      measured: table(rows),
      pass: falling(rows),
    });
  }
}

async function plots(out: FigureOutput, d: SgdCatapultData, o: SgdCatapultOptions): Promise<void> {
  const seed = o.seeds[0];
  const series: Series[] = [...o.batches]
    .sort((a, b) => a - b)
    .map((batch) => {
      const r = d.runs.find((x) => x.batch === batch && x.seed === seed)!;
      return {
        name: `batch ${batch} (${r.spikes.catapults} catapults)`,
        x: r.dir.result.records.map((x) => x.t),
        y: r.dir.result.records.map((x) => x.loss),
      };
    });
  await out.plot(
    'sgd_loss',
    { kind: 'line', title: `training loss under SGD, seed ${seed}`, xLabel: 'step t', yLabel: 'training-set loss', yLog: true, series },
    'The whole training set’s loss per step; spikes are rises above 3× the last minimum (spikes.json per run).',
  );
  const against = (y: (r: SgdCatapultRun) => number | null, name: string): Series[] => {
    const rows = byBatch(d, o, y);
    return [{ name, x: rows.map((r) => r.batch), y: rows.map((r) => r.mean), points: true }];
  };
  await out.plot(
    'sgd_batch',
    {
      kind: 'line',
      title: 'against the batch size (mean over seeds)',
      xLabel: 'batch',
      yLabel: 'value',
      xLog: true,
      series: [
        ...against((r) => r.spikes.agop_alignment_final, 'final AGOP alignment'),
        ...against((r) => r.testAccuracy, 'test accuracy'),
      ],
    },
    'Final AGOP alignment with the teacher and test accuracy against the batch size.',
  );
}

/**
 * The checks, tables (runs, spikes), plots and a run directory per run with its spikes.json.
 * @example
 * await reportSgdCatapults(d, o, out);
 */
export async function reportSgdCatapults(d: SgdCatapultData, o: SgdCatapultOptions, out: FigureOutput): Promise<void> {
  checks(out.report, d, o);
  out.report.text(
    `A ${o.act} net of ${o.depth} hidden layer(s) of width ${o.width} (NTK parameterization, no biases), MSE on ${d.train.source}; test ${d.test.source}. ` +
      `SGD at η·λ0 = ${o.etaLambda0} for ${o.steps} steps, batches ${o.batches.join(', ')} (${d.train.X.shape[0]} is full-batch GD), seeds ${o.seeds.join(', ')}. ` +
      `Spikes: the training-set loss above ${1 + o.spikeRise}× its last minimum; definitions in docs/spikes.md (the paper's body could not be read: they are this project's).`,
  );
  const cols = [
    'batch',
    'seed',
    'eta',
    'spikes',
    'catapults',
    'agop_alignment_init',
    'agop_alignment_final',
    'final_loss',
    'test_loss',
    'test_accuracy',
  ];
  const rows = d.runs.map((r) => ({
    batch: r.batch,
    seed: r.seed,
    eta: r.eta,
    spikes: r.spikes.count,
    catapults: r.spikes.catapults,
    agop_alignment_init: r.spikes.agop_alignment_init,
    agop_alignment_final: r.spikes.agop_alignment_final,
    final_loss: r.finalLoss,
    test_loss: r.testLoss,
    test_accuracy: r.testAccuracy,
  }));
  out.table('runs', cols, rows, { options: o });
  for (const r of d.runs) {
    writeRunDir(out, r.dir);
    writeFileAtomic(path.join(out.dir, 'runs', r.dir.name, 'spikes.json'), toJson(r.spikes));
    out.written.push(`runs/${r.dir.name}/spikes.json`);
  }
  await plots(out, d, o);
}
