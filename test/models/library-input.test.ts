// The library refuses what the CLI refuses, with one error class naming the field: train, makeModel, setup and the parsers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as library from '../../src/index';
import {
  CatapultInputError,
  ModelConfig,
  SETUP_OPTIONS,
  initParams,
  makeModel,
  parseIdx,
  parseNpy,
  parseNpz,
  setup,
  train,
} from '../../src/index';
import { tensor } from '../../src/linalg/tensor';

/** Runs `f`, which must throw a CatapultInputError naming `field`, with a message matching `message`. */
function refuses(f: () => unknown, field: string, message: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, CatapultInputError, String(e));
    assert.is((e as CatapultInputError).field, field, (e as Error).message);
    assert.match((e as Error).message, message);
    assert.not.match((e as Error).message, /\n/);
    return;
  }
  assert.unreachable(`expected a CatapultInputError naming ${field}`);
}

const MLP: ModelConfig = { kind: 'mlp', width: 4, depth: 1, act: 'relu', param: 'ntk', sigmaW: 1.4, sigmaB: 0, outputs: 1, inputDim: 2 };
const model = makeModel(MLP);
const init = initParams(model, 0);
const data = { X: tensor([4, 2], Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8)), Y: tensor([4, 1], new Float64Array(4).fill(1)), source: 'test' };

test('the error class is exported from the library entry, with the field named', () => {
  assert.is(library.CatapultInputError, CatapultInputError);
  const e = new CatapultInputError('steps', 'steps must be …');
  assert.instance(e, Error);
  assert.is(e.name, 'CatapultInputError');
  assert.is(e.field, 'steps');
});

test('train refuses an X shorter than its shape, and no samples, instead of returning "divergent" or NaN', () => {
  const short = { ...data, X: { shape: [4, 2], data: new Float64Array(4) } };
  refuses(() => train(model, init, short, { lr: 0.1, steps: 2 }), 'data.X', /data\.X holds 4 values but its shape \(4, 2\) needs 8/);
  const none = { X: tensor([0, 2], new Float64Array(0)), Y: tensor([0, 1], new Float64Array(0)), source: 'empty' };
  refuses(() => train(model, init, none, { lr: 0.1, steps: 2 }), 'data.X', /data\.X has 0 rows; a run needs at least one sample/);
  const nan = { ...data, Y: tensor([4, 1], Float64Array.of(1, NaN, 1, 1)) };
  refuses(() => train(model, init, nan, { lr: 0.1, steps: 2 }), 'data.Y', /data\.Y contains NaN/);
  const wide = { ...data, X: tensor([2, 4], data.X.data) };
  refuses(() => train(model, init, wide, { lr: 0.1, steps: 2 }), 'data.X', /data\.X must be m×2 \(the model's inputs\), got \(2, 4\)/);
  refuses(() => train(model, init.slice(1), data, { lr: 0.1 }), 'init', /init must hold the model's 4 parameter tensors/);
  refuses(
    () => train(model, [init[1], init[0], ...init.slice(2)], data, { lr: 0.1 }),
    'init[0]',
    /init\[0\] \(W0\) must have shape \(4, 2\)/,
  );
  assert.is(train(model, init, data, { lr: 0.1, steps: 2 }).records.length, 3, 'valid inputs still train');
});

test('unknown options are refused, with the name they were probably meant to be', () => {
  const typo = { lr: 0.1, stpes: 1000 } as Parameters<typeof train>[3];
  refuses(() => train(model, init, data, typo), 'stpes', /train options: unknown option 'stpes' \(did you mean 'steps'\?\)/);
  refuses(() => makeModel({ ...MLP, sigma_b: 1 } as ModelConfig), 'sigma_b', /unknown option 'sigma_b' \(did you mean 'sigmaB'\?\)/);
  refuses(() => setup({ model: 'mlp', widht: 8 } as Parameters<typeof setup>[0]), 'widht', /did you mean 'width'\?/);
  refuses(() => train(model, init, data, null as never), 'train options', /train options must be an object of options, got null/);
});

test("makeModel refuses what the CLI's declared options refuse, with the declaration's own words", () => {
  refuses(() => makeModel({ ...MLP, param: 'weird' } as never), 'param', /param must be one of ntk\|standard\|mup, got 'weird'/);
  const cases: [keyof typeof SETUP_OPTIONS & keyof ModelConfig, unknown][] = [
    ['width', 0],
    ['depth', 1.5],
    ['act', 'sigmoid'],
    ['sigmaW', -1],
    ['sigmaB', NaN],
    ['outputs', '1'],
    ['bias', 'false'],
    ['norm', 'batch'],
    ['loss', 'hinge'],
  ];
  for (const [key, bad] of cases) {
    // The problem the CLI's declaration finds (`--flag problem, got …`) is the one the library reports.
    const problem = SETUP_OPTIONS[key].check!(bad as never);
    assert.ok(problem, `${key} = ${String(bad)} is refused by its declaration`);
    refuses(() => makeModel({ ...MLP, [key]: bad }), key, new RegExp(`${problem!.replace(/[|()[\]]/g, '\\$&')}, got`));
  }
  refuses(() => makeModel({ kind: 'mlp', width: 4, inputDim: 2 } as ModelConfig), 'depth', /the mlp model needs depth/);
  refuses(() => makeModel({ ...MLP, kind: 'rnn' } as never), 'kind', /unknown model kind 'rnn'/);
});

test('setup and the parsers name their bad argument instead of throwing bare TypeErrors', () => {
  refuses(() => setup(null as never), 'setup options', /setup options must be an object of options, got null/);
  refuses(() => setup({} as never), 'model', /setup options need model \(one of warmup\|linear\|mlp\|cnn\|wrn\|quadratic\)/);
  refuses(() => setup({ model: 'mlp', samples: -5 }), 'samples', /samples must be an integer ≥ 1, got -5/);
  refuses(() => parseNpy('x' as never), 'buf', /parseNpy: buf must be a Buffer or Uint8Array of the file's bytes, got 'x'/);
  refuses(() => parseNpz(42 as never), 'buf', /parseNpz: buf must be a Buffer or Uint8Array/);
  refuses(() => parseIdx(null as never, 'f'), 'bytes', /parseIdx: bytes must be a Buffer or Uint8Array .*got null/);
  refuses(() => parseIdx(new Uint8Array(4), 7 as never), 'source', /parseIdx: source must be a string/);
  // A Uint8Array is as good as a Buffer (the bytes are the same).
  const npy = library.serializeNpy(tensor([2], Float64Array.of(1.5, -2)));
  assert.equal(Array.from(parseNpy(new Uint8Array(npy) as Buffer).data), [1.5, -2]);
});

test.run();
