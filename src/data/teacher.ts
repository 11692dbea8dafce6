// The synthetic classification task: Gaussian inputs labelled by a random one-hidden-layer (centered) ReLU teacher network.
import { RandomState } from '../random/randomState';
import { Pool } from './pools';

export interface TeacherOptions {
  inputDim: number;
  numClasses: number;
  /** Which teacher classes to keep, and how many of each for train and test. */
  classes: readonly number[];
  perTrain: number;
  perTest: number;
  seed: number;
}

/** The kept examples as a pool, and per class (in `classes` order) the pool indices of its train and test examples. */
export interface TeacherDraw {
  pool: Pool;
  train: number[][];
  test: number[][];
}

/**
 * Draws labelled examples from one numpy-compatible stream, reproducible in numpy as
 * `rs = RandomState(seed); W1 = rs.standard_normal((2d, d)) / sqrt(d); W2 = rs.standard_normal((K, 2d)) / sqrt(2d);
 * X = rs.standard_normal((N, d)); H = maximum(X @ W1.T, 0) - norm(W1, axis=1) / sqrt(2π); y = argmax(H @ W2.T, 1)`
 * for any N large enough. The teacher comes first so that X is an open-ended stream of rows: per class, the first
 * perTrain rows with that label are its training examples and the next perTest its test examples, whatever N is.
 * Each hidden unit is centered by its mean |w|/√(2π) under x ~ N(0, I): uncentered ReLU features share a positive
 * mean that makes the argmax favour a few classes (at d = 20 the rarest class gets 0.06–3% of draws over seeds
 * 0–9, centered 2–7%), so the rarest class set the cost. Ties go to the lowest class, as in np.argmax (numpy's
 * BLAS sums in another order, so a label can differ on a near-exact tie).
 *
 * @example
 * const t = teacherDraw({ inputDim: 20, numClasses: 10, classes: [0, 1], perTrain: 32, perTest: 8, seed: 0 });
 */
export function teacherDraw(o: TeacherOptions): TeacherDraw {
  const d = o.inputDim,
    h = 2 * d,
    K = o.numClasses;
  const rs = new RandomState(o.seed);
  // Division (not multiplication by 1/√d) so the weights equal numpy's bit for bit.
  const W1 = rs.standardNormalArray(h * d).map((w) => w / Math.sqrt(d));
  const W2 = rs.standardNormalArray(K * h).map((w) => w / Math.sqrt(h));
  const center = Float64Array.from(
    { length: h },
    (_, a) => Math.sqrt(W1.subarray(a * d, (a + 1) * d).reduce((s, w) => s + w * w, 0)) / Math.sqrt(2 * Math.PI),
  );
  const need = o.perTrain + o.perTest;
  const slot = new Map(o.classes.map((c, j) => [c, j]));
  const kept: number[][] = o.classes.map(() => []);
  // One block for every kept row (need per class): no per-row array headers, and exactly the bytes checked for.
  const rows = new Float64Array(need * o.classes.length * d);
  const labels: number[] = [];
  let missing = o.classes.length;
  // A class the teacher almost never predicts would otherwise loop for ever.
  const maxDraws = Math.max(200_000, 100 * need * o.classes.length);
  const hidden = new Float64Array(h);
  let drawn = 0;
  for (; missing > 0 && drawn < maxDraws; drawn++) {
    const x = rs.standardNormalArray(d);
    for (let a = 0; a < h; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += W1[a * d + b] * x[b];
      hidden[a] = (s > 0 ? s : 0) - center[a];
    }
    let best = 0,
      bestValue = -Infinity;
    for (let c = 0; c < K; c++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += W2[c * h + a] * hidden[a];
      if (s > bestValue) {
        best = c;
        bestValue = s;
      }
    }
    const j = slot.get(best);
    if (j === undefined || kept[j].length === need) continue;
    kept[j].push(labels.length);
    rows.set(x, labels.length * d);
    labels.push(best);
    if (kept[j].length === need) missing--;
  }
  const short = kept.findIndex((k) => k.length < need);
  if (short >= 0) {
    throw new Error(
      `synthetic: the teacher gave class ${o.classes[short]} only ${kept[short].length} of the ${need} examples needed in ${drawn} draws ` +
        '(it rarely predicts that class; choose other classes or fewer examples)',
    );
  }
  const pool: Pool = {
    labels: Int32Array.from(labels),
    d,
    fill: (i, out, offset) => out.set(rows.subarray(i * d, (i + 1) * d), offset),
    source: `synthetic teacher (d = ${d}, ${K} classes, seed ${o.seed})`,
  };
  return { pool, train: kept.map((k) => k.slice(0, o.perTrain)), test: kept.map((k) => k.slice(o.perTrain)) };
}
