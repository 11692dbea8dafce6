#!/usr/bin/env python3
"""An independent float64 reference for `catapult phase-sweep --critical`: PyTorch GD and scipy's eigsh.

    python3 python/critical_reference.py DIR

DIR holds what the command wrote (critical.json) beside the init.npz and data.npz it was given. The mlp is rebuilt
from critical.json's settings.model by sharpness_reference.mlp_loss; on Kalra & Barkeshli's grid c = 2^x,
x = 0, 0.1, ... (x as i*0.1 rounded to 12 digits, as the engine computes it), every c is trained by full-batch GD for
the horizon T at eta = c/lambda_H0, with lambda_H (eigsh, 'LA', on torch's double-backward HVPs) at every step, up to
and with the first divergence (a loss above 1e5 or not finite). The constants follow the definitions of
docs/commands.md; c_loss, c_sharp, c_max and c_barrier are compared with critical.json's as grid indices.
Prints every point and the margins of the decisions; exits 1 when a constant differs, 2 on unusable input.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sharpness_reference import mlp_loss  # noqa: E402

torch.set_default_dtype(torch.float64)
MAX_LOSS = 1e5
CONSTANTS = ('c_loss', 'c_sharp', 'c_max', 'c_barrier')


class Unusable(Exception):
    pass


def default_grid(n):
    """c = 2^x for x = 0, 0.1, ... (n points), x rounded to 12 digits as the engine's grid parser does."""
    return [2.0 ** float('%.12g' % (i * 0.1)) for i in range(n)]


def top_hessian(loss_of, params):
    """The loss Hessian's algebraically largest eigenvalue at params (eigsh on exact HVPs)."""
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    g = torch.autograd.grad(loss_of(ps), ps, create_graph=True)
    sizes = [p.numel() for p in ps]

    def hvp(v):
        vs = torch.split(torch.from_numpy(np.ascontiguousarray(v).reshape(-1)), sizes)
        dot = sum(torch.sum(gi * vi.reshape(gi.shape)) for gi, vi in zip(g, vs))
        hv = torch.autograd.grad(dot, ps, retain_graph=True, allow_unused=True)
        return torch.cat([(torch.zeros_like(p) if h is None else h).reshape(-1) for p, h in zip(ps, hv)]).numpy()

    P = sum(sizes)
    v0 = np.ones(P) / math.sqrt(P)  # a fixed start: the run is reproducible
    return float(eigsh(LinearOperator((P, P), matvec=hvp, dtype=np.float64), k=1, which='LA', tol=1e-14, v0=v0)[0][0])


def gd_point(loss_of, init, c, hessian0, horizon):
    """T GD steps at eta = c/lambda_H0: the losses, lambda_H per step, the divergence step, the line's losses."""
    eta = c / hessian0
    params = [p.clone() for p in init]
    losses, hessians, diverged = [], [], None
    for t in range(horizon + 1):
        ps = [p.clone().requires_grad_(True) for p in params]
        loss = loss_of(ps)
        L = loss.item()
        losses.append(L)
        norm_finite = all(bool(torch.isfinite(p).all()) for p in params)
        if not math.isfinite(L) or L > MAX_LOSS or not norm_finite:
            diverged = t
            break
        hessians.append(top_hessian(loss_of, params))
        if t == horizon:
            break
        grads = torch.autograd.grad(loss, ps, allow_unused=True)
        params = [p - eta * (torch.zeros_like(p) if g is None else g) for p, g in zip(params, grads)]
    line = None
    if diverged is None:
        with torch.no_grad():
            line = [losses[0]] + [loss_of([p0 + (k / 20) * (pT - p0) for p0, pT in zip(init, params)]).item() for k in range(1, 20)] + [losses[-1]]
    return {'c': c, 'eta': eta, 'losses': losses, 'hessians': hessians, 'diverged_at': diverged, 'line': line}


def constants(points, hessian0):
    def first(has):
        return next((i for i, p in enumerate(points) if has(p)), None)
    divergent = first(lambda p: p['diverged_at'] is not None)
    return {
        'c_loss': first(lambda p: p['diverged_at'] is not None or any(L > p['losses'][0] for L in p['losses'][1:])),
        'c_sharp': first(lambda p: any(h > hessian0 for h in p['hessians'][1:])),
        'c_max': divergent - 1 if divergent is not None and divergent > 0 else None,
        'c_barrier': first(lambda p: p['line'] is not None and any(L > max(p['line'][0], p['line'][-1]) for L in p['line'][1:-1])),
    }


def margins(points, hessian0):
    """How far the decisive comparisons are from a tie: the smallest |max_t L_t/L_0 - 1| and |max_t lambda_t/lambda_0 - 1|."""
    run = [p for p in points if p['diverged_at'] is None]
    loss_m = min(abs(max(p['losses'][1:]) / p['losses'][0] - 1) for p in run)
    sharp_m = min(abs(max(p['hessians'][1:]) / hessian0 - 1) for p in run)
    top = max(max(p['losses']) for p in run)
    return loss_m, sharp_m, top


def load(out):
    meta = json.load(open(os.path.join(out, 'critical.json')))
    c, train = meta['settings']['model'], meta['settings']['train']
    if c['kind'] != 'mlp':
        raise Unusable('%s: the reference rebuilds mlp models only, got %s' % (out, c['kind']))
    if train.get('batch') is not None or train.get('optimizer', 'gd') != 'gd' or train.get('momentum', 0) or train.get('l2', 0) or train.get('layer_lr'):
        raise Unusable('%s: the reference runs plain full-batch GD only, got %s' % (out, json.dumps(train)))
    grid = default_grid(len(meta['grid']))
    off = max(abs(a - b) / b for a, b in zip(meta['grid'], grid))
    if off > 4e-16:
        raise Unusable('%s: critical.json grid is not the default 2^x grid (relative difference %.1e)' % (out, off))
    return meta, c, grid


def main(argv):
    if not argv or argv[0].startswith('-'):
        print(__doc__.strip().split('\n\n')[1])
        return 2
    out = argv[0]
    try:
        meta, c, grid = load(out)
    except (Unusable, OSError, KeyError, ValueError) as e:
        sys.stderr.write('%s\n' % str(e).split('\n')[0])
        return 2
    init_npz, data = np.load(os.path.join(out, 'init.npz')), np.load(os.path.join(out, 'data.npz'))
    names = list(init_npz.files)
    init = [torch.tensor(init_npz[n]) for n in names]
    X, Y = torch.tensor(data['X']), torch.tensor(data['Y'])

    def loss_of(ps):
        return mlp_loss(c, names, ps, X, Y)

    hessian0 = top_hessian(loss_of, init)
    points = []
    for cv in grid:
        p = gd_point(loss_of, init, cv, hessian0, meta['horizon'])
        points.append(p)
        mark = 'diverged at %d' % p['diverged_at'] if p['diverged_at'] is not None else 'max L/L0 %.6f, max lamH/lamH0 %.6f' % (
            max(p['losses'][1:]) / p['losses'][0], max(p['hessians'][1:]) / hessian0)
        print('c = %-20r %s' % (cv, mark))
        if p['diverged_at'] is not None:
            break
    print('lambda_H0: reference %r, catapult %r (relative difference %.2e)' % (hessian0, meta['hessian0'], abs(hessian0 - meta['hessian0']) / hessian0))
    loss_m, sharp_m, top = margins(points, hessian0)
    print('margins: min |max L_t/L_0 - 1| = %.3e, min |max lamH_t/lamH_0 - 1| = %.3e, largest loss short of divergence %.4g (bound %g)' % (loss_m, sharp_m, top, MAX_LOSS))
    ours = constants(points, hessian0)
    bad = []
    for k in CONSTANTS:
        theirs = meta[k]
        mine = None if ours[k] is None else grid[ours[k]]
        index = None if theirs is None else min(range(len(grid)), key=lambda i: abs(grid[i] - theirs))
        same = index == ours[k]
        print('%-9s reference %-22r catapult %-22r %s' % (k, mine, theirs, 'same grid point' if same else 'DIFFERENT'))
        if not same:
            bad.append(k)
    print('constants agree' if not bad else 'DEPARTS: %s' % ', '.join(bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
