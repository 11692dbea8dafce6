"""The neural quadratic model (config.model.kind 'quadratic') for catapult_golden.py, in PyTorch.

f_q(θ) = f(θ0) + J(θ0)Δ + ½·D²f(θ0)[Δ, Δ], Δ = θ − θ0, of a base model f (config.model.base: warmup, linear or
mlp) at θ0, the golden file's init (training starts there, as src/models/quadratic.ts has it). The second-order term
is nested torch.autograd.functional.jvp (forward over forward), as python/quadratic_reference.py builds it; the
base mlp is sharpness_reference.mlp_outputs, the torch rebuild the engine's other PyTorch checks use. The backward
pass is torch's reverse mode through the nested jvp, with respect to Δ, so it is formed otherwise than the engine's
(a reverse sweep over a jet replay, src/autodiff/jets.ts).

The model has the numpy models' interface (specs, forward, backward on numpy arrays), so replay(), compare(),
ntk_top() and check() of catapult_golden handle it like any other kind. Loading a golden of this kind needs only
numpy (the parameters are the base's); torch is imported when the model is first evaluated, and its absence is a
GoldenError naming it. catapult_golden.build_model imports this module lazily.
"""
import importlib.util
import json
import math
import os

import numpy as np

BASES = ('warmup', 'linear', 'mlp')
_HERE = os.path.dirname(os.path.abspath(__file__))
_torch_parts = None


def _torch(error):
    """(torch, mlp_outputs), imported on first use; sharpness_reference's float64 default dtype is undone, so
    loading the helper leaves the caller's torch as it was."""
    global _torch_parts
    if _torch_parts is None:
        try:
            import torch
        except ImportError as e:
            raise error('replaying the quadratic model needs PyTorch (%s); catapult check replays it without' % e)
        dtype = torch.get_default_dtype()
        spec = importlib.util.spec_from_file_location('sharpness_reference', os.path.join(_HERE, 'sharpness_reference.py'))
        ref = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ref)
        torch.set_default_dtype(dtype)
        _torch_parts = (torch, ref.mlp_outputs)
    return _torch_parts


def _linear_outputs(torch, c, params, X):
    """warmup and linear: f = (X uᵀ) v · n^-1/2, in the order of LinearModel.forward."""
    u, v = params
    n = c['width']
    U = u.reshape(n, 1) if c['kind'] == 'warmup' else u
    return ((X @ U.T) @ v.reshape(n, 1)) * (1 / math.sqrt(n))


class QuadraticModel:
    """The quadratic model of config.model.base at theta0 (a list of numpy arrays in specs order)."""

    def __init__(self, c, theta0, build_base, error):
        base = c.get('base')
        if not isinstance(base, dict) or base.get('kind') not in BASES:
            raise error('config.model.base must be a %s model for this replay, got %s'
                        % ('|'.join(BASES), json.dumps(base.get('kind') if isinstance(base, dict) else base)))
        for key in ('inputDim', 'outputs', 'loss'):
            if c.get(key) != base.get(key):
                raise error('config.model.%s %s disagrees with config.model.base.%s %s'
                            % (key, json.dumps(c.get(key)), key, json.dumps(base.get(key))))
        self.base, self.error = base, error
        self.specs = build_base(base).specs          # the base's checks of its config, and its parameters
        self.outputs = c['outputs']
        self.theta0 = None if theta0 is None else [np.asarray(p, dtype=np.float64) for p in theta0]

    def _f(self, torch, mlp_outputs, X):
        """The base model's f(params) on X, in torch."""
        if self.base['kind'] == 'mlp':
            names = [s.name for s in self.specs]
            return lambda *params: mlp_outputs(self.base, names, list(params), X)
        return lambda *params: _linear_outputs(torch, self.base, params, X)

    def forward(self, params, X):
        """f_q (m×k, numpy) and its torch graph (Δ, f_q) for backward."""
        if self.theta0 is None:
            raise self.error('the quadratic model needs its expansion point θ0 (the golden file init)')
        torch, mlp_outputs = _torch(self.error)
        f = self._f(torch, mlp_outputs, torch.from_numpy(np.ascontiguousarray(X)))
        theta0 = tuple(torch.from_numpy(p) for p in self.theta0)
        with torch.enable_grad():
            delta = tuple((torch.from_numpy(np.asarray(p)) - t0).requires_grad_() for p, t0 in zip(params, theta0))
            jvp = torch.autograd.functional.jvp
            f0, first = jvp(f, theta0, delta, create_graph=True)
            second = jvp(lambda *at: jvp(f, at, delta, create_graph=True)[1], theta0, delta, create_graph=True)[1]
            f_q = f0 + first + 0.5 * second
        return f_q.detach().numpy().copy(), (delta, f_q)

    def backward(self, params, cache, df):
        """∇_θ ⟨df, f_q⟩ = J(θ0)ᵀdf + (Σ_i df_i ∇²f_i(θ0))Δ, by torch's reverse mode through the nested jvp."""
        torch, _ = _torch(self.error)
        delta, f_q = cache
        grads = torch.autograd.grad(f_q, delta, grad_outputs=torch.from_numpy(np.asarray(df, dtype=np.float64)),
                                    retain_graph=True, allow_unused=True)
        # A parameter f does not reach (an NTK bias at σ_b = 0) has zero derivatives of every order.
        return [np.zeros(s.shape) if g is None else g.numpy().copy() for s, g in zip(self.specs, grads)]
