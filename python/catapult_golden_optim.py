"""The update rules of catapult_golden.py (gd with momentum, Adam, AdamW), their per-parameter rates (config.layer_lr,
μP's) and the SGD minibatch rows, as src/models/optimizers.ts and src/data/batches.ts.
"""
import json
import math
import re
from dataclasses import dataclass
from typing import List

import numpy as np

from catapult_golden_format import GoldenError


# ---------------------------------------------------------------------------------------------------
# Update rules and minibatches, as src/models/optimizers.ts and src/data/batches.ts


OPTIMIZERS = ('gd', 'adam', 'adamw')


@dataclass
class OptimizerSettings:
    """config.optimizer resolved: gd with heavy-ball γ (config.momentum), or torch.optim.Adam/AdamW's settings."""
    name: str
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0


def optimizer_settings(c) -> OptimizerSettings:
    """The update rule of a golden config: config.optimizer, gd where it is absent (files written before it).

    gd takes config.momentum; adam and adamw record every setting (beta1, beta2, eps, weight_decay) and no momentum.
    """
    o = c.get('optimizer', {'name': 'gd'})
    name = o.get('name') if isinstance(o, dict) else None
    if name not in OPTIMIZERS or (name == 'gd' and set(o) != {'name'}):
        raise GoldenError('config.optimizer must be {"name": "gd"} or {"name": "adam"|"adamw", "beta1", "beta2", "eps", '
                          '"weight_decay"}, got %s' % json.dumps(o))
    momentum = float(c.get('momentum', 0))
    if name == 'gd':
        return OptimizerSettings('gd', momentum)
    if momentum != 0:
        raise GoldenError('config.momentum applies to gd only, got %r with config.optimizer %s' % (momentum, name))
    unknown = sorted(set(o) - {'name', 'beta1', 'beta2', 'eps', 'weight_decay'})
    if unknown:
        raise GoldenError('config.optimizer has an unknown field %s' % json.dumps(unknown[0]))

    def setting(key, below_one):
        v = o.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (below_one and v >= 1):
            raise GoldenError('config.optimizer.%s must be a number %s, got %s' % (key, 'in [0, 1)' if below_one else '>= 0', json.dumps(v)))
        return float(v)
    return OptimizerSettings(name, 0.0, setting('beta1', True), setting('beta2', True), setting('eps', False),
                             setting('weight_decay', False))


def mup_rates(model_config, names, optimizer) -> List[float]:
    """μP's factor on η per parameter (TP5 Table 8 with ñ = n/n0), 1 for other parameterizations.

    SGD: ñ for the input weights, every bias but the readout's, and the readout weights; Adam/AdamW: 1/ñ for the
    hidden (n×n) weights. The readout bias has no width dimension and keeps 1.
    """
    if model_config.get('param') != 'mup':
        return [1.0] * len(names)
    ratio = model_config['width'] / model_config.get('mupBase', 1)
    layers = sum(1 for n in names if n.startswith('W'))
    out = []
    for n in names:
        l = int(n[1:])
        readout, hidden_w = l == layers - 1, n.startswith('W') and 0 < l < layers - 1
        if optimizer == 'gd':
            out.append(1.0 if (readout and n.startswith('b')) or hidden_w else ratio)
        else:
            out.append(1.0 / ratio if hidden_w else 1.0)
    return out


def layer_rates(names, layer_lr) -> List[float]:
    """Each parameter's factor on η: a_l from config.layer_lr for an mlp's W_l and b_l, 1 everywhere without it."""
    if layer_lr is None:
        return [1.0] * len(names)
    if not isinstance(layer_lr, list) or not layer_lr or not all(
            not isinstance(a, bool) and isinstance(a, (int, float)) and math.isfinite(a) and a > 0 for a in layer_lr):
        raise GoldenError('config.layer_lr must be a list of finite numbers > 0, one per layer, got %s' % json.dumps(layer_lr))
    layer_of = [re.fullmatch(r'[Wb](\d+)', n) for n in names]
    if any(x is None for x in layer_of):
        raise GoldenError('config.layer_lr applies to the mlp model only (parameters W_l, b_l), not to %s' % ', '.join(names))
    layers = max(int(x.group(1)) for x in layer_of) + 1
    if len(layer_lr) != layers:
        raise GoldenError('config.layer_lr needs one factor per layer: the mlp has %d (W0 … W%d), got %d'
                          % (layers, layers - 1, len(layer_lr)))
    return [float(layer_lr[int(x.group(1))]) for x in layer_of]


def minibatch_rows(m, size, seed, count) -> np.ndarray:
    """The training rows of the first `count` SGD updates, (count, size) int64, by the engine's rule (minibatchRows).

    ``rs = np.random.RandomState(seed)``; every epoch starts with ``order = rs.permutation(m)``, cut into consecutive
    batches of `size`; a remainder smaller than `size` is dropped (the next update starts a new epoch). A batch of all
    m rows is the rows in order, 0 … m−1, every update, with no draw.
    """
    if size == m:
        return np.tile(np.arange(m, dtype=np.int64), (count, 1))
    rs = np.random.RandomState(seed)
    out = np.empty((count, size), dtype=np.int64)
    order, pos = rs.permutation(m), 0
    for t in range(count):
        if pos + size > m:
            order, pos = rs.permutation(m), 0
        out[t] = order[pos:pos + size]
        pos += size
    return out


class Optimizer:
    """One run's update rule with its state per parameter (gd's b, Adam's m and v) and step counter t = 1, 2, ….

    gd: b ← γb + g; θ ← θ − η_p·b (θ ← θ − η_p·g without momentum). adam/adamw: torch.optim (1.13, single-tensor,
    amsgrad off) operation for operation: adam g ← g + wd·θ, adamw θ ← θ·(1 − η_p·wd); m ← m·β1 + (1−β1)·g;
    v ← v·β2 + ((1−β2)·g)·g; θ ← θ + (−η_p/(1−β1^t))·m / (√v/√(1−β2^t) + ε). L2 is already in g.
    """

    def __init__(self, s: OptimizerSettings, params):
        self.s, self.t = s, 0
        slots = (1 if s.momentum > 0 else 0) if s.name == 'gd' else 2
        self.state = [[np.zeros_like(p) for _ in range(slots)] for p in params]

    def step(self, params, grads, rates):
        """The parameters after one update (new arrays) from their gradients at the per-parameter rates η_p."""
        self.t += 1
        return [self._gd(p, g, st, lr) if self.s.name == 'gd' else self._adam(p, g, st, lr)
                for p, g, st, lr in zip(params, grads, self.state, rates)]

    def _gd(self, p, g, state, lr):
        if state:
            state[0] = self.s.momentum * state[0] + g
            g = state[0]
        return p - lr * g

    def _adam(self, p, g, state, lr):
        s, t = self.s, self.t
        if s.name == 'adamw':
            p = p * (1 - lr * s.weight_decay)
        elif s.weight_decay != 0:
            g = g + s.weight_decay * p
        state[0] = state[0] * s.beta1 + (1 - s.beta1) * g
        state[1] = state[1] * s.beta2 + ((1 - s.beta2) * g) * g
        step_size = lr / (1 - s.beta1 ** t)
        root2 = math.sqrt(1 - s.beta2 ** t)
        return p + (-step_size * state[0]) / (np.sqrt(state[1]) / root2 + s.eps)
