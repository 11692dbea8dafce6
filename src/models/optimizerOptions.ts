// The options of the update rule and of the batches, declared once: minibatch SGD, Adam/AdamW (torch.optim's), per-layer rates.
import { choice, decimal, int, num, parsed } from '../options/optionKit';

/** The update rules: GD (with heavy-ball momentum), and torch.optim.Adam / AdamW with amsgrad off. */
export const OPTIMIZER_NAMES = ['gd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

const ADAM = { option: 'optimizer', values: ['adam', 'adamw'] } as const;

/** torch.optim's defaults for Adam and AdamW (amsgrad off), which absent settings take. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: { adam: 0, adamw: 0.01 } } as const;

/** `--layer-lr a0,a1,…`: positive finite factors, one per layer. */
function parseLayerLr(text: string): number[] {
  const parts = text.split(',').map((t) => decimal(t));
  if (parts.some((x) => !(Number.isFinite(x) && x > 0))) {
    throw new Error(`--layer-lr must be comma-separated finite numbers > 0 (one per layer), got '${text}'`);
  }
  return parts;
}

/**
 * The optimizer and minibatch options. Adam's settings have no declared defaults: absent, they take torch.optim's
 * (β1 0.9, β2 0.999, ε 1e-8, weight decay 0 for adam and 0.01 for adamw); a golden file records them resolved,
 * as `optimizer: {name, beta1, beta2, eps, weight_decay}`, so they carry no saved name of their own.
 */
export const OPTIMIZER_OPTIONS = {
  optimizer: choice({
    flag: 'optimizer',
    help: 'the update rule: gd (with --momentum), adam or adamw (torch.optim.Adam/AdamW, amsgrad off)',
    values: OPTIMIZER_NAMES,
    // No declared default (absent is gd), so configs written before this option stay equal to new gd ones.
    defaultText: 'gd',
  }),
  beta1: num({
    flag: 'beta1',
    arg: 'β1',
    help: "Adam's first-moment decay",
    defaultText: String(ADAM_DEFAULTS.beta1),
    atLeast: 0,
    below: 1,
    onlyWhen: ADAM,
  }),
  beta2: num({
    flag: 'beta2',
    arg: 'β2',
    help: "Adam's second-moment decay",
    defaultText: String(ADAM_DEFAULTS.beta2),
    atLeast: 0,
    below: 1,
    onlyWhen: ADAM,
  }),
  eps: num({ flag: 'eps', arg: 'ε', help: "Adam's ε, added to √v̂", defaultText: String(ADAM_DEFAULTS.eps), atLeast: 0, onlyWhen: ADAM }),
  weightDecay: num({
    flag: 'weight-decay',
    arg: 'λ',
    help: 'adam: g ← g + λθ (torch.optim.Adam); adamw: θ ← (1 − ηλ)θ first',
    defaultText: `${ADAM_DEFAULTS.weightDecay.adam} for adam, ${ADAM_DEFAULTS.weightDecay.adamw} for adamw`,
    atLeast: 0,
    onlyWhen: ADAM,
  }),
  batch: int({
    flag: 'batch',
    arg: 'B',
    help: 'minibatch SGD: B training rows a step, epochs without replacement, a last partial batch dropped',
    defaultText: 'all rows',
    min: 1,
    saved: 'batch',
  }),
  batchSeed: int({
    flag: 'batch-seed',
    arg: 'S',
    help: "seeds the batches: epoch e's order is the e-th rs.permutation(m) of rs = numpy.random.RandomState(S)",
    defaultText: '0',
    min: 0,
    max: 0xffffffff,
    needs: 'batch',
    saved: 'batch_seed',
  }),
  layerLr: parsed({
    flag: 'layer-lr',
    arg: 'a0,a1,…',
    help: 'mlp: multiplies η by a_l for layer l (W_l and b_l), one factor per layer',
    parse: parseLayerLr,
    onlyWhen: { option: 'model', values: ['mlp'] },
    saved: 'layer_lr',
  }),
} as const;
