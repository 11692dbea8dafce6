// The phase diagram's shading as data: the majority phase of each width's seeds, per width, with its labels kept apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LinePlot, renderSvg, toVegaLite } from '../../src/experiments/report/plot';
import { SweepHeader, SweepResult, phaseDiagramPlot, phaseDiagramPoints, phaseRegions } from '../../src/experiments';

type Json = { [key: string]: unknown };
type Layer = { data?: { values: Json[] }; mark: Json; encoding: Json };

const header = { config: { setup: { model: 'mlp' }, train: { time: 25 } } } as unknown as SweepHeader;
const ETAS = [1, 2.5, 3.5, 4.5, 5, 5.5];

/** One run at η·λ0 = x (λ0 = 1), in the given phase. */
function run(width: number, seed: number, x: number, phase: 'lazy' | 'catapult' | 'divergent'): SweepResult {
  const diverged = phase === 'divergent';
  return {
    index: 0,
    width,
    seed,
    lr: `${x / 2}x`,
    lr_reference: 'ntk',
    lambda0: 1,
    eta: x,
    eta_lambda0: x,
    T: 25,
    lambda_T: diverged ? null : phase === 'lazy' ? 1 : 0.5,
    phase,
    loss0: 1,
    peak_loss: diverged ? 1e300 : 2,
    final_loss: diverged ? null : 1e-9,
    final_lambda: diverged ? null : 0.5,
    converged_at: diverged ? null : 100,
    diverged_at: diverged ? 3 : null,
    diverged_reason: diverged ? 'loss' : null,
    steps_run: 100,
  };
}

/**
 * The case: every width-256 run converges through a catapult up to η·λ0 = 5 and diverges at 5.5; at width 64
 * one seed of three diverges at 4.5 (the others catapult), and all diverge from 5 on.
 */
function results(): SweepResult[] {
  const phase = (width: number, seed: number, x: number) => {
    if (x < 2) return 'lazy';
    const divergesFrom = width === 256 ? 5.5 : seed === 0 ? 4.5 : 5;
    return x >= divergesFrom ? 'divergent' : 'catapult';
  };
  return [64, 256].flatMap((w) => [0, 1, 2].flatMap((s) => ETAS.map((x) => run(w, s, x, phase(w, s, x)))));
}

/** The phases shaded at η·λ0 = x for a width: full-height bands shade every width, a width's lane only its own. */
function shadedAt(plot: LinePlot, width: number, x: number): string[] {
  const lane = (plot.lanes ?? []).find((l) => l.label === `width ${width}`);
  return [...(plot.bands ?? []), ...(lane?.bands ?? [])].filter((b) => b.from <= x && x <= b.to).map((b) => b.label);
}

test('phaseRegions: per width, where most seeds went through a catapult or diverged, edges halfway between rates', () => {
  assert.equal(phaseRegions(phaseDiagramPoints(results())), [
    { width: 64, phase: 'catapult', from: 1.75, to: 4.75 },
    { width: 64, phase: 'diverged', from: 4.75, to: 5.5 },
    { width: 256, phase: 'catapult', from: 1.75, to: 5.25 },
    { width: 256, phase: 'diverged', from: 5.25, to: 5.5 },
  ]);
  // A tie (one seed of two) is no majority: not shaded.
  const tie = [run(64, 0, 3, 'catapult'), run(64, 1, 3, 'divergent'), run(64, 0, 4, 'divergent'), run(64, 1, 4, 'divergent')];
  assert.equal(phaseRegions(phaseDiagramPoints(tie)), [{ width: 64, phase: 'diverged', from: 3.5, to: 4 }]);
});

test('the diagram shades each width by its own majority: no "diverged" where every width-256 run went through a catapult', () => {
  const plot = phaseDiagramPlot(header, '', results());
  for (const x of [4.5, 5]) assert.equal(shadedAt(plot, 256, x), ['catapult'], `width 256 at η·λ0 = ${x}`);
  assert.equal(shadedAt(plot, 256, 5.5), ['diverged']);
  assert.equal(shadedAt(plot, 64, 4.5), ['catapult'], 'one seed of three diverged at width 64: not the majority');
  assert.equal(shadedAt(plot, 64, 5), ['diverged']);
  assert.equal(shadedAt(plot, 64, 1), [], 'lazy');
});

test('labels apart: the shading and its labels lie in strips above the data, the η_crit/η_max labels below them', () => {
  const plot = phaseDiagramPlot(header, '', results());
  const layers = (toVegaLite(plot) as { layer: Layer[] }).layer;
  const texts = layers.filter((l) => l.mark.type === 'text');
  const y = (l: Layer) => (l.encoding.y as { value: number }).value;
  const laneTexts = texts.filter((l) =>
    l.data?.values.some((v) => ['catapult', 'diverged', 'width 64', 'width 256'].includes(v.label as string)),
  );
  const ruleTexts = texts.filter((l) => l.data?.values.some((v) => /η_max|η_crit/.test(v.label as string)));
  assert.ok(laneTexts.length > 0 && ruleTexts.length > 0, 'both kinds of label are drawn');
  const strips = layers.filter((l) => l.mark.type === 'rect' && l.encoding.y2 !== undefined);
  assert.ok(strips.length > 0, 'the shading is drawn as strips');
  const stripsEnd = Math.max(...strips.map((l) => (l.encoding.y2 as { value: number }).value));
  for (const l of laneTexts) assert.ok(y(l) < stripsEnd, `a strip label at y = ${y(l)} px, below the strips (end ${stripsEnd} px)`);
  for (const l of ruleTexts) {
    assert.ok(y(l) >= stripsEnd, `a rule label at y = ${y(l)} px, inside the strips (to ${stripsEnd} px)`);
    // Rotated a quarter turn and anchored at its end: it runs down from its anchor, away from the strips.
    assert.equal([l.mark.angle, l.mark.align], [270, 'right']);
  }
  // The data never reaches the strips: the y scale's range ends below them.
  const scale = (layers.find((l) => l.mark.type === 'point')!.encoding.y as { scale: { range: number[] } }).scale;
  assert.ok(Math.min(...scale.range) >= stripsEnd, `y range ${scale.range}`);
});

test('the strips render: each width named beside its strip, each shaded interval labelled inside it', async () => {
  const svg = await renderSvg(phaseDiagramPlot(header, '', results()));
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const t of ['width 64', 'width 256', 'catapult', 'diverged', 'η_max = 4/λ0 (linear models)']) assert.ok(texts.includes(t), t);
});

test.run();
