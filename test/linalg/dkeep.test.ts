// dkeep (relu's kernel, y = key > 0 ? x : +0) on js, native and wasm: the ternary's bits at special values, one result on every backend and thread count.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BackendName } from '../../src/linalg/backend';
import { dkeep } from '../../src/linalg/blas';
import { NativeAddon, nativeAvailable, nativeKernels } from '../../src/linalg/native/kernels';
import { jsKernels, kernels } from '../../src/linalg/kernels';
import { on } from './kernelCases';
import { RandomState } from '../../src/random/randomState';

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1, -1, Number.MAX_VALUE, -Number.MIN_VALUE];
const bytes = (a: Float64Array) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

/** Every (key, x) pair of special values, then `n` random signs: long enough for the native backend's parallel split. */
function inputs(n: number): { key: Float64Array; x: Float64Array } {
  const rng = new RandomState(29);
  const key = Float64Array.from([...SPECIAL.flatMap((k) => SPECIAL.map(() => k)), ...rng.standardNormalArray(n)]);
  const x = Float64Array.from([...SPECIAL.flatMap(() => SPECIAL), ...rng.standardNormalArray(n)]);
  return { key, x };
}

test('dkeep is `key > 0 ? x : 0` bit for bit (NaN and −0 keys give +0), honours offsets, and may write over x', () => {
  const { key, x } = inputs(1000);
  const y = new Float64Array(key.length + 1).fill(7);
  dkeep(key.length - 2, key, 2, x, 2, y, 3);
  const want = Float64Array.from(key.subarray(2), (k, i) => (k > 0 ? x[i + 2] : 0));
  assert.equal(bytes(y.subarray(3)), bytes(want));
  assert.equal([...y.subarray(0, 3)], [7, 7, 7]);
  const inPlace = x.slice();
  dkeep(key.length, key, 0, inPlace, 0, inPlace, 0);
  assert.equal(bytes(inPlace.subarray(2)), bytes(want));
});

const backends: Array<[BackendName, number]> = [
  ['wasm', 1],
  ['wasm', 2],
  ...(nativeAvailable()
    ? ([
        ['native', 1],
        ['native', 2],
      ] as Array<[BackendName, number]>)
    : []),
];

test(`dkeep on ${backends.map(([b, t]) => `${b}/${t}`).join(', ')} is the js kernel's bits, short and past the native parallel split (2^18)`, () => {
  for (const n of [300, 1 << 19]) {
    const { key, x } = inputs(n);
    const want = new Float64Array(key.length);
    dkeep(key.length, key, 0, x, 0, want, 0);
    for (const [name, threads] of backends) {
      const got = on(name, threads, () => {
        const y = new Float64Array(key.length);
        kernels.dkeep(key.length, key, 0, x, 0, y, 0);
        return y;
      });
      assert.ok(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer)) === 0, `${name} on ${threads} threads, n = ${n}`);
    }
  }
});

test('an addon built before dkeep (a stale prebuilt dist/native) runs the JS loop instead of failing', () => {
  const { dkeep: _absent, ...older } = jsKernels;
  const stale = { ...older, setThreads: () => 1, config: () => '', corename: () => '' } as unknown as NativeAddon;
  const { key, x } = inputs(1000);
  const want = new Float64Array(key.length),
    got = new Float64Array(key.length);
  dkeep(key.length, key, 0, x, 0, want, 0);
  nativeKernels(stale).dkeep(key.length, key, 0, x, 0, got, 0);
  assert.equal(bytes(got), bytes(want));
});

test.run();
