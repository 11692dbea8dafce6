// Golden trajectories: JSON and .npz hold the same bits, a rerun reproduces them, a perturbation is caught, and numpy agrees.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIVERGENCE_LOSS } from '../../src/models';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { hasNumpy } from '../util';
import { Golden, SetupInput, checkGolden, makeGolden, parseLr, readGolden, setup, writeGolden } from '../../src/experiments';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-golden-'));
const BIN = path.resolve(__dirname, '../../../bin/catapult.js');
const EXAMPLE = path.resolve(__dirname, '../../../examples/check_golden.py');

const base: SetupInput = {
  model: 'warmup',
  act: 'relu',
  param: 'ntk',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  seed: 0,
  samples: 16,
  inputDim: 8,
  dataSeed: 0,
};
const train = { momentum: 0, l2: 0, eigEvery: 1, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8 };

function golden(so: SetupInput, lr: string, steps: number, paramsEvery: number): Golden {
  return makeGolden(setup(so), so, { ...train, lr: parseLr(lr), steps, paramsEvery });
}

function sameBits(a: Golden, b: Golden): void {
  assert.equal(a.meta, b.meta);
  const arrays = (g: Golden) => [
    g.loss,
    g.lambda,
    g.paramNorm,
    g.f.data,
    g.data.X.data,
    g.data.Y.data,
    ...g.init.map((t) => t.data),
    ...g.params.values.map((t) => t.data),
  ];
  arrays(a).forEach((x, i) =>
    assert.ok(
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(arrays(b)[i].buffer, arrays(b)[i].byteOffset, arrays(b)[i].byteLength),
      ),
      `array ${i}`,
    ),
  );
  assert.equal(a.params.t, b.params.t);
}

const warm = golden({ ...base, width: 500 }, '1.5x', 120, 40);
writeGolden(path.join(dir, 'warm.json'), warm);
writeGolden(path.join(dir, 'warm.npz'), warm);

test('JSON and .npz golden files read back bit for bit (null/NaN where λ is not measured)', () => {
  sameBits(readGolden(path.join(dir, 'warm.json')), warm);
  sameBits(readGolden(path.join(dir, 'warm.npz')), warm);
  assert.is(warm.meta.result.phase, 'catapult');
  assert.equal(warm.params.t, [0, 40, 80, 120]);
  assert.is(warm.f.shape.join(), '121,1,1');
});

test('check: a rerun on the same backend is bit-identical in every field, for warmup and an mlp with biases', () => {
  const r = checkGolden(readGolden(path.join(dir, 'warm.json')), 0);
  assert.ok(r.ok && r.deviations.every((d) => d.maxAbs === 0), JSON.stringify(r.deviations));
  assert.ok(r.deviations.some((d) => d.field === 'init (RandomState regenerated)'));
  const mlp = golden(
    { ...base, model: 'mlp', width: 16, depth: 2, outputs: 2, samples: 6, inputDim: 3, param: 'standard', sigmaB: 0.5 },
    '1.2x',
    15,
    5,
  );
  writeGolden(path.join(dir, 'mlp.npz'), mlp);
  const m = checkGolden(readGolden(path.join(dir, 'mlp.npz')), 0);
  assert.ok(m.ok && m.deviations.every((d) => d.maxAbs === 0), JSON.stringify(m.deviations.filter((d) => d.maxAbs !== 0)));
  assert.equal(
    m.deviations.filter((d) => d.field.startsWith('params.')).map((d) => d.field),
    ['params.W0', 'params.b0', 'params.W1', 'params.b1', 'params.W2', 'params.b2'],
  );
});

test('Adam with minibatches and per-layer rates: the file records optimizer, batches and batch_loss; JSON and .npz agree; check reruns it bit for bit', () => {
  const so: SetupInput = { ...base, model: 'mlp', width: 16, depth: 1, samples: 10, inputDim: 3 };
  const g = makeGolden(setup(so), so, {
    ...train,
    lr: parseLr('0.01'),
    steps: 12,
    paramsEvery: 4,
    optimizer: 'adam',
    batch: 4,
    layerLr: [1, 0.5],
  });
  assert.equal(g.meta.config.optimizer, { name: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 });
  assert.equal([g.meta.config.batch, g.meta.config.batch_seed, g.meta.config.layer_lr], [4, 0, [1, 0.5]]);
  assert.equal(g.batches!.shape, [12, 4]);
  assert.is(g.batchLoss!.length, 13);
  assert.ok(Number.isNaN(g.batchLoss![12]) && Number.isFinite(g.batchLoss![0]));
  assert.is(g.digits, null, "the rounding model follows GD's map, not Adam's: no digits are claimed");
  for (const ext of ['json', 'npz']) {
    writeGolden(path.join(dir, `adam.${ext}`), g);
    const back = readGolden(path.join(dir, `adam.${ext}`));
    sameBits(back, g);
    assert.equal(Array.from(back.batches!.data), Array.from(g.batches!.data));
    const r = checkGolden(back, 0);
    assert.ok(r.ok && r.deviations.every((d) => d.maxAbs === 0), JSON.stringify(r.deviations.filter((d) => d.maxAbs !== 0)));
    assert.ok(r.deviations.some((d) => d.field === 'batches') && r.deviations.some((d) => d.field === 'batch_loss'));
  }
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'adam.json'), 'utf8'));
  j.batches[3][1] = 10;
  fs.writeFileSync(path.join(dir, 'adam-bad-row.json'), JSON.stringify(j));
  assert.throws(
    () => readGolden(path.join(dir, 'adam-bad-row.json')),
    /golden field batches\[3\]\[1\] is 10, not one of the 10 training rows/,
  );
  j.batches[3][1] = j.batches[3][0]; // a valid row, but not the step's: the rerun's rows differ
  fs.writeFileSync(path.join(dir, 'adam-swapped.json'), JSON.stringify(j));
  const r = checkGolden(readGolden(path.join(dir, 'adam-swapped.json')), 1e-9);
  assert.equal(
    r.deviations.filter((d) => !d.ok).map((d) => d.field),
    ['batches'],
  );
});

test('check: a perturbed loss is reported per field and `catapult check` exits 1', () => {
  const g = JSON.parse(fs.readFileSync(path.join(dir, 'warm.json'), 'utf8'));
  g.loss[10] *= 1 + 1e-6;
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(g));
  const r = checkGolden(readGolden(path.join(dir, 'bad.json')), 1e-9);
  assert.equal(
    r.deviations.filter((d) => !d.ok).map((d) => d.field),
    ['loss'],
  );
  const cli = spawnSync(process.execPath, [BIN, 'check', '--golden', 'bad.json', '--tol', '1e-9'], { cwd: dir, encoding: 'utf8' });
  assert.is(cli.status, 1, cli.stderr);
  // Where the deviation starts and its size there, then the field's maximum and where it is.
  assert.match(cli.stdout, /loss +t=10 \[0\] +1\.00e-6 +1\.00e-6 +t=10 \[0\] +BEYOND TOLERANCE from t=10 \[0\]/);
  assert.match(
    cli.stderr,
    /^catapult: check failed: loss 1\.00e-6 at step 10 beyond max\(--tol 1e-9, 10\^\(2 − recorded digits\)\) \(relative to each step's scale\)\n$/,
  );
  const loose = spawnSync(process.execPath, [BIN, 'check', '--golden', 'bad.json', '--tol', '1e-3'], { cwd: dir, encoding: 'utf8' });
  assert.is(loose.status, 0, loose.stderr);
});

test('checkGolden validates its arguments: a tolerance that is not a finite number ≥ 0, or a misshapen golden, is one error naming it', () => {
  const g = readGolden(path.join(dir, 'warm.json'));
  // Before, every comparison with a NaN tolerance was false: a corrupted trajectory passed.
  for (const tol of [NaN, -1, Infinity, '1e-9' as unknown as number])
    assert.throws(() => checkGolden({ ...g, loss: g.loss.map(() => 1) }, tol), /^checkGolden: tol must be a finite number ≥ 0, got/);
  assert.throws(() => checkGolden(null as unknown as Golden, 1e-9), /^checkGolden: golden must be a golden trajectory/);
  assert.throws(
    () => checkGolden({ ...g, loss: g.loss.subarray(1) }, 1e-9),
    /checkGolden\(golden\): golden field loss has 120 entries, expected 121/,
  );
  assert.not.ok(checkGolden({ ...g, loss: g.loss.map(() => 1) }, 0).ok);
});

test('check compares each step on its own scale: one late bad value is not diluted by the large early losses', () => {
  const g = readGolden(path.join(dir, 'warm.json'));
  const last = g.loss.length - 1;
  assert.ok(g.loss[last] < 1e-6 * g.loss[0], 'the loss decays by orders of magnitude, so a field-wide scale would hide the edit');
  const edited = (edit: (loss: Float64Array) => void) => {
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'warm.json'), 'utf8'));
    const loss = Float64Array.from(h.loss as number[]);
    edit(loss);
    h.loss = Array.from(loss);
    fs.writeFileSync(path.join(dir, 'edited.json'), JSON.stringify(h));
    return checkGolden(readGolden(path.join(dir, 'edited.json')), 1e-9).deviations.find((d) => d.field === 'loss')!;
  };
  const tiny = edited((l) => {
    l[last] *= 1 + 1e-8;
  });
  assert.not.ok(tiny.ok, 'a 1e-8 relative edit of the last loss fails --tol 1e-9');
  assert.equal(tiny.first && { step: tiny.first.step, index: tiny.first.index }, { step: last, index: 0 });
  assert.ok(Math.abs(tiny.first!.rel - 1e-8) <= 1e-9, `reported ${tiny.first!.rel}`);
  const doubled = edited((l) => {
    l[last] *= 2;
  });
  assert.not.ok(doubled.ok);
  assert.ok(
    Math.abs(doubled.maxRel - 0.5) <= 1e-12,
    `a doubled golden value is 2× the rerun's: relative deviation 1/2, got ${doubled.maxRel}`,
  );
  assert.ok(edited(() => {}).ok, 'the unedited file passes');
});

test('a standard-parameterization golden with −0.0 biases round-trips through JSON and passes its own check', () => {
  const std = golden({ ...base, model: 'mlp', width: 8, depth: 1, samples: 4, inputDim: 3, param: 'standard', sigmaB: 0 }, '1x', 5, 0);
  const b0 = std.init[std.meta.param_names.indexOf('b0')].data;
  assert.ok(
    Array.from(b0).some((x) => Object.is(x, -0)),
    'σ_b = 0 scales the standard-normal biases to signed zeros',
  );
  const file = path.join(dir, 'std.json');
  writeGolden(file, std);
  const back = readGolden(file);
  sameBits(back, std);
  assert.ok(checkGolden(back, 0).ok);
  const cli = spawnSync(process.execPath, [BIN, 'check', '--golden', 'std.json'], { cwd: dir, encoding: 'utf8' });
  assert.is(cli.status, 0, cli.stdout + cli.stderr);
  if (hasNumpy) {
    const py =
      'import json,sys,math; b=json.load(open(sys.argv[1]))["init"]["b0"]; print(",".join("-0" if x == 0 and math.copysign(1, x) < 0 else repr(x) for x in b))';
    const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(
      r.stdout.trim(),
      Array.from(b0)
        .map((x) => (Object.is(x, -0) ? '-0' : String(x)))
        .join(','),
      'json.load keeps the signs',
    );
  }
});

if (!hasNumpy) {
  console.log('  skipped: examples/check_golden.py needs python3 with numpy');
  test('numpy example (skipped: python3 with numpy not found)', () => {});
} else {
  test('examples/check_golden.py: an independent numpy warmup model matches the golden file (JSON and .npz)', () => {
    for (const f of ['warm.json', 'warm.npz']) {
      const r = spawnSync('python3', [EXAMPLE, path.join(dir, f), '--tol', '1e-12'], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /: ok \(120 steps/);
    }
    const bad = spawnSync('python3', [EXAMPLE, path.join(dir, 'bad.json')], { encoding: 'utf8' });
    assert.is(bad.status, 1, 'the example rejects the perturbed file');
  });
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
