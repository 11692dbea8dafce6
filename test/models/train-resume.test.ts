// A run stopped at a checkpoint and resumed from its state is bitwise the run that never stopped: flows, GD with momentum, Adam, SGD.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gaussianData } from '../../src/data';
import { CatapultInputError } from '../../src/options';
import { TrainOptions, TrainResult, TrainState, initParams, makeModel, train } from '../../src/models';

// A small tanh net at the edge of stability: η = 0.5 puts 2/η = 4 where the sharpness gets to within a few steps.
const net = makeModel({
  kind: 'mlp',
  width: 8,
  depth: 2,
  act: 'tanh',
  param: 'standard',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  outputs: 1,
  inputDim: 3,
  loss: 'mse',
});
const data = gaussianData(12, 3, 1, 0);
const init = initParams(net, 0);

/** Stands for a kill right after a checkpoint was written: the run goes no further. */
class Interrupted extends Error {}

/** The run once uninterrupted, and once stopped right after its checkpoint at `at` and resumed from that state. */
function interruptAndResume(o: TrainOptions, every: number, at: number): { whole: TrainResult; resumed: TrainResult; state: TrainState } {
  const whole = train(net, init, data, o);
  let state: TrainState | undefined;
  assert.throws(
    () =>
      train(net, init, data, {
        ...o,
        checkpoint: {
          every,
          save: (s) => {
            state = s;
            if (s.step === at) throw new Interrupted();
          },
        },
      }),
    (e: unknown) => e instanceof Interrupted,
  );
  const resumed = train(net, init, data, { ...o, resume: state! });
  return { whole, resumed, state: state! };
}

/** Bitwise: every field of the records from the checkpoint's step on, the tallies, the phase and the final θ. */
function assertSameRun(whole: TrainResult, resumed: TrainResult, from: number): void {
  const bits = (x: unknown) =>
    JSON.stringify(x, (_k, v) => (typeof v === 'number' ? bitsOf(v) : v instanceof Float64Array ? Array.from(v) : v));
  assert.is(resumed.records[0].t, from);
  assert.is(bits(resumed.records), bits(whole.records.slice(from)));
  const { records: _a, params: pa, ...restWhole } = whole;
  const { records: _b, params: pb, ...restResumed } = resumed;
  assert.is(bits(restResumed), bits(restWhole));
  assert.is(bits(pb.map((p) => p.data)), bits(pa.map((p) => p.data)));
}

/** A double's bits as hex, so −0, NaN and the last ulp all count. */
function bitsOf(x: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16);
}

const cases: [string, TrainOptions, number, number][] = [
  ['gradient flow', { lr: 0.5, steps: 6, flow: 'gradient', eigEvery: 2 }, 2, 4],
  ['central flow', { lr: 0.5, steps: 6, flow: 'central', eigEvery: 0 }, 3, 3],
  ['GD with momentum 0.9, λ and λ_H every step', { lr: 0.3, steps: 12, momentum: 0.9, trackHessian: true }, 4, 8],
  ['Adam', { lr: 0.01, steps: 8, optimizer: 'adam', eigEvery: 3 }, 5, 5],
  [
    'SGD (the batch stream replayed), L2 and a learning-rate decay',
    { lr: 0.2, decayAt: 1, finalLr: 0.05, finalSteps: 4, batch: 5, l2: 1e-3 },
    3,
    6,
  ],
];
for (const [name, o, every, at] of cases) {
  test(`${name}: stopped after the checkpoint at step ${at} and resumed, it is bitwise the uninterrupted run`, () => {
    const { whole, resumed, state } = interruptAndResume(o, every, at);
    assert.is(state.step, at);
    assertSameRun(whole, resumed, at);
  });
}

test("the checkpoint's state is a copy: the run going on does not change what save was given", () => {
  const states: TrainState[] = [];
  train(net, init, data, { lr: 0.3, steps: 6, momentum: 0.9, checkpoint: { every: 2, save: (s) => states.push(s) } });
  assert.equal(
    states.map((s) => s.step),
    [2, 4, 6],
  );
  assert.not.equal(Array.from(states[0].params[0]), Array.from(states[1].params[0]));
  const again = train(net, init, data, { lr: 0.3, steps: 6, momentum: 0.9, resume: states[0] });
  const direct = train(net, init, data, { lr: 0.3, steps: 6, momentum: 0.9 });
  assert.equal(Array.from(again.params[0].data), Array.from(direct.params[0].data));
});

test('a longer run resumes from the last checkpoint of a shorter one (the --steps of a resume may grow)', () => {
  let last: TrainState | undefined;
  train(net, init, data, { lr: 0.5, steps: 4, flow: 'central', eigEvery: 0, checkpoint: { every: 2, save: (s) => (last = s) } });
  assert.is(last!.step, 4);
  const longer = { lr: 0.5, steps: 7, flow: 'central' as const, eigEvery: 0 };
  assertSameRun(train(net, init, data, longer), train(net, init, data, { ...longer, resume: last! }), 4);
});

test('a state the run cannot continue from is refused, naming resume', () => {
  let state: TrainState | undefined;
  train(net, init, data, { lr: 0.3, steps: 4, momentum: 0.9, checkpoint: { every: 2, save: (s) => (state ??= s) } });
  const refuses = (o: Partial<TrainOptions>, pattern: RegExp) =>
    assert.throws(
      () => train(net, init, data, { lr: 0.3, steps: 4, momentum: 0.9, resume: state!, ...o }),
      (e: unknown) => e instanceof CatapultInputError && e.field === 'resume' && pattern.test(e.message),
    );
  refuses({ lr: 0.31 }, /made at η = 0.3, this run has η = 0.31/);
  refuses({ steps: 1 }, /step must be an integer in \[1, 1\]/);
  refuses({ momentum: 0 }, /optimizer\[0\] must hold 0 arrays/);
  refuses({ resume: { ...state!, params: state!.params.slice(1) } }, /params must hold 6 arrays/);
  refuses({ resume: { ...state!, flowVector: new Float64Array(3) } }, /flowVector must be a Float64Array of \d+ values/);
  refuses({ resume: { ...state!, tally: { ...state!.tally, loss0: 'x' as never } } }, /tally.loss0 must be a number/);
  refuses({ precision: 'dd' }, /precision dd\) has no checkpoints/);
  refuses({ stopWhen: () => false }, /stopWhen cannot be resumed/);
  assert.throws(
    () => train(net, init, data, { lr: 0.3, steps: 4, checkpoint: { every: 0, save: () => {} } }),
    (e: unknown) => e instanceof CatapultInputError && /checkpoint.every must be an integer ≥ 1, got 0/.test((e as Error).message),
  );
});

test.run();
