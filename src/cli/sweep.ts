// `catapult sweep` (parallel, resumable, shardable), `catapult merge` of shards, and `catapult plot` of the phase diagram.
import * as os from 'os';
import * as path from 'path';
import {
  SETUP_OPTIONS,
  SWEEP_TRAIN_OPTIONS,
  SweepConfig,
  checkSetupFlags,
  formatLr,
  mergeSweeps,
  parseLrGrid,
  plotSweep,
  runSweep,
} from '../experiments';
import { omit, pickValues } from '../options';
import { defineCommand } from './command';
import { lrGrid, out, quiet, seeds, shard, widths, workers } from './options';
import { Progress, progress } from './progress';

/** The setup options a sweep reads: width and seed come from its grid, and it draws every initialization. */
const SWEEP_SETUP = omit(SETUP_OPTIONS, 'init');

export const sweep = defineCommand({
  name: 'sweep',
  summary: 'widths × seeds × learning rates on worker threads into --out/results.jsonl (resumable, --shard i/N)',
  options: {
    ...SWEEP_SETUP,
    ...SWEEP_TRAIN_OPTIONS,
    lrs: lrGrid,
    widths: widths('widths of the grid (default --width, or 1000)'),
    seeds,
    workers,
    shard,
    out: out('the sweep directory (rerun to resume)', 'out/sweep'),
    quiet,
  },
  refuses: {
    init: 'a sweep draws each initialization from --seeds; --init is not supported',
    'eig-every': 'a sweep reads λ at t = 0, at t·η = --time and at the end; --eig-every does not apply',
    track: "sweeps record λ (the NTK's) only; the Hessian's is `train --track hessian`",
  },
  async run(o, ctx) {
    for (const [one, many] of [
      ['width', 'widths'],
      ['seed', 'seeds'],
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
      grid: { widths: o.widths ?? [o.width ?? 1000], seeds: o.seeds ?? [o.seed], lrs },
      train: pickValues(SWEEP_TRAIN_OPTIONS, o),
    };
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
            ? `width ${last.width} seed ${last.seed} lr ${last.lr}: ${last.phase}${last.diverged_at !== null ? ` at step ${last.diverged_at}` : ''}`
            : done > 0
              ? `${done} already done`
              : 'starting',
        );
      },
    });
    bar?.finish();
    console.log(
      `sweep: ${r.results.length} runs${part ? ` (shard ${part.index}/${part.count} of ${config.grid.widths.length * config.grid.seeds.length * lrs.length})` : ''}; ` +
        `${r.ran} ran now in ${r.seconds.toFixed(1)} s on ${n} worker${n > 1 ? 's' : ''}, ${r.resumed} were already done`,
    );
    console.log(`wrote ${r.file}; \`catapult plot ${o.out}\` draws the phase diagram`);
  },
});

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
  run(o, { positionals }) {
    const s = mergeSweeps(positionals, o.out);
    console.log(
      `merged ${positionals.length} director${positionals.length > 1 ? 'ies' : 'y'}: ${s.present} of ${s.total} runs` +
        `${s.duplicates > 0 ? `, ${s.duplicates} identical duplicates dropped` : ''}; wrote ${s.file}`,
    );
    if (s.torn > 0) console.log(`note: ${s.torn} input(s) end in a torn line (a killed shard); rerun those shards to finish them`);
    if (s.present < s.total) console.log(`note: ${s.total - s.present} runs are missing; rerun the unfinished shards, then merge again`);
  },
});

export const plot = defineCommand({
  name: 'plot',
  summary: 'phase diagram of a sweep: catapult plot DIR (writes DIR/phase_diagram.svg, .png, .csv)',
  positionals: { usage: '<dir>', min: 1, max: 1, missing: 'plot needs one sweep directory (catapult plot DIR)' },
  options: {},
  async run(_o, { positionals }) {
    const r = await plotSweep(positionals[0]);
    console.log(`phase diagram of ${r.runs} runs: wrote ${r.svg}${r.png ? `, ${path.basename(r.png)}` : ''} and ${path.basename(r.csv)}`);
  },
});
