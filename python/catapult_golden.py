#!/usr/bin/env python3
"""Replay a catapult golden trajectory with an independent numpy implementation and compare it.

A golden file (schema ``catapult-golden`` v1, written by ``catapult oracle`` as ``.json`` or ``.npz``)
records one training run step by step: the loss, the outputs f, the top NTK eigenvalue λ_t,
‖θ_t‖ and θ_t at saved steps, with the exact initial parameters and data. This module rebuilds the
model from the file's ``config.model`` (warmup, linear, mlp in NTK or standard parameterization,
relu/tanh/identity, optional readout σ_w, no biases, layer norm; MSE, logistic or cross-entropy loss),
reruns the recorded update rule from the stored ``init`` and ``data`` at ``config.eta`` (GD with momentum,
or torch.optim's Adam/AdamW from ``config.optimizer``; L2; per-layer rates ``config.layer_lr``; minibatch SGD
over the rows stored in ``batches`` when ``config.batch`` is set), and compares every field with the
per-element metric of ``catapult check``: each element relative to the largest |golden| of its own step,
scalar series relative to |golden_t|. Under SGD it also compares the batch losses and checks that the stored
rows are numpy's: ``rs = np.random.RandomState(batch_seed)``, one ``rs.permutation(m)`` per epoch, cut into
batches of B, a remainder < B dropped (see minibatch_rows).

``check_trajectory(golden, loss, params)`` compares a trajectory computed elsewhere (another framework's
per-step loss, and optionally θ at the saved steps) with the same metric, without replaying anything.

Only numpy and the standard library are used, and the backward pass is derived by hand, so the
check is independent of catapult's autodiff. Import it by path::

    import sys; sys.path.insert(0, 'python')
    import catapult_golden
    report = catapult_golden.check('golden.json', tol=1e-12)
    assert report.ok, report
    report = catapult_golden.check_trajectory('golden.json', my_losses, tol=1e-11)   # my_losses[t] at θ_t, t = 0 … T
    assert report.ok, 'first off at step %s' % report.first_step

or from the shell: ``python3 python/catapult_golden.py golden.json [--tol 1e-10] [--no-lambda]`` prints one
line per field and exits 0 (within --tol), 1 (a field deviates) or 2 (the file is malformed). λ_t needs the
dense Jacobian (one backward pass per output), so it is skipped, with a note, for models beyond MAX_JACOBIAN.
"""
import argparse
import hashlib
import io
import json
import math
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field, replace
from typing import List, Optional, Tuple

import numpy as np

SCHEMA = 'catapult-golden'
SCHEMA_VERSION = 1
DEFAULT_TOL = 1e-10
MAX_JACOBIAN = 2 ** 25      # entries of the dense Jacobian (m·k × parameters, 256 MiB) beyond which λ is not replayed
META_KEYS = ('schema', 'schema_version', 'engine', 'backend', 'config', 'param_names', 'param_shapes', 'sha256', 'result')


class GoldenError(ValueError):
    """The file is not a well-formed catapult golden file (the CLI exits 2 with this one-line message)."""


# ---------------------------------------------------------------------------------------------------
# Reading


@dataclass
class Golden:
    """A golden file in memory: its metadata and float64 arrays (NaN where a value is absent)."""
    path: str
    meta: dict
    init: List[np.ndarray]          # initial parameters, in meta['param_names'] order
    X: np.ndarray                   # (m, d) training inputs
    Y: np.ndarray                   # (m, k) targets
    loss: np.ndarray                # (T+1,)
    lam: np.ndarray                 # (T+1,), NaN where λ was not measured
    param_norm: np.ndarray          # (T+1,)
    f: np.ndarray                   # (T+1, m, k)
    params_t: np.ndarray            # steps whose θ_t is stored
    params: List[np.ndarray]        # per parameter (saves, *shape)
    digits: Optional[np.ndarray] = None   # (T+1,) estimated reproducible digits per step; None in older files
    batches: Optional[np.ndarray] = None  # (T, B) int64 training rows of update t under SGD (config.batch); None for full batch
    batch_loss: Optional[np.ndarray] = None   # (T+1,) loss of update t's rows at θ_t (NaN at the last record); None for full batch

    @property
    def config(self):
        """The run's configuration (model, eta, steps, momentum, l2, optimizer, batch, …)."""
        return self.meta['config']

    @property
    def steps_run(self):
        """T, the number of updates recorded (the arrays have T + 1 records)."""
        return self.meta['result']['steps_run']


def sha256_arrays(arrays) -> str:
    """SHA-256 of the arrays' float64 little-endian C-order bytes, concatenated: the file's sha256 fields."""
    return hashlib.sha256(b''.join(np.ascontiguousarray(a, '<f8').tobytes() for a in arrays)).hexdigest()


def _check_meta(meta, path):
    """Rejects other schemas and versions before anything else is read, as catapult does."""
    if not isinstance(meta, dict) or meta.get('schema') != SCHEMA:
        raise GoldenError('%s: not a catapult golden file (no "schema": "%s")' % (path, SCHEMA))
    if meta.get('schema_version') != SCHEMA_VERSION:
        raise GoldenError('%s: golden schema version %s is not supported (this reader reads version %d)'
                          % (path, json.dumps(meta.get('schema_version')), SCHEMA_VERSION))
    for key in META_KEYS:
        if key not in meta:
            raise GoldenError("%s: golden file lacks the field '%s'" % (path, key))
    return {key: meta[key] for key in META_KEYS}


def _array(value, shape, what):
    """A float64 array of the expected shape from JSON lists (null -> NaN) or an .npz entry."""
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise GoldenError('%s: not an array of numbers (%s)' % (what, str(e).splitlines()[0]))
    if a.size == 0 and int(np.prod(shape)) == 0:
        a = a.reshape(shape)  # JSON writes an empty (0, …) array as []
    if a.shape != tuple(shape):
        raise GoldenError('%s: shape %s, expected %s' % (what, a.shape, tuple(shape)))
    return a


def _int(value, what, minimum=0):
    """An integer field (not a bool or float) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise GoldenError('%s must be an integer >= %d, got %s' % (what, minimum, json.dumps(value)))
    return value


def _shapes(meta, path):
    """(steps, m, d, k) and the parameter shapes, validated, so arrays can be checked against them."""
    names, shapes = meta['param_names'], meta['param_shapes']
    if not isinstance(names, list) or not isinstance(shapes, list) or len(names) != len(shapes) \
            or not all(isinstance(n, str) for n in names):
        raise GoldenError('%s: param_names and param_shapes must be lists of the same length' % path)
    if not all(isinstance(shape, list) for shape in shapes):
        raise GoldenError('%s: every param_shapes entry must be a list of sizes' % path)
    shapes = [tuple(_int(s, '%s: param_shapes entry' % path, 1) for s in shape) for shape in shapes]
    steps = _int(meta['result'].get('steps_run') if isinstance(meta['result'], dict) else None,
                 '%s: result.steps_run' % path) + 1
    model = meta['config'].get('model') if isinstance(meta['config'], dict) else None
    if not isinstance(model, dict):
        raise GoldenError('%s: config.model is missing' % path)
    d = _int(model.get('inputDim'), '%s: config.model.inputDim' % path, 1)
    k = _int(model.get('outputs'), '%s: config.model.outputs' % path, 1)
    return steps, d, k, shapes


def _load_json(path, raw):
    """The JSON form: one object, arrays as nested lists."""
    try:
        obj = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise GoldenError('%s: not valid JSON (%s); was the file cut short?' % (path, str(e).splitlines()[0]))
    meta = _check_meta(obj, path)
    steps, d, k, shapes = _shapes(meta, path)
    data, init, params = (obj.get(key) if isinstance(obj.get(key), dict) else {} for key in ('data', 'init', 'params'))
    m = len(data['Y']) if isinstance(data.get('Y'), list) else 0
    saves = _array(params.get('t', []), (len(params.get('t', []) or []),), '%s: params.t' % path)
    get = lambda v, shape, what: _array(v, shape, '%s: %s' % (path, what))

    def present(name, shape):
        if name not in obj:
            raise GoldenError("%s: golden file lacks the field '%s' (config.batch is set)" % (path, name))
        return get(obj[name], shape, name)
    names = meta['param_names']
    return Golden(
        path=path, meta=meta,
        init=[get(init.get(n), s, 'init.' + n) for n, s in zip(names, shapes)],
        X=get(data.get('X'), (m, d), 'data.X'), Y=get(data.get('Y'), (m, k), 'data.Y'),
        loss=get(obj.get('loss'), (steps,), 'loss'), lam=get(obj.get('lambda'), (steps,), 'lambda'),
        param_norm=get(obj.get('param_norm'), (steps,), 'param_norm'), f=get(obj.get('f'), (steps, m, k), 'f'),
        params_t=saves, params=[get(params.get(n), (len(saves),) + s, 'params.' + n) for n, s in zip(names, shapes)],
        digits=_digits(get(obj['digits'], (steps,), 'digits'), path) if 'digits' in obj else None,
        **_sgd_arrays(meta, m, path, present))


def _load_npz(path, raw):
    """The .npz form: the metadata as a uint8 JSON array `meta`, every other array float64."""
    try:
        z = np.load(io.BytesIO(raw), allow_pickle=False)
        entries = {key: z[key] for key in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise GoldenError('%s: not a readable .npz (%s)' % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if 'meta' not in entries:
        raise GoldenError("%s: not a catapult golden file (no 'meta' array)" % path)
    try:
        meta = json.loads(bytes(np.asarray(entries['meta'], dtype=np.uint8)).decode('utf-8'))
    except (UnicodeDecodeError, ValueError, TypeError):
        raise GoldenError("%s: the 'meta' array is not JSON text" % path)
    meta = _check_meta(meta, path)
    steps, d, k, shapes = _shapes(meta, path)

    def need(name, shape=None):
        if name not in entries:
            raise GoldenError("%s: missing array '%s'" % (path, name))
        a = entries[name]
        return _array(a, a.shape if shape is None else shape, "%s: array '%s'" % (path, name))

    Y = need('data_Y')
    if Y.ndim != 2:
        raise GoldenError("%s: array 'data_Y' has shape %s, expected (m, %d)" % (path, Y.shape, k))
    m = Y.shape[0]
    saves = need('params_t')
    names = meta['param_names']
    return Golden(
        path=path, meta=meta, init=[need('init_' + n, s) for n, s in zip(names, shapes)],
        X=need('data_X', (m, d)), Y=need('data_Y', (m, k)),
        loss=need('loss', (steps,)), lam=need('lambda', (steps,)), param_norm=need('param_norm', (steps,)),
        f=need('f', (steps, m, k)), params_t=saves,
        params=[need('params_' + n, (saves.shape[0],) + s) for n, s in zip(names, shapes)],
        digits=_digits(need('digits', (steps,)), path) if 'digits' in entries else None,
        **_sgd_arrays(meta, m, path, need))


def _batch_size(meta, path):
    """config.batch: None for a full-batch run (the key absent), else the rows of every update (an integer >= 1)."""
    if 'batch' not in meta['config']:
        return None
    return _int(meta['config']['batch'], '%s: config.batch' % path, 1)


def _sgd_arrays(meta, m, path, get):
    """Under SGD, `batches` (T, B) as int64, every entry one of the m training rows, and `batch_loss` (T+1,); else nothing.

    `get(name, shape)` reads one array of the file (a GoldenError naming it when absent or misshapen).
    """
    B = _batch_size(meta, path)
    if B is None:
        return {}
    steps_run = meta['result']['steps_run']
    rows = get('batches', (steps_run, B))
    with np.errstate(invalid='ignore'):
        bad = np.flatnonzero(~((rows == np.floor(rows)) & (rows >= 0) & (rows < m)))
    if bad.size:
        t, j = divmod(int(bad[0]), B)
        x = float(rows[t, j])
        raise GoldenError('%s: batches[%d][%d] is %s, not one of the %d training rows (0 … %d)'
                          % (path, t, j, '%d' % x if x.is_integer() else repr(x), m, m - 1))
    return {'batches': rows.astype(np.int64), 'batch_loss': get('batch_loss', (steps_run + 1,))}


def _digits(d, path):
    """Recorded digits are numbers in [0, 16] (a double has 15.95)."""
    bad = np.flatnonzero(~((d >= 0) & (d <= 16)))
    if bad.size:
        raise GoldenError('%s: digits[%d] is %r, not a number of digits in [0, 16]' % (path, bad[0], float(d[bad[0]])))
    return d


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
        if c.get('layer_lr') is not None and c['model'].get('kind') != 'mlp':
            raise GoldenError('config.layer_lr applies to the mlp model only, got config.model.kind %s' % json.dumps(c['model'].get('kind')))
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
# Models: forward pass as in src/models/model.ts, backward pass derived by hand


@dataclass
class Spec:
    """One parameter: name, shape and the std of its N(0, std²) initialization."""
    name: str
    shape: Tuple[int, ...]
    std: float


def _relu_grad(pre, post, g):
    """relu' is the mask pre > 0 (0 at 0, as in the engine)."""
    return g * (pre > 0)


ACTIVATIONS = {
    'relu': (lambda x: np.where(x > 0, x, 0.0), _relu_grad),
    'tanh': (np.tanh, lambda pre, post, g: g * (1 - post * post)),
    'identity': (lambda x: x, lambda pre, post, g: g),
}
LOSSES = ('mse', 'logistic', 'ce')


class LinearModel:
    """warmup and linear: f(x) = n^-1/2 vᵀ u x (paper eq. 3); warmup is d = 1 with u a vector and x = 1."""

    def __init__(self, c):
        self.n, self.d, self.vector_u = c['width'], c['inputDim'], c['kind'] == 'warmup'
        if self.vector_u and self.d != 1:
            raise GoldenError('the warmup model has one input (inputDim 1), got %d' % self.d)
        if c['outputs'] != 1:
            raise GoldenError('the %s model has one output, got config.model.outputs %d' % (c['kind'], c['outputs']))
        u_shape = (self.n,) if self.vector_u else (self.n, self.d)
        self.specs = [Spec('u', u_shape, 1.0), Spec('v', (self.n,), 1.0)]
        self.outputs = 1

    def forward(self, params, X):
        """f = (X uᵀ v) · (1/√n), returning f (m×1) and what backward needs."""
        u, v = params
        U = u.reshape(self.n, 1) if self.vector_u else u
        h = X @ U.T                                   # (m, n): row α is u x_α
        return (h @ v.reshape(self.n, 1)) * (1 / math.sqrt(self.n)), (X, h)

    def backward(self, params, cache, df):
        """dL/du, dL/dv from dL/df: g = df/√n, dv = hᵀ g, du = (g vᵀ)ᵀ X."""
        u, v = params
        X, h = cache
        g = (1 / math.sqrt(self.n)) * df              # (m, 1)
        dv = (h.T @ g).reshape(self.n)
        dh = g @ v.reshape(1, self.n)                 # (m, n)
        du = dh.T @ X
        return [du.reshape(u.shape), dv]


def _layer_norm(x):
    """(x − mean)/√var per row, no gain, bias or epsilon (ops.layerNorm with eps = 0), and 1/√var."""
    n = x.shape[1]
    mean_col = np.full((n, 1), 1.0 / n)
    centred = x - x @ mean_col
    inv_std = np.exp(-0.5 * np.log((centred * centred) @ mean_col))   # (m, 1), 1/√· as exp(−½ log ·)
    return centred * inv_std, (centred, inv_std)


def _layer_norm_backward(g, saved):
    """Backward of y = c·s, s = mean(c²)^-1/2, c = x − mean(x): dc = s g − s³ c mean(g c), dx = dc − mean(dc)."""
    centred, inv_std = saved
    dc = g * inv_std - centred * (inv_std ** 3 * np.mean(g * centred, axis=1, keepdims=True))
    return dc - np.mean(dc, axis=1, keepdims=True)


class MLP:
    """Fully connected net, `depth` hidden layers; the readout has no activation.

    NTK parameterization: h = σ_w/√n_in · W a + σ_b b with W, b ~ N(0, 1); standard: h = W a + b with
    W ~ N(0, σ_w²/n_in), b ~ N(0, σ_b²). Optional readout σ_w, no biases, and layer norm on hidden h.
    """

    def __init__(self, c):
        self.act = c.get('act')
        if self.act not in ACTIVATIONS:
            raise GoldenError('config.model.act must be one of %s, got %s' % ('|'.join(ACTIVATIONS), json.dumps(self.act)))
        self.param, self.bias, self.norm = c.get('param'), c.get('bias', True), c.get('norm', 'none')
        if not isinstance(self.bias, bool):
            raise GoldenError('config.model.bias must be true or false, got %s' % json.dumps(self.bias))
        if self.param not in ('ntk', 'standard', 'mup'):
            raise GoldenError('config.model.param must be ntk|standard|mup, got %s' % json.dumps(self.param))
        base = c.get('mupBase', 1)
        if isinstance(base, bool) or not isinstance(base, int) or base < 1:
            raise GoldenError('config.model.mupBase must be an integer >= 1, got %s' % json.dumps(base))
        ratio = c['width'] / base           # μP's ñ = n/n0
        if self.norm not in ('none', 'layer'):
            raise GoldenError('config.model.norm must be none|layer, got %s' % json.dumps(self.norm))
        sizes = [c['inputDim']] + [c['width']] * c['depth'] + [c['outputs']]
        self.layers = []                  # (alpha, beta) per layer: h = alpha·a Wᵀ + beta·b
        self.specs = []
        sigma_b = c.get('sigmaB')
        for l in range(len(sizes) - 1):
            n_in, n_out = sizes[l], sizes[l + 1]
            readout = l + 2 == len(sizes)
            sw = c.get('readoutSigmaW', c.get('sigmaW')) if readout else c.get('sigmaW')
            for v, what in ((sw, 'sigma-w'), (sigma_b, 'sigma-b')):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    raise GoldenError('config.model %s must be a finite number >= 0, got %s' % (what, json.dumps(v)))
            if self.param == 'ntk':
                std_w, std_b = 1.0, 1.0
            elif self.param == 'mup' and readout:   # μP (TP5 Table 8): readout std σ_r/√n0, constant in n
                std_w, std_b = sw / math.sqrt(base), float(sigma_b)
            else:                                   # standard, and μP's input and hidden layers: σ/√fan_in
                std_w, std_b = sw / math.sqrt(n_in), float(sigma_b)
            self.specs.append(Spec('W%d' % l, (n_out, n_in), std_w))
            if self.bias:
                self.specs.append(Spec('b%d' % l, (n_out,), std_b))
            alpha, beta = (sw / math.sqrt(n_in), sigma_b) if self.param == 'ntk' else (1, 1)
            if self.param == 'mup' and readout:
                alpha = 1 / ratio                   # mup's MuReadout: the readout's input times 1/ñ, its bias as is
            self.layers.append((alpha, beta))
        self.outputs = c['outputs']

    def _weights(self, params, l):
        """W_l and b_l (None without biases)."""
        per = 2 if self.bias else 1
        return params[per * l], (params[per * l + 1] if self.bias else None)

    def forward(self, params, X):
        """f (m×k) and per layer (input a, pre-activation, layer-norm state, activation output)."""
        fn, _ = ACTIVATIONS[self.act]
        a, cache = X, []
        for l, (alpha, beta) in enumerate(self.layers):
            W, b = self._weights(params, l)
            h = a @ W.T
            if alpha != 1:
                h = alpha * h
            if b is not None and beta != 0:
                h = h + (b if beta == 1 else beta * b)
            if l + 1 == len(self.layers):
                cache.append((a, None, None, None))
                return h, cache
            pre, ln = (_layer_norm(h) if self.norm == 'layer' else (h, None))
            out = fn(pre)
            cache.append((a, pre, ln, out))
            a = out

    def backward(self, params, cache, df):
        """Gradients in specs order, from dL/df, by reverse accumulation through the layers."""
        _, act_grad = ACTIVATIONS[self.act]
        grads = [None] * len(self.specs)
        per = 2 if self.bias else 1
        g = df
        for l in range(len(self.layers) - 1, -1, -1):
            alpha, beta = self.layers[l]
            a, pre, ln, out = cache[l]
            if pre is not None:                        # hidden layer: through the activation and layer norm
                g = act_grad(pre, out, g)
                if ln is not None:
                    g = _layer_norm_backward(g, ln)
            W, b = self._weights(params, l)
            if b is not None:
                grads[per * l + 1] = beta * g.sum(axis=0) if beta != 0 else np.zeros_like(b)
            gm = alpha * g if alpha != 1 else g
            grads[per * l] = gm.T @ a
            if l > 0:
                g = gm @ W
        return grads


def _conv_module():
    """catapult_golden_conv, from sys.path or, when this file was loaded by path, from its own directory."""
    try:
        import catapult_golden_conv as conv
    except ModuleNotFoundError:
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            'catapult_golden_conv', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catapult_golden_conv.py'))
        conv = sys.modules['catapult_golden_conv'] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conv)
    return conv


def build_model(c):
    """The model of a golden file's config.model (warmup, linear, mlp; cnn and wrn from catapult_golden_conv)."""
    if not isinstance(c, dict):
        raise GoldenError('config.model must be an object')
    for key in ('width', 'inputDim', 'outputs'):
        _int(c.get(key), 'config.model.%s' % key, 1)
    kind = c.get('kind')
    if kind in ('warmup', 'linear'):
        return LinearModel(c)
    if kind == 'mlp':
        _int(c.get('depth'), 'config.model.depth', 1)
        return MLP(c)
    if kind in ('cnn', 'wrn'):                       # numpy cnn/wrn: python/catapult_golden_conv.py, imported lazily
        return _conv_module().build_conv_model(c, GoldenError)
    raise GoldenError('config.model.kind must be warmup|linear|mlp|cnn|wrn, got %s' % json.dumps(kind))


def loss_and_grad(kind, f, Y):
    """The loss (1/m normalization) and dL/df: MSE 1/(2km)Σ(f−y)², logistic 1/m Σ log(1+e^(−yf)), CE 1/m Σ(lse − y·f)."""
    m = f.shape[0]
    if kind == 'mse':
        r = f - Y
        return 0.5 * np.mean(r * r), r * (1.0 / r.size)
    if kind == 'logistic':
        z = -(Y * f)
        e = np.exp(-np.abs(z))
        loss = np.mean(np.maximum(z, 0) + np.log1p(e))       # softplus, overflow-free
        sigma = np.where(z >= 0, 1 / (1 + e), e / (1 + e))    # softplus'(z)
        return loss, -(sigma * (1.0 / m)) * Y
    if kind == 'ce':
        # As the engine computes it: (Σ_i lse_i − Σ_ij y_ij f_ij)/m, two sums of size ~m·|f| whose difference is
        # m·L, so near L = 0 its rounding is relative to |f|, not to L (mirrored here rather than improved).
        mx = np.max(f, axis=1, keepdims=True)
        lse = mx + np.log(np.sum(np.exp(f - mx), axis=1, keepdims=True))
        loss = (np.sum(lse) - np.sum(Y * f)) * (1.0 / m)
        return loss, (np.exp(f - lse) - Y) * (1.0 / m)
    raise GoldenError('config.model.loss must be one of %s, got %s' % ('|'.join(LOSSES), json.dumps(kind)))


def init_params(model, seed):
    """The engine's initialization: one RandomState(seed) stream, standard_normal(size) per parameter in order, × std."""
    rs = np.random.RandomState(seed)
    out = []
    for s in model.specs:
        if getattr(s, 'constant', None) is not None:   # batch norm's γ = 1, β = 0 draw nothing (cnn, wrn)
            out.append(np.full(s.shape, float(s.constant)))
            continue
        p = rs.standard_normal(int(np.prod(s.shape))).reshape(s.shape)
        out.append(p * s.std if s.std != 1 else p)
    return out


def ntk_top(model, params, cache, shape):
    """Top eigenvalue of Θ = J Jᵀ/(k·m), J built from one backward pass per output (fine for small models)."""
    n_out = int(np.prod(shape))
    rows = []
    for a in range(n_out):
        e = np.zeros(n_out)
        e[a] = 1.0
        rows.append(np.concatenate([g.ravel() for g in model.backward(params, cache, e.reshape(shape))]))
    J = np.array(rows)
    return float(np.linalg.eigvalsh(J @ J.T / n_out)[-1])


def model_for(g):
    """The model and loss of a golden file, checked against its param_names and param_shapes."""
    model = build_model(g.config['model'])
    if [s.name for s in model.specs] != list(g.meta['param_names']) or [s.shape for s in model.specs] != [p.shape for p in g.init]:
        raise GoldenError('param_names/param_shapes do not match config.model (expected %s)'
                          % ', '.join('%s%s' % (s.name, list(s.shape)) for s in model.specs))
    kind = g.config['model'].get('loss', 'mse')
    if kind not in LOSSES:
        raise GoldenError('config.model.loss must be one of %s, got %s' % ('|'.join(LOSSES), json.dumps(kind)))
    return model, kind


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
    mup = mup_rates(c['model'], names, optimizer_settings(c).name)
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


# ---------------------------------------------------------------------------------------------------
# Comparison


@dataclass
class FieldReport:
    """One field's deviation: max |Δ|, max relative (on each step's scale), where, and the first step beyond tol."""
    field: str
    max_abs: float
    max_rel: float
    worst: Optional[Tuple[int, int]]            # (step, index within the step)
    first: Optional[Tuple[int, int, float]]     # (step, index, rel) of the first element beyond its allowance
    ok: bool
    starts: Optional[Tuple[int, int, float]] = None   # (step, index, rel) of the first element beyond tol

    @property
    def first_step(self):
        """The step at which the field first goes beyond its allowance (None while it is within it)."""
        return None if self.first is None else self.first[0]

    def line(self, width=12):
        """One line as `catapult check` prints it."""
        fmt = lambda x: '0' if x == 0 else ('%.2e' % x if math.isfinite(x) else 'MISMATCH')
        where = lambda e: '-' if e is None else 't=%d [%d]' % (e[0], e[1])
        status = ('ok' if self.starts is None else 'ok (within the recorded digits)') if self.ok \
            else 'BEYOND TOLERANCE from %s' % where(self.first)
        return '%s  %-14s  %9s  %9s  %-14s  %s' % (self.field.ljust(width), where(self.starts),
                                                 fmt(self.starts[2]) if self.starts else '-', fmt(self.max_rel), where(self.worst), status)


@dataclass
class Report:
    """Every field's deviation for one golden file; `ok` when all are within tol."""
    path: str
    tol: float
    fields: List[FieldReport]
    notes: List[str] = field(default_factory=list)

    @property
    def ok(self):
        """True when every field is within the tolerance."""
        return all(f.ok for f in self.fields)

    @property
    def max_rel(self):
        """The largest relative deviation over the floating-point fields (the exact ones count when they differ)."""
        return max((f.max_rel for f in self.fields), default=0.0)

    @property
    def first_step(self):
        """The earliest step at which a field goes beyond its allowance (None when every field is ok)."""
        return min((f.first_step for f in self.fields if f.first is not None), default=None)

    @property
    def failing(self):
        """The names of the fields beyond the tolerance, in report order."""
        return [f.field for f in self.fields if not f.ok]

    def __getitem__(self, name):
        """The report of one field by name (KeyError if absent)."""
        for f in self.fields:
            if f.field == name:
                return f
        raise KeyError(name)

    def __str__(self):
        """The notes, then one aligned line per field (what the CLI prints)."""
        w = max((len(f.field) for f in self.fields), default=5)
        return '\n'.join(['note: ' + n for n in self.notes] + [f.line(w) for f in self.fields])


# Digits of slack on a file's recorded digits, as DIGITS_SLACK in src/experiments/oracle/goldenCheck.ts: the estimate models one
# rounding per entry per step; this replay rounds differently in every operation (measured up to 50x beyond it).
DIGITS_SLACK = 2


def allowance(tol, digits):
    """The relative deviation a step may show: tol, or with recorded digits d, max(tol, 10^(DIGITS_SLACK − d)), and any
    at all once no digit is left (d ≤ DIGITS_SLACK), as allowance() in src/experiments/oracle/goldenCheck.ts."""
    if digits is None:
        return tol
    return math.inf if digits <= DIGITS_SLACK else max(tol, 10.0 ** (DIGITS_SLACK - float(digits)))


def deviation(name, ours, golden, tol, row_length=1, steps=None, digits=None) -> FieldReport:
    """Per-element deviation as `deviation()` in src/experiments/oracle/goldenCheck.ts.

    The arrays are read as rows (steps) of `row_length` elements; element i's scale is the largest finite |golden|
    of its row, so a loss that decays by 100 orders of magnitude is judged at each step on its own scale and one
    bad step is never diluted. Non-finite in both counts as equal; finite in one only is an infinite deviation.
    `starts` is the first element beyond tol; `first` (what fails the field) the first beyond its step's allowance,
    which `digits` (the file's reproducible digits, indexed by step) widens.
    """
    a, g = np.ravel(np.asarray(ours, float)), np.ravel(np.asarray(golden, float))
    if a.size != g.size:
        return FieldReport(name, math.inf, math.inf, None, (0, 0, math.inf), False, (0, 0, math.inf))
    if g.size == 0:
        return FieldReport(name, 0.0, 0.0, None, None, True)
    L = max(1, int(row_length))
    rows = -(-g.size // L)
    pad = rows * L - g.size
    A, G = (np.concatenate([x, np.full(pad, np.nan)]).reshape(rows, L) for x in (a, g))
    fa, fg = np.isfinite(A), np.isfinite(G)
    scale = np.max(np.where(fg, np.abs(G), 0.0), axis=1, keepdims=True)
    with np.errstate(all='ignore'):
        absd = np.where(fa & fg, np.abs(A - G), np.where(fa != fg, np.inf, 0.0))
        rel = np.where(absd == 0, 0.0, np.where(scale == 0, np.inf, absd / scale))
    step_of = lambda r: int(steps[r]) if steps is not None else int(r)
    max_abs, max_rel = float(absd.max()), float(rel.max())
    worst = None
    if max_rel > 0:
        r, i = np.unravel_index(int(np.argmax(rel)), rel.shape)
        worst = (step_of(r), int(i))
    allowed = np.array([[allowance(tol, None if digits is None else digits[step_of(r)])] for r in range(rows)])

    def first_beyond(limit):
        beyond = np.flatnonzero((rel > limit).ravel())
        if not beyond.size:
            return None
        r, i = divmod(int(beyond[0]), L)
        return (step_of(r), i, float(rel[r, i]))
    first = first_beyond(allowed)
    return FieldReport(name, max_abs, max_rel, worst, first, first is None, first_beyond(tol))


def _exact(name, ours, golden):
    """An integer field that must match exactly (steps_run, diverged_at, converged_at)."""
    same = ours == golden
    return FieldReport(name, 0.0 if same else math.inf, 0.0 if same else math.inf, None, None if same else (0, 0, math.inf), same)


def compare(g: Golden, tol=DEFAULT_TOL, lambdas=None) -> Report:
    """Replays `g` and compares every field with the per-element metric; the report says where anything deviates.

    `lambdas` as in replay(); when λ is not replayed the report says so in a note and has no λ fields.
    """
    c, res = g.config, g.meta['result']
    r = replay(g, lambdas)
    fields, notes = [], []
    if not r.lambdas:
        why = 'as asked' if lambdas is False else 'the dense Jacobian would have %d entries, MAX_JACOBIAN is %d' % (jacobian_size(g), MAX_JACOBIAN)
        notes.append('lambda not replayed (%s)' % why)
    model = build_model(c['model'])
    init = c['init']
    if 'seed' in init:
        drawn = np.concatenate([p.ravel() for p in init_params(model, init['seed'])])
        stored = np.concatenate([p.ravel() for p in g.init])
        fields.append(deviation('init (RandomState regenerated)', drawn, stored, tol, stored.size))
        same = int(np.sum(drawn.view(np.int64) == stored.view(np.int64)))
        notes.append('RandomState(%d) redraws %d of %d initial entries bit for bit' % (init['seed'], same, stored.size))
    if r.lambdas:
        fields.append(deviation('lambda0', [r.lambda0], [c.get('lambda0', np.nan)], tol))
    fields.append(_exact('steps_run', r.steps_run, res['steps_run']))
    fields.append(_exact('diverged_at', r.diverged_at, (res.get('diverged') or {}).get('step')))
    fields.append(_exact('converged_at', r.converged_at, res.get('converged_at')))
    per_step = lambda a: a[0].size if a.shape[0] else 1
    d = g.digits
    if d is not None:
        notes.append('the file records reproducible digits per step (from %.1f to %.1f%s): a step may deviate by up to '
                     'max(tol, 10^(%d - digits))' % (d[0], d[-1], ', chaotic' if res.get('chaotic') else '', DIGITS_SLACK))
    if c.get('precision') == 'dd':
        notes.append('the file was made in double-double (config.precision dd); this replay is float64')
    fields += [deviation('loss', r.loss, g.loss, tol, digits=d), deviation('f', r.f, g.f, tol, per_step(g.f), digits=d)]
    if r.lambdas:
        fields.append(deviation('lambda', r.lam, g.lam, tol, digits=d))
    fields.append(deviation('param_norm', r.param_norm, g.param_norm, tol, digits=d))
    if g.batches is not None:
        B, seed = g.batches.shape[1], c.get('batch_seed', 0)
        drawn = minibatch_rows(g.X.shape[0], B, seed, g.batches.shape[0])
        # The rows are integers: any difference fails, whatever tol says (as `catapult check`).
        fields.append(deviation('batches', drawn, g.batches, 0, B))
        fields.append(deviation('batch_loss', r.batch_loss, g.batch_loss, tol, digits=d))
        notes.append('minibatch SGD, %d of %d rows an update: the replay steps on the rows stored in `batches`; the field '
                     'batches compares them with RandomState(%d), one permutation(%d) an epoch' % (B, g.X.shape[0], seed, g.X.shape[0]))
    if g.params_t.size:
        for name, mine, theirs in zip(g.meta['param_names'], r.params, g.params):
            fields.append(deviation('params.' + name, mine, theirs, tol, per_step(theirs), g.params_t, digits=d))
    return Report(g.path, tol, fields, notes)


def check(path, tol=DEFAULT_TOL, lambdas=None) -> Report:
    """Loads, verifies and replays one golden file; raises GoldenError when it is malformed."""
    return compare(load(path), tol, lambdas)


def _series(name, ours, golden, tol, digits, notes, steps=None, past=None):
    """deviation() of a user's series against a golden array over the records both have; a series of another length
    or record shape fails the field (and says so in `notes`) instead of raising. `steps` maps records to steps
    (params_t); `past` is the step just after the golden's last record, where a longer series first has no match."""
    a = np.asarray(ours, dtype=np.float64)
    if golden.ndim == 1:
        a = a.ravel()
    if a.ndim < 1 or a.shape[1:] != golden.shape[1:]:
        notes.append('%s: each record has shape %s, the golden\'s %s' % (name, tuple(a.shape[1:]), tuple(golden.shape[1:])))
        return FieldReport(name, math.inf, math.inf, None, (0, 0, math.inf), False, (0, 0, math.inf))
    n = min(a.shape[0], golden.shape[0])
    rep = deviation(name, a[:n], golden[:n], tol, max(1, int(np.prod(golden.shape[1:]))), None if steps is None else steps[:n], digits)
    if a.shape[0] == golden.shape[0]:
        return rep
    step = (int(steps[n]) if steps is not None else n) if n < golden.shape[0] else past
    notes.append('%s has %d records, the golden %d: the steps from %d on have nothing to compare' % (name, a.shape[0], golden.shape[0], step))
    missing = (step, 0, math.inf)
    return replace(rep, max_abs=math.inf, max_rel=math.inf, worst=rep.worst or (step, 0), first=rep.first or missing,
                   ok=False, starts=rep.starts or missing)


def check_trajectory(golden, loss, params=None, tol=DEFAULT_TOL) -> Report:
    """Compares a trajectory computed elsewhere (another framework, from the file's init, data and batches) with a golden.

    `golden` is a path or a loaded Golden. `loss` is the per-step loss, t = 0 … steps_run, as the file records it:
    the whole training set's at θ_t, before update t, L2 term included. `params`, optional, are θ at the golden's
    saved steps params_t: a dict name → array (saves, *shape) for any of param_names, or a list in param_names order.
    Every element is judged as `catapult check` judges it (deviation(), widened by the file's recorded digits as
    allowance() says); nothing is replayed. A series of the wrong length or shape is a failing field, not an
    exception. Returns a Report: `.ok`, `.max_rel` (the worst deviation), `.first_step` (the first failing step),
    and per field `report['loss'].first` = (step, index, rel).

        report = check_trajectory('golden.npz', my_losses, {'W0': my_W0_at_saved_steps}, tol=1e-11)
        assert report.ok, report
    """
    g = golden if isinstance(golden, Golden) else load(golden)
    names, run = list(g.meta['param_names']), g.steps_run
    notes = ['compared with %s (%d records, t = 0 … %d) without replaying' % (g.path, run + 1, run)]
    fields = [_series('loss', loss, g.loss, tol, g.digits, notes, past=run + 1)]
    if params is not None:
        if not isinstance(params, dict):
            params = list(params)
            if len(params) != len(names):
                raise ValueError('params lists %d arrays; the golden has %d parameters (%s)' % (len(params), len(names), ', '.join(names)))
            params = dict(zip(names, params))
        unknown = [n for n in params if n not in names]
        if unknown:
            raise ValueError('params has %r, not a parameter of the golden (%s)' % (unknown[0], ', '.join(names)))
        for i, name in enumerate(names):
            if name in params:
                fields.append(_series('params.' + name, params[name], g.params[i], tol, g.digits, notes, g.params_t, run + 1))
    return Report(g.path, tol, fields, notes)


def main(argv=None):
    """CLI: one line per field; exit 0 within --tol, 1 beyond, 2 for a malformed file."""
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('golden', help='a golden file from `catapult oracle` (.json or .npz)')
    ap.add_argument('--tol', type=float, default=DEFAULT_TOL, help='relative tolerance per element (default %g)' % DEFAULT_TOL)
    ap.add_argument('--no-lambda', action='store_true', help='do not replay λ_t (it needs the dense Jacobian at every measured step)')
    a = ap.parse_args(argv)
    if not (a.tol >= 0 and math.isfinite(a.tol)):
        ap.error('--tol must be a finite number >= 0')
    try:
        g = load(a.golden)
        report = compare(g, a.tol, False if a.no_lambda else None)
    except GoldenError as e:
        print('catapult_golden: error: %s' % str(e).splitlines()[0], file=sys.stderr)
        return 2
    bad = [f for f in report.fields if not f.ok]
    c = g.config
    try:
        rule = optimizer_settings(c).name + (', batch %d' % c['batch'] if 'batch' in c else '')
        print('%s: %s, %s model (%s), %s, eta = %r, %d steps, %s' % (a.golden, g.meta['engine'], c['model']['kind'], c['model'].get('loss', 'mse'),
                                                                  rule, c['eta'], g.meta['result']['steps_run'], g.meta['result'].get('phase')))
        print(report)
        print('%s: %s (--tol %g)' % (a.golden, 'ok' if not bad else 'FAIL: ' + ', '.join(f.field for f in bad), a.tol))
        sys.stdout.flush()
    except BrokenPipeError:           # `… | head`: the reader stopped; the exit status still tells the result
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # as the Python docs advise for SIGPIPE
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
