#!/usr/bin/env python3
"""Example pytest: golden files of the neural quadratic model (--model quadratic) replayed in PyTorch.

Three small goldens are made with `catapult oracle` into a temporary directory (GD through a catapult, minibatch SGD,
and the quadratic model of the warmup model). Each must agree to TOL on every field when catapult_golden replays it
(its QuadraticModel: nested torch.autograd.functional.jvp around sharpness_reference.mlp_outputs), and a plain
PyTorch user loop (torch.optim.SGD on its own f_q) must pass check_trajectory at TOL. Run it with the interpreter
that has torch: `/usr/bin/python3 python/test_catapult_golden_quadratic.py` (or under pytest). It needs numpy, torch,
node and a built engine (`npm run build`); CATAPULT_NODE picks the node binary.

Why TOL = 1e-12: measured on this machine (torch 1.13, goldens of the native backend) as the largest per-element
relative deviation over every field, at seed 0 and, in brackets, the worst over seeds 1-4 of the same case:
helper replay gd 3.6e-15 [3.8e-13], sgd 4.6e-14 [1.0e-13], warmup base 7.3e-14 [2.2e-13]; the torch.optim.SGD user
run gd 3.5e-15 [2.6e-13], sgd 2.3e-14 [4.0e-14]. Every case goes through a catapult (the loss rises 1.6x to 840x
before it falls), which amplifies rounding as it does for the base models (docs/oracle.md: 1e-12 there). The
two sides differ only in rounding: the engine replays the base's tape as second-order jets, torch nests two
double-backward jvps, and their matrix products sum in other orders; a formula slip shows up at 1e-3 or more.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import catapult_golden as cg  # noqa: E402
from test_runner import run_tests  # noqa: E402
from sharpness_reference import mlp_outputs  # noqa: E402

ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, 'bin', 'catapult.js')
NODE = os.environ.get('CATAPULT_NODE', 'node')
HELPER = os.path.join(HERE, 'catapult_golden.py')
TOL = 1e-12

NQM = ['--model', 'quadratic', '--base', 'mlp', '--depth', '1', '--width', '32', '--samples', '8', '--input-dim', '4']
CASES = {
    'gd': ('gd.json', NQM + ['--lr', '1.5x', '--steps', '80', '--params-every', '20', '--eig-every', '10']),
    'sgd': ('sgd.npz', NQM + ['--act', 'tanh', '--sigma-b', '0.5', '--batch', '4', '--batch-seed', '1', '--lr', '1x',
                              '--steps', '40', '--params-every', '10', '--eig-every', '10']),
    'warmup': ('warmup.json', ['--model', 'quadratic', '--base', 'warmup', '--width', '100', '--lr', '1.5x', '--steps', '20',
                               '--params-every', '10']),
}

_DIR = tempfile.mkdtemp(prefix='catapult-golden-nqm-')
atexit.register(shutil.rmtree, _DIR, True)
_made = {}


def golden(case):
    """The golden file of a case, made by `catapult oracle` on first use."""
    if case not in _made:
        name, args = CASES[case]
        out = os.path.join(_DIR, name)
        r = subprocess.run([NODE, BIN, 'oracle', *args, '--out', out], capture_output=True, text=True)
        assert r.returncode == 0, '%s: %s' % (case, r.stderr)
        _made[case] = out
    return _made[case]


def edited(case, edit):
    """A copy of a JSON case's file with `edit(obj)` applied."""
    with open(golden(case)) as fh:
        obj = json.load(fh)
    edit(obj)
    out = os.path.join(_DIR, 'edited.json')
    with open(out, 'w') as fh:
        json.dump(obj, fh)
    return out


def test_the_helper_replays_quadratic_goldens():
    for case in CASES:
        report = cg.check(golden(case), TOL)
        print('%-7s helper replay: worst field %.2e' % (case, report.max_rel))
        assert report.ok, '%s beyond %g:\n%s' % (case, TOL, report)
        assert any(f.field == 'lambda' for f in report.fields), 'λ_t (the NTK of f_q) is replayed'
    sgd = cg.check(golden('sgd'), TOL)
    assert [f.field for f in sgd.fields if f.field.startswith('batch')] == ['batches', 'batch_loss']


def user_nqm_trajectory(g):
    """A PyTorch user's own run: f_q of the file's mlp at θ0 = init by nested jvp, torch.optim.SGD at config.eta on
    the stored rows; (loss at θ_t for t = 0 … T, {name: θ at the saved steps})."""
    c, names = g.config, g.meta['param_names']
    base = c['model']['base']
    theta0 = tuple(torch.tensor(p) for p in g.init)
    theta = [torch.nn.Parameter(t.clone()) for t in theta0]
    X, Y = torch.from_numpy(g.X), torch.from_numpy(g.Y)
    jvp = torch.autograd.functional.jvp

    def f_q(rows):
        f = lambda *params: mlp_outputs(base, names, list(params), X[rows])   # noqa: E731
        delta = tuple(p - t0 for p, t0 in zip(theta, theta0))
        f0, first = jvp(f, theta0, delta, create_graph=True)
        second = jvp(lambda *at: jvp(f, at, delta, create_graph=True)[1], theta0, delta, create_graph=True)[1]
        return f0 + first + 0.5 * second

    loss = lambda rows: 0.5 * torch.mean((f_q(rows) - Y[rows]) ** 2)          # noqa: E731
    opt = torch.optim.SGD(theta, lr=c['eta'])
    saved, losses, params = set(int(t) for t in g.params_t), [], {n: [] for n in names}
    for t in range(g.steps_run + 1):
        losses.append(loss(slice(None)).item())
        if t in saved:
            for n, p in zip(names, theta):
                params[n].append(p.detach().numpy().copy())
        if t == g.steps_run:
            break
        opt.zero_grad()
        loss(torch.from_numpy(g.batches[t]) if g.batches is not None else slice(None)).backward()
        opt.step()
    return losses, {n: np.array(v) for n, v in params.items()}


def test_a_torch_users_own_trajectory_passes_check_trajectory():
    for case in ('gd', 'sgd'):
        g = cg.load(golden(case))
        losses, params = user_nqm_trajectory(g)
        report = cg.check_trajectory(g, losses, params, tol=TOL)
        print('%-7s torch.optim.SGD user run: worst field %.2e' % (case, report.max_rel))
        assert report.ok and report.max_rel <= TOL, report
    losses[7] *= 1 + 1e-9
    report = cg.check_trajectory(g, losses, params, tol=TOL)
    assert not report.ok and report.failing == ['loss'] and report.first_step == 7, report


def test_an_edited_file_fails_and_a_base_model_replay_would_not_pass():
    def perturb(obj):
        obj['loss'][30] *= 1 + 1e-9
    report = cg.check(edited('gd', perturb), TOL)
    assert not report.ok and report.failing == ['loss'] and report['loss'].first[0] == 30, report

    def as_base(obj):                   # the same file claiming to be the mlp itself: its replay parts from step 1
        obj['config']['model'] = obj['config']['model']['base']
    report = cg.check(edited('gd', as_base), 1e-6)
    assert not report.ok and report.first_step == 1, report


def test_malformed_quadratic_fields_are_one_line_errors():
    def cnn(obj):
        obj['config']['model']['base']['kind'] = 'cnn'
    def loss(obj):
        obj['config']['model']['loss'] = 'logistic'
    for edit, message in ((cnn, 'config.model.base must be a warmup|linear|mlp model for this replay, got "cnn"'),
                          (loss, 'config.model.loss "logistic" disagrees with config.model.base.loss "mse"')):
        r = subprocess.run([sys.executable, HELPER, edited('gd', edit)], capture_output=True, text=True)
        assert r.returncode == 2 and message in r.stderr and r.stderr.count('\n') == 1, r.stderr


def test_without_torch_a_quadratic_golden_loads_and_its_replay_is_one_line():
    script = ('import sys; sys.modules["torch"] = None; sys.path.insert(0, sys.argv[1]); import catapult_golden as cg; '
              'g = cg.load(sys.argv[2]); assert cg.check_trajectory(g, list(g.loss)).ok; sys.exit(cg.main([sys.argv[2]]))')
    r = subprocess.run([sys.executable, '-c', script, HERE, golden('gd')], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith('catapult_golden: error: replaying the quadratic model needs PyTorch'), r.stderr
    assert r.stderr.count('\n') == 1, r.stderr


if __name__ == '__main__':
    run_tests(globals())
