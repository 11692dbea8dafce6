// Shared test helpers: seeded random tensors, inner products and relative errors.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fashionMnistDir } from '../src/data/pools';
import { RandomState } from '../src/random/randomState';
import * as assert from 'uvu/assert';
import { Tensor, tensor } from '../src/linalg/tensor';

/** A seeded standard-normal tensor. */
export function randn(rng: RandomState, shape: number[]): Tensor {
  return tensor(shape, rng.standardNormalArray(shape.reduce((a, b) => a * b, 1)));
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Σ_k <a_k, b_k> over lists of arrays (one per parameter). */
export function dotList(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += dot(a[k], b[k]);
  return s;
}

/** |a − b| / max(|a|, |b|), 0 when both are 0. */
export function relErr(a: number, b: number): number {
  const d = Math.max(Math.abs(a), Math.abs(b));
  return d === 0 ? 0 : Math.abs(a - b) / d;
}

/** max_i |a_i − b_i| / max_i |b_i|. */
export function maxRelErr(a: Float64Array, b: Float64Array): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** Asserts err ≤ tol with a message that names the quantity and both numbers. */
export function within(err: number, tol: number, what: string): void {
  if (!(err <= tol)) throw new Error(`${what}: error ${err.toExponential(3)} exceeds ${tol.toExponential(1)}`);
}

/** Asserts that fn throws a one-line message matching `pattern` (the CLI prints only the first line). */
export function rejects(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    const message = (err as Error).message;
    assert.not.ok(message.includes('\n'), `message spans lines: ${JSON.stringify(message)}`);
    assert.match(message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

/** Distance in units in the last place between two finite doubles of the same sign. */
export function ulpDistance(a: number, b: number): number {
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = bits[0] - bits[1];
  return Number(d < 0n ? -d : d);
}

/** True when python3 with numpy is on this machine (the numpy interop tests skip, saying so, otherwise). */
export const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** True when Debian's dataset-fashion-mnist is installed (the tests about those very files skip, saying so, otherwise). */
export const hasFashionMnist = fs.existsSync(path.join(fashionMnistDir(), 'train-images-idx3-ubyte.gz'));

/** The interpreter with torch (Debian's python3-torch lives under /usr/bin/python3, not necessarily the PATH one). */
export const TORCH_PYTHON = '/usr/bin/python3';
/** Whether TORCH_PYTHON imports `modules` (e.g. 'torch', 'torch, pytest'). */
export function torchPythonHas(modules: string): boolean {
  return fs.existsSync(TORCH_PYTHON) && spawnSync(TORCH_PYTHON, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0;
}

/**
 * θ + t·d: the parameters moved along a direction given per parameter (finite differences, lines through θ).
 * @example
 * const plus = along(params, u, 1e-3);
 */
export function along(theta: readonly Tensor[], d: readonly Float64Array[], t: number): Tensor[] {
  return theta.map((p, k) =>
    tensor(
      p.shape,
      p.data.map((x, i) => x + t * d[k][i]),
    ),
  );
}
