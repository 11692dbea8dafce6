#!/usr/bin/env python3
"""An independent float64 replay of a GD run's sharpness trajectory: PyTorch's double backward and scipy's eigsh.

    python3 python/eos_replay.py RUN_DIR [--steps 100] [--tol 1e-10]

RUN_DIR is what `catapult train --track hessian --out RUN_DIR` writes (sharpness compared where --eig-every measured it) (trajectory.csv, summary.json)
beside the run's init.npz (its initial parameters under the engine's names, as --init reads them) and data.npz (X, Y
as --data reads them). The mlp of summary.json's model is rebuilt by sharpness_reference.mlp_loss (tanh, relu or
identity; standard, NTK or μP parameterization; biases on or off; layer norm; any depth; mse, logistic or ce loss)
and trained by full-batch GD at summary.json's eta (μP's per-layer factors on it from catapult_golden_optim.mup_rates;
heavy-ball momentum where the summary records one). At every step t = 0 ... STEPS the loss and the loss Hessian's top
eigenvalue (eigsh at tol 0 on torch Hessian-vector products, warm-started from the last eigenvector) are compared with
trajectory.csv's loss and hessian columns. Prints the largest relative differences and their steps; exits 1 when one
exceeds --tol, 2 on unusable input (what it does not rebuild: other models, flows, minibatches; no sharpness at all).

summary.json records the update rule (momentum, l2, optimizer, batch, layer_lr): heavy-ball momentum is replayed, and
any other rule is refused (exit 2).
"""
import csv
import json
import math
import os
import sys
import time
import zipfile
from itertools import islice

# One thread for torch and the BLAS under numpy/ARPACK, set before they load: the HVPs of these small nets run several
# times faster so than with threads that spin against each other on a busy machine's cores.
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

from catapult_golden_optim import mup_rates
from sharpness_reference import ACTS, LOSSES, mlp_loss

torch.set_default_dtype(torch.float64)
USAGE = __doc__.strip().split('\n\n')[1].strip()
# Settings of an update rule other than plain GD that a summary may record, each with its value that means "off".
OTHER_RULES = {'l2': 0, 'optimizer': 'gd', 'batch': None, 'layer_lr': None, 'precision': 'float64'}


class ReplayError(Exception):
    """Unusable input: one line naming the file and field, exit 2."""


def parse_args(argv):
    """RUN_DIR, --steps (an integer >= 0) and --tol (a number >= 0)."""
    if not argv or argv[0].startswith('-'):
        raise ReplayError('usage: %s' % USAGE)
    run, opts = argv[0], {'--steps': '100', '--tol': '1e-10'}
    rest = argv[1:]
    while rest:
        if rest[0] not in opts or len(rest) < 2:
            raise ReplayError('unknown option or missing value: %s (usage: %s)' % (rest[0], USAGE))
        opts[rest[0]], rest = rest[1], rest[2:]
    try:
        steps, tol = int(opts['--steps']), float(opts['--tol'])
    except ValueError:
        raise ReplayError('--steps must be an integer >= 0 and --tol a number >= 0, got %s and %s' % (opts['--steps'], opts['--tol']))
    if steps < 0 or not (tol >= 0 and math.isfinite(tol)):
        raise ReplayError('--steps must be an integer >= 0 and --tol a finite number >= 0, got %s and %s' % (steps, tol))
    return run, steps, tol


def read_summary(run):
    """summary.json: the model config (checked for what mlp_loss rebuilds), the loss kind and the update rule."""
    path = os.path.join(run, 'summary.json')
    try:
        with open(path) as fh:
            s = json.load(fh)
    except OSError as e:
        raise ReplayError('%s: cannot read (%s)' % (path, e.strerror or e))
    except ValueError as e:
        raise ReplayError('%s: not JSON (%s)' % (path, e))
    if not isinstance(s, dict) or not isinstance(s.get('model'), dict):
        raise ReplayError('%s: needs an object with a model object' % path)
    c = dict(s['model'])
    c['loss'] = s.get('loss', c.get('loss', 'mse'))
    check_model(path, c)
    diverged = s.get('diverged_at')
    if diverged is not None and (isinstance(diverged, bool) or not isinstance(diverged, int) or diverged < 0):
        raise ReplayError('%s: diverged_at must be null or a step >= 0, got %s' % (path, json.dumps(diverged)))
    return s, c, update_rule(path, s)


def check_model(path, c):
    """Refuses what mlp_loss does not rebuild exactly as src/models/model.ts computes it."""
    def field(key, ok, expected):
        if not ok(c.get(key)):
            raise ReplayError('%s: model.%s must be %s, got %s' % (path, key, expected, json.dumps(c.get(key))))
    field('kind', lambda v: v == 'mlp', 'mlp (the replay rebuilds mlp models only)')
    field('param', lambda v: v in ('standard', 'ntk', 'mup'), 'standard|ntk|mup')
    field('act', lambda v: v in ACTS, '|'.join(ACTS))
    field('loss', lambda v: v in LOSSES, '|'.join(LOSSES))
    field('norm', lambda v: v in (None, 'none', 'layer'), 'none|layer')
    field('bias', lambda v: v in (None, True, False), 'true or false')
    for key in ('width', 'depth', 'inputDim', 'outputs') + (('mupBase',) if c['param'] == 'mup' else ()):
        field(key, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, 'an integer >= 1')
    if c['param'] == 'ntk':      # the σ's scale an NTK model's forward pass (a standard one's only its draw)
        finite = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        for key in ('sigmaW', 'sigmaB'):
            field(key, finite, 'a finite number >= 0')
        if 'readoutSigmaW' in c:
            field('readoutSigmaW', finite, 'a finite number >= 0')


def update_rule(path, s):
    """η for step t (a decay schedule as train.ts's `schedule`) and the heavy-ball γ; refuses any other rule."""
    sched = s.get('schedule') or {}
    if not isinstance(sched, dict):
        raise ReplayError('%s: schedule must be an object' % path)
    for key in sched:
        if key not in ('decay_at', 'final_lr', 'final_steps', 'momentum'):
            raise ReplayError('%s: schedule.%s is not replayed (full-batch GD steps only)' % (path, key))
    for key, off in OTHER_RULES.items():
        if s.get(key, off) != off:
            raise ReplayError('%s: %s = %s is not replayed (full-batch GD with momentum only)' % (path, key, json.dumps(s[key])))
    eta, momentum = s.get('eta'), s.get('momentum', sched.get('momentum', 0))
    for key, v, ok in (('eta', eta, lambda v: v > 0), ('momentum', momentum, lambda v: 0 <= v < 1)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and ok(v)):
            raise ReplayError('%s: %s must be a finite number %s, got %s' % (path, key, '> 0' if key == 'eta' else 'in [0, 1)', json.dumps(v)))
    if 'decay_at' not in sched:
        return (lambda t: eta), momentum
    decay_at, final_lr = sched.get('decay_at'), sched.get('final_lr')
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in (decay_at, final_lr)):
        raise ReplayError('%s: schedule.decay_at and schedule.final_lr must be numbers > 0' % path)
    decay = math.ceil(decay_at / eta * (1 - 1e-12))   # as schedule() rounds τ/η
    return (lambda t: eta if t < decay else final_lr), momentum


def read_trajectory(run, steps, diverged_at):
    """(t, loss, hessian) of the records t = 0 ... min(steps, last), t consecutive and the sharpness recorded at each
    (a diverged run's last record, which has none, left out)."""
    path = os.path.join(run, 'trajectory.csv')
    try:
        with open(path, newline='') as fh:
            reader = csv.DictReader(fh)
            rows = list(islice(reader, steps + 1))    # no more than the records compared are read
            columns = reader.fieldnames or ()
    except OSError as e:
        raise ReplayError('%s: cannot read (%s)' % (path, e.strerror or e))
    except csv.Error as e:
        raise ReplayError('%s: not CSV (%s)' % (path, e))
    if 'batch_loss' in columns:
        raise ReplayError('%s: a minibatch SGD run (column batch_loss) is not replayed (full-batch GD only)' % path)
    if not {'t', 'loss', 'hessian'} <= set(columns) or not rows:
        raise ReplayError('%s: needs columns t, loss and hessian and at least one row' % path)
    last = steps if diverged_at is None else min(steps, diverged_at - 1)   # the diverged record has no sharpness
    out = []
    for i, r in enumerate(rows[: last + 1]):
        try:
            t, loss = int(r['t']), float(r['loss'])
            # A blank sharpness is a step where --eig-every did not measure it: compared where it was measured.
            hessian = None if r['hessian'] == '' else float(r['hessian'])
        except (TypeError, ValueError):
            raise ReplayError('%s: row t = %s: t, loss or hessian is not a number' % (path, r.get('t')))
        if t != i:
            raise ReplayError('%s: record %d has t = %d; expected consecutive steps from 0' % (path, i + 1, t))
        out.append((t, loss, hessian))
    if not out:
        raise ReplayError('%s: no record to compare (the run diverged at step 0)' % path)
    if all(h is None for _, _, h in out):
        raise ReplayError('%s: no sharpness recorded in the steps compared; record the run with --track hessian' % path)
    return out


def npz_shapes(path):
    """Name -> shape of each (numeric) array of an .npz, from the .npy headers alone: nothing is inflated unchecked."""
    shapes = {}
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                with z.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version not in ((1, 0), (2, 0)):
                        raise ValueError('.npy format version %d.%d' % version)
                    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                    name = info.filename[: -len('.npy')] if info.filename.endswith('.npy') else info.filename
                    shape, _, dtype = header(fh)
                    if dtype.kind not in 'fiub':     # npy.ts converts numeric dtypes only
                        raise ValueError('array %s has dtype %s, not a numeric one' % (name, dtype.str))
                    shapes[name] = shape
    except OSError as e:
        raise ReplayError('%s: cannot read (%s)' % (path, e.strerror or e))
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise ReplayError('%s: not an .npz of .npy arrays (%s)' % (path, e))
    return shapes


def read_npz(path, names):
    """The named arrays of an .npz as float64 (their shapes checked from npz_shapes first), finite."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: np.asarray(z[k], dtype=np.float64) for k in names}
    except (OSError, ValueError, TypeError, MemoryError) as e:
        raise ReplayError('%s: not a readable .npz (%s)' % (path, e))
    for k, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise ReplayError('%s: array %s contains NaN or infinite values' % (path, k))
    return arrays


def param_specs(c):
    """The engine's parameter names and shapes in spec order: W_l (n_out, n_in), then b_l (n_out,) with biases."""
    sizes = [c['inputDim']] + [c['width']] * c['depth'] + [c['outputs']]
    specs = []
    for l in range(len(sizes) - 1):
        specs.append(('W%d' % l, (sizes[l + 1], sizes[l])))
        if c.get('bias', True):
            specs.append(('b%d' % l, (sizes[l + 1],)))
    return specs


def read_inputs(run, c):
    """init.npz checked against the model's parameters, and data.npz's X (m, d) and Y (m, k) as --data reads them."""
    path, specs = os.path.join(run, 'init.npz'), param_specs(c)
    shapes = npz_shapes(path)
    if shapes != dict(specs):
        raise ReplayError("%s: arrays %s, expected %s for summary.json's model" % (
            path, ', '.join('%s%s' % (k, list(s)) for k, s in shapes.items()), ', '.join('%s%s' % (n, list(s)) for n, s in specs)))
    init = read_npz(path, [n for n, _ in specs])
    path = os.path.join(run, 'data.npz')
    shapes = npz_shapes(path)
    if 'X' not in shapes or 'Y' not in shapes:
        raise ReplayError('%s: needs arrays named X and Y, found %s' % (path, ', '.join(shapes) or 'none'))
    xs, ys = shapes['X'], shapes['Y']
    x = (xs[0], int(np.prod(xs[1:]))) if len(xs) == 4 else xs       # images (m, C, H, W) are rows in C order
    y = (ys[0], 1) if len(ys) == 1 else ys
    logistic_pairs = c['loss'] == 'logistic' and len(y) == 2 and y[1] == 2    # one-hot pairs become ±1 labels
    if len(x) != 2 or len(y) != 2 or x[0] != y[0] or x[1] != c['inputDim'] or (1 if logistic_pairs else y[1]) != c['outputs']:
        raise ReplayError('%s: X %s and Y %s do not fit the model (inputDim %d, outputs %d)' % (
            path, list(xs), list(ys), c['inputDim'], c['outputs']))
    need = 8 * (x[0] * (x[1] + y[1]) + sum(int(np.prod(s)) for _, s in specs))
    memory = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    if need > memory / 4:
        raise ReplayError('%s: X, Y and the parameters take %.3g GiB, more than a quarter of this machine\'s %.3g GiB' % (
            path, need / 2 ** 30, memory / 2 ** 30))
    d = read_npz(path, ['X', 'Y'])
    X, Y = d['X'].reshape(x), d['Y'].reshape(y)
    if logistic_pairs:
        Y = np.where(Y[:, 1:] == 1, 1.0, -1.0)               # loss.ts's binaryLabels: one-hot rows become ±1
    return [n for n, _ in specs], init, torch.tensor(X), torch.tensor(Y)


def top_eigen(params, g, start):
    """The loss Hessian's algebraically largest eigenpair: eigsh at tol 0 (machine precision) on double-backward HVPs."""
    sizes = [p.numel() for p in params]

    def hvp(v):
        vs = torch.split(torch.as_tensor(np.ravel(v)), sizes)
        dot = sum(torch.sum(gi * vi.reshape(gi.shape)) for gi, vi in zip(g, vs))
        hv = torch.autograd.grad(dot, params, retain_graph=True, allow_unused=True)
        return torch.cat([torch.zeros(n) if h is None else h.reshape(-1) for h, n in zip(hv, sizes)]).numpy()
    P = sum(sizes)
    vals, vecs = eigsh(LinearOperator((P, P), matvec=hvp, dtype=np.float64), k=1, which='LA', tol=0, v0=start)
    return vals[0], vecs[:, 0]


def replay(c, names, init, X, Y, lr_at, momentum, measured):
    """Loss and sharpness (None where `measured[t]` is false) of GD's records: θ_{t+1} = θ_t − η_t a b_t,
    b_t = γ b_{t−1} + ∇L(θ_t), a μP's factor."""
    count = len(measured)
    params = [torch.tensor(init[n], requires_grad=True) for n in names]
    rates = mup_rates(c, names, 'gd')
    velocity = [torch.zeros_like(p) for p in params]
    start, out = None, []
    for t in range(count):
        loss = mlp_loss(c, names, params, X, Y)
        # Parameters the loss does not reach (NTK biases at σ_b = 0) have zero gradient, as in the engine.
        g = [torch.zeros_like(p) if d is None else d
             for p, d in zip(params, torch.autograd.grad(loss, params, create_graph=True, allow_unused=True))]
        sharpness = None
        if measured[t]:
            sharpness, start = top_eigen(params, g, start)
        out.append((loss.item(), sharpness))
        if t + 1 == count:
            break
        with torch.no_grad():
            for p, b, gi, rate in zip(params, velocity, g, rates):
                if momentum:
                    b.mul_(momentum).add_(gi)   # b ← γb + g, as optimizers.ts's gd rule
                else:
                    b.copy_(gi)
                p.sub_((lr_at(t) * rate) * b)   # η·a first, as train.ts scales the rates
    return out


def largest_difference(ours, reference):
    """max_t |ours − ref| / max(|ours|, |ref|) and its t; a non-finite value counts as an infinite difference."""
    worst, at = 0.0, 0
    for t, (a, b) in enumerate(zip(ours, reference)):
        scale = max(abs(a), abs(b))
        d = (abs(a - b) / scale if scale > 0 else 0.0) if math.isfinite(a) and math.isfinite(b) else math.inf
        if d > worst:
            worst, at = d, t
    return worst, at


def main(argv):
    try:
        run, steps, tol = parse_args(argv)
        summary, c, (lr_at, momentum) = read_summary(run)
        diverged = summary.get('diverged_at')
        records = read_trajectory(run, steps, diverged)
        names, init, X, Y = read_inputs(run, c)
    except ReplayError as e:
        print('eos_replay.py: error: %s' % e, file=sys.stderr)
        return 2
    started = time.perf_counter()
    replayed = replay(c, names, init, X, Y, lr_at, momentum, [r[2] is not None for r in records])
    seconds = time.perf_counter() - started
    T = len(records) - 1
    short = '' if T == steps else ' (the run %s)' % (
        'has no record past t = %d' % T if diverged is None else 'diverged at step %d' % diverged)
    print('replayed t = 0 ... %d of %s in PyTorch float64 (eigsh tol 0 on double-backward HVPs) in %.1f s%s' % (T, run, seconds, short))
    if c['param'] != 'mup':      # GD's edge of stability; μP's per-layer rates move it
        edge = max((t for t in range(len(records)) if records[t][2] is not None), key=lambda t: records[t][2] * lr_at(t))
        print('largest S*eta/2: %.6g at t = %d' % (records[edge][2] * lr_at(edge) / 2, edge))
    bad = []
    for what, column in (('loss', 1), ('sharpness', 2)):
        kept = [t for t in range(len(records)) if records[t][column] is not None]
        worst, at = largest_difference([records[t][column] for t in kept], [replayed[t][column - 1] for t in kept])
        at = kept[at] if kept else 0
        print('%-9s max relative difference %.3e at t = %d' % (what, worst, at))
        if not worst <= tol:
            bad.append(what)
    print('replay agrees within %g' % tol if not bad else 'DEPARTS beyond %g: %s' % (tol, ', '.join(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
