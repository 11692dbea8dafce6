// Data augmentation of image batches (random horizontal flips, padded random crops, mixup), seeded per step.
import { tensor } from '../linalg/tensor';
import { RandomState } from '../random/randomState';
import type { Dataset } from './dataset';

export interface Augmentation {
  flip: boolean;
  /** Zero padding P of the random crops (the crop is the image's size, offset by 0 … 2P in each direction); 0 = none. */
  crop: number;
  /** Mixup's Beta(α, α) parameter; 0 = none. */
  mixup: number;
}

/**
 * `--augment flip,crop:P,mixup:α` (any subset, comma-separated).
 *
 * @example
 * parseAugment('flip,crop:4'); // { flip: true, crop: 4, mixup: 0 }
 */
export function parseAugment(text: string): Augmentation {
  const a: Augmentation = { flip: false, crop: 0, mixup: 0 };
  for (const item of text.split(',').map((t) => t.trim())) {
    const [name, value, ...rest] = item.split(':');
    const v = value === undefined ? NaN : /^\d+(\.\d*)?$/.test(value) ? Number(value) : NaN;
    if (name === 'flip' && value === undefined) a.flip = true;
    else if (name === 'crop' && rest.length === 0 && Number.isInteger(v) && v >= 1 && v <= 16) a.crop = v;
    else if (name === 'mixup' && rest.length === 0 && v > 0 && v <= 100) a.mixup = v;
    else throw new Error(`--augment takes flip, crop:P (P an integer in [1, 16]) and mixup:α (α in (0, 100]), got '${item}'`);
  }
  return a;
}

/** A Gamma(α, 1) draw (Marsaglia & Tsang 2000; for α < 1 boosted by U^(1/α)). */
function gamma(rs: RandomState, alpha: number): number {
  if (alpha < 1) return gamma(rs, alpha + 1) * Math.pow(rs.randomDouble(), 1 / alpha);
  const d = alpha - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rs.standardNormal(),
      v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rs.randomDouble();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * λ ~ Beta(α, α) as G₁/(G₁ + G₂) of two Gamma(α) draws (not numpy's algorithm, so not its stream).
 *
 * @example
 * betaDraw(new RandomState(0), 0.2); // a λ in (0, 1), mostly near 0 or 1
 */
export function betaDraw(rs: RandomState, alpha: number): number {
  const g1 = gamma(rs, alpha);
  return g1 / (g1 + gamma(rs, alpha));
}

/** One image (C, H, W) flipped left–right and/or shifted by (dy − P, dx − P) with zeros coming in. */
function transform(
  src: Float64Array,
  dst: Float64Array,
  [C, H, W]: readonly number[],
  flip: boolean,
  P: number,
  dy: number,
  dx: number,
): void {
  for (let c = 0; c < C; c++)
    for (let h = 0; h < H; h++) {
      const sh = h + dy - P;
      for (let w = 0; w < W; w++) {
        const sw0 = w + dx - P,
          sw = flip ? W - 1 - sw0 : sw0;
        dst[(c * H + h) * W + w] = sh >= 0 && sh < H && sw0 >= 0 && sw0 < W ? src[(c * H + sh) * W + sw] : 0;
      }
    }
}

/**
 * The batch of training step `step` augmented (under full-batch GD a step is an epoch). The draws come from
 * RandomState((seed + step) mod 2³²), in this order: per
 * image in row order a flip (randomDouble() < ½) and a crop offset (randomInterval(2P) for rows, then columns); then
 * for mixup a permutation π of the rows and λ ~ Beta(α, α), giving x ← λx + (1 − λ)x_π and y ← λy + (1 − λ)y_π.
 *
 * @example
 * const b = augmentBatch(batch, [1, 28, 28], parseAugment('flip,crop:2'), 0, t);
 */
export function augmentBatch(batch: Dataset, shape: readonly number[], a: Augmentation, seed: number, step: number): Dataset {
  const [m, d] = batch.X.shape;
  if (shape.reduce((x, y) => x * y, 1) !== d)
    throw new Error(`--augment: images of shape (${shape.join(', ')}) do not match inputs of ${d} values`);
  const rs = new RandomState((seed + step) % 2 ** 32);
  let X = batch.X.data,
    Y = batch.Y.data;
  if (a.flip || a.crop > 0) {
    const out = new Float64Array(X.length);
    for (let i = 0; i < m; i++) {
      const flip = a.flip && rs.randomDouble() < 0.5;
      const [dy, dx] = a.crop > 0 ? [rs.randomInterval(2 * a.crop), rs.randomInterval(2 * a.crop)] : [0, 0];
      transform(X.subarray(i * d, (i + 1) * d), out.subarray(i * d, (i + 1) * d), shape, flip, a.crop, dy, dx);
    }
    X = out;
  }
  if (a.mixup > 0) {
    const perm = rs.permutation(m),
      lambda = betaDraw(rs, a.mixup);
    const mix = (v: Float64Array, width: number) => {
      const out = new Float64Array(v.length);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < width; j++) out[i * width + j] = lambda * v[i * width + j] + (1 - lambda) * v[perm[i] * width + j];
      return out;
    };
    X = mix(X, d);
    Y = mix(Y, batch.Y.shape[1]);
  }
  return { ...batch, X: tensor(batch.X.shape, X), Y: tensor(batch.Y.shape, Y) };
}
