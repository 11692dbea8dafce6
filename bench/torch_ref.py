# PyTorch reference timings for the catapult benchmarks (float64, CPU, autograd): JSON cases on stdin, JSON timings on stdout.
#
#   /usr/bin/python3 bench/torch_ref.py < cases.json    # {"cases": [...], "minTime": 0.5, "threads": 2, "stability": {...}} -> {"torch", "threads", "results"}
#   (minTime is each case's time budget; see ref_timing.py for the stability rule and what each result reports)
#   /usr/bin/python3 bench/torch_ref.py --selftest      # small sizes of every kind plus a loss-decrease check; prints OK
#
# Debian's python3-torch runs under the system interpreter; the caller checks that `import torch` works there.
# torch.set_num_threads takes the request's thread count (its BLAS threads come from OPENBLAS_NUM_THREADS, set by the caller).
import json
import math
import sys

import torch

from ref_timing import best_time, log

F64 = torch.float64
SIGMA_W = math.sqrt(2.0)


def case_gemm(case, gen):
    n = case['n']
    A, B = torch.randn(n, n, dtype=F64, generator=gen), torch.randn(n, n, dtype=F64, generator=gen)
    C = torch.empty(n, n, dtype=F64)
    return (lambda: torch.matmul(A, B, out=C)), 2.0 * n ** 3, 'torch.matmul(out=)'


def mlp_params(case, gen):
    """`depth` hidden ReLU layers of `width`, NTK parameterization, weights [n_out, n_in] as in catapult's mlp."""
    sizes = [case['inputDim']] + [case['width']] * case['depth'] + [case['outputs']]
    W = [torch.randn(o, i, dtype=F64, generator=gen, requires_grad=True) for i, o in zip(sizes[:-1], sizes[1:])]
    alpha = [SIGMA_W / math.sqrt(i) for i in sizes[:-1]]
    return W, alpha


def mlp_forward(W, alpha, X, act=torch.relu):
    a = X
    for l, (w, s) in enumerate(zip(W, alpha)):
        a = (a @ w.T) * s
        if l < len(W) - 1:
            a = act(a)
    return a


def mlp_loss(W, alpha, X, Y, act=torch.relu):
    return 0.5 * ((mlp_forward(W, alpha, X, act) - Y) ** 2).sum() / Y.numel()


def gd_update(loss, params, lr):
    """One GD update in place: p -= lr * dloss/dp for each of params (torch autograd). Returns the loss."""
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p.sub_(g, alpha=lr)
    return float(loss)


def case_mlp_gd(case, gen):
    """One GD step with autograd: forward, backward, in-place update (no biases: catapult's runs use sigma_b = 0)."""
    W, alpha = mlp_params(case, gen)
    X = torch.randn(case['batch'], case['inputDim'], dtype=F64, generator=gen)
    Y = torch.randn(case['batch'], case['outputs'], dtype=F64, generator=gen)
    lr = case.get('lr', 1e-3)

    def step():
        return gd_update(mlp_loss(W, alpha, X, Y), W, lr)

    return step, None, 'torch autograd forward + backward + in-place update'


def case_warmup_gd(case, gen):
    """The uv warmup model f = u·v/√n under GD with autograd, restarted from the same init every call."""
    n, steps, lr = case['n'], case['steps'], case['lr']
    u0, v0 = torch.randn(n, dtype=F64, generator=gen), torch.randn(n, dtype=F64, generator=gen)
    sqrt_n = math.sqrt(n)

    def run():
        u, v = u0.clone().requires_grad_(), v0.clone().requires_grad_()
        for _ in range(steps):
            gd_update(0.5 * (u @ v / sqrt_n) ** 2, (u, v), lr)
        return u, v

    return run, None, 'torch autograd per-step loop'


def case_cnn_sgd(case, gen):
    """One SGD step of catapult's cnn (its parsed layers, python/torch_conv_reference.py's Net: F.conv2d with TF SAME padding)."""
    import os
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
    from torch_conv_reference import Net

    spec = {'layers': case['layers'], 'inputShape': case['inputShape'], 'param': 'ntk', 'sigmaW': SIGMA_W, 'sigmaB': 0.05}
    params = [torch.randn(*shape, dtype=F64, generator=gen, requires_grad=True) for shape in case['paramShapes']]
    d = int(math.prod(case['inputShape']))
    X = torch.randn(case['batch'], d, dtype=F64, generator=gen)
    Y = torch.randn(case['batch'], case['outputs'], dtype=F64, generator=gen)
    net, lr = Net(spec, None), case.get('lr', 1e-3)

    def step():
        return gd_update(0.5 * ((net(params, X) - Y) ** 2).mean(), params, lr)

    return step, None, 'torch autograd: F.pad + F.conv2d, max_pool2d, linear; forward + backward + in-place update'


def top_eigen(n, matvec, v0):
    """The top (algebraically largest) eigenpair by scipy eigsh on a matrix-free operator, to machine precision
    (tol=0), warm-started from v0; returns the matvecs it took too."""
    from scipy.sparse.linalg import LinearOperator, eigsh
    calls = [0]

    def counted(w):
        calls[0] += 1
        return matvec(w)

    vals, vecs = eigsh(LinearOperator((n, n), matvec=counted, dtype='float64'), k=1, which='LA', tol=0, v0=v0)
    return float(vals[0]), vecs[:, 0], calls[0]


def ntk_top(W, alpha, X, v0, act):
    """λ = top eigenvalue of Θ = J Jᵀ/(km) on the operator w -> J(Jᵀw)/(km), from a vjp and a double-vjp
    (Jv = d/du <Jᵀu, v>), as edge-of-stability code builds it."""
    f = mlp_forward(W, alpha, X, act)
    km = f.numel()
    u = torch.zeros_like(f, requires_grad=True)
    jt_u = torch.autograd.grad(f, W, u, create_graph=True)  # Jᵀu, linear in u

    def matvec(w):
        w = torch.from_numpy(w.reshape(f.shape).astype('float64'))
        jt_w = torch.autograd.grad(f, W, w, retain_graph=True)
        j_jt_w = torch.autograd.grad(jt_u, u, jt_w, retain_graph=True)[0]
        return (j_jt_w / km).reshape(-1).numpy()

    return top_eigen(km, matvec, v0)


def hessian_top(W, alpha, X, Y, v0, act):
    """The loss Hessian's top eigenvalue on the operator v -> Hv by double backward (grad of <∇L, v>), over the
    flattened weights."""
    g = torch.autograd.grad(mlp_loss(W, alpha, X, Y, act), W, create_graph=True)
    sizes = [w.numel() for w in W]

    def matvec(v):
        vs = torch.from_numpy(v.astype('float64')).split(sizes)
        dot = sum((gi * vi.view_as(gi)).sum() for gi, vi in zip(g, vs))
        return torch.cat([h.reshape(-1) for h in torch.autograd.grad(dot, W, retain_graph=True)]).numpy()

    return top_eigen(sum(sizes), matvec, v0)


ACTS = {'relu': torch.relu, 'tanh': torch.tanh}


def tracked_run(case, hessian):
    """`steps` GD steps with λ_t (and, with `hessian`, the loss Hessian's top eigenvalue) at every step t = 0 … steps,
    each warm-started from the last eigenvector, from catapult's own init and data (an .npz the bench writes: W0…W{L},
    X, Y), so the eigenvalues can be compared; the result carries them and the matvecs of the last run."""
    import numpy as np
    z = np.load(case['npz'])
    L = case['depth'] + 1
    W0 = [torch.from_numpy(z[f'W{l}']) for l in range(L)]
    X, Y = torch.from_numpy(z['X']), torch.from_numpy(z['Y'])
    alpha = [SIGMA_W / math.sqrt(w.shape[1]) for w in W0]
    act = ACTS[case.get('act', 'relu')]
    out = {'lambdas': [], 'hessians': [], 'matvecs': 0}

    def run():
        W = [w.clone().requires_grad_() for w in W0]
        v, vh, lams, hs, calls = None, None, [], [], 0
        for t in range(case['steps'] + 1):
            lam, v, c = ntk_top(W, alpha, X, v, act)
            lams.append(lam)
            calls += c
            if hessian:
                h, vh, c = hessian_top(W, alpha, X, Y, vh, act)
                hs.append(h)
                calls += c
            if t == case['steps']:
                break
            gd_update(mlp_loss(W, alpha, X, Y, act), W, case['lr'])
        out.update(lambdas=lams, hessians=hs, matvecs=calls)

    return run, out


def case_lambda_run(case, gen):
    run, out = tracked_run(case, False)
    return run, None, 'torch autograd GD + scipy eigsh (vjp and double-vjp NTK operator)', out


def case_hessian_run(case, gen):
    run, out = tracked_run(case, True)
    return run, None, 'torch autograd GD + scipy eigsh (NTK operator; double-backward HVPs)', out


CASES = {'gemm': case_gemm, 'mlp_gd': case_mlp_gd, 'warmup_gd': case_warmup_gd, 'lambda_run': case_lambda_run, 'hessian_run': case_hessian_run, 'cnn_sgd': case_cnn_sgd}


def run_case(case, min_time, rule=None):
    kind = case.get('kind')
    if kind not in CASES:
        raise ValueError(f'unknown case kind {kind!r}; expected one of {sorted(CASES)}')
    fn, flops, impl, *extra = CASES[kind](case, torch.Generator().manual_seed(0))
    seconds, info = best_time(fn, min_time, rule)
    result = dict(case, seconds=seconds, impl=impl, **info)
    if extra:
        result.update(extra[0])
    if kind == 'warmup_gd':
        result['seconds'] = seconds / case['steps']
    if flops is not None:
        result['gflops'] = flops / seconds / 1e9
    log(f'{json.dumps(case)}: {result["seconds"]:.3e} s ({info["reps"]} reps, {"stable" if info["stable"] else "NOT stable"}, {impl})')
    return result


def selftest():
    torch.set_num_threads(1)
    mlp = {'kind': 'mlp_gd', 'width': 16, 'depth': 3, 'batch': 8, 'inputDim': 10, 'outputs': 2, 'lr': 0.05}
    step, _, _ = case_mlp_gd(mlp, torch.Generator().manual_seed(0))
    losses = [step() for _ in range(5)]
    assert all(b < a for a, b in zip(losses, losses[1:])), f'GD at a small lr did not reduce the loss: {losses}'
    conv = {'kind': 'cnn_sgd', 'batch': 2, 'inputShape': [1, 6, 6], 'outputs': 2, 'paramShapes': [[3, 1, 3, 3], [3], [2, 27], [2]],
            'layers': [{'kind': 'conv', 'channels': 3, 'padding': 'same', 'k': 3, 'stride': 1}, {'kind': 'relu'},
                       {'kind': 'maxpool', 'k': 2}, {'kind': 'flatten'}, {'kind': 'dense', 'n': 2}]}
    cases = [{'kind': 'gemm', 'n': 32}, mlp, {'kind': 'warmup_gd', 'n': 100, 'steps': 10, 'lr': 0.1}, conv]
    results = [run_case(c, 0.01) for c in cases]
    assert all(r['seconds'] > 0 for r in results)
    print('OK')


def main():
    if sys.argv[1:] == ['--selftest']:
        selftest()
        return
    request = json.load(sys.stdin)
    threads = int(request.get('threads', 1))
    torch.set_num_threads(threads)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': []}
    log(f'torch {out["torch"]} on {out["threads"]} threads')
    out['results'] = [run_case(c, float(request.get('minTime', 0.3)), request.get('stability')) for c in request['cases']]
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
