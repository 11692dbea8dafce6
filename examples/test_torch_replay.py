#!/usr/bin/env python3
"""Example pytest: PyTorch float64 replays of catapult goldens (Adam, AdamW, SGD with momentum, per-layer rates, minibatches).

Each test makes a small golden with `catapult oracle` into a temporary directory, rebuilds its MLP as a torch module from
`config.model`, trains it with torch.optim from the file's `init` and `data`, stepping on the rows the file stores in
`batches`, and hands its own per-step loss (and θ at the saved steps) to `catapult_golden.check_trajectory`, which judges
them with the per-element metric of `catapult check`. Run it with the interpreter that has torch:

    /usr/bin/python3 -m pytest -q examples/test_torch_replay.py

It is skipped where torch is absent; it needs numpy, node and a built engine (`npm run build`); CATAPULT_NODE picks the
node binary. The update rules match torch.optim by construction (config.optimizer records torch's Adam/AdamW settings;
gd's heavy-ball b ← γb + g, θ ← θ − ηb is torch.optim.SGD with dampening 0 and nesterov off; config.layer_lr is one
param group per parameter at η·a_l; L2 is added to the gradient before the step). What remains is rounding: torch's
matmuls sum in another order and its vectorized add(alpha=…) is a fused multiply-add. Measured on these cases: ≤ 1.7e-15
relative on every loss and every saved parameter, so TOL = 1e-11 leaves four orders of magnitude.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip('torch')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))
import catapult_golden as cg  # noqa: E402

NODE = os.environ.get('CATAPULT_NODE', 'node')
TOL = 1e-11

MLP_ARGS = ['--model', 'mlp', '--depth', '2', '--width', '16', '--samples', '20', '--input-dim', '3', '--sigma-b', '0.5',
            '--steps', '40', '--params-every', '10', '--eig-every', '0']
CASES = {
    'adam_batch8': ['--optimizer', 'adam', '--batch', '8', '--lr', '0.01'],
    'sgd_momentum_batch8': ['--momentum', '0.9', '--batch', '8', '--batch-seed', '5', '--lr', '0.05x'],
    'gd_layer_lr': ['--layer-lr', '1,0.5,2', '--lr', '0.5x'],
    'adamw_layer_lr_batch8': ['--optimizer', 'adamw', '--weight-decay', '0.05', '--layer-lr', '2,1,0.5', '--batch', '8',
                              '--batch-seed', '1', '--lr', '0.01'],
}


@pytest.fixture(scope='module')
def goldens(tmp_path_factory):
    """Every case's golden, written by `catapult oracle` into a temporary directory: case -> path."""
    out = tmp_path_factory.mktemp('goldens')
    paths = {}
    for case, args in CASES.items():
        path = str(out / (case + '.npz'))
        r = subprocess.run([NODE, os.path.join(ROOT, 'bin', 'catapult.js'), 'oracle', *MLP_ARGS, *args, '--out', path],
                           capture_output=True, text=True)
        assert r.returncode == 0, '%s: %s' % (case, r.stderr)
        paths[case] = path
    return paths


class GoldenMLP(torch.nn.Module):
    """The golden's fully connected net (mlpForward in src/models/model.ts), parameters named as in the file.

    Layer l computes h = α_l·(a W_lᵀ) + β_l·b_l, with α_l = σ_w/√n_in and β_l = σ_b in the NTK parameterization
    (the readout's σ_w is readoutSigmaW when set) and α = β = 1 in the standard one; hidden layers apply the
    activation, the readout none. The operations are in the engine's order (scale after the product).
    """

    ACTIVATIONS = {'relu': torch.relu, 'tanh': torch.tanh, 'identity': lambda h: h}

    def __init__(self, c, names, init):
        super().__init__()
        if c['kind'] != 'mlp' or c.get('norm', 'none') != 'none':
            raise ValueError('this example rebuilds the mlp without layer norm, got %s' % c)
        self.p = torch.nn.ParameterDict({n: torch.nn.Parameter(torch.tensor(v, dtype=torch.float64)) for n, v in zip(names, init)})
        self.act = self.ACTIVATIONS[c['act']]
        self.bias = c.get('bias', True)
        self.depth = c['depth'] + 1
        self.scales = []
        for l in range(self.depth):
            n_in = self.p['W%d' % l].shape[1]
            sigma_w = c.get('readoutSigmaW', c['sigmaW']) if l + 1 == self.depth else c['sigmaW']
            self.scales.append((sigma_w / n_in ** 0.5, c['sigmaB']) if c['param'] == 'ntk' else (1, 1))

    def forward(self, X):
        a = X
        for l, (alpha, beta) in enumerate(self.scales):
            h = a @ self.p['W%d' % l].T
            if alpha != 1:
                h = alpha * h
            if self.bias and beta != 0:
                b = self.p['b%d' % l]
                h = h + (b if beta == 1 else beta * b)
            a = self.act(h) if l + 1 < self.depth else h
        return a


LOSSES = {
    'mse': lambda f, y: 0.5 * torch.mean((f - y) ** 2),                                 # 1/(2km) Σ (f − y)²
    'logistic': lambda f, y: torch.mean(torch.nn.functional.softplus(-y * f)),
    'ce': lambda f, y: torch.mean(torch.logsumexp(f, dim=1) - torch.sum(y * f, dim=1)),
}


def torch_optimizer(config, model, names):
    """torch.optim for config.optimizer, one param group per parameter at η·a_l (config.layer_lr)."""
    eta, o = config['eta'], config.get('optimizer', {'name': 'gd'})
    rates = cg.layer_rates(names, config.get('layer_lr'))
    groups = [{'params': [model.p[n]], 'lr': eta * a} for n, a in zip(names, rates)]
    if o['name'] == 'gd':
        return torch.optim.SGD(groups, lr=eta, momentum=config['momentum'])
    kind = torch.optim.Adam if o['name'] == 'adam' else torch.optim.AdamW
    return kind(groups, lr=eta, betas=(o['beta1'], o['beta2']), eps=o['eps'], weight_decay=o['weight_decay'], foreach=False)


def torch_replay(g):
    """Trains the golden's model in torch: (loss at θ_t for t = 0 … steps_run, {name: θ at the saved steps})."""
    c, names = g.config, g.meta['param_names']
    model = GoldenMLP(c['model'], names, g.init)
    loss_fn = LOSSES[c['model'].get('loss', 'mse')]
    X, Y = torch.from_numpy(g.X), torch.from_numpy(g.Y)
    opt, l2 = torch_optimizer(c, model, names), c['l2']
    saved = set(int(t) for t in g.params_t)
    losses, params = [], {n: [] for n in names}
    for t in range(g.steps_run + 1):
        with torch.no_grad():                      # the recorded loss: the whole training set at θ_t, L2 included
            loss = loss_fn(model(X), Y).item()
            if l2 > 0:
                norm = sum(float(torch.sum(p * p)) for p in model.p.values()) ** 0.5
                loss += 0.5 * l2 * norm * norm
        losses.append(loss)
        if t in saved:
            for n in names:
                params[n].append(model.p[n].detach().numpy().copy())
        if t == g.steps_run:
            break
        rows = torch.from_numpy(g.batches[t]) if g.batches is not None else slice(None)
        opt.zero_grad()
        loss_fn(model(X[rows]), Y[rows]).backward()   # update t descends the loss of its rows
        if l2 > 0:
            with torch.no_grad():
                for p in model.p.values():
                    p.grad.add_(p, alpha=l2)
        opt.step()
    return losses, {n: np.array(v) for n, v in params.items()}


@pytest.mark.parametrize('case', list(CASES))
def test_torch_replay_matches_the_golden(goldens, case):
    g = cg.load(goldens[case])
    losses, params = torch_replay(g)
    report = cg.check_trajectory(g, losses, params, tol=TOL)
    print('%s: loss %.2e, params %.2e' % (case, report['loss'].max_rel, max(f.max_rel for f in report.fields[1:])))
    assert report.ok, report
    assert report.max_rel <= TOL, 'every loss and saved θ within TOL, not only within the recorded digits'
    assert len(report.fields) == 1 + len(g.meta['param_names'])
    if 'batch' in g.config:
        assert g.batches.shape == (40, 8) and np.array_equal(g.batches, cg.minibatch_rows(20, 8, g.config.get('batch_seed', 0), 40))


def test_an_edited_loss_fails_at_its_step(goldens):
    g = cg.load(goldens['adam_batch8'])
    losses, _ = torch_replay(g)
    assert cg.check_trajectory(g, losses, tol=TOL).ok
    losses[7] *= 1 + 1e-8
    report = cg.check_trajectory(g, losses, tol=TOL)
    assert not report.ok and report.failing == ['loss']
    assert report.first_step == 7 and report['loss'].first[:2] == (7, 0) and abs(report['loss'].first[2] - 1e-8) < 1e-10
