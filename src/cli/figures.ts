// `catapult figure ID` and `catapult reproduce`: the paper's experiments, with reports, data and plots.
import * as path from 'path';
import { figures, reproduce, runFigure } from '../experiments';
import { int, parsed, seed, text } from '../options';
import { defineCommand } from './command';
import { full, only, out, quiet, widths } from './options';
import { progress } from './progress';

/** Every experiment id, for messages. */
export const ALL_IDS = Object.values(figures.SUITES)
  .flatMap((s) => s.map((f) => f.id))
  .join(', ');

const figureData = text({
  flag: 'dataset',
  arg: 'fashion-mnist|mnist|mnist:DIR|cifar10:DIR|npz:FILE',
  help: 'the images of the figures that train on them',
  defaultText: `mnist for ${figures.FIGURE_TABLE.filter((f) => (f.defaults as { dataset?: string }).dataset === 'mnist')
    .map((f) => f.id)
    .join(', ')}, the paper's MNIST figures; ${figures.FIGURE_DATASET} for the others`,
});
const figureSeed = seed({ flag: 'seed', help: 'seed of the initializations (and data where the figure draws them)', default: 0 });
const suite = parsed({
  flag: 'suite',
  arg: Object.keys(figures.SUITES).join('|'),
  help: 'which experiments',
  default: 'linear' as figures.Suite,
  parse: (t) => {
    if (!(t in figures.SUITES)) throw new Error(`--suite must be one of ${Object.keys(figures.SUITES).join('|')}, got '${t}'`);
    return t as figures.Suite;
  },
});

function verdictLine(r: figures.FigureResult): string {
  const ok = r.checks.filter((c) => c.pass).length;
  return (
    `${r.id}: ${ok}/${r.checks.length} checks agree with the paper (${r.seconds.toFixed(1)} s)` +
    r.checks
      .filter((c) => !c.pass)
      .map((c) => `\n  departs: ${c.quantity}: paper ${c.paper}; measured ${c.measured}`)
      .join('')
  );
}

export const figure = defineCommand({
  name: 'figure',
  summary: `one experiment (${ALL_IDS}): data, SVG/PNG plots, report.md in --out`,
  positionals: { usage: '<id>', min: 1, max: 1, missing: `figure needs an id (${ALL_IDS})` },
  options: {
    out: text({ flag: 'out', arg: 'DIR', help: 'output directory', defaultText: 'out/<id>' }),
    seed: figureSeed,
    width: int({ flag: 'width', arg: 'N', help: "overrides the figure's default width", min: 1 }),
    widths: widths('the widths of a width-sweeping figure (haas, figS13c)'),
    full,
    quiet,
    dataset: figureData,
  },
  async run(o, { positionals: [id] }) {
    const fig = figures.figureById(id);
    const dir = o.out ?? `out/${id}`;
    const bar = progress(id, 1000, o.quiet);
    const r = await runFigure(fig, dir, o.seed, o.width, (f, note) => bar.update(Math.round(1000 * f), note), o.full, o.widths, o.dataset);
    bar.finish();
    console.log(verdictLine(r));
    console.log(`wrote ${path.join(dir, 'report.md')} and ${r.files.length + r.plots.length - 1} data and plot files`);
  },
});

export const reproduceCommand = defineCommand({
  name: 'reproduce',
  summary: 'every experiment into --out/<id>/, with --out/index.md linking all reports and plots (npm start)',
  options: { out: out('output directory', 'out'), seed: figureSeed, suite, only, full, quiet, dataset: figureData },
  async run(o) {
    o.only?.forEach((id) => figures.figureById(id)); // unknown ids fail before anything runs
    const bar = progress('reproduce', 1000, o.quiet);
    bar.update(0);
    const started = Date.now();
    const results = await reproduce({
      out: o.out,
      seed: o.seed,
      ids: o.only,
      suite: o.suite,
      full: o.full,
      dataset: o.dataset,
      onProgress: (f, note) => bar.update(Math.round(1000 * f), note),
    });
    bar.finish();
    for (const r of results) console.log(verdictLine(r));
    console.log(`reproduce took ${((Date.now() - started) / 1000).toFixed(1)} s; open ${path.join(o.out, 'index.md')}`);
  },
});
