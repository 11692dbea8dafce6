#!/usr/bin/env python3
"""Replay a catapult golden trajectory with an independent numpy implementation and compare it.

A golden file (schema ``catapult-golden`` v1, written by ``catapult oracle`` as ``.json`` or ``.npz``)
records one training run step by step: the loss, the outputs f, the top NTK eigenvalue λ_t,
‖θ_t‖ and θ_t at saved steps, with the exact initial parameters and data. This module rebuilds the
model from the file's ``config.model`` (warmup, linear, mlp in NTK or standard parameterization,
relu/tanh/identity, optional readout σ_w, no biases, layer norm; the neural quadratic model of a warmup, linear or
mlp base, in PyTorch; MSE, logistic or cross-entropy loss),
reruns the recorded update rule from the stored ``init`` and ``data`` at ``config.eta`` (GD with momentum,
or torch.optim's Adam/AdamW from ``config.optimizer``; L2; per-layer rates ``config.layer_lr``; minibatch SGD
over the rows stored in ``batches`` when ``config.batch`` is set), and compares every field with the
per-element metric of ``catapult check``: each element relative to the largest |golden| of its own step,
scalar series relative to |golden_t|. Under SGD it also compares the batch losses and checks that the stored
rows are numpy's: ``rs = np.random.RandomState(batch_seed)``, one ``rs.permutation(m)`` per epoch, cut into
batches of B, a remainder < B dropped (see minibatch_rows).

``check_trajectory(golden, loss, params)`` compares a trajectory computed elsewhere (another framework's
per-step loss, and optionally θ at the saved steps) with the same metric, without replaying anything.

Only numpy and the standard library are used (and torch for the quadratic model's replay), and the backward
pass is derived by hand (torch's autograd for the quadratic model), so the check is independent of catapult's
autodiff. Import it by path::

    import sys; sys.path.insert(0, 'python')
    import catapult_golden
    report = catapult_golden.check('golden.json', tol=1e-12)
    assert report.ok, report
    report = catapult_golden.check_trajectory('golden.json', my_losses, tol=1e-11)   # my_losses[t] at θ_t, t = 0 … T
    assert report.ok, 'first off at step %s' % report.first_step

or from the shell: ``python3 python/catapult_golden.py golden.json [--tol 1e-10] [--no-lambda]`` prints one
line per field and exits 0 (within --tol), 1 (a field deviates) or 2 (the file is malformed). λ_t needs the
dense Jacobian (one backward pass per output), so it is skipped, with a note, for models beyond MAX_JACOBIAN.

The helper is split by concern into modules beside this file: catapult_golden_format (the file format and reading),
catapult_golden_models (warmup, linear, mlp, the losses, λ), catapult_golden_conv with catapult_golden_conv_layers
(cnn, wrn), catapult_golden_quadratic (the quadratic model, torch imported when it is first evaluated),
catapult_golden_optim (update rules, per-parameter rates, minibatches), catapult_golden_replay (load, replay) and
catapult_golden_compare (the metric, the reports, check_trajectory). This file finds them in its own
directory, also when it is loaded by path from elsewhere, re-exports their public names and is the CLI.
"""
import argparse
import importlib.abc
import importlib.util
import math
import os
import sys

_MODULES = ('catapult_golden_format', 'catapult_golden_models', 'catapult_golden_conv', 'catapult_golden_conv_layers',
            'catapult_golden_optim', 'catapult_golden_replay', 'catapult_golden_compare', 'catapult_golden_quadratic')


class _ModuleFinder(importlib.abc.MetaPathFinder):
    """Finds the helper's own modules (_MODULES) in `directory`, this file's, before sys.path is searched: so they
    import, with each other, also when this file was loaded by path from another directory, and never from another
    copy that happens to be on sys.path. Every other name is left to the other finders."""

    def __init__(self, directory):
        self.directory = directory

    def find_spec(self, name, path=None, target=None):
        """The spec of one of _MODULES from the directory, None for any other module."""
        file = os.path.join(self.directory, name + '.py')
        if path is None and name in _MODULES and os.path.isfile(file):
            return importlib.util.spec_from_file_location(name, file)
        return None


_HERE = os.path.dirname(os.path.abspath(__file__))
if not any(type(f).__name__ == '_ModuleFinder' and getattr(f, 'directory', None) == _HERE for f in sys.meta_path):
    sys.meta_path.insert(0, _ModuleFinder(_HERE))     # once, however often this file is loaded

# The public API, re-exported (and the lazy conv import the tests use).
from catapult_golden_format import (DEFAULT_TOL, MAX_JACOBIAN, META_KEYS, SCHEMA, SCHEMA_VERSION,  # noqa: E402,F401
                                    Golden, GoldenError, sha256_arrays)
from catapult_golden_models import (ACTIVATIONS, LOSSES, MLP, LinearModel, Spec, _conv_module,  # noqa: E402,F401
                                    build_model, init_params, loss_and_grad, model_for, ntk_top)
from catapult_golden_optim import (OPTIMIZERS, Optimizer, OptimizerSettings, layer_rates,  # noqa: E402,F401
                                   minibatch_rows, mup_rates, optimizer_settings)
from catapult_golden_replay import Trajectory, jacobian_size, load, replay  # noqa: E402,F401
from catapult_golden_compare import (DIGITS_SLACK, FieldReport, Report, allowance, check,  # noqa: E402,F401
                                     check_trajectory, compare, deviation)


def main(argv=None):
    """CLI: one line per field; exit 0 within --tol, 1 beyond it or inconclusive (most steps not checkable), 2 for a malformed file."""
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('golden', help='a golden file from `catapult oracle` (.json or .npz)')
    ap.add_argument('--tol', type=float, default=DEFAULT_TOL, help='relative tolerance per element (default %g)' % DEFAULT_TOL)
    ap.add_argument('--no-lambda', action='store_true', help='do not replay λ_t (it needs the dense Jacobian at every measured step)')
    a = ap.parse_args(argv)
    if not (a.tol >= 0 and math.isfinite(a.tol)):
        ap.error('--tol must be a finite number >= 0')
    try:
        g = load(a.golden)
        report = compare(g, a.tol, False if a.no_lambda else None)
    except GoldenError as e:
        print('catapult_golden: error: %s' % str(e).splitlines()[0], file=sys.stderr)
        return 2
    bad = [f for f in report.fields if not f.ok]
    c = g.config
    try:
        rule = optimizer_settings(c).name + (', batch %d' % c['batch'] if 'batch' in c else '')
        print('%s: %s, %s model (%s), %s, eta = %r, %d steps, %s' % (a.golden, g.meta['engine'], c['model']['kind'], c['model'].get('loss', 'mse'),
                                                                  rule, c['eta'], g.meta['result']['steps_run'], g.meta['result'].get('phase')))
        print(report)
        unchecked = report.unchecked
        if unchecked:
            print('%s: %d of %d steps not checkable: beyond --tol where the recorded digits are exhausted (<= %d)'
                  % (a.golden, len(unchecked), report.steps, DIGITS_SLACK))
        verdict = 'FAIL: ' + ', '.join(f.field for f in bad) if bad else \
            'INCONCLUSIVE: most steps are not checkable, so it is not passed' if report.inconclusive else 'ok'
        print('%s: %s (--tol %g)' % (a.golden, verdict, a.tol))
        sys.stdout.flush()
    except BrokenPipeError:           # `… | head`: the reader stopped; the exit status still tells the result
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # as the Python docs advise for SIGPIPE
    return 1 if bad or report.inconclusive else 0


if __name__ == '__main__':
    sys.exit(main())
