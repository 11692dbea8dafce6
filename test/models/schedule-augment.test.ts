// The learning-rate decay schedule (--decay-at, --final-lr, --final-steps) and the image augmentations (flip, crop, mixup).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RandomState } from '../../src/random/randomState';
import { tensor } from '../../src/linalg/tensor';
import { augmentBatch, betaDraw, gaussianData, parseAugment } from '../../src/data';
import { initParams, makeModel, schedule, train } from '../../src/models';
import { rejects } from '../util';

test('schedule: ⌈τ/η⌉ steps at η (30/0.1 = 299.99… is 300), then the final rate; physical time adds up', () => {
  const s = schedule({ lr: 0.1, decayAt: 30, finalLr: 0.01, finalSteps: 100 });
  assert.is(s.steps, 400);
  assert.equal([s.lrAt(0), s.lrAt(299), s.lrAt(300), s.lrAt(399)], [0.1, 0.1, 0.01, 0.01]);
  assert.is(s.timeAt(300), 300 * 0.1);
  assert.is(s.timeAt(400), 300 * 0.1 + 100 * 0.01);
  assert.is(schedule({ lr: 0.7, decayAt: 2, finalLr: 0.1 }).steps, 3);
  assert.is(schedule({ lr: 0.5, steps: 7 }).steps, 7);
  rejects(() => schedule({ lr: 0.5, decayAt: 3 }), /--decay-at needs --final-lr/);
});

test('a decayed run equals a run at η followed by a run at η_f from its parameters, bit for bit', () => {
  const model = makeModel({
    kind: 'cnn',
    arch: 'conv:3,relu,maxpool:2,flatten,dense:2',
    inputShape: [1, 6, 6],
    inputDim: 36,
    param: 'ntk',
    sigmaW: 1.4,
    sigmaB: 0.1,
    width: 1,
    depth: 1,
    act: 'relu',
    outputs: 2,
  });
  const data = gaussianData(5, 36, 2, 1),
    init = initParams(model, 2);
  const decayed = train(model, init, data, { lr: 0.3, decayAt: 0.9, finalLr: 0.05, finalSteps: 4, measureLambda: false });
  const first = train(model, init, data, { lr: 0.3, steps: 3, measureLambda: false });
  const second = train(model, first.params, data, { lr: 0.05, steps: 4, measureLambda: false });
  assert.is(decayed.records.length, 8);
  decayed.params.forEach((p, i) => assert.equal(Array.from(p.data), Array.from(second.params[i].data), `parameter ${i}`));
  assert.equal(
    decayed.records.map((r) => r.time),
    [0, 1, 2, 3, 4, 5, 6, 7].map((t) => (t <= 3 ? t * 0.3 : 3 * 0.3 + (t - 3) * 0.05)),
  );
});

/** m images (1, H, W) with distinct pixel values v = 1 + image·100 + index. */
function images(m: number, H: number, W: number) {
  const X = tensor(
    [m, H * W],
    Float64Array.from({ length: m * H * W }, (_, i) => 1 + Math.floor(i / (H * W)) * 100 + (i % (H * W))),
  );
  const Y = tensor(
    [m, 2],
    Float64Array.from({ length: 2 * m }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)),
  );
  return { X, Y, source: 'test images' };
}

test('flip: every image is itself or its mirror, both occur, and the draws depend on (seed, step) only', () => {
  const b = images(16, 3, 4),
    a = parseAugment('flip');
  const out = augmentBatch(b, [1, 3, 4], a, 5, 2);
  let flipped = 0;
  for (let i = 0; i < 16; i++)
    for (let h = 0; h < 3; h++) {
      const row = Array.from(out.X.data.subarray(i * 12 + h * 4, i * 12 + h * 4 + 4));
      const src = Array.from(b.X.data.subarray(i * 12 + h * 4, i * 12 + h * 4 + 4));
      const mirrored = row.join() === [...src].reverse().join();
      assert.ok(mirrored || row.join() === src.join(), `image ${i} row ${h}`);
      if (mirrored && h === 0) flipped++;
    }
  assert.ok(flipped > 0 && flipped < 16, `${flipped} of 16 flipped`);
  assert.equal(Array.from(augmentBatch(b, [1, 3, 4], a, 5, 2).X.data), Array.from(out.X.data));
  assert.not.equal(Array.from(augmentBatch(b, [1, 3, 4], a, 5, 3).X.data), Array.from(out.X.data));
  assert.equal(Array.from(out.Y.data), Array.from(b.Y.data));
});

test('crop:P: each image is a shift by (dy, dx) ∈ [−P, P]² of the original with zeros coming in', () => {
  const b = images(12, 5, 5),
    out = augmentBatch(b, [1, 5, 5], parseAugment('crop:2'), 0, 0);
  for (let i = 0; i < 12; i++) {
    const img = out.X.data.subarray(i * 25, (i + 1) * 25);
    const shifts = [];
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        const ok = [...img].every((v, p) => {
          const [h, w] = [Math.floor(p / 5) + dy, (p % 5) + dx];
          return v === (h >= 0 && h < 5 && w >= 0 && w < 5 ? b.X.data[i * 25 + h * 5 + w] : 0);
        });
        if (ok) shifts.push([dy, dx]);
      }
    assert.is(shifts.length, 1, `image ${i}: ${shifts.length} matching shifts`);
  }
});

test('mixup: x and y rows are the same convex combination of a row and its partner; Beta(2, 2) has mean ½', () => {
  const b = images(6, 2, 2),
    out = augmentBatch(b, [1, 2, 2], parseAugment('mixup:0.4'), 3, 1);
  for (let i = 0; i < 6; i++) {
    const ys = out.Y.data.subarray(2 * i, 2 * i + 2);
    assert.ok(Math.abs(ys[0] + ys[1] - 1) < 1e-15, `row ${i} targets sum to 1`);
  }
  const rs = new RandomState(0);
  const draws = Array.from({ length: 4000 }, () => betaDraw(rs, 2));
  const mean = draws.reduce((a, c) => a + c, 0) / draws.length;
  // Var Beta(2, 2) = 1/20: the mean of 4000 draws has std 0.0035; 0.015 is over four of those.
  assert.ok(Math.abs(mean - 0.5) < 0.015, `mean ${mean}`);
  assert.ok(draws.every((d) => d > 0 && d < 1));
});

test('--augment: bad items are one-line errors', () => {
  for (const bad of ['flip:1', 'crop', 'crop:0', 'crop:2.5', 'mixup:-1', 'mixup:x', 'rotate', 'flip,,crop:2'])
    rejects(() => parseAugment(bad), /--augment takes flip, crop:P/);
  assert.equal(parseAugment('flip,crop:4,mixup:0.2'), { flip: true, crop: 4, mixup: 0.2 });
});

test.run();
