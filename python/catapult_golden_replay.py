"""Loading and replaying a golden file for catapult_golden.py.

load() reads a file (catapult_golden_format), verifies its digests and checks its training settings against the
models (catapult_golden_models) and update rules (catapult_golden_optim); replay() reruns the recorded run.
"""
import json
import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from catapult_golden_format import (MAX_JACOBIAN, Golden, GoldenError, _batch_size, _int, _load_json, _load_npz,
                                    sha256_arrays)
from catapult_golden_models import loss_and_grad, model_for, ntk_top
from catapult_golden_optim import Optimizer, layer_rates, minibatch_rows, mup_rates, optimizer_settings


# ---------------------------------------------------------------------------------------------------
# Loading: the digests and the training settings


def trained_config(model_config):
    """The config whose parameterization the training follows: a quadratic model's base (its parameters, μP rates
    and layers are the base's), any other model's own."""
    if isinstance(model_config, dict) and model_config.get('kind') == 'quadratic' and isinstance(model_config.get('base'), dict):
        return model_config['base']
    return model_config if isinstance(model_config, dict) else {}


def load(path) -> Golden:
    """Reads a golden file (.json or .npz), checks schema and version, shapes and both SHA-256 digests.

    Raises GoldenError (one line) for anything malformed, so a corrupt file is never reported as a deviation.
    """
    try:
        with open(path, 'rb') as fh:
            raw = fh.read()
    except OSError as e:
        raise GoldenError('%s: cannot read (%s)' % (path, e.strerror or e))
    is_npz = raw[:2] == b'PK' or str(path).lower().endswith('.npz')
    g = _load_npz(path, raw) if is_npz else _load_json(path, raw)
    digests = g.meta['sha256'] if isinstance(g.meta['sha256'], dict) else {}
    if sha256_arrays(g.init) != digests.get('init'):
        raise GoldenError("%s: the initial parameters do not match sha256.init; the file is corrupt" % path)
    if sha256_arrays([g.X, g.Y]) != digests.get('data'):
        raise GoldenError("%s: the data do not match sha256.data; the file is corrupt" % path)
    _check_config(g)
    return g


def _check_config(g):
    """Checks the training settings and their consistency with the arrays before any work (no runaway replays)."""
    c, r, path = g.config, g.meta['result'], g.path

    def number(key, minimum=0.0, positive=False):
        v = c.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < minimum or (positive and v <= 0):
            raise GoldenError('%s: config.%s must be a finite number %s %s, got %s' % (path, key, '>' if positive else '>=', minimum, json.dumps(v)))
        return float(v)

    number('eta', positive=True)
    number('momentum'), number('l2'), number('max_loss', positive=True), number('converge')
    steps = _int(c.get('steps'), '%s: config.steps' % path)
    _int(c.get('eig_every'), '%s: config.eig_every' % path)
    every = _int(c.get('params_every'), '%s: config.params_every' % path)
    run = r['steps_run']
    div = r.get('diverged')
    if div is not None and (not isinstance(div, dict) or div.get('step') != run):
        raise GoldenError('%s: result.diverged must be null or {step: steps_run, reason}' % path)
    if (div is None and run != steps) or run > steps:
        raise GoldenError('%s: result.steps_run %d does not fit config.steps %d (diverged: %s)' % (path, run, steps, json.dumps(div)))
    bad = ~np.isfinite(g.loss[:run])
    if bad.any():
        raise GoldenError('%s: loss is not finite at step %d, before the run ended' % (path, int(np.argmax(bad))))
    conv = r.get('converged_at')
    if conv is not None and (isinstance(conv, bool) or not isinstance(conv, int) or not 0 <= conv <= run):
        raise GoldenError('%s: result.converged_at must be null or a step 0 … %d, got %s' % (path, run, json.dumps(conv)))
    expected = np.arange(0, run + 1, every) if every > 0 else np.zeros(0)
    if g.params_t.shape != expected.shape or not np.array_equal(g.params_t, expected):
        raise GoldenError('%s: params.t must be 0, %d, … up to steps_run %d' % (path, every, run))
    _check_training(g)
    init = c.get('init')
    seed = init.get('seed') if isinstance(init, dict) else None
    if not isinstance(init, dict) or ('file' not in init and (init.get('rng') != 'numpy' or isinstance(seed, bool)
                                                             or not isinstance(seed, int) or not 0 <= seed < 2 ** 32)):
        raise GoldenError('%s: config.init must be {"rng": "numpy", "seed": 0 … 2^32 − 1} or {"file": …}, got %s' % (path, json.dumps(init)))
    try:
        model_for(g)
    except GoldenError as e:
        raise GoldenError('%s: %s' % (path, e)) if not str(e).startswith(str(path)) else e


def _check_training(g):
    """The update rule, the minibatches and the per-layer rates: config.optimizer, batch, batch_seed, layer_lr."""
    c, path, m = g.config, g.path, g.X.shape[0]
    try:
        optimizer_settings(c)
        if c.get('layer_lr') is not None and trained_config(c['model']).get('kind') != 'mlp':
            raise GoldenError('config.layer_lr applies to the mlp model (or its quadratic model) only, got config.model.kind %s'
                              % json.dumps(c['model'].get('kind')))
        layer_rates(g.meta['param_names'], c.get('layer_lr'))
    except GoldenError as e:
        raise GoldenError('%s: %s' % (path, e))
    batch = _batch_size(g.meta, path)
    if batch is not None and batch > m:
        raise GoldenError('%s: config.batch must be at most the %d training rows, got %d' % (path, m, batch))
    if 'batch_seed' in c:
        seed = c['batch_seed']
        if batch is None:
            raise GoldenError('%s: config.batch_seed is set without config.batch' % path)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
            raise GoldenError('%s: config.batch_seed must be an integer 0 … 2^32 − 1, got %s' % (path, json.dumps(seed)))


# ---------------------------------------------------------------------------------------------------
# Replay


@dataclass
class Trajectory:
    """The numpy replay, laid out like the golden arrays."""
    loss: np.ndarray
    lam: np.ndarray
    param_norm: np.ndarray
    f: np.ndarray
    params_t: np.ndarray
    params: List[np.ndarray]
    steps_run: int
    diverged_at: Optional[int]
    converged_at: Optional[int]
    lambda0: float
    lambdas: bool               # whether λ_t was replayed (see MAX_JACOBIAN)
    batch_loss: Optional[np.ndarray] = None   # under SGD, (T+1,) the loss of update t's rows at θ_t, NaN at the last record
    batches: Optional[np.ndarray] = None      # under SGD, (T, B) the rows each update used


def jacobian_size(g: Golden) -> int:
    """Entries of the dense Jacobian of the m·k outputs, which λ_t needs at every measured step."""
    return int(g.f[0].size) * sum(int(p.size) for p in g.init)


def replay(g: Golden, lambdas=None) -> Trajectory:
    """The recorded update rule from the stored init and data at config.eta, recorded at θ_t before update t.

    GD (heavy-ball momentum) or Adam/AdamW (config.optimizer), L2 added to the gradient, η scaled per layer by
    config.layer_lr. Under SGD (config.batch) update t descends the loss of the rows g.batches[t] (the file's rows
    are the contract; rows past the stored ones, for a replay that outlives the recorded run, come from
    minibatch_rows), while loss, f, λ_t and ‖θ_t‖ stay those of the whole training set; batch_loss[t] is the
    loss of update t's rows at θ_t (with the L2 term), NaN at the last record, as the engine records it.
    Runs at most config.steps updates and stops at divergence (loss > max_loss or non-finite) like the engine,
    so steps_run, diverged_at and converged_at are reproduced rather than copied. λ_t is measured where the
    engine measures it: t = 0, the last step and every eig_every steps; `lambdas=False` skips it (the default,
    None, skips it only when the dense Jacobian would exceed MAX_JACOBIAN entries).
    """
    c = g.config
    model, kind = model_for(g)
    if lambdas is None:
        lambdas = jacobian_size(g) <= MAX_JACOBIAN
    eta, l2, m = float(c['eta']), float(c['l2']), g.X.shape[0]
    steps, eig_every, every, max_loss, conv = c['steps'], c['eig_every'], c['params_every'], c['max_loss'], c['converge']
    names = g.meta['param_names']
    mup = mup_rates(trained_config(c['model']), names, optimizer_settings(c).name)
    rates = [eta * a * b for a, b in zip(layer_rates(names, c.get('layer_lr')), mup)]
    params = [p.copy() for p in g.init]
    optimizer = Optimizer(optimizer_settings(c), params)
    batch = c.get('batch')
    stored = g.batches if g.batches is not None else np.zeros((0, batch or 0), dtype=np.int64)
    drawn = None                                    # the rule's rows, drawn only if the replay outlives `stored`
    rec = {'loss': [], 'lam': [], 'pn': [], 'f': [], 't': [], 'params': [], 'bl': [], 'rows': []}
    diverged_at = converged_at = None
    with np.errstate(all='ignore'):
        for t in range(steps + 1):
            f, cache = model.forward(params, g.X)
            loss, df = loss_and_grad(kind, f, g.Y)
            pn = math.sqrt(sum(float(np.dot(p.ravel(), p.ravel())) for p in params))
            penalty = 0.5 * l2 * pn * pn if l2 > 0 else 0.0   # the recorded (and divergence-tested) losses include L2
            loss += penalty
            rec['loss'].append(float(loss)), rec['pn'].append(pn), rec['f'].append(f.copy()), rec['lam'].append(np.nan)
            rec['bl'].append(np.nan)
            if every > 0 and t % every == 0:
                rec['t'].append(t), rec['params'].append([p.copy() for p in params])
            if not math.isfinite(loss) or loss > max_loss or not math.isfinite(pn):
                diverged_at = t
                break
            last = t == steps
            if lambdas and (t == 0 or last or (eig_every > 0 and t % eig_every == 0)):
                rec['lam'][-1] = ntk_top(model, params, cache, f.shape)
            if converged_at is None and loss <= conv * rec['loss'][0]:
                converged_at = t
            if last:
                break
            if batch is not None:
                if t < stored.shape[0]:
                    rows = stored[t]
                else:
                    drawn = minibatch_rows(m, batch, c.get('batch_seed', 0), steps) if drawn is None else drawn
                    rows = drawn[t]
                rec['rows'].append(rows)
                if batch == m and np.array_equal(rows, np.arange(m)):
                    rec['bl'][-1] = float(loss)     # all rows in order: the engine steps on the training set itself
                else:
                    fb, cache = model.forward(params, g.X[rows])
                    batch_loss, df = loss_and_grad(kind, fb, g.Y[rows])
                    rec['bl'][-1] = float(batch_loss + penalty)
            grads = model.backward(params, cache, df)
            if l2 > 0:
                grads = [gi + l2 * p for gi, p in zip(grads, params)]
            params = optimizer.step(params, grads, rates)
    n = len(rec['loss'])
    return Trajectory(
        loss=np.array(rec['loss']), lam=np.array(rec['lam']), param_norm=np.array(rec['pn']),
        f=np.array(rec['f']).reshape(n, *g.f.shape[1:]), params_t=np.array(rec['t'], dtype=float),
        params=[np.array([s[i] for s in rec['params']]).reshape((len(rec['t']),) + p.shape) for i, p in enumerate(g.init)],
        steps_run=n - 1, diverged_at=diverged_at, converged_at=converged_at, lambda0=rec['lam'][0], lambdas=lambdas,
        batch_loss=None if batch is None else np.array(rec['bl']),
        batches=None if batch is None else np.array(rec['rows'], dtype=np.int64).reshape(len(rec['rows']), batch))
