// The wasm backend against the JS reference: every gemm case of the engine's gemm tests, level-1/2 kernels, threads, heap, build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { activeRuntime, backendInfo, BackendName, useBackend } from '../../src/linalg/backend';
import * as blas from '../../src/linalg/blas';
import { dgemm } from '../../src/linalg/gemm';
import { kernels } from '../../src/linalg/kernels';
import { stagingCounts } from '../../src/linalg/wasm/kernels';
import { Heap } from '../../src/linalg/wasm/heap';
import { wasmPath } from '../../src/linalg/wasm/runtime';
import { LAYOUTS, randomArray, rng, storeMatrix } from './helpers';
import { gemmCases, on, runGemm, sameBits, worstRelative } from './kernelCases';

/** wasm (FMA) against js: one rounding per product apart, measured against the rounding-error scale. */
const TOL = 1e-13;
const next = rng(7);
const before = backendInfo();

test('wasm gemm agrees with js to 1e-13 on every gemm-test case; wasm-simd is bitwise js', () => {
  let worst = 0,
    cases = 0;
  for (const c of gemmCases()) {
    const ref = runGemm(c, dgemm);
    const fma = on('wasm', 2, () => runGemm(c));
    const simd = on('wasm-simd', 2, () => runGemm(c));
    worst = Math.max(worst, worstRelative(fma.C, ref));
    assert.ok(sameBits(simd.C, ref.C), `wasm-simd differs from js in bits: ${JSON.stringify(c)}`);
    cases++;
  }
  assert.ok(worst <= TOL, `worst wasm/js relative error ${worst} over ${cases} cases`);
  assert.ok(cases > 200, `only ${cases} cases ran`);
});

test('1 and 2 threads give bitwise the same gemm (rows, columns and thin splits)', () => {
  for (const name of ['wasm', 'wasm-simd'] as const) {
    for (const c of gemmCases().filter((x) => 2 * x.M * x.N * x.K >= 1 << 21)) {
      const one = on(name, 1, () => runGemm(c)).C,
        two = on(name, 2, () => runGemm(c)).C;
      assert.ok(sameBits(one, two), `${name}: 1 and 2 threads differ: ${JSON.stringify(c)}`);
    }
  }
});

test('operands in wasm memory are used in place (no staging) with the same bits as staged JS arrays', () => {
  useBackend('wasm', 2);
  const heap = activeRuntime()!.heap;
  const M = 130,
    N = 70,
    K = 90;
  const A = randomArray(M * K, next),
    B = randomArray(K * N, next);
  const hA = heap.alloc(M * K)!,
    hB = heap.alloc(K * N)!,
    hC = heap.alloc(M * N)!;
  hA.set(A);
  hB.set(B);
  const jC = new Float64Array(M * N);
  const staged0 = stagingCounts.arrays;
  kernels.dgemm(false, true, M, N, K, 1, hA, K, 1, 0, hB, K, 1, 0, 0, hC, N, 1, 0);
  assert.is(stagingCounts.arrays, staged0, 'heap operands were staged');
  kernels.dgemm(false, true, M, N, K, 1, A, K, 1, 0, B, K, 1, 0, 0, jC, N, 1, 0);
  assert.is(stagingCounts.arrays, staged0 + 3, 'JS operands were not staged');
  assert.ok(sameBits(hC, jC));
  [hA, hB, hC].forEach((x) => heap.freeView(x));
  useBackend(before.name, before.threads);
});

test('ddot, daxpy, dscal and dgemv: wasm-simd bitwise js, wasm within 1e-13, over strides and offsets', () => {
  const N = 5001; // above the size below which the JS kernels run
  const strides: Array<[number, number]> = [
    [1, 1],
    [2, 1],
    [1, -3],
    [-2, 2],
  ];
  for (const [sx, sy] of strides) {
    const x = randomArray(N * 3 + 7, next),
      y = randomArray(N * 3 + 7, next);
    const ox = sx < 0 ? (N - 1) * -sx + 2 : 2,
      oy = sy < 0 ? (N - 1) * -sy + 1 : 1;
    const ref = blas.ddot(N, x, sx, ox, y, sy, oy);
    assert.ok(
      Object.is(
        on('wasm-simd', 1, () => kernels.ddot(N, x, sx, ox, y, sy, oy)),
        ref,
      ),
      `ddot simd bits (${sx}, ${sy})`,
    );
    const fma = on('wasm', 1, () => kernels.ddot(N, x, sx, ox, y, sy, oy));
    let mag = 0;
    for (let i = 0; i < N; i++) mag += Math.abs(x[ox + i * sx] * y[oy + i * sy]);
    assert.ok(Math.abs(fma - ref) <= TOL * mag, `ddot fma (${sx}, ${sy})`);
    const yj = y.slice(),
      ys = y.slice(),
      yf = y.slice();
    blas.daxpy(N, -0.75, x, sx, ox, yj, sy, oy);
    on('wasm-simd', 1, () => kernels.daxpy(N, -0.75, x, sx, ox, ys, sy, oy));
    on('wasm', 1, () => kernels.daxpy(N, -0.75, x, sx, ox, yf, sy, oy));
    assert.ok(sameBits(ys, yj), `daxpy simd bits (${sx}, ${sy})`);
    for (let i = 0; i < yf.length; i++) assert.ok(Math.abs(yf[i] - yj[i]) <= TOL * (Math.abs(y[i]) + 0.75 * 1), 'daxpy fma');
    const xs = x.slice(),
      xj = x.slice();
    blas.dscal(N, 1.5, xj, sx, ox);
    on('wasm', 1, () => kernels.dscal(N, 1.5, xs, sx, ox));
    assert.ok(sameBits(xs, xj), `dscal bits (${sx})`);
  }
  for (const trans of [false, true])
    for (const [M, N2] of [
      [137, 253],
      [12000, 3],
      [4, 9000],
    ]) {
      for (const layout of LAYOUTS) {
        const A = storeMatrix(M, N2, randomArray(M * N2, next), layout);
        const nx = trans ? M : N2,
          ny = trans ? N2 : M;
        const x = randomArray(nx, next),
          y0 = randomArray(ny, next);
        const yj = y0.slice(),
          ys = y0.slice(),
          yf = y0.slice();
        blas.dgemv(trans, M, N2, 1.25, A.buf, A.s1, A.s2, A.off, x, 1, 0, 0.5, yj, 1, 0);
        on('wasm-simd', 2, () => kernels.dgemv(trans, M, N2, 1.25, A.buf, A.s1, A.s2, A.off, x, 1, 0, 0.5, ys, 1, 0));
        on('wasm', 2, () => kernels.dgemv(trans, M, N2, 1.25, A.buf, A.s1, A.s2, A.off, x, 1, 0, 0.5, yf, 1, 0));
        assert.ok(sameBits(ys, yj), `dgemv simd bits trans=${trans} ${M}×${N2} ${layout}`);
        for (let i = 0; i < ny; i++) assert.ok(Math.abs(yf[i] - yj[i]) <= TOL * (1 + Math.abs(yj[i])) * nx, `dgemv fma ${layout}`);
      }
    }
});

test('the heap reuses freed blocks: a block freed and asked for again comes back at the same address', () => {
  useBackend('wasm', 1);
  const heap = activeRuntime()!.heap;
  const a = heap.alloc(1000)!;
  a.fill(3);
  const at = a.byteOffset,
    claimed = heap.claimed;
  heap.freeView(a);
  const b = heap.alloc(1000)!;
  assert.is(b.byteOffset, at);
  assert.is(heap.claimed, claimed, 'the bump pointer moved for a size on the free list');
  assert.ok(
    b.every((v) => v === 0),
    'a reused block is zeroed',
  );
  heap.freeView(b);
  heap.freeView(b); // a second free is a no-op, never a double entry
  assert.is(heap.alloc(1000)!.byteOffset, at);
  assert.is.not(heap.alloc(1000)!.byteOffset, at);
  useBackend(before.name, before.threads);
});

test('operands that grow by a little each call (a JS-memory basis) stage into power-of-two blocks: the heap stops growing', () => {
  useBackend('wasm', 1);
  const heap = activeRuntime()!.heap;
  const n = 5000,
    rows = 40,
    Q = new Float64Array(rows * n).fill(0.5),
    y = new Float64Array(rows),
    x = new Float64Array(n).fill(1);
  const project = (j: number) => kernels.dgemv(false, j, n, 1, Q, n, 1, 0, x, 1, 0, 0, y, 1, 0);
  const start = heap.claimed;
  for (let j = 1; j <= rows; j++) project(j); // j·n grows every call, like Lanczos's reorthogonalization
  const claimed = heap.claimed;
  // Without size classes this pass alone would claim Σ_j j·n·8 bytes (33 MB); with them, about twice the largest (3.2 MB).
  assert.ok(claimed - start < 10e6, `the first pass claimed ${claimed - start} bytes`);
  for (let j = 1; j <= rows; j++) project(j);
  assert.is(heap.claimed, claimed, 'a second pass over the same sizes claimed new memory');
  assert.ok(
    y.every((v) => v === 0.5 * n),
    'the products are right',
  );
  useBackend(before.name, before.threads);
});

test('a full heap hands out the smallest free block that is large enough, and takes it back whole', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true }); // 4 pages = 256 KiB; shared, as the runtime's (views survive growth)
  const heap = new Heap(memory, 0, 4);
  const big = heap.alloc(16384)!,
    mid = heap.alloc(8192)!,
    rest = heap.alloc(8192)!; // 128 + 64 + 64 KiB: all of it
  assert.ok(rest !== null && heap.alloc(8) === null, 'the address space is full');
  const bigAt = big.byteOffset,
    midAt = mid.byteOffset;
  heap.freeView(big);
  heap.freeView(mid);
  const a = heap.alloc(5000)!; // 40 KiB: the 64 KiB block is the smallest free one that fits
  assert.is(a.byteOffset, midAt);
  assert.is(a.length, 5000);
  const b = heap.alloc(12000)!; // 96 KiB: only the 128 KiB block fits
  assert.is(b.byteOffset, bigAt);
  assert.is(heap.alloc(100), null, 'nothing free is left');
  heap.freeView(a);
  assert.is(heap.alloc(8192)!.byteOffset, midAt, 'the block went back to its own size list, whole');
  assert.is(heap.claimed, 4 * 65536);
});

test('--backend and --threads (and their environment variables) are validated', () => {
  assert.throws(() => useBackend('gpu' as BackendName), /unknown backend 'gpu'/);
  assert.throws(() => useBackend('wasm', 0), /threads must be an integer in \[1, \d+\]/);
  assert.throws(() => useBackend('wasm', 1.5), /threads must be an integer in \[1, \d+\]/);
  useBackend(before.name, before.threads);
});

test('the wasm build is reproducible: rebuilding from the source gives the same bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-wasm-'));
  try {
    execFileSync(process.execPath, [path.join(__dirname, '..', '..', '..', 'scripts', 'build-wasm.js'), dir], { stdio: 'pipe' });
    for (const flavor of ['fma', 'simd'] as const) {
      const built = fs.readFileSync(path.join(dir, `kernels-${flavor}.wasm`));
      assert.ok(built.equals(fs.readFileSync(wasmPath(flavor))), `${flavor}: rebuilt bytes differ from dist/wasm`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
