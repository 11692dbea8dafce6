// Haas et al.'s plots against width: η_max with its power laws, η_max times the initial curvature, the logits, and the feature updates.
import { fmt } from '../../report/report';
import { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import type { HaasOptions } from './options';
import type { EtaMax } from './runs';
import type { HaasData } from './sweep';

export async function plots(out: FigureOutput, d: HaasData, o: HaasOptions): Promise<void> {
  // The curvature, logit and feature plots follow the sgd rule, as the paper's claims do; η_max has every rule.
  const sgd = d.results.filter((r) => r.rule === 'sgd');
  const byLoss = (f: (r: EtaMax) => number, suffix = ''): Series[] =>
    o.losses.map((loss) => {
      const rs = sgd.filter((r) => r.loss === loss);
      return { name: `${loss}${suffix}`, x: rs.map((r) => r.width), y: rs.map(f), points: true };
    });
  const byRule: Series[] = o.losses.flatMap((loss) =>
    o.rules.map((rule) => {
      const rs = d.results.filter((r) => r.loss === loss && r.rule === rule);
      return { name: `${loss}, ${rule}`, x: rs.map((r) => r.width), y: rs.map((r) => r.etaMax), points: true };
    }),
  );
  const fitLines: Series[] = d.fits.map((f) => ({
    name: `${f.loss}, ${f.rule} fit n^${fmt(f.fit.slope, 3)}`,
    x: o.widths,
    y: o.widths.map((n) => Math.exp(f.fit.intercept + f.fit.slope * Math.log(n))),
    dashed: true,
  }));
  await out.plot(
    'haas_eta_max',
    {
      kind: 'line',
      title: 'maximal stable learning rate',
      xLabel: 'width n',
      yLabel: 'η_max',
      xLog: true,
      yLog: true,
      series: [...byRule, ...fitLines],
    },
    'η_max against width (log–log) for every loss and rule, with the fitted power laws.',
  );
  await out.plot(
    'haas_eta_lambda',
    {
      kind: 'line',
      title: 'η_max in units of the initial curvature',
      xLabel: 'width n',
      yLabel: 'η_max · curvature at init',
      xLog: true,
      yLog: true,
      series: [
        ...byLoss((r) => r.etaMax * r.lambda0, ' · λ0 (NTK)'),
        ...byLoss((r) => (r.hessian0 === null ? NaN : r.etaMax * r.hessian0), ' · λ_H0 (Hessian)').map((x) => ({ ...x, dashed: true })),
      ],
      hlines: [{ at: 2, label: 'η = 2/curvature' }],
    },
    'SGD: η_max times the top NTK eigenvalue (solid) and the top loss-Hessian eigenvalue (dashed) at initialization, against width.',
  );
  await out.plot(
    'haas_logits',
    {
      kind: 'line',
      title: 'logits, loss, gradient and activations at η_max',
      xLabel: 'width n',
      yLabel: 'value at the end of training',
      xLog: true,
      yLog: true,
      series: [
        ...byLoss((r) => r.logitRms, ' RMS logit'),
        ...byLoss((r) => r.finalLoss, ' final loss'),
        ...byLoss((r) => r.gradNorm, ' ‖∇L‖').map((x) => ({ ...x, dashed: true })),
        ...byLoss((r) => r.activationRms, ' RMS activation').map((x) => ({ ...x, dashed: true })),
      ],
    },
    'SGD at η_max against width: RMS logit, final training loss, gradient norm and the last hidden layer’s RMS activation (controlled divergence: logits grow, the rest stays bounded).',
  );
  await out.plot(
    'haas_feature_update',
    {
      kind: 'line',
      title: 'relative feature update at η_max',
      xLabel: 'width n',
      yLabel: '‖ΔW_l a_l‖ / ‖W_l a_l‖',
      xLog: true,
      yLog: true,
      series: o.losses.flatMap((loss) =>
        [0, 1, 2].map((l) => {
          const rs = sgd.filter((r) => r.loss === loss);
          return {
            name: `${loss} layer ${l + 1}`,
            x: rs.map((r) => r.width),
            y: rs.map((r) => r.featureUpdate[l]),
            points: true,
            dashed: loss === 'mse',
          };
        }),
      ),
    },
    'SGD: relative feature update per layer at η_max against width.',
  );
}
