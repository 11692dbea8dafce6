# Independent numpy reference timings for the catapult benchmarks: JSON cases on stdin, JSON timings on stdout.
#
#   python3 bench/numpy_ref.py < cases.json      # {"cases": [...], "minTime": 0.3, "stability": {...}} -> {"numpy", "threadsEnv", "blas", "results"}
#
# minTime is each case's time budget: it is repeated until its minimum is stable (ref_timing.py), and each result
# carries its repeats, stability, wall and CPU seconds and load averages beside the time.
#   python3 bench/numpy_ref.py --selftest        # small sizes of every kind plus gradient checks; prints OK
#
# Stdout carries only the final JSON so the TypeScript bench can parse it; diagnostics go to stderr.
# The caller sets the BLAS thread variables: this script only reports what it saw, so a result is never
# attributed to the wrong thread count.
import json
import math
import os
import sys

import numpy as np

from ref_timing import best_time, log

THREAD_VARS = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')

try:
    # scipy ships its own OpenBLAS; daxpy is the only single-pass in-place y += a*x reachable from Python.
    from scipy.linalg.blas import daxpy as _scipy_daxpy
except ImportError:
    _scipy_daxpy = None


def blas_info():
    """numpy's build-time BLAS description, or None: older numpy only prints it, and it is optional anyway."""
    try:
        blas = np.show_config(mode='dicts')['Build Dependencies']['blas']
    except Exception:
        return None
    parts = [blas.get('name'), blas.get('version')]
    desc = ' '.join(str(p) for p in parts if p)
    conf = blas.get('openblas configuration')
    return f'{desc} ({conf})' if conf else desc


# ---------------------------------------------------------------- BLAS kernels

def case_gemm(case, rng):
    n = case['n']
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    C = np.empty((n, n))
    return (lambda: np.matmul(A, B, out=C)), 2.0 * n ** 3, 'np.matmul(out=)'


def case_gemv(case, rng):
    n = case['n']
    A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    y = np.empty(n)
    return (lambda: np.matmul(A, x, out=y)), 2.0 * n ** 2, 'np.matmul(out=)'


def case_dot(case, rng):
    n = case['n']
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    return (lambda: np.dot(x, y)), 2.0 * n, 'np.dot'


def case_axpy(case, rng):
    n = case['n']
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    a = 0.5
    if _scipy_daxpy is not None:
        # f2py only updates y in place when it needs no copy; a silent copy would time the wrong thing.
        if _scipy_daxpy(x, y, a=a) is not y:
            raise RuntimeError('scipy daxpy did not update y in place')
        return (lambda: _scipy_daxpy(x, y, a=a)), 2.0 * n, 'scipy.linalg.blas.daxpy'
    tmp = np.empty(n)

    def two_pass():
        np.multiply(x, a, out=tmp)
        np.add(y, tmp, out=y)

    return two_pass, 2.0 * n, 'numpy multiply+add (2 passes)'


# ---------------------------------------------------------------- ReLU MLP, NTK parameterization

SIGMA_W, SIGMA_B = math.sqrt(2.0), 0.0


class Mlp:
    """`depth` hidden ReLU layers of `width`, weights [n_out, n_in], matching catapult's mlp model layout."""

    def __init__(self, width, depth, input_dim, outputs, rng):
        sizes = [input_dim] + [width] * depth + [outputs]
        self.W = [rng.standard_normal((o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        self.b = [rng.standard_normal(o) for o in sizes[1:]]
        self.alpha = [SIGMA_W / math.sqrt(i) for i in sizes[:-1]]

    def forward(self, X):
        """Output f plus what the backward/JVP passes reuse: each layer's input and each ReLU's mask."""
        acts, masks, a = [], [], X
        last = len(self.W) - 1
        for l, (W, b, alpha) in enumerate(zip(self.W, self.b, self.alpha)):
            acts.append(a)
            z = a @ W.T
            z *= alpha  # scaling the product, not the input, saves a pass over the (wider) input
            z += SIGMA_B * b
            if l == last:
                return z, (acts, masks)
            mask = z > 0
            z *= mask
            masks.append(mask)
            a = z

    def vjp(self, saved, g):
        """Parameter cotangents (dW, db) for output cotangent g of shape [batch, outputs]."""
        acts, masks = saved
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for l in reversed(range(len(self.W))):
            alpha = self.alpha[l]
            dW[l] = g.T @ acts[l]
            dW[l] *= alpha
            db[l] = SIGMA_B * g.sum(axis=0)
            if l > 0:  # nothing upstream of the input
                g = g @ self.W[l]
                g *= alpha
                g *= masks[l - 1]
        return dW, db

    def jvp(self, saved, dW, db):
        """Output tangent for parameter tangents (dW, db), along the saved forward pass."""
        acts, masks = saved
        last = len(self.W) - 1
        t = None  # the input is data, so its tangent is zero and layer 0 skips t @ W.T
        for l in range(len(self.W)):
            tz = acts[l] @ dW[l].T
            if t is not None:
                tz += t @ self.W[l].T
            tz *= self.alpha[l]
            tz += SIGMA_B * db[l]
            if l == last:
                return tz
            tz *= masks[l]
            t = tz


def inner(xs, ys):
    return sum(float(np.vdot(x, y)) for x, y in zip(xs, ys))


def check_mlp(net, X, Y, rng, finite_differences):
    """Asserts <w, J v> == <J^T w, v>; with finite_differences also checks the JVP and the loss gradient
    against the forward pass (only at small sizes, where no ReLU kink is likely to fall inside the step)."""
    f, saved = net.forward(X)
    w = rng.standard_normal(f.shape)
    vW = [rng.standard_normal(W.shape) for W in net.W]
    vb = [rng.standard_normal(b.shape) for b in net.b]
    Jv = net.jvp(saved, vW, vb)
    JTw = net.vjp(saved, w)
    lhs, rhs = float(np.vdot(w, Jv)), inner(JTw[0], vW) + inner(JTw[1], vb)
    rel = abs(lhs - rhs) / max(abs(lhs), abs(rhs))
    log(f'mlp adjoint check: <w,Jv>={lhs:.12g} <JTw,v>={rhs:.12g} rel={rel:.2e}')
    assert rel < 1e-10, f'JVP/VJP mismatch: relative error {rel:.2e}'
    if not finite_differences:
        return
    eps = 1e-6
    saved_W, saved_b = [W.copy() for W in net.W], [b.copy() for b in net.b]

    def at(s):
        net.W = [W + s * v for W, v in zip(saved_W, vW)]
        net.b = [b + s * v for b, v in zip(saved_b, vb)]
        return net.forward(X)[0]

    fp, fm = at(eps), at(-eps)
    net.W, net.b = saved_W, saved_b
    fd = (fp - fm) / (2 * eps)
    rel = np.linalg.norm(fd - Jv) / np.linalg.norm(Jv)
    log(f'mlp JVP vs finite differences: rel={rel:.2e}')
    assert rel < 1e-6, f'JVP disagrees with finite differences: {rel:.2e}'
    m = f.size
    loss = lambda g: 0.5 * float(np.sum((g - Y) ** 2)) / m
    grad = net.vjp(saved, (f - Y) / m)
    fd_loss = (loss(fp) - loss(fm)) / (2 * eps)
    dir_grad = inner(grad[0], vW) + inner(grad[1], vb)
    rel = abs(fd_loss - dir_grad) / abs(dir_grad)
    log(f'mlp loss gradient vs finite differences: rel={rel:.2e}')
    assert rel < 1e-6, f'loss gradient disagrees with finite differences: {rel:.2e}'


def case_mlp_step(case, rng, finite_differences=False):
    batch, outputs = case['batch'], case['outputs']
    net = Mlp(case['width'], case['depth'], case['inputDim'], outputs, rng)
    X = rng.standard_normal((batch, case['inputDim']))
    Y = rng.standard_normal((batch, outputs))
    w = rng.standard_normal((batch, outputs))
    m = batch * outputs
    check_mlp(net, X, Y, rng, finite_differences)

    def step():
        f, saved = net.forward(X)
        grads = net.vjp(saved, (f - Y) / m)  # dL/df for L = sum((f-y)^2) / (2m)
        tW, tb = net.vjp(saved, w)
        theta_w = net.jvp(saved, tW, tb)
        theta_w /= m
        return grads, theta_w

    return step, None, 'numpy forward + VJP(loss) + VJP(w) + JVP'


def case_mlp_gd(case, rng):
    """One hand-written GD step: forward, the MSE gradient by the VJP above, and the in-place update."""
    batch, outputs = case['batch'], case['outputs']
    net = Mlp(case['width'], case['depth'], case['inputDim'], outputs, rng)
    X = rng.standard_normal((batch, case['inputDim']))
    Y = rng.standard_normal((batch, outputs))
    m, lr = batch * outputs, case.get('lr', 1e-3)

    def step():
        f, saved = net.forward(X)
        r = f - Y
        dW, db = net.vjp(saved, r / m)
        for W, b, gW, gb in zip(net.W, net.b, dW, db):
            gW *= -lr  # in place: no temporary the size of W
            W += gW
            b -= lr * gb
        return 0.5 * float(np.vdot(r, r)) / m  # the loss before this step

    return step, None, 'numpy forward + VJP(loss) + in-place update'


# ---------------------------------------------------------------- uv warmup model under GD

def case_warmup_gd(case, rng):
    n, steps, lr = case['n'], case['steps'], case['lr']
    u0, v0 = rng.standard_normal(n), rng.standard_normal(n)
    sqrt_n = math.sqrt(n)

    def run():
        # Restart from the same init every call so repeated calls time the same trajectory, rather than
        # one that may have diverged to inf/nan; the two copies are negligible next to the loop.
        u, v = u0.copy(), v0.copy()
        for _ in range(steps):
            f = (u @ v) / sqrt_n
            g = lr * f / sqrt_n
            u, v = u - g * v, v - g * u
        return u, v

    return run, None, 'numpy per-step vectorized loop'


CASES = {
    'gemm': case_gemm, 'gemv': case_gemv, 'dot': case_dot, 'axpy': case_axpy,
    'mlp_step': case_mlp_step, 'mlp_gd': case_mlp_gd, 'warmup_gd': case_warmup_gd,
}


def run_case(case, min_time, rule=None, **kw):
    kind = case.get('kind')
    if kind not in CASES:
        raise ValueError(f'unknown case kind {kind!r}; expected one of {sorted(CASES)}')
    fn, flops, impl = CASES[kind](case, np.random.default_rng(0), **kw)
    seconds, info = best_time(fn, min_time, rule)
    result = dict(case, seconds=seconds, impl=impl, **info)
    if kind == 'warmup_gd':
        result['seconds'] = seconds / case['steps']  # one call is the whole loop; report per step
    if flops is not None:
        result['gflops'] = flops / seconds / 1e9
    log(f'{json.dumps(case)}: {result["seconds"]:.3e} s ({info["reps"]} reps, {"stable" if info["stable"] else "NOT stable"}, {impl})')
    return result


def header():
    return {
        'numpy': np.__version__,
        'threadsEnv': {k: os.environ.get(k) for k in THREAD_VARS},
        'blas': blas_info(),
    }


def selftest():
    """Small sizes of every kind through the same code path, plus value checks the timed path skips."""
    rng = np.random.default_rng(1)
    A, B, x, y = rng.standard_normal((5, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5), rng.standard_normal(5)
    assert np.allclose(A @ B, [[A[i] @ B[:, j] for j in range(5)] for i in range(5)])
    if _scipy_daxpy is not None:
        y0 = y.copy()
        _scipy_daxpy(x, y, a=0.5)
        assert np.allclose(y, y0 + 0.5 * x)
    mlp = {'kind': 'mlp_step', 'width': 16, 'depth': 3, 'batch': 8, 'inputDim': 10, 'outputs': 2}
    case_mlp_step(mlp, np.random.default_rng(0), finite_differences=True)
    # At small lr the uv model must approach f = 0, which catches a sign error in the update.
    run, _, _ = case_warmup_gd({'n': 100, 'steps': 50, 'lr': 0.1}, np.random.default_rng(0))
    u, v = run()
    gd, _, _ = case_mlp_gd({**mlp, 'lr': 0.05}, np.random.default_rng(0))
    losses = [gd() for _ in range(5)]
    assert all(b < a for a, b in zip(losses, losses[1:])), f'mlp GD at a small lr did not reduce the loss: {losses}'
    init = np.random.default_rng(0)
    u0, v0 = init.standard_normal(100), init.standard_normal(100)
    assert abs(u @ v) < abs(u0 @ v0), 'warmup GD did not reduce |f|'
    cases = [
        {'kind': 'gemm', 'n': 32}, {'kind': 'gemv', 'n': 64}, {'kind': 'dot', 'n': 100},
        {'kind': 'axpy', 'n': 100}, mlp, {**mlp, 'kind': 'mlp_gd'}, {'kind': 'warmup_gd', 'n': 100, 'steps': 10, 'lr': 1.0},
    ]
    results = [run_case(c, 0.01) for c in cases]
    assert all(r['seconds'] > 0 and r['reps'] >= 1 for r in results)
    json.dumps({**header(), 'results': results})  # the real output must serialize
    print('OK')


def main():
    if sys.argv[1:] == ['--selftest']:
        selftest()
        return
    if sys.argv[1:]:
        sys.exit(f'usage: {sys.argv[0]} [--selftest] < cases.json')
    request = json.load(sys.stdin)
    min_time = float(request.get('minTime', 0.3))
    out = header()
    log(f'numpy {out["numpy"]}, blas {out["blas"]}, env {out["threadsEnv"]}')
    out['results'] = [run_case(c, min_time, request.get('stability')) for c in request['cases']]
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
