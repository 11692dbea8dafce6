#!/usr/bin/env python3
"""An independent float64 reference for the neural quadratic model (--model quadratic --base mlp), in PyTorch.

    python3 python/quadratic_reference.py < case.json > result.json

Reads {model, names, theta0, delta, X, w} (model: the mlp's config as src/models/model.ts has it; theta0, delta: lists
of nested lists in the order of names; X: m×d; w: an m×k cotangent) and writes {f_q, grad}:
  * f_q = f(θ0) + J(θ0)Δ + ½·D²f(θ0)[Δ, Δ], the second-order term by nested torch.autograd.functional.jvp
    (forward over forward, as the double-backward trick);
  * grad = ∇_Δ ⟨w, f_q⟩ = J(θ0)ᵀw + (Σ_i w_i ∇²f_i(θ0))Δ, by torch.autograd.functional.vjp and .hvp, so the
    gradient is formed otherwise than by differentiating f_q.
Exits 2 on unusable input.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sharpness_reference import mlp_outputs  # noqa: E402

torch.set_default_dtype(torch.float64)


def main():
    case = json.load(sys.stdin)
    c = case['model']
    if c['kind'] != 'mlp':
        print('the reference rebuilds mlp models only, got %s' % c['kind'], file=sys.stderr)
        return 2
    names = case['names']
    theta0 = tuple(torch.tensor(t) for t in case['theta0'])
    delta = tuple(torch.tensor(t) for t in case['delta'])
    X, w = torch.tensor(case['X']), torch.tensor(case['w'])

    def f(*params):
        return mlp_outputs(c, names, list(params), X)

    def directional(*params):
        return torch.autograd.functional.jvp(f, params, delta, create_graph=True)[1]

    f0, jd = torch.autograd.functional.jvp(f, theta0, delta)
    second = torch.autograd.functional.jvp(directional, theta0, delta)[1]
    f_q = f0 + jd + 0.5 * second
    jtw = torch.autograd.functional.vjp(f, theta0, w)[1]
    hd = torch.autograd.functional.hvp(lambda *params: torch.sum(w * f(*params)), theta0, delta)[1]
    grad = [a + b for a, b in zip(jtw, hd)]
    json.dump({'f_q': f_q.tolist(), 'grad': [g.tolist() for g in grad]}, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
