// The rows of Huang et al.'s runs, trajectories and boundaries tables; the column names are a public format (lambda0 is λ_H0, ntk0 is λ_NTK0).
import { fmt } from '../../report/report';
import { HuangData, allRuns } from './settings';

/** One row per run (grid and window probes) of every setting. */
export function runRows(d: HuangData) {
  return d.settings.flatMap((s) =>
    allRuns(s).map((r) => ({
      kind: s.kind,
      depth: s.depth,
      eta_units: r.etaUnits,
      eta: r.eta,
      lambda0: s.lambdaHessian0,
      ntk0: s.lambdaNtk0,
      role: s.probes.includes(r) ? 'window-probe' : 'grid',
      compared_as_catapult: String(r === s.catapult),
      phase: r.phase,
      loss0: r.loss0,
      peak_loss: r.peakLoss,
      peak_at: r.peakAt,
      final_loss: r.finalLoss,
      final_hessian: r.finalHessian,
      hessian_over_loss: r.finalHessian === null || r.finalLoss === 0 ? null : r.finalHessian / r.finalLoss,
      final_ntk: r.finalNtk,
      final_hessian_eta_over_2: r.finalHessian === null ? null : (r.finalHessian * r.eta) / 2,
      last_step: r.lastStep,
      diverged_at: r.divergedAt,
      accuracy: r.accuracy,
      mean_margin: r.meanMargin,
      min_margin: r.minMargin,
    })),
  );
}

/** Trajectories kept dense over the first 200 steps (where the catapult happens) and every 10th step after. */
export function trajectoryRows(d: HuangData) {
  return d.settings.flatMap((s) =>
    allRuns(s).flatMap((r) => {
      const hAt = new Map(r.hessianT.map((t, i) => [t, r.hessian[i]]));
      return r.t
        .map((t, i) => ({ t, i }))
        .filter(({ t, i }) => t <= 200 || t % 10 === 0 || i === r.t.length - 1)
        .map(({ t, i }) => ({
          kind: s.kind,
          depth: s.depth,
          eta_units: r.etaUnits,
          role: s.probes.includes(r) ? 'window-probe' : r === s.small ? 'small' : 'grid',
          t,
          loss: r.loss[i],
          hessian: hAt.get(t) ?? null,
        }));
    }),
  );
}

/** One row per setting: its curvatures at init, both boundaries, the probes and the compared runs. */
export function boundaryRows(d: HuangData) {
  return d.settings.map((s) => ({
    kind: s.kind,
    depth: s.depth,
    lambda0: s.lambdaHessian0,
    ntk0: s.lambdaNtk0,
    ntk0_over_4: s.lambdaNtk0 / 4,
    loss0: s.loss0,
    onset_below: s.onset?.below ?? null,
    onset_above: s.onset?.above ?? null,
    edge_below: s.edge?.below ?? null,
    edge_above: s.edge?.above ?? null,
    last_settled: s.lastSettled,
    probes: s.probes.map((r) => `${fmt(r.etaUnits, 4)}:${r.phase}`).join(' '),
    catapult_eta_units: s.catapult?.etaUnits ?? null,
    catapult_phase: s.catapult?.phase ?? null,
    small_eta_units: s.small.etaUnits,
    small_final_hessian: s.small.finalHessian,
    catapult_final_hessian: s.catapult?.finalHessian ?? null,
    small_hessian_over_loss: s.small.finalHessian === null ? null : s.small.finalHessian / s.small.finalLoss,
    catapult_hessian_over_loss: s.catapult?.finalHessian == null ? null : s.catapult.finalHessian / s.catapult.finalLoss,
  }));
}
