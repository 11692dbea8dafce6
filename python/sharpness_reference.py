#!/usr/bin/env python3
"""An independent float64 reference for `catapult sharpness`: PyTorch's triple backward and scipy's eigsh.

    python3 python/sharpness_reference.py OUT_DIR [--tol 1e-9]

Reads what the command wrote (sharpness.json, init.npz, data.npz, sharpness_vec.npz, sharpness_grad.npz), rebuilds
the mlp in torch (src/models/model.ts: layer l computes h = α_l·(a W_lᵀ) + β_l·b_l, NTK α = σ_w/√n_in, β = σ_b;
standard α = β = 1, μP's the same but α = 1/ñ = n0/n on the readout; layer norm without gain or bias before the
activation), and compares:
  * λ1 from scipy.sparse.linalg.eigsh on torch's Hessian-vector products (double backward);
  * uᵀHu and ∇_θ(uᵀHu) = D³L[u, u, ·] at catapult's u, by torch.autograd three times (create_graph).
Prints the relative errors; exits 1 when one exceeds --tol, 2 on unusable input.
"""
import json
import os
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
LOSSES = {
    'mse': lambda f, y: 0.5 * torch.mean((f - y) ** 2),
    'logistic': lambda f, y: torch.mean(torch.nn.functional.softplus(-y * f)),
    'ce': lambda f, y: torch.mean(torch.logsumexp(f, dim=1) - torch.sum(y * f, dim=1)),
}
ACTS = {'relu': torch.relu, 'tanh': torch.tanh, 'identity': lambda h: h}


def layer_norm(h):
    centred = h - h.mean(dim=1, keepdim=True)
    return centred / torch.sqrt((centred ** 2).mean(dim=1, keepdim=True))


def mlp_loss(c, names, params, X, Y):
    """The loss of catapult's mlp at params (a list in the order of names)."""
    return LOSSES[c.get('loss', 'mse')](mlp_outputs(c, names, params, X), Y)


def mlp_outputs(c, names, params, X):
    """The outputs f (m×k) of catapult's mlp at params (a list in the order of names)."""
    p = dict(zip(names, params))
    depth = c['depth'] + 1
    a = X
    for l in range(depth):
        W = p['W%d' % l]
        # Only an NTK model's forward pass reads the σ's (a standard one initialized from a file records none).
        if c['param'] == 'ntk':
            sigma_w = c.get('readoutSigmaW', c['sigmaW']) if l + 1 == depth else c['sigmaW']
            alpha, beta = sigma_w / W.shape[1] ** 0.5, c['sigmaB']
        else:
            alpha, beta = 1.0, 1.0
            if c['param'] == 'mup' and l + 1 == depth:
                alpha = 1 / (c['width'] / c.get('mupBase', 1))   # mup's MuReadout: its input times 1/ñ, ñ = n/n0
        h = a @ W.T
        if alpha != 1:
            h = alpha * h
        if c.get('bias', True) and beta != 0:
            h = h + beta * p['b%d' % l]
        if l + 1 < depth:
            a = ACTS[c['act']](layer_norm(h) if c.get('norm', 'none') == 'layer' else h)
        else:
            a = h
    return a


def main(argv):
    # Imported here: the mlp (mlp_outputs), which catapult_golden_quadratic also uses, needs torch alone.
    from scipy.sparse.linalg import LinearOperator, eigsh
    if not argv or argv[0].startswith('-'):
        print(__doc__.strip().split('\n\n')[1])
        return 2
    out, tol = argv[0], float(argv[argv.index('--tol') + 1]) if '--tol' in argv else 1e-9
    meta = json.load(open(os.path.join(out, 'sharpness.json')))
    c = meta['model']
    if c['kind'] != 'mlp':
        print('%s: the reference rebuilds mlp models only, got %s' % (out, c['kind']))
        return 2
    init, vec, ours_grad = (np.load(os.path.join(out, f)) for f in ('init.npz', 'sharpness_vec.npz', 'sharpness_grad.npz'))
    data = np.load(os.path.join(out, 'data.npz'))
    names = list(init.files)
    params = [torch.tensor(init[n], requires_grad=True) for n in names]
    u = [torch.tensor(vec[n]) for n in names]
    X, Y = torch.tensor(data['X']), torch.tensor(data['Y'])

    loss = mlp_loss(c, names, params, X, Y)
    # Parameters the loss does not reach (NTK biases at σ_b = 0) have zero derivatives of every order.
    def grad(y, **kw):
        return [torch.zeros_like(p) if d is None else d for p, d in zip(params, torch.autograd.grad(y, params, allow_unused=True, **kw))]
    g = grad(loss, create_graph=True)
    hu = grad(sum(torch.sum(gi * ui) for gi, ui in zip(g, u)), create_graph=True)
    curvature = sum(torch.sum(hi * ui) for hi, ui in zip(hu, u))
    third = grad(curvature, retain_graph=True)  # the HVPs below reuse g's graph

    sizes = [p.numel() for p in params]
    def hvp(v):
        vs = torch.split(torch.tensor(v), sizes)
        dot = sum(torch.sum(gi * vi.reshape(gi.shape)) for gi, vi in zip(g, vs))
        return torch.cat([h.reshape(-1) for h in grad(dot, retain_graph=True)]).numpy()
    P = sum(sizes)
    lam = eigsh(LinearOperator((P, P), matvec=hvp, dtype=np.float64), k=1, which='LA', tol=1e-14)[0][0]

    ours = np.concatenate([ours_grad[n].reshape(-1) for n in names])
    ref = np.concatenate([t.numpy().reshape(-1) for t in third])
    errors = {
        'lambda1 (eigsh)': abs(meta['values'][0] - lam) / abs(lam),
        'u^T H u (torch double backward)': abs(meta['curvature'] - curvature.item()) / abs(curvature.item()),
        'grad S (torch triple backward, max-norm)': np.max(np.abs(ours - ref)) / np.max(np.abs(ref)),
    }
    for k, e in errors.items():
        print('%-42s relative error %.3e' % (k, e))
    bad = [k for k, e in errors.items() if not e <= tol]
    print('reference agrees within %g' % tol if not bad else 'DEPARTS beyond %g: %s' % (tol, ', '.join(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
