"""The layers of catapult_golden_conv.py (cnn and wrn): im2col and its adjoint, and one node per layer of
src/models/layers.ts (conv, dense, bn, relu, tanh, maxpool, avgpool, gap, flatten, sequences and residual blocks),
on NCHW activations.

A convolution is im2col (rows (n, oh, ow), columns (c, i, j)) and one matrix product; every backward pass is
derived by hand (the adjoint of im2col is a scatter-add, a max pool routes its gradient to the first maximum of
each window in row-major order), so nothing depends on catapult's autodiff. Only numpy and the standard
library are used.
"""
import numpy as np

BN_EPS = 1e-5


# ---------------------------------------------------------------------------------------------------
# im2col and its adjoint


def conv_geometry(H, W, k, stride, padding):
    """(oH, oW, pad_top, pad_left): SAME is TensorFlow's (out ⌈n/s⌉, total padding max((out−1)s + k − n, 0) with the
    odd pixel at the bottom/right), VALID out ⌊(n − k)/s⌋ + 1 and no padding."""
    def side(n):
        if padding == 'valid':
            return (n - k) // stride + 1, 0
        out = -(-n // stride)
        return out, max((out - 1) * stride + k - n, 0) // 2
    (oH, top), (oW, left) = side(H), side(W)
    return oH, oW, top, left


def _padded(x, k, stride, geom):
    """x (N, C, H, W) zero-padded (or cropped) to the ((oH−1)s + k) × ((oW−1)s + k) region the windows read."""
    oH, oW, top, left = geom
    N, C, H, W = x.shape
    Hp, Wp = (oH - 1) * stride + k, (oW - 1) * stride + k
    xp = np.zeros((N, C, Hp, Wp))
    h, w = min(H, Hp - top), min(W, Wp - left)
    xp[:, :, top:top + h, left:left + w] = x[:, :, :h, :w]
    return xp


def im2col(x, k, stride, geom):
    """cols[(n, oh, ow), (c, i, j)] = x[n, c, oh·s + i − top, ow·s + j − left], 0 outside the image."""
    oH, oW, _, _ = geom
    N, C = x.shape[:2]
    xp = _padded(x, k, stride, geom)
    cols = np.empty((N, oH, oW, C, k, k))
    for i in range(k):
        for j in range(k):
            cols[:, :, :, :, i, j] = xp[:, :, i:i + stride * (oH - 1) + 1:stride, j:j + stride * (oW - 1) + 1:stride].transpose(0, 2, 3, 1)
    return cols.reshape(N * oH * oW, C * k * k)


def col2im(gcols, shape, k, stride, geom):
    """The adjoint of im2col: each column entry added back to the pixel it was read from (padding dropped). The taps
    go in reverse so that every pixel sums its windows in (oh, ow) order, as the engine's scatter does."""
    oH, oW, top, left = geom
    N, C, H, W = shape
    g = gcols.reshape(N, oH, oW, C, k, k).transpose(0, 3, 1, 2, 4, 5)   # (N, C, oH, oW, i, j)
    gp = np.zeros((N, C, (oH - 1) * stride + k, (oW - 1) * stride + k))
    for i in range(k - 1, -1, -1):
        for j in range(k - 1, -1, -1):
            gp[:, :, i:i + stride * (oH - 1) + 1:stride, j:j + stride * (oW - 1) + 1:stride] += g[:, :, :, :, i, j]
    dx = np.zeros(shape)
    h, w = min(H, gp.shape[2] - top), min(W, gp.shape[3] - left)
    dx[:, :, :h, :w] = gp[:, :, top:top + h, left:left + w]
    return dx


def _windows(x, k):
    """The k×k windows (stride k, VALID) of x (N, C, H, W) as (N, C, oH, oW, k·k), entries in row-major order."""
    N, C, H, W = x.shape
    oH, oW = H // k, W // k
    return x[:, :, :oH * k, :oW * k].reshape(N, C, oH, k, oW, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, oH, oW, k * k)


def _unwindows(g, shape, k):
    """The adjoint of _windows: (N, C, oH, oW, k·k) back to (N, C, H, W), 0 on the rows and columns no window covers."""
    N, C, H, W = shape
    oH, oW = H // k, W // k
    dx = np.zeros(shape)
    dx[:, :, :oH * k, :oW * k] = g.reshape(N, C, oH, oW, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, oH * k, oW * k)
    return dx


# ---------------------------------------------------------------------------------------------------
# The network: one node per layer with a forward pass and a hand-derived backward pass


class _Node:
    """A layer bound to its input shape and parameter indices. forward(params, x) -> (y, cache);
    backward(params, cache, g, grads, need_dx) adds the parameter gradients into `grads` and returns dL/dx."""
    params = ()


class _Conv(_Node):
    def __init__(self, layer, shape, index, multipliers):
        C, H, W = shape
        self.k, self.stride, self.O = layer['k'], layer['stride'], layer['channels']
        self.geom = conv_geometry(H, W, self.k, self.stride, layer['padding'])
        self.out = (self.O, self.geom[0], self.geom[1])
        self.params = (index, index + 1)
        self.alpha, self.beta = multipliers(C * self.k * self.k)

    def forward(self, params, x):
        """h = alpha·(cols Wᵀ) + beta·b with rows (n, oh, ow), then back to NCHW."""
        W, b = params[self.params[0]], params[self.params[1]]
        N = x.shape[0]
        cols = im2col(x, self.k, self.stride, self.geom)
        h = cols @ W.reshape(self.O, -1).T
        if self.alpha != 1:
            h = self.alpha * h
        if self.beta != 0:
            h = h + (b if self.beta == 1 else self.beta * b)
        oH, oW = self.out[1:]
        return h.reshape(N, oH * oW, self.O).transpose(0, 2, 1).reshape(N, self.O, oH, oW), (x.shape, cols)

    def backward(self, params, cache, g, grads, need_dx):
        """gh = g as (n, oh, ow; o) rows: db = beta Σ gh, dW = (alpha gh)ᵀ cols, dx = col2im((alpha gh) W)."""
        shape, cols = cache
        W = params[self.params[0]]
        gh = g.reshape(g.shape[0], self.O, -1).transpose(0, 2, 1).reshape(-1, self.O)
        grads[self.params[1]] = self.beta * gh.sum(axis=0) if self.beta != 0 else np.zeros(self.O)
        gm = self.alpha * gh if self.alpha != 1 else gh
        grads[self.params[0]] = (gm.T @ cols).reshape(W.shape)
        return col2im(gm @ W.reshape(self.O, -1), shape, self.k, self.stride, self.geom) if need_dx else None


class _Dense(_Node):
    def __init__(self, layer, shape, index, multipliers):
        self.n, self.out = layer['n'], (layer['n'],)
        self.params = (index, index + 1)
        self.alpha, self.beta = multipliers(shape[0])

    def forward(self, params, x):
        """h = alpha·(x Wᵀ) + beta·b."""
        W, b = params[self.params[0]], params[self.params[1]]
        h = x @ W.T
        if self.alpha != 1:
            h = self.alpha * h
        if self.beta != 0:
            h = h + (b if self.beta == 1 else self.beta * b)
        return h, x

    def backward(self, params, x, g, grads, need_dx):
        """db = beta Σ g, dW = (alpha g)ᵀ x, dx = (alpha g) W."""
        W = params[self.params[0]]
        grads[self.params[1]] = self.beta * g.sum(axis=0) if self.beta != 0 else np.zeros(self.n)
        gm = self.alpha * g if self.alpha != 1 else g
        grads[self.params[0]] = gm.T @ x
        return gm @ W if need_dx else None


class _BatchNorm(_Node):
    """γ_c (x − μ_c)/√(σ²_c + eps) + β_c with μ, σ² (biased) over (N, H, W) of the batch itself."""

    def __init__(self, shape, index):
        self.out, self.params = shape, (index, index + 1)

    def forward(self, params, x):
        """As the engine composes it: channels last (M = N·H·W rows), μ = (1/M)ᵀX, c = X − μ,
        σ² = (1/M)ᵀc² + eps, s = exp(−½ log σ²), y = (c·s)·γ + β."""
        gamma, beta = params[self.params[0]], params[self.params[1]]
        N, C, H, W = x.shape
        M = N * H * W
        X = x.transpose(0, 2, 3, 1).reshape(M, C)
        mean_row = np.full(M, 1.0 / M)
        centred = X - mean_row @ X
        var = mean_row @ (centred * centred) + BN_EPS
        inv_std = np.exp(-0.5 * np.log(var))
        normed = centred * inv_std
        y = normed * gamma + beta
        return y.reshape(N, H, W, C).transpose(0, 3, 1, 2), (centred, var, inv_std, normed)

    def backward(self, params, cache, g, grads, need_dx):
        """With G = dL/dy as (M, C) rows: dβ = Σ G, dγ = Σ G·n̂ (n̂ = c·s); through n̂ = c·s, s = exp(−½ log σ²),
        σ² = mean(c²) + eps and c = X − mean(X):
        dn̂ = G γ, ds = Σ dn̂·c, dσ² = −½ ds·s/σ², dc = dn̂·s + (2/M)·dσ²·c, dX = dc − mean(dc)
        (which is s γ (G − mean(G) − n̂ mean(G n̂)))."""
        gamma = params[self.params[0]]
        centred, var, inv_std, normed = cache
        N, C, H, W = g.shape
        M = N * H * W
        G = g.transpose(0, 2, 3, 1).reshape(M, C)
        grads[self.params[1]] = G.sum(axis=0)
        grads[self.params[0]] = (G * normed).sum(axis=0)
        if not need_dx:
            return None
        dn = G * gamma
        ds = (dn * centred).sum(axis=0)
        dvar = (ds * inv_std) * -0.5 * (1.0 / var)
        dc = dn * inv_std + (dvar * (1.0 / M)) * (2 * centred)
        dX = dc - (1.0 / M) * dc.sum(axis=0)
        return dX.reshape(N, H, W, C).transpose(0, 3, 1, 2)


class _Relu(_Node):
    def __init__(self, shape):
        self.out = shape

    def forward(self, params, x):
        mask = x > 0
        return np.where(mask, x, 0.0), mask

    def backward(self, params, mask, g, grads, need_dx):
        """relu' is the mask x > 0 (0 at 0, as in the engine)."""
        return np.where(mask, g, 0.0)


class _Tanh(_Node):
    def __init__(self, shape):
        self.out = shape

    def forward(self, params, x):
        y = np.tanh(x)
        return y, y

    def backward(self, params, y, g, grads, need_dx):
        return g * (1 - y * y)


class _MaxPool(_Node):
    def __init__(self, k, shape):
        self.k, self.out = k, (shape[0], shape[1] // k, shape[2] // k)

    def forward(self, params, x):
        """The maximum of each k×k window; np.argmax keeps the first maximum in row-major order, as the engine."""
        win = _windows(x, self.k)
        arg = np.argmax(win, axis=-1)[..., None]
        return np.take_along_axis(win, arg, axis=-1)[..., 0], (x.shape, arg)

    def backward(self, params, cache, g, grads, need_dx):
        """The gradient goes to the window's maximum only."""
        shape, arg = cache
        gw = np.zeros(g.shape + (self.k * self.k,))
        np.put_along_axis(gw, arg, g[..., None], axis=-1)
        return _unwindows(gw, shape, self.k)


class _AvgPool(_Node):
    def __init__(self, k, shape):
        self.k, self.out = k, (shape[0], shape[1] // k, shape[2] // k)

    def forward(self, params, x):
        """Σ over each k×k window of x·(1/k²)."""
        return _windows(x, self.k) @ np.full(self.k * self.k, 1.0 / (self.k * self.k)), x.shape

    def backward(self, params, shape, g, grads, need_dx):
        return _unwindows(np.repeat((g * (1.0 / (self.k * self.k)))[..., None], self.k * self.k, axis=-1), shape, self.k)


class _GlobalAvgPool(_Node):
    def __init__(self, shape):
        self.out = (shape[0],)

    def forward(self, params, x):
        """The mean over H×W of each channel: (N, C, H, W) -> (N, C)."""
        N, C, H, W = x.shape
        return x.reshape(N, C, H * W) @ np.full(H * W, 1.0 / (H * W)), x.shape

    def backward(self, params, shape, g, grads, need_dx):
        N, C, H, W = shape
        return np.repeat((g * (1.0 / (H * W)))[:, :, None], H * W, axis=2).reshape(shape)


class _Flatten(_Node):
    def __init__(self, shape):
        self.out = (int(np.prod(shape)),)

    def forward(self, params, x):
        """(N, C, H, W) -> (N, C·H·W) in C order."""
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, params, shape, g, grads, need_dx):
        return g.reshape(shape)


class _Sequence(_Node):
    def __init__(self, nodes, shape):
        self.nodes, self.out = nodes, (nodes[-1].out if nodes else shape)

    def forward(self, params, x):
        caches = []
        for node in self.nodes:
            x, c = node.forward(params, x)
            caches.append(c)
        return x, caches

    def backward(self, params, caches, g, grads, need_dx):
        for i in range(len(self.nodes) - 1, -1, -1):
            g = self.nodes[i].backward(params, caches[i], g, grads, need_dx or i > 0)
        return g


class _Residual(_Node):
    """p = pre(x); out = main(p) + (projection(p) if there is one else x)."""

    def __init__(self, pre, main, projection):
        self.pre, self.main, self.projection, self.out = pre, main, projection, main.out

    def forward(self, params, x):
        p, c_pre = self.pre.forward(params, x)
        h, c_main = self.main.forward(params, p)
        s, c_proj = self.projection.forward(params, p) if self.projection else (x, None)
        return h + s, (c_pre, c_main, c_proj)

    def backward(self, params, cache, g, grads, need_dx):
        c_pre, c_main, c_proj = cache
        dp = self.main.backward(params, c_main, g, grads, True)
        if self.projection:
            dp = dp + self.projection.backward(params, c_proj, g, grads, True)
        dx = self.pre.backward(params, c_pre, dp, grads, need_dx)
        return dx + g if need_dx and not self.projection else dx
