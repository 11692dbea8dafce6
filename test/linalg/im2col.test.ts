// dim2col and dcol2im on every backend against the old batch gather, and a CNN step bitwise the same on 1 and 2 threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocF64, freeF64 } from '../../src/linalg/backend';
import { dcol2im, dim2col, ImageWindow } from '../../src/linalg/im2col';
import { kernels } from '../../src/linalg/kernels';
import { nativeAvailable } from '../../src/linalg/native/kernels';
import { copyF64, tensor } from '../../src/linalg/tensor';
import { im2colForward, im2colGeometry, Padding } from '../../src/autodiff/gather';
import { vjp } from '../../src/autodiff';
import { forwardPass } from '../../src/models';
import { setup } from '../../src/experiments';
import { randomArray, rng } from './helpers';
import { on, sameBits } from './kernelCases';

const next = rng(29);
const BACKENDS = nativeAvailable() ? (['js', 'wasm', 'native'] as const) : (['js', 'wasm'] as const);

/** Windows over strides 1–3, SAME and VALID, odd and even sizes, kernels wider than tall; C large enough to split. */
const WINDOWS: Array<[number[], number, number, number, Padding]> = [
  [[2, 3, 7, 6], 3, 3, 1, 'same'],
  [[1, 4, 8, 8], 3, 3, 2, 'same'],
  [[2, 2, 9, 7], 2, 3, 3, 'valid'],
  [[1, 5, 5, 5], 5, 5, 1, 'same'],
  [[1, 64, 40, 40], 3, 3, 1, 'same'],
];

/** One backend's patches of every image, and its col2im of `dcols` added onto `base`, with the arrays at offsets. */
function runWindow(shape: number[], g: ImageWindow, x: Float64Array, dcols: Float64Array, base: Float64Array) {
  const [N] = shape,
    image = x.length / N,
    block = dcols.length / N;
  const cols = allocF64(dcols.length + 3, false),
    back = allocF64(base.length + 5, false),
    from = allocF64(dcols.length + 3, false);
  cols.fill(NaN); // every entry must be written, padding included
  back.set(base, 5);
  from.set(dcols, 3);
  for (let n = 0; n < N; n++) kernels.dim2col(g, x, n * image, cols, 3 + n * block);
  for (let n = 0; n < N; n++) kernels.dcol2im(g, from, 3 + n * block, back, 5 + n * image);
  const out = { cols: cols.slice(3), x: back.slice(5) };
  [cols, back, from].forEach(freeF64);
  return out;
}

test('dim2col is the old gather image by image, transposed; dcol2im its adjoint; all backends and 1, 2 threads bitwise js', () => {
  for (const [shape, kh, kw, stride, padding] of WINDOWS) {
    const geometry = im2colGeometry(shape, kh, kw, stride, padding),
      g: ImageWindow = geometry;
    const [N] = shape,
      P = g.oH * g.oW,
      K = g.C * kh * kw;
    const x = randomArray(
        shape.reduce((a, b) => a * b, 1),
        next,
      ),
      dcols = randomArray(N * K * P, next),
      base = randomArray(x.length, next);
    const ref = { cols: new Float64Array(N * K * P), x: base.slice() };
    for (let n = 0; n < N; n++) dim2col(g, x, n * (x.length / N), ref.cols, n * K * P);
    for (let n = 0; n < N; n++) dcol2im(g, dcols, n * K * P, ref.x, n * (x.length / N));
    // The old layout: row (n, oh, ow), column (c, i, j).
    const old = im2colForward(geometry, x);
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++)
        for (let p = 0; p < P; p++) assert.is(ref.cols[(n * K + k) * P + p], old[(n * P + p) * K + k], `${shape} (${n}, ${k}, ${p})`);
    // ⟨dim2col(x), d⟩ = ⟨x, dcol2im(d)⟩: dcol2im adds exactly the adjoint.
    let lhs = 0,
      rhs = 0;
    for (let i = 0; i < dcols.length; i++) lhs += ref.cols[i] * dcols[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * (ref.x[i] - base[i]);
    assert.ok(Math.abs(lhs - rhs) <= 1e-12 * Math.abs(lhs) + 1e-12, `adjoint ${shape}: ${lhs} vs ${rhs}`);
    for (const backend of BACKENDS)
      for (const threads of [1, 2]) {
        const got = on(backend, threads, () => runWindow(shape, g, x, dcols, base));
        assert.ok(sameBits(got.cols, ref.cols), `dim2col ${backend} ${threads} ${shape}`);
        assert.ok(sameBits(got.x, ref.x), `dcol2im ${backend} ${threads} ${shape}`);
      }
  }
});

/**
 * The gradient of one CNN loss (conv SAME/VALID, a 5×5 window at stride 2, bias, max pool, dense) at batch 4: its
 * 32-channel 3×3 layers on 32×32 images are past the native gemm's and col2im's thresholds for splitting.
 */
function cnnGradient(): Float64Array[] {
  const s = setup({
    model: 'cnn',
    arch: 'conv:32,relu,conv:32:valid,relu,maxpool:2,conv:8:s2:k5,relu,flatten,dense:10',
    inputShape: [3, 32, 32],
    samples: 4,
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0.05,
    seed: 1,
    dataSeed: 2,
  });
  const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
  const { tape, loss } = forwardPass(s.model, params, s.data);
  const g = vjp(loss, Float64Array.of(1)).map((a) => a.slice());
  tape.dispose();
  return [loss.value.data.slice(), ...g];
}

test('a CNN loss and gradient are bitwise the same on 1 and 2 threads (native and wasm), and agree across backends', () => {
  const js = on('js', 1, cnnGradient);
  for (const backend of BACKENDS.filter((b) => b !== 'js')) {
    const one = on(backend, 1, cnnGradient),
      two = on(backend, 2, cnnGradient);
    one.forEach((a, i) => assert.ok(sameBits(a, two[i]), `${backend}: part ${i} differs between 1 and 2 threads`));
    one.forEach((a, i) => {
      const scale = Math.max(...js[i].map(Math.abs));
      const err = Math.max(...a.map((v, j) => Math.abs(v - js[i][j])));
      assert.ok(err <= 1e-13 * scale, `${backend} vs js, part ${i}: ${err} (scale ${scale})`);
    });
  }
});

test.run();
