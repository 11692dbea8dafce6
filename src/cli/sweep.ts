// `catapult sweep` (parallel, resumable, shardable), `catapult merge` of shards, and `catapult plot` of the phase diagram.
import * as path from 'path';
import { SweepConfig, formatLr, mergeSweeps, parseLrGrid, plotSweep, runSweep } from '../experiments';
import { MODEL_OPTIONS, TRAIN_OPTIONS, int, intList, num, parse, parseWithPositionals, setupOptions, shardOption, text, trainOptions } from './args';
import { Progress, progress } from './progress';

export const SWEEP_USAGE = `sweep options: [model options] --lrs a:b:step|a,b,c (e.g. 0.5x:4.5x:0.05x) --widths N,N,... --seeds S,S,...
  --steps T (budget per run, default 1000) --time τ (λ read at t·η = τ, default 25) --workers N (default 1)
  --shard i/N (the i-th of N slices, 0 ≤ i < N) --out DIR (rerun to resume) --quiet
merge: catapult merge DIR... --out DIR (default out/merged)
plot:  catapult plot DIR (writes DIR/phase_diagram.svg, .png, .csv)`;

/** catapult sweep: the grid widths × seeds × lrs on worker threads, into DIR/results.jsonl. */
export async function sweep(argv: string[]): Promise<void> {
  const o = parse(argv, {
    ...MODEL_OPTIONS, ...TRAIN_OPTIONS, lrs: { type: 'string' }, widths: { type: 'string' }, seeds: { type: 'string' }, time: { type: 'string' },
    workers: { type: 'string' }, shard: { type: 'string' }, quiet: { type: 'boolean' },
  });
  if (o.help) return void console.log(SWEEP_USAGE);
  for (const [one, many] of [['width', 'widths'], ['seed', 'seeds']]) {
    if (o[one] !== undefined && o[many] !== undefined) throw new Error(`--${one} and --${many} both set the grid; use --${many}`);
  }
  if (o.init !== undefined) throw new Error('a sweep draws each initialization from --seeds; --init is not supported');
  if (o['eig-every'] !== undefined) throw new Error('a sweep reads λ at t = 0, at t·η = --time and at the end; --eig-every does not apply');
  const { width, seed, init: _init, ...rest } = setupOptions(o);
  const lrs = parseLrGrid(text(o, 'lrs', '0.25x:2.25x:0.05x')!).map(formatLr);
  if (new Set(lrs).size !== lrs.length) throw new Error(`--lrs has duplicate learning rates`);
  const t = trainOptions(o, { steps: 1000, eigEvery: 0 });
  const config: SweepConfig = {
    setup: rest,
    grid: { widths: intList(o, 'widths', 1) ?? [width ?? 1000], seeds: intList(o, 'seeds', 0, 0xffffffff) ?? [seed], lrs },
    train: { steps: t.steps, momentum: t.momentum, l2: t.l2, maxLoss: t.maxLoss, convergeFraction: t.convergeFraction, time: num(o, 'time', 25, 0, false) },
  };
  if (config.train.steps < 1) throw new Error('--steps must be an integer ≥ 1');
  const workers = int(o, 'workers', 1, 1);
  const shard = shardOption(o);
  const out = text(o, 'out', 'out/sweep')!;
  // The total is known after the resume scan, which is the first progress call.
  let bar: Progress | undefined;
  const r = await runSweep({
    config, out, workers, shard,
    onProgress: (done, n, last) => {
      bar ??= progress(shard ? `sweep ${shard.index}/${shard.count}` : 'sweep', n, o.quiet === true);
      bar.update(done, last ? `width ${last.width} seed ${last.seed} lr ${last.lr}: ${last.phase}${last.diverged_at !== null ? ` at step ${last.diverged_at}` : ''}` : done > 0 ? `${done} already done` : 'starting');
    },
  });
  bar?.finish();
  console.log(`sweep: ${r.results.length} runs${shard ? ` (shard ${shard.index}/${shard.count} of ${config.grid.widths.length * config.grid.seeds.length * lrs.length})` : ''}; `
    + `${r.ran} ran now in ${r.seconds.toFixed(1)} s on ${workers} worker${workers > 1 ? 's' : ''}, ${r.resumed} were already done`);
  console.log(`wrote ${r.file}; \`catapult plot ${out}\` draws the phase diagram`);
}

/** catapult merge DIR... --out DIR: shards of one sweep into one directory. */
export function merge(argv: string[]): void {
  const { options: o, positionals } = parseWithPositionals(argv, { out: { type: 'string' } });
  if (o.help) return void console.log(SWEEP_USAGE);
  if (positionals.length === 0) throw new Error('merge needs the sweep directories to combine (catapult merge DIR... --out DIR)');
  const out = text(o, 'out', 'out/merged')!;
  const s = mergeSweeps(positionals, out);
  console.log(`merged ${positionals.length} director${positionals.length > 1 ? 'ies' : 'y'}: ${s.present} of ${s.total} runs`
    + `${s.duplicates > 0 ? `, ${s.duplicates} identical duplicates dropped` : ''}; wrote ${s.file}`);
  if (s.torn > 0) console.log(`note: ${s.torn} input(s) end in a torn line (a killed shard); rerun those shards to finish them`);
  if (s.present < s.total) console.log(`note: ${s.total - s.present} runs are missing; rerun the unfinished shards, then merge again`);
}

/** catapult plot DIR: the phase diagram of a sweep. */
export async function plot(argv: string[]): Promise<void> {
  const { options: o, positionals } = parseWithPositionals(argv, {});
  if (o.help) return void console.log(SWEEP_USAGE);
  if (positionals.length !== 1) throw new Error('plot needs one sweep directory (catapult plot DIR)');
  const r = await plotSweep(positionals[0]);
  console.log(`phase diagram of ${r.runs} runs: wrote ${r.svg}${r.png ? `, ${path.basename(r.png)}` : ''} and ${path.basename(r.csv)}`);
}
