"""The models of catapult_golden.py: warmup, linear and mlp (NTK, standard or μP), the losses, the initialization
and the NTK's top eigenvalue, each forward pass as in src/models/model.ts and each backward pass derived by hand.

cnn and wrn are in catapult_golden_conv.py, the quadratic model (in PyTorch) in catapult_golden_quadratic.py; build_model
imports them lazily.
"""
import json
import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from catapult_golden_format import GoldenError, _int


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
        for l in range(len(sizes) - 1):
            n_in, n_out = sizes[l], sizes[l + 1]
            readout = l + 2 == len(sizes)
            sw = c.get('readoutSigmaW', c.get('sigmaW')) if readout else c.get('sigmaW')
            sw, sb = sigmas(c, sw, c.get('sigmaB'), GoldenError)
            if self.param == 'ntk':
                std_w, std_b = 1.0, 1.0
            elif self.param == 'mup' and readout:   # μP (TP5 Table 8): readout std σ_r/√n0, constant in n
                std_w, std_b = sw / math.sqrt(base), float(sb)
            else:                                   # standard, and μP's input and hidden layers: σ/√fan_in
                std_w, std_b = sw / math.sqrt(n_in), float(sb)
            self.specs.append(Spec('W%d' % l, (n_out, n_in), std_w))
            if self.bias:
                self.specs.append(Spec('b%d' % l, (n_out,), std_b))
            alpha, beta = (sw / math.sqrt(n_in), sb) if self.param == 'ntk' else (1, 1)
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


def sigmas(c, sw, sb, error):
    """σ_w and σ_b as numbers: a standard or μP model initialized from a file records none (they only scale a draw that
    did not happen; its Spec std is then NaN), an NTK model always both (they scale its forward pass)."""
    if sw is None and sb is None and c.get('param') in ('standard', 'mup'):
        return math.nan, math.nan
    for v, what in ((sw, 'sigma-w'), (sb, 'sigma-b')):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise error('config.model %s must be a finite number >= 0, got %s' % (what, json.dumps(v)))
    return sw, sb


def _conv_module():
    """catapult_golden_conv, imported on first use: from sys.path or, when catapult_golden.py was loaded by path, from
    its directory (the finder catapult_golden installs for its modules)."""
    import catapult_golden_conv as conv
    return conv


def _quadratic_module():
    """catapult_golden_quadratic (the neural quadratic model, in torch), imported on first use like _conv_module."""
    import catapult_golden_quadratic as quadratic
    return quadratic


def build_model(c, theta0=None):
    """The model of a golden file's config.model (warmup, linear, mlp; cnn and wrn from catapult_golden_conv; the
    quadratic model of a base from catapult_golden_quadratic, expanded at theta0, the file's init)."""
    if not isinstance(c, dict):
        raise GoldenError('config.model must be an object')
    kind = c.get('kind')
    # Schema v2 records only the fields that apply to the kind: a cnn or wrn has no width.
    for key in ('inputDim', 'outputs') + (('width',) if kind in ('warmup', 'linear', 'mlp') else ()):
        _int(c.get(key), 'config.model.%s' % key, 1)
    if kind in ('warmup', 'linear'):
        return LinearModel(c)
    if kind == 'mlp':
        _int(c.get('depth'), 'config.model.depth', 1)
        return MLP(c)
    if kind in ('cnn', 'wrn'):                       # numpy cnn/wrn: python/catapult_golden_conv.py, imported lazily
        return _conv_module().build_conv_model(c, GoldenError)
    if kind == 'quadratic':                          # its parameters are the base's; torch only once it is evaluated
        return _quadratic_module().QuadraticModel(c, theta0, build_model, GoldenError)
    raise GoldenError('config.model.kind must be warmup|linear|mlp|cnn|wrn|quadratic, got %s' % json.dumps(kind))


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
    model = build_model(g.config['model'], g.init)
    if [s.name for s in model.specs] != list(g.meta['param_names']) or [s.shape for s in model.specs] != [p.shape for p in g.init]:
        raise GoldenError('param_names/param_shapes do not match config.model (expected %s)'
                          % ', '.join('%s%s' % (s.name, list(s.shape)) for s in model.specs))
    kind = g.config['model'].get('loss', 'mse')
    if kind not in LOSSES:
        raise GoldenError('config.model.loss must be one of %s, got %s' % ('|'.join(LOSSES), json.dumps(kind)))
    return model, kind
