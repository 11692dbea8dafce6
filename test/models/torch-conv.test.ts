// The cnn and wrn models against PyTorch float64 (F.conv2d, pools, batch_norm): outputs, gradients, a GD run, the NTK's λ.
import { test } from 'uvu';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readNpz, writeNpz } from '../../src/io/npz';
import { Tensor } from '../../src/linalg/tensor';
import { ntkTopEigenvalue, vjp } from '../../src/autodiff';
import { gaussianData } from '../../src/data';
import { Layer, ModelConfig, forwardPass, initParams, makeModel, parseArch, train, wrnLayers } from '../../src/models';
import { TORCH_PYTHON, maxRelErr, relErr, torchPythonHas, within } from '../util';

const hasTorch = torchPythonHas('torch');
const SCRIPT = path.join(__dirname, '../../../python/torch_conv_reference.py');
/** Same float64 operations in another order (gemm blocking, pooling, the batch statistics): rounding only. */
const TOL = 1e-12;
const GD = { lr: 0.4, steps: 3, l2: 1e-3 };

interface Case {
  name: string;
  config: ModelConfig;
  layers: Layer[];
  m: number;
}

const cases: Case[] = [
  {
    // SAME with stride 2 on an even side (the odd pixel of padding at the bottom), VALID 1×1, bn, both pools.
    name: 'cnn (ntk, 2×8×9)',
    config: {
      kind: 'cnn',
      arch: 'conv:4,relu,conv:5:s2,bn,tanh,maxpool:2,conv:3:valid:k1,relu,avgpool:2,flatten,dense:6,relu,dense:3',
      inputShape: [2, 8, 9],
      inputDim: 144,
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0.1,
      width: 1,
      depth: 1,
      act: 'relu',
      outputs: 3,
    },
    layers: parseArch('conv:4,relu,conv:5:s2,bn,tanh,maxpool:2,conv:3:valid:k1,relu,avgpool:2,flatten,dense:6,relu,dense:3'),
    m: 4,
  },
  {
    name: 'WRN-10-1 (standard, 1×8×8)',
    config: {
      kind: 'wrn',
      depth: 10,
      widen: 1,
      inputShape: [1, 8, 8],
      inputDim: 64,
      param: 'standard',
      sigmaW: 1,
      sigmaB: 0.05,
      width: 1,
      act: 'relu',
      outputs: 2,
    },
    layers: wrnLayers(10, 1, 2),
    m: 3,
  },
];

function flat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

function reference(c: Case, init: Tensor[], names: string[], data: { X: Tensor; Y: Tensor }): Map<string, Tensor> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-torch-'));
  try {
    const [inp, spec, out] = ['in.npz', 'spec.json', 'out.npz'].map((f) => path.join(dir, f));
    writeNpz(inp, new Map<string, Tensor>([['X', data.X], ['Y', data.Y], ...names.map((n, i): [string, Tensor] => [n, init[i]])]));
    const { param, sigmaW, sigmaB, inputShape } = c.config;
    fs.writeFileSync(spec, JSON.stringify({ layers: c.layers, inputShape, param, sigmaW, sigmaB, names, ...GD }));
    const r = spawnSync(TORCH_PYTHON, [SCRIPT, inp, spec, out], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`torch reference failed: ${r.stderr}`);
    return readNpz(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const c of cases) {
  test(`${c.name}: f, ∇L, ${GD.steps} GD steps and the NTK's λ0 match PyTorch float64 to ${TOL}`, () => {
    if (!hasTorch) return console.log(`    skipped: no torch under ${TORCH_PYTHON}`);
    const model = makeModel(c.config);
    const data = gaussianData(c.m, c.config.inputDim, model.config.outputs, 5);
    const init = initParams(model, 3);
    const names = model.specs.map((s) => s.name);
    const ref = reference(c, init, names, data);
    const { f, loss } = forwardPass(model, init, data);
    within(maxRelErr(f.value.data, ref.get('f')!.data), TOL, 'outputs f');
    // As one vector: a bias right before a batch norm has gradient 0 (rounding noise on both sides), so per-array
    // relative errors would compare noise with noise.
    const grads = vjp(loss, Float64Array.of(1));
    const gradErr = maxRelErr(flat(grads), flat(names.map((n) => ref.get(`g_${n}`)!.data)));
    within(gradErr, TOL, 'gradient ∇L (all parameters)');
    const lambda = ntkTopEigenvalue(f);
    const lambdaErr = relErr(lambda, ref.get('ntk_eigenvalues')!.data[0]);
    within(lambdaErr, TOL, 'NTK λ0 (Lanczos) vs torch dense Jacobian');
    const run = train(model, init, data, { ...GD, measureLambda: false });
    const losses = ref.get('losses')!.data;
    run.records.forEach((r, t) => within(relErr(r.loss, losses[t]), TOL, `loss at step ${t}`));
    names.forEach((n, i) => within(maxRelErr(run.params[i].data, ref.get(`fin_${n}`)!.data), TOL, `θ_${GD.steps} of ${n}`));
    const fErr = maxRelErr(f.value.data, ref.get('f')!.data);
    console.log(
      `    ${c.name}: ${names.length} arrays; rel. errors f ${fErr.toExponential(2)}, ∇L ${gradErr.toExponential(2)}, λ0 ${lambdaErr.toExponential(2)}`,
    );
  });
}

test.run();
