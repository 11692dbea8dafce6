// Fig. S1: the warmup model's loss surface at n = 500 in the 2-D subspace u = a·r + b·s, v = a·r − b·s, with GD paths.
import { Tensor, tensor } from '../../../../linalg/tensor';
import { RandomState } from '../../../../random/randomState';
import { forwardPass, lambdaAt } from '../../../../models';
import { fmt } from '../../../report/report';
import { linspace } from '../../../report/stats';
import { Series } from '../../../report/plot';
import { Instance, etaLabel, gd, warmupInstance } from '../../common';
import { FigureOutput } from '../../output';
import { FigureSpec, Progress, seedAndWidth } from '../../spec';

export interface FigS1Options {
  n: number;
  seed: number;
  /** η·λ0 of the lazy, catapult and divergent runs. */
  etaLambda0: [number, number, number];
  steps: number;
  /** Cells per side of each loss-surface grid. */
  grid: number;
}

export const FIGS1_DEFAULTS: FigS1Options = { n: 500, seed: 0, etaLambda0: [1.5, 3.0, 4.2], steps: 300, grid: 81 };

const PHASES = ['lazy', 'catapult', 'divergent'] as const;

export interface SubspacePath {
  phase: (typeof PHASES)[number];
  etaLambda0: number;
  eta: number;
  a: number[];
  b: number[];
  loss: number[];
  lambda: number[];
  /** uᵀv/(|u||v|) at each step. */
  corr: number[];
  /** max_t ‖u_t − (a r + b s)‖/‖u_t‖ (and the same for v): how far GD leaves the subspace. */
  leak: number;
  divergedAt: number | null;
  convergedAt: number | null;
}

export interface Surface {
  x: number[];
  y: number[];
  /** Loss from the engine's forward pass, z[j·x.length + i] at (x_i, y_j). */
  z: Float64Array;
  /** max relative deviation from the closed form, scaled by the size of its terms. */
  closedFormError: number;
}

export interface FigS1Data {
  lambda0: number;
  a0: number;
  b0: number;
  paths: SubspacePath[];
  ab: Surface;
  corrLambda: Surface;
}

const dot = (x: Float64Array, y: Float64Array) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
};

/** Two orthonormal directions r, s in R^n from their own seeded stream (Gram–Schmidt). */
function orthonormalPair(n: number, seed: number): [Float64Array, Float64Array] {
  const rng = new RandomState(seed);
  const r = rng.standardNormalArray(n),
    s = rng.standardNormalArray(n);
  const nr = Math.sqrt(dot(r, r));
  for (let i = 0; i < n; i++) r[i] /= nr;
  const p = dot(r, s);
  for (let i = 0; i < n; i++) s[i] -= p * r[i];
  const ns = Math.sqrt(dot(s, s));
  for (let i = 0; i < n; i++) s[i] /= ns;
  return [r, s];
}

function pointUV(n: number, r: Float64Array, s: Float64Array, a: number, b: number): Tensor[] {
  const u = new Float64Array(n),
    v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = a * r[i] + b * s[i];
    v[i] = a * r[i] - b * s[i];
  }
  return [tensor([n], u), tensor([n], v)];
}

function surface(
  inst: Instance,
  x: number[],
  y: number[],
  toAB: (x: number, y: number) => [number, number],
  r: Float64Array,
  s: Float64Array,
): Surface {
  const n = inst.model.config.width;
  const z = new Float64Array(x.length * y.length);
  let worst = 0;
  y.forEach((yj, j) =>
    x.forEach((xi, i) => {
      const [a, b] = toAB(xi, yj);
      const loss = forwardPass(inst.model, pointUV(n, r, s, a, b), inst.data).loss.value.data[0];
      z[j * x.length + i] = loss;
      // Closed form L = (a² − b²)²/(2n) (uᵀv = a² − b² since r ⟂ s); judged against (a² + b²)²/(2n), the size of its terms.
      const exact = (a * a - b * b) ** 2 / (2 * n),
        scale = (a * a + b * b) ** 2 / (2 * n);
      if (scale > 0) worst = Math.max(worst, Math.abs(loss - exact) / scale);
    }),
  );
  return { x, y, z, closedFormError: worst };
}

/** The warmup model at width n moved into the plane u = a·r + b·s, v = a·r − b·s, keeping f0 and λ0 of its seeded draw. */
export interface SubspaceSetup {
  inst: Instance;
  r: Float64Array;
  s: Float64Array;
  a0: number;
  b0: number;
}

/**
 * The seed-`seed` draw u0, v0 put into the plane (r, s from seed + 1) with a0 = |u0 + v0|/2, b0 = |u0 − v0|/2.
 *
 * @example
 * const { inst, a0, b0 } = subspaceSetup(500, 0); // inst.lambdaNtk0 ≈ 2
 */
export function subspaceSetup(n: number, seed: number): SubspaceSetup {
  const base = warmupInstance(n, seed);
  const [u0, v0] = base.init.map((t) => t.data);
  // Put the seeded u0, v0 into the subspace with the same f0 = u0ᵀv0/√n and λ0 = (|u0|² + |v0|²)/n.
  const sum = u0.map((x, i) => x + v0[i]),
    diff = u0.map((x, i) => x - v0[i]);
  const a0 = Math.sqrt(dot(sum, sum)) / 2,
    b0 = Math.sqrt(dot(diff, diff)) / 2;
  const [r, s] = orthonormalPair(n, seed + 1);
  const init = pointUV(n, r, s, a0, b0);
  return { inst: { ...base, init, lambdaNtk0: lambdaAt(base.model, init, base.data) }, r, s, a0, b0 };
}

/**
 * GD on all 2n parameters at η = etaLambda0/λ0 for `steps` steps (λ every step), read back as (a, b) by projection.
 *
 * @example
 * const p = subspacePath(subspaceSetup(500, 0), 'catapult', 3.0, 300); // p.a, p.b: the path in the plane
 */
export function subspacePath(sub: SubspaceSetup, phase: SubspacePath['phase'], etaLambda0: number, steps: number): SubspacePath {
  const { inst, r, s } = sub;
  const n = inst.model.config.width;
  const eta = etaLambda0 / inst.lambdaNtk0;
  const res = gd(inst, eta, { steps, eigEvery: 1, recordParams: true, stopAtConvergence: true, convergeFraction: 1e-20 });
  const p: SubspacePath = {
    phase,
    etaLambda0,
    eta,
    a: [],
    b: [],
    loss: [],
    lambda: [],
    corr: [],
    leak: 0,
    divergedAt: res.diverged?.step ?? null,
    convergedAt: res.convergedAt,
  };
  for (const rec of res.records) {
    const [u, v] = rec.params!;
    const a = (dot(u, r) + dot(v, r)) / 2,
      b = (dot(u, s) - dot(v, s)) / 2;
    if (![a, b, rec.loss].every(Number.isFinite)) break;
    const [pu, pv] = pointUV(n, r, s, a, b).map((t) => t.data);
    const nu = Math.sqrt(dot(u, u)),
      nv = Math.sqrt(dot(v, v));
    const off = (x: Float64Array, y: Float64Array, nx: number) => Math.sqrt(x.reduce((acc, xi, i) => acc + (xi - y[i]) ** 2, 0)) / nx;
    p.leak = Math.max(p.leak, off(u, pu, nu), off(v, pv, nv));
    p.a.push(a);
    p.b.push(b);
    p.loss.push(rec.loss);
    p.lambda.push(rec.lambda ?? NaN);
    p.corr.push(dot(u, v) / (nu * nv));
  }
  return p;
}

/**
 * The loss on a grid of the (a, b) plane by the engine's forward pass, z[j·x.length + i] at (x_i, y_j).
 *
 * @example
 * const ab = abSurface(sub, linspace(-3, 3, 61)); // ab.closedFormError ≤ 1e-12
 */
export function abSurface(sub: SubspaceSetup, axis: number[]): Surface {
  return surface(sub.inst, axis, axis, (a, b) => [a, b], sub.r, sub.s);
}

export function computeFigS1(o: FigS1Options, progress: Progress = () => {}): FigS1Data {
  const sub = subspaceSetup(o.n, o.seed);
  const { inst, r, s, a0, b0 } = sub;
  const paths: SubspacePath[] = PHASES.map((phase, k) => {
    progress(k / 5, phase);
    return subspacePath(sub, phase, o.etaLambda0[k], o.steps);
  });
  progress(0.6, 'loss surfaces');
  const bounded = paths.filter((p) => p.phase !== 'divergent');
  const R = 1.25 * Math.max(...bounded.flatMap((p) => [...p.a, ...p.b].map(Math.abs)));
  const axis = linspace(-R, R, o.grid);
  const ab = abSurface(sub, axis);
  progress(0.8, 'loss surfaces');
  // (e): at correlation c and curvature λ, |u|² = |v|² = nλ/2 and uᵀv = c·nλ/2 give a = √(nλ(1+c)/4), b = √(nλ(1−c)/4).
  const lambdaMax = 1.2 * Math.max(...bounded.flatMap((p) => p.lambda.filter(Number.isFinite)));
  const cs = linspace(-1, 1, o.grid),
    ls = linspace(lambdaMax / o.grid, lambdaMax, o.grid);
  const corrLambda = surface(inst, cs, ls, (c, l) => [Math.sqrt((o.n * l * (1 + c)) / 4), Math.sqrt((o.n * l * (1 - c)) / 4)], r, s);
  return { lambda0: inst.lambdaNtk0, a0, b0, paths, ab, corrLambda };
}

/** Loss values floored at 1e-8 of the largest, so the exact zeros on a = ±b do not stretch the log colour scale. */
function floored(z: Float64Array): Float64Array {
  let max = 0;
  for (const v of z) if (v > max) max = v;
  return z.map((v) => Math.max(v, 1e-8 * max));
}

function inBox(p: SubspacePath, xs: number[], ys: number[], lo: [number, number], hi: [number, number]): { x: number[]; y: number[] } {
  const x: number[] = [],
    y: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const inside = xs[i] >= lo[0] && xs[i] <= hi[0] && ys[i] >= lo[1] && ys[i] <= hi[1];
    x.push(xs[i]);
    y.push(ys[i]);
    if (!inside) {
      x.pop();
      y.pop();
      break;
    } // the divergent path leaves the box: stop at its edge
  }
  return { x, y };
}

async function reportFigS1(d: FigS1Data, o: FigS1Options, out: FigureOutput): Promise<void> {
  out.table(
    'paths',
    ['phase', 'eta_lambda0', 't', 'a', 'b', 'loss', 'lambda', 'corr'],
    d.paths.flatMap((p) =>
      p.a.map((a, t) => ({
        phase: p.phase,
        eta_lambda0: p.etaLambda0,
        t,
        a,
        b: p.b[t],
        loss: p.loss[t],
        lambda: p.lambda[t],
        corr: p.corr[t],
      })),
    ),
    { n: o.n, seed: o.seed, lambda0: d.lambda0, a0: d.a0, b0: d.b0 },
  );
  const surfRows = (sf: Surface, xn: string, yn: string) =>
    sf.y.flatMap((y, j) => sf.x.map((x, i) => ({ [xn]: x, [yn]: y, loss: sf.z[j * sf.x.length + i] })));
  out.table('surface_ab', ['a', 'b', 'loss'], surfRows(d.ab, 'a', 'b'));
  out.table('surface_corr_lambda', ['corr', 'lambda', 'loss'], surfRows(d.corrLambda, 'corr', 'lambda'));
  const { report } = out;
  const maxLeak = Math.max(...d.paths.map((p) => p.leak));
  report.check({
    quantity: 'GD stays in the subspace span(r, s)',
    paper: 'u_t, v_t remain in the subspace',
    measured: `max relative distance from it ${fmt(maxLeak)}`,
    pass: maxLeak <= 1e-12,
  });
  const surfErr = Math.max(d.ab.closedFormError, d.corrLambda.closedFormError);
  report.check({
    quantity: "surface from the engine's forward pass vs L = (a² − b²)²/(2n)",
    paper: 'exact',
    measured: `max error ${fmt(surfErr)} (relative to (a² + b²)²/(2n))`,
    pass: surfErr <= 1e-12,
  });
  for (const p of d.paths) {
    const ok =
      p.phase === 'lazy'
        ? p.convergedAt !== null && Math.max(...p.loss) <= p.loss[0]
        : p.phase === 'catapult'
          ? p.convergedAt !== null && Math.max(...p.loss) > p.loss[0]
          : p.divergedAt !== null;
    const what =
      p.divergedAt !== null
        ? `diverged at step ${p.divergedAt}`
        : p.convergedAt !== null
          ? `converged at step ${p.convergedAt}, peak loss ${fmt(Math.max(...p.loss) / p.loss[0])}·L0`
          : 'neither converged nor diverged';
    const claim = p.phase === 'lazy' ? 'monotone convergence' : p.phase === 'catapult' ? 'loss rises, then converges' : 'diverges';
    report.check({ quantity: `${p.phase} path, ${etaLabel(p.etaLambda0)}`, paper: claim, measured: what, pass: ok });
  }
  report.text(
    `Warmup model at n = ${o.n}. The seed-${o.seed} draw u0, v0 ~ N(0, I) is moved into the plane u = a·r + b·s, v = a·r − b·s ` +
      `(r, s orthonormal, seed ${o.seed + 1}) with a0 = |u0 + v0|/2 = ${fmt(d.a0)}, b0 = |u0 − v0|/2 = ${fmt(d.b0)}, which keeps f0 = u0ᵀv0/√n and λ0. ` +
      `λ0 = ${d.lambda0} (Lanczos). GD runs on all 2n parameters; a, b are read back by projection. ` +
      "The loss surfaces are evaluated by the engine's forward pass at every grid point (the colour scale is floored at 1e-8 of the largest loss on the grid, since the loss is exactly 0 on the lines a = ±b).",
  );
  const lo: [number, number] = [d.ab.x[0], d.ab.y[0]],
    hi: [number, number] = [d.ab.x[d.ab.x.length - 1], d.ab.y[d.ab.y.length - 1]];
  let k = 0;
  for (const p of d.paths) {
    const letter = 'abc'[k++];
    const path: Series = { name: `GD, ${etaLabel(p.etaLambda0)}`, ...inBox(p, p.a, p.b, lo, hi), points: true };
    await out.plot(
      `figS1${letter}_${p.phase}`,
      {
        kind: 'heatmap',
        title: `(${letter}) ${p.phase} phase`,
        xLabel: 'a (dim 1)',
        yLabel: 'b (dim 2)',
        zLabel: 'loss',
        x: d.ab.x,
        y: d.ab.y,
        z: floored(d.ab.z),
        zLog: true,
        paths: [path],
      },
      `(${letter}) ${p.phase} phase, ${etaLabel(p.etaLambda0)}: the GD path (dots, in step order) on the loss surface${p.phase === 'divergent' ? ', cut where it leaves the box' : ''}.`,
    );
  }
  await out.plot(
    'figS1d_loss',
    {
      kind: 'line',
      title: '(d) loss against step',
      xLabel: 'step t',
      yLabel: 'loss',
      yLog: true,
      series: d.paths.map((p) => ({ name: `${p.phase}, ${etaLabel(p.etaLambda0)}`, x: p.loss.map((_, t) => t), y: p.loss })),
      yDomain: [1e-22 * d.paths[0].loss[0], 1e8 * d.paths[0].loss[0]],
    },
    "(d) The three runs' losses against the step.",
  );
  const cat = d.paths[1];
  await out.plot(
    'figS1e_corr_lambda',
    {
      kind: 'heatmap',
      title: '(e) catapult path in (correlation, curvature)',
      xLabel: 'corr(u, v) = uᵀv/(|u||v|)',
      yLabel: 'curvature λ',
      zLabel: 'loss',
      x: d.corrLambda.x,
      y: d.corrLambda.y,
      z: floored(d.corrLambda.z),
      zLog: true,
      paths: [{ name: `GD, ${etaLabel(cat.etaLambda0)}`, x: cat.corr, y: cat.lambda, points: true }],
    },
    '(e) The catapult run of (b) in the coordinates (correlation of u and v, λ): λ falls from λ0 to below 2/η while the loss peaks, then the path settles on the zero-loss line corr = 0.',
  );
  report.heading('Runs').table(
    ['phase', 'η·λ0', 'η', 'steps', 'peak loss / L0', 'λ_final·η', 'max leak'],
    d.paths.map((p) => [
      p.phase,
      p.etaLambda0,
      p.eta,
      p.loss.length - 1,
      Math.max(...p.loss) / p.loss[0],
      p.divergedAt !== null ? '—' : p.lambda[p.lambda.length - 1] * p.eta,
      p.leak,
    ]),
  );
}

export const figS1: FigureSpec<FigS1Options, FigS1Data> = {
  id: 'figS1',
  title: 'Fig. S1: loss surface and GD paths of the warmup model in a 2-D subspace',
  suite: 'linear',
  weight: 0.5,
  defaults: FIGS1_DEFAULTS,
  overrides: seedAndWidth('n'),
  compute: (o, ctx) => computeFigS1(o, ctx.progress),
  reportTitle: (o) => `Fig. S1: the warmup model's loss surface at n = ${o.n}`,
  report: reportFigS1,
};
