// A 1-D regression set on Chebyshev points: the edge-of-stability view's data (a small tanh net sharpens on it within seconds).
import { tensor } from '../linalg/tensor';
import { Dataset, validateData } from './dataset';

// Math.cos and Math.sin are the JS engine's own: Chromium 156's differ from Node 20's in the last bit on some of these
// very points (2 of the 20 cosines, 6 of the 20 sines), so a page and the CLI would train on different data. sinCos is
// arithmetic only (IEEE +, −, ×, ÷ give the same bits on every engine).

/** π/2 in two parts (Cody–Waite): the first has 33 significant bits, so k·PIO2_HI is exact for the small k used here. */
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;

/**
 * sin r and cos r for |r| ≤ π/4: the Taylor series in nested form to r²¹/21! and r²⁰/20! (below 2⁻⁵⁵ there), the small
 * corrections added last (to r, and to 1 − r²/2 with its rounding error put back) as fdlibm's kernels do.
 */
function sinCosReduced(r: number): [number, number] {
  const z = r * r;
  let s = 1,
    c = 1;
  for (let j = 10; j >= 2; j--) s = 1 - (z / (2 * j * (2 * j + 1))) * s; // sin: 1 − z/20·(1 − z/42·(…))
  for (let j = 10; j >= 3; j--) c = 1 - (z / ((2 * j - 1) * 2 * j)) * c; // cos: 1 − z/30·(1 − z/56·(…))
  const hz = 0.5 * z,
    w = 1 - hz;
  return [r + r * (-(z / 6) * s), w + (1 - w - hz + ((z * z) / 24) * c)];
}

/**
 * sin a and cos a for |a| ≤ 100 with the same bits on every JS engine: within one ulp of V8's and of glibc's (measured
 * on 2·10⁵ arguments in [−100, 100]; 84 % equal to glibc's).
 *
 * @example
 * sinCos(Math.PI / 6); // [0.49999999999999994, 0.8660254037844387]
 */
export function sinCos(a: number): [number, number] {
  if (!(Math.abs(a) <= 100)) throw new Error(`sinCos: the argument must be a number in [-100, 100], got ${a}`);
  const k = Math.round(a / (PIO2_HI + PIO2_LO));
  const [s, c] = sinCosReduced(a - k * PIO2_HI - k * PIO2_LO);
  const quadrant = ((k % 4) + 4) % 4;
  return quadrant === 0 ? [s, c] : quadrant === 1 ? [c, -s] : quadrant === 2 ? [-s, -c] : [-c, s];
}

/** The target the points are labelled with, as a function and as the page and docs write it. */
export const CHEBYSHEV_TARGET = { text: 'y = sin(5x)', at: (x: number) => sinCos(5 * x)[0] };

/**
 * m Chebyshev points of the first kind, x_i = cos((2i + 1)π / 2m) for i = 0 … m − 1 (descending in (−1, 1)), with
 * y_i = sin(5x_i): X and Y are m×1. `source` names the data in a run's summary (the .npz file a CLI run reads them from).
 *
 * @example
 * const d = chebyshevData(20, 'eos-chebyshev.npz'); // d.X.data[0] ≈ cos(π/40) = 0.99691733373…
 */
export function chebyshevData(m: number, source: string): Dataset {
  if (!Number.isInteger(m) || m < 1) throw new Error(`Chebyshev points: m must be a positive integer, got ${m}`);
  const x = Float64Array.from({ length: m }, (_, i) => sinCos(((2 * i + 1) * Math.PI) / (2 * m))[1]);
  return validateData(tensor([m, 1], x), tensor([m, 1], x.map(CHEBYSHEV_TARGET.at)), source);
}
