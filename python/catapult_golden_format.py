"""The golden file format for catapult_golden.py: schema, the Golden record, and reading .json or .npz.

Reading checks the schema and version, the metadata's shapes and every array against them (NaN where JSON has
null), the SGD rows and the recorded digits; everything wrong is a one-line GoldenError. The SHA-256 digests and
the training settings are checked by catapult_golden_replay.load, which needs the models and the update rules.
"""
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

SCHEMA = 'catapult-golden'
SCHEMA_VERSION = 2          # 2: config.model/setup hold only the fields that apply; gd runs always record digits and chaotic
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
    digits: Optional[np.ndarray] = None   # (T+1,) estimated reproducible digits per step; None for adam/adamw
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
    _steps_index(obj.get('t'), steps, path)
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
        digits=_digits(meta, get(obj['digits'], (steps,), 'digits') if 'digits' in obj else None, path),
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

    _steps_index(need('t'), steps, path)
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
        digits=_digits(meta, need('digits', (steps,)) if 'digits' in entries else None, path),
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


def _steps_index(t, steps, path):
    """The step index `t` is 0, 1, …, steps_run, as catapult checks it."""
    try:
        ok = t is not None and np.array_equal(np.asarray(t, dtype=np.float64), np.arange(steps, dtype=np.float64))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise GoldenError('%s: golden field t is not the steps 0, 1, …, %d (result.steps_run)' % (path, steps - 1))


def _digits(meta, d, path):
    """Recorded digits: numbers in [0, 16] (a double has 15.95), recorded with result.chaotic exactly for gd runs (the
    rounding model follows gd's map), as catapult checks them."""
    opt = meta['config'].get('optimizer') if isinstance(meta['config'], dict) else None
    gd = not isinstance(opt, dict) or opt.get('name', 'gd') == 'gd'
    chaotic = meta['result'].get('chaotic') if isinstance(meta['result'], dict) else None
    if gd and (d is None or chaotic is None):
        raise GoldenError('%s: golden field %s is missing: a gd run records its reproducible digits and chaos flag'
                          % (path, 'digits' if d is None else 'result.chaotic'))
    if not gd and (d is not None or chaotic is not None):
        raise GoldenError('%s: golden field %s is recorded, but the rounding model follows gd, not %s'
                          % (path, 'digits' if d is not None else 'result.chaotic', opt.get('name')))
    if d is None:
        return None
    bad = np.flatnonzero(~((d >= 0) & (d <= 16)))
    if bad.size:
        raise GoldenError('%s: digits[%d] is %r, not a number of digits in [0, 16]' % (path, bad[0], float(d[bad[0]])))
    return d
