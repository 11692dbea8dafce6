// `catapult sweep` (parallel, resumable, shardable), `catapult merge` of shards, and `catapult plot` of the phase diagram.
import * as os from 'os';
import * as path from 'path';
import {
  DEFAULT_WIDTH,
  SETUP_OPTIONS,
  SWEEP_TRAIN_OPTIONS,
  SweepConfig,
  checkSetupFlags,
  formatLr,
  gridOptionsProblem,
  gridPoints,
  mergeSweeps,
  parseLrGrid,
  plotSweep,
  runKey,
  runSweep,
} from '../experiments';
import { omit, pickValues } from '../options';
import { defineCommand } from './command';
import { batches, lrGrid, optimizers, out, quiet, seeds, shard, widths, workers } from './options';
import { Progress, progress } from './progress';

/** The setup options a sweep reads: width and seed come from its grid, and it draws every initialization. */
const SWEEP_SETUP = omit(SETUP_OPTIONS, 'init');

export const sweep = defineCommand({
  name: 'sweep',
  summary: 'widths × seeds (× batches × optimizers) × learning rates on worker threads into --out/results.jsonl (resumable, --shard i/N)',
  options: {
    ...SWEEP_SETUP,
    ...SWEEP_TRAIN_OPTIONS,
    lrs: lrGrid,
    widths: widths('widths of the grid', `--width, or ${DEFAULT_WIDTH}`),
    seeds,
    batches,
    optimizers,
    workers,
    shard,
    out: out('the sweep directory (rerun to resume)', 'out/sweep'),
    quiet,
  },
  notes:
    'Grid order: widths × seeds × batches × optimizers × lrs. In a grid of several optimizers, --momentum goes to its gd points\n' +
    'and --beta1/--beta2/--eps/--weight-decay to its adam/adamw points; each is refused when no point uses it.',
  refuses: {
    init: 'a sweep draws each initialization from --seeds; --init is not supported',
    'eig-every': 'a sweep reads λ at t = 0, at t·η = --time and at the end; --eig-every does not apply',
    track: "sweeps record λ (the NTK's) only; the Hessian's is `train --track hessian`",
  },
  async run(o, ctx) {
    for (const [one, many] of [
      ['width', 'widths'],
      ['seed', 'seeds'],
      ['batch', 'batches'],
      ['optimizer', 'optimizers'],
    ]) {
      if (ctx.given.has(one) && ctx.given.has(many)) throw new Error(`--${one} and --${many} both set the grid; use --${many}`);
    }
    checkSetupFlags(ctx.given, o.dataset);
    const lrs = parseLrGrid(o.lrs).map(formatLr);
    if (new Set(lrs).size !== lrs.length) throw new Error(`--lrs has duplicate learning rates`);
    if (o.steps < 1) throw new Error('--steps must be an integer ≥ 1');
    const cores = os.availableParallelism();
    if (o.workers > cores)
      throw new Error(
        `--workers ${o.workers}: this machine has ${cores} cores, and each worker computes on one (at most --workers ${cores})`,
      );
    const { width: _w, seed: _s, ...setupValues } = pickValues(SWEEP_SETUP, o);
    const config: SweepConfig = {
      setup: setupValues,
      // batches and optimizers only when given: a sweep without them writes the sweep.json it always wrote.
      grid: {
        widths: o.widths ?? [o.width ?? DEFAULT_WIDTH],
        seeds: o.seeds ?? [o.seed],
        ...(o.batches && { batches: o.batches }),
        ...(o.optimizers && { optimizers: o.optimizers }),
        lrs,
      },
      train: pickValues(SWEEP_TRAIN_OPTIONS, o),
    };
    // What the flags say (--momentum 0 on an Adam-only grid is refused too, as train refuses it with --optimizer adam).
    const problem = gridOptionsProblem(config, (k) => ctx.given.has(SWEEP_TRAIN_OPTIONS[k].flag));
    if (problem !== null) throw new Error(problem);
    // The total is known after the resume scan, which is the first progress call.
    let bar: Progress | undefined;
    const { shard: part, workers: n } = o;
    const r = await runSweep({
      config,
      out: o.out,
      workers: n,
      shard: part,
      onProgress: (done, total, last) => {
        bar ??= progress(part ? `sweep ${part.index}/${part.count}` : 'sweep', total, o.quiet);
        bar.update(
          done,
          last
            ? `${runKey(last)}: ${last.phase}${last.diverged_at !== null ? ` at step ${last.diverged_at}` : ''}`
            : done > 0
              ? `${done} already done`
              : 'starting',
        );
      },
    });
    bar?.finish();
    console.log(
      `sweep: ${r.results.length} runs${part ? ` (shard ${part.index}/${part.count} of ${gridPoints(config).length})` : ''}; ` +
        `${r.ran} ran now in ${r.seconds.toFixed(1)} s on ${n} worker${n > 1 ? 's' : ''}, ${r.resumed} were already done`,
    );
    console.log(`wrote ${r.file}; \`catapult plot ${o.out}\` draws the phase diagram`);
  },
});

/** merge's exit status when the merged grid lacks runs (as `check`'s when a golden file is not reproduced). */
const MERGE_INCOMPLETE = 1;

export const merge = defineCommand({
  name: 'merge',
  summary: 'combine sweep shards: catapult merge DIR... --out DIR',
  positionals: {
    usage: '<dir...>',
    min: 1,
    max: Infinity,
    missing: 'merge needs the sweep directories to combine (catapult merge DIR... --out DIR)',
  },
  options: { out: out('the merged sweep directory', 'out/merged') },
  notes:
    `Exits ${MERGE_INCOMPLETE} when runs are missing (it still writes the runs it has), so that \`merge … && catapult plot\`\n` +
    'stops there instead of plotting part of the grid.',
  run(o, { positionals }) {
    const s = mergeSweeps(positionals, o.out);
    console.log(
      `merged ${positionals.length} director${positionals.length > 1 ? 'ies' : 'y'}: ${s.present} of ${s.total} runs` +
        `${s.duplicates > 0 ? `, ${s.duplicates} identical duplicates dropped` : ''}; wrote ${s.file}`,
    );
    if (s.torn > 0) console.log(`note: ${s.torn} input(s) end in a torn line (a killed shard); rerun those shards to finish them`);
    if (s.present === s.total) return 0;
    // Not an error in the input (exit 2): the merge is written, and what it lacks is runs the shards have not finished.
    process.stderr.write(`catapult: merge: ${s.total - s.present} runs missing; rerun the unfinished shards, then merge again\n`);
    return MERGE_INCOMPLETE;
  },
});

export const plot = defineCommand({
  name: 'plot',
  summary: 'phase diagram of a sweep: catapult plot DIR (writes DIR/phase_diagram.svg, .png, .csv; one per batch, optimizer)',
  positionals: { usage: '<dir>', min: 1, max: 1, missing: 'plot needs one sweep directory (catapult plot DIR)' },
  options: {},
  async run(_o, { positionals }) {
    const r = await plotSweep(positionals[0]);
    for (const d of r.diagrams)
      console.log(
        `phase diagram of ${d.runs} runs${d.label ? ` (${d.label})` : ''}: wrote ${d.svg}${d.png ? `, ${path.basename(d.png)}` : ''} and ${path.basename(d.csv)}`,
      );
  },
});
