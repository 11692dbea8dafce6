// The native (OpenBLAS) backend against the JS reference: every gemm case, level-1/2 kernels, 1 vs 2 threads bitwise, training runs, build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allocF64, backendInfo, freeF64, kernelMemory, useBackend } from '../../src/linalg/backend';
import * as blas from '../../src/linalg/blas';
import { dgemm } from '../../src/linalg/gemm';
import { kernels } from '../../src/linalg/kernels';
import { loadNativeAddon, nativeAvailable } from '../../src/linalg/native/kernels';
import { BufferPool } from '../../src/linalg/native/pool';
import { train } from '../../src/models';
import { setup } from '../../src/experiments';
import { LAYOUTS, randomArray, rng, storeMatrix } from './helpers';
import { gemmCases, GemmCase, on, runGemm, sameBits, worstRelative } from './kernelCases';

/** native against js: OpenBLAS uses FMA and its own blocking, so a few roundings apart, against the rounding-error scale. */
const TOL = 1e-13;
const next = rng(11);
const ROOT = path.join(__dirname, '..', '..', '..');
const available = nativeAvailable();

/**
 * Beyond the wasm list: the gemm tests' multi-block and stdlib shapes, and shapes past OpenBLAS's threading
 * threshold (M·N·K > 2^18) that split unevenly, thinly, or like the engine's MLP layers.
 */
const NATIVE_SHAPES: Array<[number, number, number]> = [
  [70, 9, 520],
  [130, 1030, 5],
  [67, 1031, 259],
  [5, 7, 3],
  [33, 17, 65],
  [64, 64, 64],
  [130, 7, 300],
  [257, 255, 253],
  [1001, 97, 130],
  [3, 2000, 600],
  [256, 300, 784],
];
/** Big square and MLP-like products, compared between thread counts only (their error scale is too slow to compute in JS). */
const BIG_SHAPES: Array<[number, number, number]> = [
  [1024, 1024, 1024],
  [1023, 1025, 1027],
  [2048, 2048, 512],
  [2100, 70, 301], // 4 parts, the last one uneven
  [256, 1024, 784],
  [784, 1024, 256],
  [1024, 1, 2048],
];

function bigCases(): GemmCase[] {
  return BIG_SHAPES.flatMap(([M, N, K], i) =>
    [
      [false, false],
      [true, true],
      [false, true],
    ].map(([tA, tB], j) => ({ tA, tB, M, N, K, alpha: 1, beta: j === 1 ? 0.5 : 0, n: 7000 + 3 * i + j })),
  );
}

if (!available) {
  try {
    loadNativeAddon();
  } catch (e) {
    console.log(`native.test: skipped, ${e instanceof Error ? e.message : e}`);
  }
} else {
  test('native gemm agrees with js to 1e-13 on every gemm-test case, and 1 and 2 threads give the same bits', () => {
    let worst = 0,
      cases = 0;
    for (const c of gemmCases(NATIVE_SHAPES)) {
      const ref = runGemm(c, dgemm);
      const one = on('native', 1, () => runGemm(c, kernels.dgemm, false)).C;
      const two = on('native', 2, () => runGemm(c, kernels.dgemm, false)).C;
      worst = Math.max(worst, worstRelative(two, ref));
      assert.ok(sameBits(one, two), `native: 1 and 2 threads differ: ${JSON.stringify(c)}`);
      cases++;
    }
    console.log(`  native gemm: worst relative error vs js ${worst.toExponential(2)} over ${cases} cases`);
    assert.ok(worst <= TOL, `worst native/js relative error ${worst} over ${cases} cases`);
    assert.ok(cases > 250, `only ${cases} cases ran`);
  });

  test('native gemm: 1 and 2 threads give the same bits on big square and MLP-shaped products', () => {
    for (const c of bigCases()) {
      const one = on('native', 1, () => runGemm(c, kernels.dgemm, false)).C;
      const two = on('native', 2, () => runGemm(c, kernels.dgemm, false)).C;
      assert.ok(sameBits(one, two), `native: 1 and 2 threads differ: ${JSON.stringify(c)}`);
    }
  });

  test('rank-one (K = 1) products are alpha·(a·b) + beta·c exactly, and 1×1 products are ddot, on native as in gemm.ts', () => {
    for (const [M, N] of [
      [16000, 1],
      [1, 16000],
      [300, 200],
      [7, 5000],
    ]) {
      for (const [alpha, beta] of [
        [1, 0],
        [-0.7, 1.3],
      ]) {
        const a = randomArray(M, next),
          b = randomArray(N, next),
          c0 = randomArray(M * N, next);
        const want = c0.map((c, k) => {
          const ab = alpha * (a[Math.floor(k / N)] * b[k % N]);
          return beta === 0 ? ab : beta * c + ab;
        });
        for (const threads of [1, 2]) {
          const C = c0.slice();
          on('native', threads, () => kernels.dgemm(true, false, M, N, 1, alpha, a, M, 1, 0, b, N, 1, 0, beta, C, N, 1, 0));
          assert.ok(sameBits(C, want), `K = 1, ${M}×${N}, alpha ${alpha}, beta ${beta}, ${threads} threads`);
        }
      }
    }
    for (const K of [3, 255, 256, 16000]) {
      const x = randomArray(2 * K, next),
        y = randomArray(K, next),
        want = 2 * blas.ddot(K, x, 2, 1, y, 1, 0) + 0.5 * 3;
      for (const which of ['gemm.ts', 'native'] as const) {
        const C = Float64Array.of(3);
        // kernels.dgemm is looked up inside `on`: it is whichever backend is active at the call.
        const gemm = () => (which === 'native' ? kernels.dgemm : dgemm);
        on('native', 2, () => gemm()(false, false, 1, 1, K, 2, x, 2 * K, 2, 1, y, 1, 1, 0, 0.5, C, 1, 1, 0));
        assert.is(C[0], want, `1×1×${K} on ${which}`);
      }
    }
  });

  test('native gemm edge cases: zero sizes, alpha = 0 and K = 0 leave A, B unread; beta = 0 clears NaN', () => {
    useBackend('native', 2);
    const nanA = new Float64Array(12).fill(NaN),
      nanB = new Float64Array(12).fill(NaN);
    const C = new Float64Array([1, 2, 3, 4]);
    kernels.dgemm(false, false, 2, 2, 3, 0, nanA, 3, 1, 0, nanB, 2, 1, 0, 2, C, 2, 1, 0);
    assert.equal(Array.from(C), [2, 4, 6, 8]);
    kernels.dgemm(false, false, 2, 2, 0, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0.5, C, 2, 1, 0);
    assert.equal(Array.from(C), [1, 2, 3, 4]);
    const A = randomArray(300 * 200, next),
      B = randomArray(200 * 100, next);
    const Cn = new Float64Array(300 * 100).fill(NaN),
      Cj = new Float64Array(300 * 100);
    kernels.dgemm(false, false, 300, 100, 200, 1, A, 200, 1, 0, B, 100, 1, 0, 0, Cn, 100, 1, 0);
    dgemm(false, false, 300, 100, 200, 1, A, 200, 1, 0, B, 100, 1, 0, 0, Cj, 100, 1, 0);
    assert.ok(
      Cn.every((v, i) => Math.abs(v - Cj[i]) <= TOL * 200),
      'beta = 0 must overwrite NaN in C',
    );
    const untouched = new Float64Array([7, 8]);
    kernels.dgemm(false, false, 0, 2, 3, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0, untouched, 2, 1, 0);
    kernels.dgemm(true, true, 2, 0, 3, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0, untouched, 2, 1, 0);
    assert.equal(Array.from(untouched), [7, 8]);
    // A stride that leaves the array is refused, not followed into other memory.
    const short = new Float64Array(99),
      C10 = new Float64Array(100);
    assert.throws(
      () => kernels.dgemm(false, false, 10, 10, 10, 1, short, 10, 1, 0, short, 10, 1, 0, 0, C10, 10, 1, 0),
      /outside the array/,
    );
    assert.throws(() => kernels.dgemm(false, false, 10, 10, 10, 1, C10, 10, 1, 0, C10, 10, 1, 0, 0, short, 10, 1, 0), /outside the array/);
    assert.throws(() => kernels.ddot(1000, new Float64Array(999), 1, 0, new Float64Array(1000), 1, 0), /outside the array/);
    assert.throws(
      () => kernels.dgemv(true, 300, 2, 1, new Float64Array(600), 2, 1, 1, new Float64Array(300), 1, 0, 0, new Float64Array(2), 1, 0),
      /outside the array/,
    );
    useBackend('native');
  });

  test('ddot, daxpy, dscal and dnrm2: native is bitwise js over strides, offsets and extreme scales', () => {
    useBackend('native', 2);
    for (const N of [64, 65, 1001, 5003])
      for (const [sx, sy] of [
        [1, 1],
        [2, 1],
        [1, -3],
        [-2, 2],
      ] as const) {
        const x = randomArray(N * 3 + 7, next),
          y = randomArray(N * 3 + 7, next);
        const ox = sx < 0 ? (N - 1) * -sx + 2 : 2,
          oy = sy < 0 ? (N - 1) * -sy + 1 : 1;
        assert.ok(Object.is(kernels.ddot(N, x, sx, ox, y, sy, oy), blas.ddot(N, x, sx, ox, y, sy, oy)), `ddot bits N=${N} (${sx}, ${sy})`);
        const yn = y.slice(),
          yj = y.slice();
        kernels.daxpy(N, -0.75, x, sx, ox, yn, sy, oy);
        blas.daxpy(N, -0.75, x, sx, ox, yj, sy, oy);
        assert.ok(sameBits(yn, yj), `daxpy bits N=${N} (${sx}, ${sy})`);
        const xn = x.slice(),
          xj = x.slice();
        kernels.dscal(N, 1.5, xn, sx, ox);
        blas.dscal(N, 1.5, xj, sx, ox);
        assert.ok(sameBits(xn, xj), `dscal bits N=${N} (${sx})`);
        for (const scale of [1, 1e300, 1e-300, 1e-160]) {
          const z = x.map((v, i) => (i % 7 === 0 ? v * 1e-310 : v * scale)); // mixes tiny values in: Blue's three accumulators
          assert.ok(Object.is(kernels.dnrm2(N, z, sx, ox), blas.dnrm2(N, z, sx, ox)), `dnrm2 bits N=${N} scale ${scale}`);
        }
      }
    // Past the length where daxpy and dscal split across threads; an overlapping daxpy must stay in index order.
    const big = 300001,
      bx = randomArray(big, next),
      by = randomArray(big, next);
    const bn = by.slice(),
      bj = by.slice();
    kernels.daxpy(big, 0.25, bx, 1, 0, bn, 1, 0);
    blas.daxpy(big, 0.25, bx, 1, 0, bj, 1, 0);
    kernels.dscal(big, -3, bn, 1, 0);
    blas.dscal(big, -3, bj, 1, 0);
    assert.ok(sameBits(bn, bj), 'threaded daxpy/dscal bits');
    const shared = randomArray(big + 1, next),
      sj = shared.slice();
    kernels.daxpy(big, 0.5, shared, 1, 0, shared, 1, 1);
    blas.daxpy(big, 0.5, sj, 1, 0, sj, 1, 1);
    assert.ok(sameBits(shared, sj), 'overlapping daxpy bits');
    const withNaN = randomArray(500, next);
    withNaN[77] = NaN;
    assert.ok(Number.isNaN(kernels.dnrm2(500, withNaN, 1, 0)));
    useBackend('native');
  });

  test('dgemv: native within 1e-13 of js, 1 and 2 threads bitwise, over layouts; beta = 0 clears NaN; alpha = 0 leaves A unread', () => {
    for (const trans of [false, true])
      for (const [M, N] of [
        [137, 253],
        [12000, 3],
        [4, 9000],
        [130, 130],
        [1001, 999],
        [3, 4],
        [2049, 4097],
      ]) {
        for (const layout of LAYOUTS) {
          const A = storeMatrix(M, N, randomArray(M * N, next), layout);
          const nx = trans ? M : N,
            ny = trans ? N : M;
          for (const [sx, beta] of [
            [1, 0.5],
            [-2, 0],
          ] as const) {
            const x = randomArray(nx * 2, next),
              y0 = randomArray(ny, next),
              ox = sx < 0 ? 2 * nx - 1 : 0;
            if (beta === 0) y0.fill(NaN);
            const yj = y0.slice(),
              y1 = y0.slice(),
              y2 = y0.slice();
            blas.dgemv(trans, M, N, 1.25, A.buf, A.s1, A.s2, A.off, x, sx, ox, beta, yj, 1, 0);
            on('native', 1, () => kernels.dgemv(trans, M, N, 1.25, A.buf, A.s1, A.s2, A.off, x, sx, ox, beta, y1, 1, 0));
            on('native', 2, () => kernels.dgemv(trans, M, N, 1.25, A.buf, A.s1, A.s2, A.off, x, sx, ox, beta, y2, 1, 0));
            assert.ok(sameBits(y1, y2), `dgemv 1 vs 2 threads trans=${trans} ${M}×${N} ${layout} sx=${sx}`);
            for (let i = 0; i < ny; i++)
              assert.ok(
                Math.abs(y2[i] - yj[i]) <= TOL * (1 + Math.abs(yj[i])) * nx,
                `dgemv ${layout} trans=${trans} ${M}×${N}: ${y2[i]} vs ${yj[i]}`,
              );
          }
        }
      }
    useBackend('native', 1);
    const y = Float64Array.of(1, 2);
    kernels.dgemv(false, 2, 3, 0, new Float64Array(6).fill(NaN), 3, 1, 0, new Float64Array(3).fill(NaN), 1, 0, 3, y, 1, 0);
    assert.equal(Array.from(y), [3, 6]);
    useBackend('native');
  });

  /** A lazy-phase MLP run with λ every few steps: every loss, λ and parameter bit of it. */
  function mlpRun(): { losses: number[]; lambdas: number[]; params: Float64Array[] } {
    const s = setup({
      model: 'mlp',
      width: 256,
      depth: 2,
      act: 'relu',
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0,
      outputs: 1,
      seed: 3,
      samples: 64,
      inputDim: 64,
      dataSeed: 1,
    });
    const r = train(s.model, s.init, s.data, { lr: 0.5, steps: 12, eigEvery: 4 });
    return {
      losses: r.records.map((x) => x.loss),
      lambdas: r.records.flatMap((x) => (x.lambda === undefined ? [] : [x.lambda])),
      params: r.params.map((p) => p.data),
    };
  }

  test('a whole MLP training run (GD steps and Lanczos λ) is bitwise the same on 1 and 2 OpenBLAS threads, and near js', () => {
    const one = on('native', 1, mlpRun),
      two = on('native', 2, mlpRun);
    assert.ok(one.lambdas.length >= 3, 'λ was measured');
    assert.ok(sameBits(Float64Array.from(one.losses), Float64Array.from(two.losses)), 'losses differ between thread counts');
    assert.ok(sameBits(Float64Array.from(one.lambdas), Float64Array.from(two.lambdas)), 'λ differs between thread counts');
    one.params.forEach((p, i) => assert.ok(sameBits(p, two.params[i]), `parameter ${i} differs between thread counts`));
    // A lazy run (η·λ0 < 2) is not chaotic: kernel rounding stays at the rounding level through training.
    const js = on('js', 1, mlpRun);
    const rel = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(b[i])));
    assert.ok(rel(two.losses, js.losses) <= 1e-12, `losses: native vs js ${rel(two.losses, js.losses)}`);
    assert.ok(rel(two.lambdas, js.lambdas) <= 1e-10, `λ: native vs js ${rel(two.lambdas, js.lambdas)}`);
  });

  test('train hands its parameters back on native without a copy: the pool counts them no more, and never reuses them', () => {
    const s0 = setup({
      model: 'mlp',
      width: 128,
      depth: 2,
      act: 'tanh',
      param: 'ntk',
      sigmaW: 1,
      sigmaB: 0,
      seed: 3,
      samples: 40,
      inputDim: 64,
      dataSeed: 1,
    });
    on('native', 1, () => {
      const mem = kernelMemory()!;
      const live = mem.live;
      const r = train(s0.model, s0.init, s0.data, { lr: 0.1, steps: 3, eigEvery: 0, measureLambda: false });
      assert.is(mem.live, live, 'no bytes left counted after train');
      const before = r.params.map((p) => p.data.slice());
      const other = s0.init.map((p) => allocF64(p.data.length)); // same lengths as the parameters: must not be handed them
      other.forEach((o) => o.fill(1));
      r.params.forEach((p, i) => assert.ok(sameBits(p.data, before[i]), `parameter ${i} was reused by the pool`));
      other.forEach(freeF64);
    });
  });

  test('backendInfo names the OpenBLAS version and kernel set, in the flavor that golden files and sweeps record', () => {
    const info = on('native', 2, backendInfo);
    assert.is(info.name, 'native');
    assert.is(info.threads, 2);
    assert.ok(info.openblas !== undefined && /^\d+\.\d+/.test(info.openblas.version), `version: ${info.openblas?.version}`);
    assert.ok(info.openblas!.config.includes(info.openblas!.core), 'the config string names the core');
    assert.is(info.flavor, `openblas-${info.openblas!.version}-${info.openblas!.core}`);
    assert.is(on('wasm-simd', 1, backendInfo).openblas, undefined, 'the wasm backends report no OpenBLAS');
  });
}

test('the native buffer pool reuses freed arrays by exact length, zeroed, and never holds more than the live high-water mark plus half (at most 512 MiB)', () => {
  const pool = new BufferPool();
  const a = pool.alloc(5000),
    b = pool.alloc(8000);
  a.fill(3);
  assert.is(pool.live, 13000 * 8);
  pool.freeView(a);
  pool.freeView(a); // a second free is ignored, never a double entry
  pool.freeView(b.subarray(0, 4000)); // a view is not the array handed out
  pool.freeView(new Float64Array(5000)); // nor is a foreign array
  assert.is(pool.live, 8000 * 8);
  assert.is(pool.pooled, 5000 * 8);
  const c = pool.alloc(5000);
  assert.ok(c === a, 'a freed array of the same length comes back');
  assert.ok(
    c.every((v) => v === 0),
    'zeroed on reuse',
  );
  assert.ok(pool.alloc(5000) !== a, 'an array is handed out once');
  assert.ok(pool.alloc(100) !== pool.alloc(100), 'short arrays are not pooled');
  // Capacity: live + pooled never passes 1.5× the most ever live (below the 512 MiB cap); the size freed least recently makes room first.
  const q = new BufferPool();
  const x = q.alloc(10000),
    y = q.alloc(20000);
  q.freeView(x);
  q.freeView(y);
  assert.is(q.pooled, 30000 * 8);
  q.resetPeak();
  assert.is(q.peak, 0, 'the measured peak restarts');
  const z = q.alloc(25000); // a new size: room is made by dropping the size freed first (10000)
  assert.is(q.pooled, 20000 * 8, 'live 25000 + pooled 30000 would pass 1.5 × the high water 30000; 25000 + 20000 fits');
  q.freeView(z);
  assert.is(q.pooled, 45000 * 8);
  assert.ok(q.alloc(25000) === z && q.alloc(10000) !== x, 'the recent size stayed, the old one went');
});

test('the native build never fails the install: without OpenBLAS headers it prints one line and leaves no addon', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-native-'));
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-native.js'), dir], {
      encoding: 'utf8',
      env: { ...process.env, CATAPULT_OPENBLAS_INCLUDE: path.join(dir, 'missing') },
    });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.is(lines.length, 1, r.stdout);
    assert.match(lines[0], /native backend not built \(no OpenBLAS headers .*\); the engine runs on wasm/);
    assert.equal(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
