// Spike detection on hand-made loss series, and a small SGD run on teacher data whose spikes are found and analysed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpikeTracker, detectSpikes, setup, spikeAnalysis, syntheticAgopStar, resolveRunLr, SETUP_OPTIONS } from '../../src/experiments';
import { lambdaAt, train } from '../../src/models';
import { withDefaults } from '../../src/options';

test('one spike: start at the last minimum, first peak, end back under (1 + ρ)·L_start', () => {
  assert.equal(detectSpikes([4, 2, 1, 3, 5, 1.5, 0.5]), [{ start: 2, peak: 4, end: 5, lossStart: 1, lossPeak: 5, lossEnd: 1.5 }]);
});

test('a rise to exactly (1 + ρ)·L_min is no spike; just above it is', () => {
  assert.equal(detectSpikes([1, 2, 1.5], 1), []);
  assert.equal(detectSpikes([1, 2.0000001, 1.5], 1).length, 1);
  assert.equal(detectSpikes([1, 1.4, 1], 0.5), []);
  assert.equal(detectSpikes([1, 1.6, 1], 0.5)[0].peak, 1);
});

test('two spikes: the reference restarts at the end of the first, the peak is the first of equal highs', () => {
  const s = detectSpikes([1, 0.5, 3, 3, 0.9, 0.2, 0.3, 0.1, 0.4, 0.05]);
  assert.equal(
    s.map((x) => [x.start, x.peak, x.end]),
    [
      [1, 2, 4],
      [7, 8, 9],
    ],
  );
  // 0.3 after 0.2 rises by half: below the default ρ = 1.
});

test('a spike still open when the series ends has end null; a non-finite loss is skipped', () => {
  assert.equal(detectSpikes([2, 1, 4, NaN, 8]), [{ start: 1, peak: 4, end: null, lossStart: 1, lossPeak: 8, lossEnd: null }]);
  assert.equal(detectSpikes([1, Infinity, 0.5]), []);
});

test('a spike at the first step (GD catapult from θ_0) starts at step 0', () => {
  const s = detectSpikes([1, 10, 100, 5, 1.9, 0.1]);
  assert.equal([s[0].start, s[0].peak, s[0].end], [0, 2, 4]);
});

test('the tracker keeps the caller state at start, peak and end only, and hands each spike over when it ends', () => {
  const seen: number[] = [];
  const ended: number[] = [];
  const tracker = new SpikeTracker<number>(1, (s) => ended.push(s.end!));
  [4, 2, 1, 3, 5, 1.5, 0.5].forEach((L, t) => tracker.push(t, L, () => (seen.push(t), t)));
  const [s] = tracker.finish();
  assert.equal([s.atStart, s.atPeak, s.atEnd], [2, 4, 5]);
  assert.equal(ended, [5]);
  // Snapshots at each new minimum (0, 1, 2), the peaks (3, 4), the end (5) and the new minimum after it (6).
  assert.equal(seen, [0, 1, 2, 3, 4, 5, 6]);
});

test('a rise that is not a positive finite number is refused', () => {
  for (const rise of [0, -1, NaN, Infinity]) assert.throws(() => new SpikeTracker(rise), /spike rise must be a finite number > 0/);
});

test('SGD on teacher data: the first spike is found, is a catapult in the top NTK eigenspace, and the report is complete', () => {
  const o = withDefaults(SETUP_OPTIONS, {
    model: 'mlp',
    dataset: 'synthetic',
    classes: [0, 1],
    trainSize: 32,
    testSize: 2,
    inputDim: 6,
    width: 64,
  });
  const s = setup(o);
  const eta = resolveRunLr(s, { value: 1.5, unit: 'crit' }, lambdaAt(s.model, s.init, s.data)).eta;
  const agopStar = syntheticAgopStar('synthetic', o.inputDim, o.dataSeed, s.data)!;
  const spikes = spikeAnalysis(s, { eta, top: 4, agopStar });
  const result = train(s.model, s.init, s.data, { lr: eta, batch: 8, steps: 40, watchParams: spikes.watch });
  const r = spikes.finish(result.params);
  assert.ok(r.count >= 1, `spikes found: ${r.count}`);
  const first = r.spikes[0];
  assert.ok(first.start <= 1 && first.peak > first.start && first.end !== null, JSON.stringify(first));
  assert.equal(first.loss_start, result.records[first.start].loss);
  assert.equal(first.loss_peak, result.records[first.peak].loss);
  // Under SGD the start step's batch kernel is the one the step descends: above 2/η, and the whole set's λ ends below.
  const driving = `λ ${first.lambda_start} (batch ${first.lambda_batch_start}) → ${first.lambda_end}, 2/η = ${2 / eta}`;
  assert.ok(first.lambda_batch_start! > 2 / eta && first.lambda_end! < 2 / eta && first.catapult === true, driving);
  assert.ok(first.top_k_fraction > 0.5 && first.top_k_fraction <= 1, `top-4 share ${first.top_k_fraction}`);
  assert.ok(first.top_loss[1] - first.top_loss[0] > first.rest_loss[1] - first.rest_loss[0], 'the rise is mostly in the top space');
  assert.equal(first.ntk_top.length, 4);
  assert.ok(first.ntk_top.every((v, i) => i === 0 || v <= first.ntk_top[i - 1]));
  for (const a of [r.agop_alignment_init, r.agop_alignment_final, first.agop_alignment_start, first.agop_alignment_end])
    assert.ok(a !== null && a > 0 && a <= 1, `alignment ${a}`);
  assert.equal(r.catapults, r.spikes.filter((x) => x.catapult).length);
});

test.run();
