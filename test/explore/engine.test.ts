// The page's engine: the unshared-memory kernels differ from dist/wasm's by one flag bit and compute the same bits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { WasmRuntime, wasmPath } from '../../src/linalg/wasm/runtime';
import { unsharedMemoryModule } from '../../src/linalg/wasm/unshared';
import { pageWasmSource } from '../../src/explore/pageEngine';
import { wasmKernels } from '../../src/linalg/wasm/kernels';
import { RandomState } from '../../src/random/randomState';

const bytes = { fma: fs.readFileSync(wasmPath('fma')), simd: fs.readFileSync(wasmPath('simd')) };

test('the patched module differs in exactly one byte: the memory import flags, shared bit cleared', () => {
  for (const flavor of ['fma', 'simd'] as const) {
    const a = bytes[flavor],
      b = unsharedMemoryModule(a);
    assert.is(b.length, a.length);
    const diff = [...a.keys()].filter((i) => a[i] !== b[i]);
    assert.is(diff.length, 1, `${flavor}: ${diff.length} bytes differ`);
    assert.is(a[diff[0]] & 0x02, 0x02, 'the original imports shared memory');
    assert.is(b[diff[0]], a[diff[0]] & ~0x02);
  }
});

test('a module without a memory import, or not wasm at all, is refused with a reason', () => {
  assert.throws(() => unsharedMemoryModule(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), /not a WebAssembly module/);
  assert.throws(() => unsharedMemoryModule(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)), /imports no memory/);
});

test('page kernels (unshared, fixed memory) and Node kernels (shared) give bitwise-equal dgemm and dgemv', () => {
  const rng = new RandomState(7);
  for (const flavor of ['simd', 'fma'] as const) {
    const node = new WasmRuntime(flavor, 1);
    const page = new WasmRuntime(flavor, 1, pageWasmSource(bytes));
    assert.is(page.flavor, node.flavor);
    assert.is(page.memory.buffer instanceof SharedArrayBuffer, false, 'the page memory is unshared');
    const [M, N, K] = [70, 65, 90];
    const A = rng.standardNormalArray(M * K),
      B = rng.standardNormalArray(K * N),
      G = rng.standardNormalArray(M * 10 * K),
      x = rng.standardNormalArray(K);
    // Sizes above the wasm kernels' small-size cut-offs, so the wasm code runs (not the JS fallback).
    const out = (rt: WasmRuntime) => {
      const k = wasmKernels(rt);
      const C = new Float64Array(M * N),
        y = new Float64Array(M * 10);
      k.dgemm(false, true, M, N, K, 1.5, A, K, 1, 0, B, 1, K, 0, 0, C, N, 1, 0);
      k.dgemv(false, M * 10, K, 1, G, K, 1, 0, x, 1, 0, 0, y, 1, 0);
      return [C, y];
    };
    const [c1, y1] = out(node);
    const [c2, y2] = out(page);
    assert.ok(c1.some((v) => v !== 0) && y1.some((v) => v !== 0));
    assert.ok(
      c1.every((v, i) => Object.is(v, c2[i])),
      `${flavor}: dgemm bitwise equal`,
    );
    assert.ok(
      y1.every((v, i) => Object.is(v, y2[i])),
      `${flavor}: dgemv bitwise equal`,
    );
  }
});

test.run();
