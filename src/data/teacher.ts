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

/** The teacher network f*(x) = W2 (relu(W1 x) − center): W1 is hidden×d, W2 K×hidden (row-major), hidden = 2d. */
export interface TeacherNetwork {
  d: number;
  hidden: number;
  outputs: number;
  W1: Float64Array;
  W2: Float64Array;
  center: Float64Array;
}

/** The teacher's weights, the first draws of the stream `rs` (which goes on to draw X). */
function drawTeacher(rs: RandomState, d: number, K: number): TeacherNetwork {
  const h = 2 * d;
  // Division (not multiplication by 1/√d) so the weights equal numpy's bit for bit.
  const W1 = rs.standardNormalArray(h * d).map((w) => w / Math.sqrt(d));
  const W2 = rs.standardNormalArray(K * h).map((w) => w / Math.sqrt(h));
  const center = Float64Array.from(
    { length: h },
    (_, a) => Math.sqrt(W1.subarray(a * d, (a + 1) * d).reduce((s, w) => s + w * w, 0)) / Math.sqrt(2 * Math.PI),
  );
  return { d, hidden: h, outputs: K, W1, W2, center };
}

/**
 * The teacher that labels `teacherDraw`'s examples for these settings (the same seed, input dimension and class count).
 *
 * @example
 * const t = teacherNetwork({ inputDim: 20, numClasses: 10, seed: 0 }); // t.W1: 40×20, t.W2: 10×40
 */
export function teacherNetwork(o: Pick<TeacherOptions, 'inputDim' | 'numClasses' | 'seed'>): TeacherNetwork {
  return drawTeacher(new RandomState(o.seed), o.inputDim, o.numClasses);
}

/**
 * The AGOP of the teacher's K logits on the rows of X (m×d): G* = (1/m) Σ_i J*(x_i)ᵀ J*(x_i), with the exact input
 * Jacobian J*(x) = W2 diag(1[W1 x > 0]) W1 (K×d). Its logits, not its argmax labels, are the true predictor whose
 * gradients carry the features: the argmax is piecewise constant, with zero gradient almost everywhere.
 *
 * @example
 * const Gstar = teacherAgop(teacherNetwork({ inputDim: 20, numClasses: 10, seed: 0 }), train.X.data, 20); // 20×20
 */
export function teacherAgop(t: TeacherNetwork, X: Float64Array, d: number): Float64Array {
  if (d !== t.d || X.length % d !== 0) throw new Error(`teacherAgop: inputs of dimension ${d} for a teacher of input dimension ${t.d}`);
  const m = X.length / d,
    h = t.hidden,
    K = t.outputs;
  const G = new Float64Array(d * d);
  const J = new Float64Array(K * d);
  for (let i = 0; i < m; i++) {
    const x = X.subarray(i * d, (i + 1) * d);
    J.fill(0);
    for (let a = 0; a < h; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += t.W1[a * d + b] * x[b];
      if (s <= 0) continue;
      for (let c = 0; c < K; c++) {
        const w = t.W2[c * h + a];
        for (let b = 0; b < d; b++) J[c * d + b] += w * t.W1[a * d + b];
      }
    }
    for (let c = 0; c < K; c++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) G[a * d + b] += (J[c * d + a] * J[c * d + b]) / m;
  }
  return G;
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
    K = o.numClasses;
  const rs = new RandomState(o.seed);
  const { hidden: h, W1, W2, center } = drawTeacher(rs, d, K);
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
