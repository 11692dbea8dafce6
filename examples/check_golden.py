#!/usr/bin/env python3
"""Check an independent numpy implementation of the warmup model against a catapult golden file.

    npx catapult oracle --model warmup --width 1000 --lr 1.5x --steps 200 --out golden.json
    python3 examples/check_golden.py golden.json [--tol 1e-10]

Only numpy is needed. The script reads the golden file (schema catapult-golden v1, .json or .npz),
runs gradient descent on f = v.u x / sqrt(n) from the file's initial parameters, and compares the
loss, the output f, the NTK eigenvalue and the parameters at every recorded step. It also redraws
the initialization with numpy.random.RandomState(seed) and reports how many entries are bit-equal.
Exit status 0 when every field is within --tol (max |diff| / max |golden| per field), else 1.
"""
import argparse
import hashlib
import json
import sys

import numpy as np


def load(path):
    """The golden file as (meta, arrays) with numpy arrays; null (JSON) and NaN (.npz) mark absent values."""
    if path.endswith('.npz'):
        z = np.load(path)
        meta = json.loads(bytes(z['meta']))
        names = meta['param_names']
        arrays = {k: z[k] for k in ('loss', 'lambda', 'f', 'param_norm', 'params_t')}
        arrays['init'] = {n: z['init_' + n] for n in names}
        arrays['params'] = {n: z['params_' + n] for n in names}
        return meta, arrays
    with open(path) as fh:
        g = json.load(fh)
    num = lambda v: np.array(v, dtype=float)  # None -> nan
    arrays = {k: num(g[k]) for k in ('loss', 'lambda', 'f', 'param_norm')}
    arrays['params_t'] = num(g['params']['t'])
    arrays['init'] = {n: num(g['init'][n]) for n in g['param_names']}
    arrays['params'] = {n: num(g['params'][n]) for n in g['param_names']}
    return g, arrays


def warmup_gd(u, v, eta, steps, x=1.0, y=0.0):
    """GD on L = (f - y)^2 / 2 with f = v.u x / sqrt(n); records the values at theta_t before update t."""
    n = u.size
    rec = {'loss': [], 'f': [], 'lambda': [], 'param_norm': [], 'u': [], 'v': []}
    for _ in range(steps + 1):
        f = np.dot(u, v) * x / np.sqrt(n)
        rec['loss'].append(0.5 * (f - y) ** 2)
        rec['f'].append(f)
        # The NTK of one sample and one output: |df/dtheta|^2 = (|u|^2 + |v|^2) x^2 / n.
        rec['lambda'].append((np.dot(u, u) + np.dot(v, v)) * x * x / n)
        rec['param_norm'].append(np.sqrt(np.dot(u, u) + np.dot(v, v)))
        rec['u'].append(u.copy())
        rec['v'].append(v.copy())
        r = f - y
        u, v = u - eta * r * v * x / np.sqrt(n), v - eta * r * u * x / np.sqrt(n)
    return {k: np.array(val) for k, val in rec.items()}


def deviation(ours, golden):
    """max |ours - golden| / max |golden| over the entries finite in the golden file."""
    ours, golden = np.ravel(ours), np.ravel(golden)
    ok = np.isfinite(golden)
    scale = np.max(np.abs(golden[ok])) if ok.any() else 1.0
    return float(np.max(np.abs(ours[ok] - golden[ok])) / scale) if ok.any() else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('golden')
    ap.add_argument('--tol', type=float, default=1e-10)
    a = ap.parse_args()
    meta, g = load(a.golden)
    if meta.get('schema') != 'catapult-golden' or meta.get('schema_version') != 2:
        sys.exit('%s: not a catapult-golden v2 file' % a.golden)
    c = meta['config']
    if c['model']['kind'] != 'warmup' or c['momentum'] != 0 or c['l2'] != 0:
        sys.exit('this example implements plain GD on the warmup model only')
    u0, v0 = g['init']['u'], g['init']['v']
    digest = hashlib.sha256(b''.join(np.ascontiguousarray(p, '<f8').tobytes() for p in (u0, v0))).hexdigest()
    if digest != meta['sha256']['init']:
        sys.exit('initial parameters do not match sha256.init')
    if 'seed' in c['init']:
        rs = np.random.RandomState(c['init']['seed'])
        drawn = np.concatenate([rs.standard_normal(u0.size), rs.standard_normal(v0.size)])
        same = int(np.sum(drawn.view(np.int64) == np.concatenate([u0, v0]).view(np.int64)))
        ulps = np.max(np.abs(drawn.view(np.int64) - np.concatenate([u0, v0]).view(np.int64)))
        print('RandomState(%d) init: %d of %d entries bit-equal, max %d ulp apart' % (c['init']['seed'], same, drawn.size, ulps))

    steps = meta['result']['steps_run']
    ours = warmup_gd(u0, v0, c['eta'], steps)
    measured = np.isfinite(g['lambda'])
    saved = g['params_t'].astype(int)
    fields = {
        'loss': deviation(ours['loss'], g['loss']),
        'f': deviation(ours['f'], g['f'][:, 0, 0]),
        'lambda': deviation(ours['lambda'][measured], g['lambda'][measured]),
        'param_norm': deviation(ours['param_norm'], g['param_norm']),
    }
    if saved.size:
        fields['params.u'] = deviation(ours['u'][saved], g['params']['u'])
        fields['params.v'] = deviation(ours['v'][saved], g['params']['v'])
    for name, dev in fields.items():
        print('%-12s max rel deviation %.2e %s' % (name, dev, 'ok' if dev <= a.tol else 'BEYOND --tol'))
    bad = [k for k, d in fields.items() if not d <= a.tol]
    print('%s: %s (%d steps, eta = %r, %s)' % (a.golden, 'FAIL' if bad else 'ok', steps, c['eta'], meta['result']['phase']))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
