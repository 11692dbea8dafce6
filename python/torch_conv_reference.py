"""PyTorch float64 reference for catapult's cnn and wrn models (a dev/test reference, not a dependency).

Usage: python3 torch_conv_reference.py IN.npz SPEC.json OUT.npz

IN.npz holds X (m, C*H*W), Y (m, k) and the parameters W0, b0, W1, b1, ... in catapult's order. SPEC.json holds
the layer list (catapult's parsed --arch or WRN layers), the input shape, the parameterization, sigma_w, sigma_b,
and a GD run (lr, steps, l2). OUT.npz gets the outputs f, the MSE loss gradients g_<name>, the GD losses, the final
parameters fin_<name>, and the eigenvalues of the dense NTK J J^T / (k m), J from torch.autograd.
Every operation is torch's own: F.conv2d, F.max_pool2d, F.avg_pool2d, F.batch_norm (training mode), F.pad.
"""

import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def same_pads(n, k, s):
    """TensorFlow's SAME padding: output ceil(n/s), the odd pixel at the end."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class Net:
    def __init__(self, spec, names):
        self.spec, self.names = spec, names

    def weights(self, params, it):
        W, b = params[next(it)], params[next(it)]
        if self.spec["param"] == "ntk":
            fan_in = int(np.prod(W.shape[1:]))
            return W * (self.spec["sigmaW"] / math.sqrt(fan_in)), b * self.spec["sigmaB"]
        return W, b

    def layer(self, L, x, params, it):
        kind = L["kind"]
        if kind == "conv":
            W, b = self.weights(params, it)
            if L["padding"] == "same":
                top, bottom = same_pads(x.shape[2], L["k"], L["stride"])
                left, right = same_pads(x.shape[3], L["k"], L["stride"])
                x = F.pad(x, (left, right, top, bottom))
            return F.conv2d(x, W, b, stride=L["stride"])
        if kind == "dense":
            W, b = self.weights(params, it)
            return F.linear(x, W, b)
        if kind == "bn":
            g, beta = params[next(it)], params[next(it)]
            return F.batch_norm(x, None, None, weight=g, bias=beta, training=True, eps=1e-5)
        if kind == "relu":
            return torch.relu(x)
        if kind == "tanh":
            return torch.tanh(x)
        if kind == "maxpool":
            return F.max_pool2d(x, L["k"])
        if kind == "avgpool":
            return F.avg_pool2d(x, L["k"])
        if kind == "gap":
            return x.mean(dim=(2, 3))
        if kind == "flatten":
            return torch.flatten(x, 1)
        if kind == "residual":
            p = self.layers(L["pre"], x, params, it)
            main = self.layers(L["main"], p, params, it)
            short = self.layer(L["projection"], p, params, it) if L["projection"] else x
            return main + short
        raise ValueError(kind)

    def layers(self, Ls, x, params, it):
        for L in Ls:
            x = self.layer(L, x, params, it)
        return x

    def __call__(self, params, X):
        x = X.reshape(X.shape[0], *self.spec["inputShape"])
        return self.layers(self.spec["layers"], x, params, iter(range(len(params))))


def main():
    src, spec_path, out_path = sys.argv[1:4]
    arrays = np.load(src)
    spec = json.load(open(spec_path))
    names = spec["names"]
    X = torch.tensor(arrays["X"])
    Y = torch.tensor(arrays["Y"])
    params = [torch.tensor(arrays[n], requires_grad=True) for n in names]
    net = Net(spec, names)
    mse = lambda f: 0.5 * ((f - Y) ** 2).mean()

    out = {}
    f = net(params, X)
    out["f"] = f.detach().numpy()
    for n, g in zip(names, torch.autograd.grad(mse(f), params, retain_graph=True)):
        out["g_" + n] = g.numpy()

    # Dense Jacobian of the flattened outputs, one reverse pass per output.
    rows = []
    flat = f.reshape(-1)
    for a in range(flat.numel()):
        ga = torch.autograd.grad(flat[a], params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(ga, params)]))
    J = torch.stack(rows)
    out["ntk_eigenvalues"] = np.linalg.eigvalsh((J @ J.T).numpy() / flat.numel())[::-1].copy()

    # Full-batch GD with L2 (c/2)||theta||^2 added to the loss, as catapult's train.
    theta = [p.detach().clone().requires_grad_(True) for p in params]
    losses = []
    for t in range(spec["steps"] + 1):
        loss = mse(net(theta, X))
        l2 = 0.5 * spec["l2"] * sum((p.detach() ** 2).sum() for p in theta)
        losses.append(float(loss.detach() + l2))
        if t == spec["steps"]:
            break
        grads = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta = [(p - spec["lr"] * (g + spec["l2"] * p)).requires_grad_(True) for p, g in zip(theta, grads)]
    out["losses"] = np.array(losses)
    for n, p in zip(names, theta):
        out["fin_" + n] = p.detach().numpy()
    np.savez(out_path, **out)


if __name__ == "__main__":
    main()
