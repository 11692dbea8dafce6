// The Phase-diagram view's depth mode: Kalra & Barkeshli's critical constants of small ReLU nets against d/w, one c at a time.
import { setup } from '../experiments/run/setup';
import type { SetupInput } from '../experiments/run/setupOptions';
import { CriticalOptions, criticalConstants, CriticalPoint, criticalPoints, criticalStart } from '../experiments/sweep/critical';
import { parseCriticalGrid } from '../experiments/sweep/criticalGrid';
import type { DiagramValues } from './params';

/**
 * Kalra & Barkeshli's nets: NTK parameterization, ReLU, no biases, σ_w² = 2 (the default √2) and readout σ_w = 1, MSE,
 * on Gaussian inputs of this dimension (the net docs/critical.md checks against PyTorch).
 */
export const DEPTH_NET = { model: 'mlp', param: 'standard', act: 'relu', bias: false, readoutSigmaW: 1, inputDim: 4 } as const;

/** The constants of one net (K&B's depth d: d weight layers, d − 1 hidden of width w), as criticalSweep reports them, without the per-point data. */
export interface DepthNet {
  depth: number;
  width: number;
  /** d/w, the x of the diagram. */
  ratio: number;
  hessian0: number;
  loss0: number;
  c_loss: number | null;
  c_sharp: number | null;
  c_max: number | null;
  c_barrier: number | null;
  first_divergent_c: number | null;
  /** Grid points run: up to and with the first divergence. */
  runs: number;
}

/** One finished c: which net (k counts from 0), which grid point (i from 0), and the net's constants after its last c. */
export interface DepthStep {
  k: number;
  i: number;
  point: CriticalPoint;
  net: DepthNet | null;
}

/**
 * The c grid of the values (its text is checked when the URL is parsed).
 *
 * @example
 * depthGrid({ ...v, cs: '2^0:1:0.5' }); // [1, 1.41…, 2]
 */
export function depthGrid(v: DiagramValues): number[] {
  return parseCriticalGrid(v.cs);
}

/**
 * Every (d, w) of the view, in the order they run: by depth, then width.
 *
 * @example
 * depthNets({ ...v, depths: [1, 2], netWidths: [16] }); // [{ depth: 1, width: 16 }, { depth: 2, width: 16 }]
 */
export function depthNets(v: DiagramValues): { depth: number; width: number }[] {
  return v.depths.flatMap((depth) => v.netWidths.map((width) => ({ depth, width })));
}

/**
 * The setup options of one net: DEPTH_NET at (d, w), `samples` Gaussian points; the seed draws both θ_0 and the data.
 *
 * @example
 * setup(depthSetup(2, 32, v)); // the net criticalSweep and the page both run
 */
export function depthSetup(depth: number, width: number, v: Pick<DiagramValues, 'samples' | 'seed'>): SetupInput {
  // K&B's d counts weight layers; the engine's --depth counts hidden layers.
  return { ...DEPTH_NET, depth: depth - 1, width, samples: v.samples, seed: v.seed, dataSeed: v.seed };
}

/**
 * The options of criticalSweep that the view's values give (plain GD, as `phase-sweep --critical` by default).
 *
 * @example
 * criticalSweep(setup(depthSetup(2, 16, v)), depthCriticalOptions(v)); // what the page computes for that net
 */
export function depthCriticalOptions(v: DiagramValues): CriticalOptions {
  return { cs: depthGrid(v), horizon: v.horizon };
}

/**
 * One T-step run per step, net after net (the page runs one per frame, so it can show progress and stop); a net's last
 * step carries its constants, equal to criticalSweep's on the same setup.
 *
 * @example
 * for (const s of depthRuns(v)) if (s.net) console.log(s.net.ratio, s.net.c_loss);
 */
export function* depthRuns(v: DiagramValues): Generator<DepthStep, void, undefined> {
  const o = depthCriticalOptions(v);
  const nets = depthNets(v);
  for (let k = 0; k < nets.length; k++) {
    const { depth, width } = nets[k];
    const s = setup(depthSetup(depth, width, v));
    const { hessian0, loss0 } = criticalStart(s, o);
    const points: CriticalPoint[] = [];
    for (const point of criticalPoints(s, hessian0, o)) {
      points.push(point);
      // criticalPoints stops after a divergence: the net ends there or at the grid's end.
      const last = point.diverged_at !== null || points.length === o.cs.length;
      const net: DepthNet | null = last
        ? {
            depth,
            width,
            ratio: depth / width,
            hessian0,
            loss0,
            ...criticalConstants(points),
            first_divergent_c: point.diverged_at !== null ? point.c : null,
            runs: points.length,
          }
        : null;
      yield { k, i: points.length - 1, point, net };
    }
  }
}

/**
 * How far the runs are, in grid points: a finished net counts its whole grid (a divergence skips the rest of it).
 *
 * @example
 * depthProgress(step, grid.length); // 0 … nets·grid
 */
export function depthProgress(s: DepthStep, gridSize: number): number {
  return s.k * gridSize + (s.net !== null ? gridSize : s.i + 1);
}
