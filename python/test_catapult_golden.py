#!/usr/bin/env python3
"""Example pytest for python/catapult_golden.py: golden files made by `catapult oracle` replay in numpy.

Every model kind the oracle writes is made small and short into a temporary directory, replayed by the
helper, and must agree to TOL on every field; a perturbed file must fail, a malformed one exit 2.
Run it with pytest (`pytest python/test_catapult_golden.py`) or without: `python3 python/test_catapult_golden.py`.
It needs numpy, node and a built engine (`npm run build`); CATAPULT_NODE picks the node binary.

Why TOL = 1e-13, and TOL_CATAPULT = 1e-12 for the two large-learning-rate runs. Measured on this machine
(numpy 2.4 with OpenBLAS, against goldens from the wasm/FMA, wasm-simd and js backends, which agree bit for bit
on these sizes) as the largest per-element relative deviation over all fields, for the seed 0 used here and,
in brackets, the worst over seeds 1-4 of the same case:
    linear 8.3e-15 [9.2e-15], mlp ntk relu 1.7e-15 [1.2e-14], mlp standard tanh 1.2e-15 [8.6e-15],
    no-bias + layer norm 3.0e-15 [5.5e-15], logistic 6.6e-16 [1.1e-15], ce 4.0e-15 [2.7e-14],
    momentum 2.2e-15 [3.6e-15], L2 1.4e-15 [1.5e-15];
    warmup through the catapult 1.6e-14 [1.2e-13], divergent warmup 9.0e-15 [2.7e-14].
The implementations differ only in rounding (summation order in BLAS against the engine's kernels), a few ulp
per step; a formula slip (1/m against 1/(km), L2 left out of the recorded loss, a layer-norm epsilon, a wrong
σ_b) shows up at 1e-3 or more. The loss spike of a catapult (to 2e4 x L0 for these seeds) and the growth
before a divergence amplify the rounding, hence the looser bound there. The worst lazy case, ce, is
cancellation: the engine's loss is Σ lse − Σ y·f, two sums of size ~m·|f| whose difference is m·L, so
its rounding relative to L grows as |f|/L. Longer runs need more for the same reason: a value that decays by
cancellation (warmup f -> 0) keeps its absolute rounding (1.7e-11 relative after 60 warmup steps).
"""
import atexit
import contextlib
import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import catapult_golden as cg  # noqa: E402
from test_runner import run_tests  # noqa: E402

ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, 'bin', 'catapult.js')
NODE = os.environ.get('CATAPULT_NODE', 'node')
HELPER = os.path.join(HERE, 'catapult_golden.py')
TOL = 1e-13
TOL_CATAPULT = 1e-12

MLP = ['--model', 'mlp', '--depth', '2', '--width', '16', '--samples', '6', '--input-dim', '3']
CASES = {
    'warmup': ('warmup.json', ['--model', 'warmup', '--width', '500', '--lr', '1.5x', '--steps', '10', '--params-every', '5']),
    'linear': ('linear.npz', ['--model', 'linear', '--width', '200', '--samples', '8', '--input-dim', '4', '--lr', '1x',
                              '--steps', '30', '--params-every', '10']),
    'ntk_relu': ('ntk_relu.npz', MLP + ['--outputs', '2', '--sigma-b', '0.5', '--lr', '1x', '--steps', '30',
                                        '--params-every', '10', '--eig-every', '3']),
    'standard_tanh': ('standard_tanh.json', MLP + ['--outputs', '2', '--param', 'standard', '--act', 'tanh', '--lr', '1.2x',
                                                   '--steps', '20', '--params-every', '5']),
    'nobias_layernorm': ('nobias_layernorm.json', MLP + ['--bias', 'false', '--norm', 'layer', '--readout-sigma-w', '1',
                                                         '--lr', '1x', '--steps', '20', '--params-every', '5']),
    'logistic': ('logistic.npz', ['--model', 'mlp', '--depth', '1', '--width', '16', '--dataset', 'synthetic', '--classes', '0,1',
                                  '--train-size', '8', '--loss', 'logistic', '--lr', '1x', '--steps', '20', '--params-every', '5']),
    'ce': ('ce.npz', ['--model', 'mlp', '--depth', '1', '--width', '16', '--dataset', 'synthetic', '--train-size', '10',
                      '--loss', 'ce', '--lr', '1x', '--steps', '12', '--params-every', '4', '--eig-every', '4']),
    'momentum': ('momentum.json', ['--model', 'mlp', '--depth', '1', '--width', '32', '--samples', '8', '--input-dim', '4',
                                   '--momentum', '0.9', '--lr', '0.5x', '--steps', '30', '--params-every', '10', '--eig-every', '4']),
    'l2': ('l2.npz', ['--model', 'mlp', '--depth', '1', '--width', '32', '--samples', '8', '--input-dim', '4', '--l2', '0.01',
                      '--lr', '1x', '--steps', '30', '--params-every', '10']),
    'divergent': ('divergent.json', ['--model', 'warmup', '--width', '100', '--lr', '5x', '--steps', '50', '--max-loss', '1e6']),
}

_DIR = tempfile.mkdtemp(prefix='catapult-golden-py-')
atexit.register(shutil.rmtree, _DIR, True)
_made = {}


def _oracle(case):
    """Runs `catapult oracle` for one case into the temporary directory; returns the file."""
    name, args = CASES[case]
    out = os.path.join(_DIR, name)
    r = subprocess.run([NODE, BIN, 'oracle', *args, '--out', out], capture_output=True, text=True)
    assert r.returncode == 0, '%s: %s' % (case, r.stderr)
    return out


def golden(case):
    """The golden file of a case; the first call makes every case's, two oracle processes at a time."""
    if case not in _made:
        with ThreadPoolExecutor(max_workers=2) as pool:
            missing = [c for c in CASES if c not in _made]
            _made.update(zip(missing, pool.map(_oracle, missing)))
    return _made[case]


def agrees(case, tol=TOL):
    """Replays a case and asserts every field is within tol; returns the loaded file and the report."""
    g = cg.load(golden(case))
    report = cg.compare(g, tol)
    assert report.ok, '%s beyond %g:\n%s' % (case, tol, report)
    return g, report


def helper(*args):
    """The helper's CLI (`main`) run in this process on the given arguments: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cg.main(list(args))
    return status, out.getvalue(), err.getvalue()


def test_warmup_through_the_catapult():
    g, r = agrees('warmup', TOL_CATAPULT)
    assert g.config['model']['kind'] == 'warmup' and g.X.tolist() == [[1.0]] and g.Y.tolist() == [[0.0]]
    assert g.loss.max() > 10 * g.loss[0], 'lr 1.5x spikes the loss: the replay goes through a catapult'
    # numpy's RandomState(seed) redraws the initialization up to an ulp (the engine's log/sqrt are JavaScript's).
    assert r['init (RandomState regenerated)'].max_rel < 1e-15
    assert list(g.params_t) == [0, 5, 10] and r['params.u'].ok


def test_linear():
    g, r = agrees('linear')
    assert [p.shape for p in g.init] == [(200, 4), (200,)]
    assert r['lambda'].max_rel < TOL and r['params.v'].ok


def test_mlp_ntk_relu_with_bias_and_sparse_lambda():
    g, r = agrees('ntk_relu')
    measured = np.flatnonzero(np.isfinite(g.lam)).tolist()
    assert measured == list(range(0, 31, 3)), 'λ every 3 steps (and at t = 0 and the end); NaN elsewhere'
    assert g.config['model']['sigmaB'] == 0.5 and r['params.b0'].ok and r['params.W2'].ok


def test_mlp_standard_tanh_signed_zero_biases():
    g, r = agrees('standard_tanh')
    b0 = g.init[g.meta['param_names'].index('b0')]
    assert np.all(b0 == 0) and np.signbit(b0).any() and not np.signbit(b0).all(), 'σ_b = 0 gives ±0.0 biases, signs kept'
    assert r['params.b0'].ok, 'and their sha256 (which sees the sign bit) matched on load'


def test_mlp_no_bias_layer_norm_readout_sigma():
    g, _ = agrees('nobias_layernorm')
    m = g.config['model']
    assert g.meta['param_names'] == ['W0', 'W1', 'W2'] and m['bias'] is False and m['norm'] == 'layer' and m['readoutSigmaW'] == 1


def test_logistic():
    g, _ = agrees('logistic')
    assert g.config['model']['loss'] == 'logistic' and set(g.Y.ravel()) == {-1.0, 1.0} and g.Y.shape == (8, 1)


def test_cross_entropy():
    g, _ = agrees('ce')
    assert g.config['model']['loss'] == 'ce' and g.Y.shape == (10, 10) and np.all(g.Y.sum(axis=1) == 1)


def test_momentum():
    g, r = agrees('momentum')
    assert g.config['momentum'] == 0.9 and r['params.W1'].ok


def test_l2():
    g, r = agrees('l2')
    assert g.config['l2'] == 0.01
    # The recorded loss includes (c/2)‖θ‖²: leaving it out would be far beyond TOL.
    plain = g.loss - 0.5 * g.config['l2'] * g.param_norm ** 2
    assert np.max(np.abs(plain - g.loss) / g.loss) > 1e-3 and r['param_norm'].ok


def test_divergent_run_stops_where_the_engine_stops():
    g, r = agrees('divergent', TOL_CATAPULT)
    assert g.meta['result']['diverged']['step'] == g.meta['result']['steps_run'] < 50
    assert r['diverged_at'].ok and r['steps_run'].ok and np.isnan(g.lam[-1])


def test_perturbed_files_fail_at_the_edited_element():
    path = golden('standard_tanh')
    with open(path) as fh:
        obj = json.load(fh)
    obj['loss'][7] *= 1 + 1e-8
    obj['f'][4][3][1] += 1e-6
    bad = os.path.join(_DIR, 'perturbed.json')
    with open(bad, 'w') as fh:
        json.dump(obj, fh)
    r = cg.check(bad, TOL)
    assert not r.ok and [f.field for f in r.fields if not f.ok] == ['loss', 'f']
    step, index, rel = r['loss'].first
    assert (step, index) == (7, 0) and abs(rel - 1e-8) < 1e-10
    assert r['f'].first[:2] == (4, 3 * 2 + 1), 'f is judged per step: row 3, output 1 of step 4'
    status, out, _ = helper(bad, '--tol', '1e-13')
    assert status == 1 and 'BEYOND TOLERANCE from t=7 [0]' in out
    assert helper(path, '--tol', '1e-13')[0] == 0


def test_command_line_exit_status():
    good, bad = golden('logistic'), os.path.join(_DIR, 'missing.json')
    run = lambda *a: subprocess.run([sys.executable, HELPER, *a], capture_output=True, text=True)
    ok = run(good, '--tol', '1e-13')
    assert ok.returncode == 0 and ok.stdout.splitlines()[-1].endswith(': ok (--tol 1e-13)'), ok.stdout + ok.stderr
    assert any(line.startswith('loss ') for line in ok.stdout.splitlines()), 'one line per field'
    # A real deviation, not a chance ulp between the engine's rounding and numpy's (tol 0 passes when none occurs).
    edited = _rewrite_npz(good, os.path.join(_DIR, 'edited.npz'), lambda a, m: a['loss'].__setitem__(3, a['loss'][3] * (1 + 1e-9)))
    beyond = run(edited, '--tol', '1e-13')
    assert beyond.returncode == 1 and 'BEYOND TOLERANCE' in beyond.stdout, beyond.stdout + beyond.stderr
    missing = run(bad)
    assert missing.returncode == 2 and missing.stderr.startswith('catapult_golden: error: ') and missing.stderr.count('\n') == 1


def _rewrite_npz(src, dst, edit):
    """Copies an .npz golden with `edit(arrays, meta)` applied (meta stays a uint8 JSON array)."""
    z = np.load(src)
    arrays = {k: z[k] for k in z.files}
    meta = json.loads(bytes(arrays['meta']))
    edit(arrays, meta)
    arrays['meta'] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(dst, **arrays)
    return dst


def test_npz_perturbation_and_malformed_files():
    src = golden('ntk_relu')
    late = _rewrite_npz(src, os.path.join(_DIR, 'late.npz'), lambda a, m: a['params_W1'].__setitem__((3, 5, 2), a['params_W1'][3, 5, 2] * (1 + 1e-9)))
    r = cg.check(late, TOL)
    assert [f.field for f in r.fields if not f.ok] == ['params.W1'] and r['params.W1'].first[:2] == (30, 5 * 16 + 2)

    def corrupt_init(a, m):
        a['init_W0'] = a['init_W0'].copy()
        a['init_W0'][0, 0] += 1e-12
    cases = {
        'init.npz': (corrupt_init, 'sha256.init'),
        'version.npz': (lambda a, m: m.__setitem__('schema_version', 1), 'schema version 1'),
        'steps.npz': (lambda a, m: m['config'].__setitem__('steps', 10 ** 9), 'does not fit config.steps'),
        'act.npz': (lambda a, m: m['config']['model'].__setitem__('act', 'foo'), 'config.model.act'),
    }
    for name, (edit, message) in cases.items():
        status, _, err = helper(_rewrite_npz(src, os.path.join(_DIR, name), edit))
        assert status == 2 and message in err and err.count('\n') == 1, (name, err)
    cut = os.path.join(_DIR, 'cut.json')
    with open(golden('standard_tanh'), 'rb') as fh, open(cut, 'wb') as out:
        out.write(fh.read()[:1000])
    status, _, err = helper(cut)
    assert status == 2 and 'not valid JSON' in err


def test_deviation_matches_catapult_check():
    g = np.array([1e-100, 2.0, 3.0])
    r = cg.deviation('loss', g * (1 + np.array([1e-9, 0, 0])), g, 1e-10)
    assert r.first[:2] == (0, 0), 'a tiny late loss is judged on its own scale, not diluted by the large ones'
    rows = cg.deviation('f', [1.0, 1.0 + 1e-6, 5.0, np.nan], [1.0, 1.0, 5.0, np.nan], 1e-9, row_length=2)
    assert rows.first[:2] == (0, 1) and rows.ok is False and abs(rows.max_rel - 1e-6) < 1e-15
    assert cg.deviation('x', [np.nan], [np.nan], 0).ok and not cg.deviation('x', [1.0], [np.nan], 1).ok


# ---------------------------------------------------------------------------------------------------
# Update rules and minibatches: Adam/AdamW (torch.optim's step, operation for operation), minibatch SGD over the
# rows stored in `batches`, per-layer rates, L2. Measured as above (the largest per-element relative deviation over
# all fields, batch_loss included; seed 0 and, in brackets, the worst over seeds 1-4): adam_batch 1.4e-15 [2.4e-15],
# adamw_batch 8.3e-16 [2.4e-15], sgd_momentum_batch 1.6e-15 [8.1e-15], layer_lr 1.3e-15 [1.6e-15], adam_l2 1.3e-15
# [1.5e-15]. The update rules agree operation for operation (elementwise IEEE in both), so what is left is the
# forward and backward passes' summation order and a daxpy that may fuse (gd, L2), as in the full-batch cases
# above: TOL holds with a margin of ten or more; a wrong rule (adam for adamw, no momentum, no layer_lr, no L2)
# is off by 1e-6 or more.

MLP12 = ['--model', 'mlp', '--depth', '2', '--width', '16', '--samples', '12', '--input-dim', '3']
SGD_CASES = {
    'adam_batch': ('adam_batch.npz', MLP12 + ['--optimizer', 'adam', '--batch', '4', '--sigma-b', '0.5', '--lr', '0.01',
                                              '--steps', '20', '--params-every', '5', '--eig-every', '5']),
    'adamw_batch': ('adamw_batch.json', MLP12 + ['--optimizer', 'adamw', '--weight-decay', '0.1', '--batch', '5', '--batch-seed', '3',
                                                 '--sigma-b', '0.5', '--lr', '0.02', '--steps', '20', '--params-every', '10', '--eig-every', '5']),
    'sgd_momentum_batch': ('sgd_momentum_batch.json', MLP12 + ['--momentum', '0.9', '--batch', '5', '--batch-seed', '3', '--lr', '0.3x',
                                                               '--steps', '20', '--params-every', '10', '--eig-every', '5']),
    'layer_lr': ('layer_lr.npz', MLP12 + ['--layer-lr', '1,0.5,2', '--sigma-b', '0.5', '--lr', '0.5x', '--steps', '20',
                                          '--params-every', '10', '--eig-every', '5']),
    'adam_l2': ('adam_l2.json', MLP12 + ['--optimizer', 'adam', '--weight-decay', '0.01', '--l2', '1e-3', '--layer-lr', '2,1,0.5',
                                         '--sigma-b', '0.5', '--lr', '0.01', '--steps', '20', '--params-every', '10', '--eig-every', '5']),
}
CASES.update(SGD_CASES)


def _edited(case, edit, name):
    """A copy of a .json case's golden with `edit(obj)` applied, written as `name` in the temporary directory."""
    with open(golden(case)) as fh:
        obj = json.load(fh)
    edit(obj)
    out = os.path.join(_DIR, name)
    with open(out, 'w') as fh:
        json.dump(obj, fh)
    return out


def _with_config(g, edit):
    """The loaded golden `g` with `edit(config)` applied to a copy of its metadata."""
    meta = json.loads(json.dumps(g.meta))
    edit(meta['config'])
    return dataclasses.replace(g, meta=meta)


def test_adam_minibatch():
    g, r = agrees('adam_batch')
    c = g.config
    assert c['optimizer'] == {'name': 'adam', 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weight_decay': 0}
    assert c['batch'] == 4 and c.get('batch_seed', 0) == 0, 'the default seed is 0 (absent in files that did not record it)'
    assert g.batches.shape == (20, 4) and g.batches.dtype == np.int64 and r['batches'].ok and r['batch_loss'].ok
    assert np.array_equal(g.batches, cg.minibatch_rows(12, 4, 0, 20))
    assert sorted(g.batches[:3].ravel()) == list(range(12)), 'an epoch of 3 batches is one permutation of the 12 rows'
    assert np.isnan(g.batch_loss[-1]) and np.isfinite(g.batch_loss[:-1]).all(), 'no update, so no batch, after the last record'
    assert np.max(np.abs(g.batch_loss[:-1] / g.loss[:-1] - 1)) > 1e-2, "a batch's loss is not the training set's"
    model, kind = cg.model_for(g)
    rows = g.batches[0]
    first = cg.loss_and_grad(kind, model.forward(g.init, g.X[rows])[0], g.Y[rows])[0]
    assert abs(first / g.batch_loss[0] - 1) < 1e-15, 'batch_loss[0]: the loss of the rows batches[0] at θ_0'
    status, out, _ = helper(golden('adam_batch'), '--tol', '1e-13')
    assert status == 0 and 'adam, batch 4' in out.splitlines()[0]
    assert any(line.startswith('batches ') for line in out.splitlines()) and any(line.startswith('batch_loss ') for line in out.splitlines())


def test_adamw_decouples_weight_decay():
    g, r = agrees('adamw_batch')
    assert g.config['optimizer']['name'] == 'adamw' and g.config['optimizer']['weight_decay'] == 0.1 and r['params.b0'].ok
    as_adam = cg.compare(_with_config(g, lambda c: c['optimizer'].__setitem__('name', 'adam')), TOL, lambdas=False)
    assert not as_adam['loss'].ok and as_adam['loss'].max_rel > 1e-6, "Adam's coupled decay is another trajectory"


def test_sgd_momentum_minibatch_drops_the_partial_batch():
    g, r = agrees('sgd_momentum_batch')
    assert g.config['optimizer'] == {'name': 'gd'} and g.config['momentum'] == 0.9 and g.config['batch_seed'] == 3
    rs = np.random.RandomState(3)
    epochs = [rs.permutation(12) for _ in range(10)]
    # 12 rows, batches of 5: two batches an epoch, the last 2 rows of each permutation unused.
    assert g.batches.reshape(10, 10).tolist() == [e[:10].tolist() for e in epochs]
    plain = cg.compare(_with_config(g, lambda c: c.__setitem__('momentum', 0)), TOL, lambdas=False)
    assert not plain['loss'].ok


def test_layer_lr():
    g, r = agrees('layer_lr')
    assert g.config['layer_lr'] == [1, 0.5, 2] and r['params.W2'].ok and r['params.b1'].ok
    assert cg.layer_rates(g.meta['param_names'], g.config['layer_lr']) == [1, 1, 0.5, 0.5, 2, 2]
    uniform = cg.compare(_with_config(g, lambda c: c.pop('layer_lr')), TOL, lambdas=False)
    assert not uniform['loss'].ok and not uniform['params.W1'].ok


def test_adam_with_l2_weight_decay_and_layer_rates():
    g, r = agrees('adam_l2')
    assert g.config['l2'] == 1e-3 and g.config['optimizer']['weight_decay'] == 0.01 and g.batches is None and g.batch_loss is None
    no_l2 = cg.compare(_with_config(g, lambda c: c.__setitem__('l2', 0)), TOL, lambdas=False)
    assert not no_l2['loss'].ok


def test_malformed_sgd_files():
    def setter(path, value):
        def edit(obj):
            *head, last = path
            target = obj
            for key in head:
                target = target[key]
            target[last] = value
        return edit
    cases = {
        'row_high.json': (setter(['batches', 3, 1], 12), 'batches[3][1] is 12, not one of the 12 training rows (0 … 11)'),
        'row_frac.json': (setter(['batches', 0, 2], 1.5), 'batches[0][2] is 1.5'),
        'row_null.json': (setter(['batches', 7, 0], None), 'batches[7][0] is nan'),
        'no_batch_loss.json': (lambda obj: obj.pop('batch_loss'), "lacks the field 'batch_loss'"),
        'short.json': (lambda obj: obj['batches'].pop(), 'batches: shape (19, 5), expected (20, 5)'),
        'big_batch.json': (lambda obj: (obj['config'].__setitem__('batch', 13), [row.extend([0] * 8) for row in obj['batches']]),
                           'config.batch must be at most the 12 training rows, got 13'),
        'optimizer.json': (setter(['config', 'optimizer'], {'name': 'sgd'}), 'config.optimizer must be'),
        'beta1.json': (setter(['config', 'optimizer', 'beta1'], 1), 'config.optimizer.beta1 must be a number in [0, 1)'),
        'momentum.json': (setter(['config', 'momentum'], 0.9), 'config.momentum applies to gd only'),
        'layer_lr.json': (setter(['config', 'layer_lr'], [1, 2]), 'config.layer_lr needs one factor per layer: the mlp has 3'),
    }
    for name, (edit, message) in cases.items():
        path = _edited('adamw_batch', edit, name)
        status, _, err = helper(path)
        assert status == 2 and message in err and err.count('\n') == 1, (name, err)
    npz = _rewrite_npz(golden('adam_batch'), os.path.join(_DIR, 'row_low.npz'), lambda a, m: a['batches'].__setitem__((5, 2), -1))
    try:
        cg.load(npz)
        raise AssertionError('a row out of range must not load')
    except cg.GoldenError as e:
        assert 'batches[5][2] is -1' in str(e) and '\n' not in str(e), e


def test_swapped_rows_fail_the_batches_field():
    def swap(a, b):
        def edit(obj):
            rows = obj['batches']
            rows[a[0]][a[1]], rows[b[0]][b[1]] = rows[b[0]][b[1]], rows[a[0]][a[1]]
        return edit
    # Within one batch: the same rows in another order, so the same update up to summation order.
    r = cg.check(_edited('adamw_batch', swap((2, 0), (2, 1)), 'swap_within.json'), TOL)
    assert r.failing == ['batches'] and r['batches'].first[:2] == (2, 0) and r.first_step == 2
    # Across batches: the replay steps on the stored rows, so update 2 is another one and θ_3 on differ.
    r = cg.check(_edited('adamw_batch', swap((2, 0), (3, 0)), 'swap_across.json'), TOL)
    assert r['batches'].first[:2] == (2, 0) and r['batch_loss'].first_step == 2 and r['loss'].first_step == 3, r


def test_check_trajectory():
    g = cg.load(golden('adam_batch'))
    names = g.meta['param_names']
    own = cg.check_trajectory(g, g.loss.tolist(), dict(zip(names, g.params)), TOL)
    assert own.ok and own.max_rel == 0 and own.first_step is None and len(own.fields) == 1 + len(names)
    replayed = cg.replay(g, lambdas=False)
    r = cg.check_trajectory(golden('adam_batch'), replayed.loss, replayed.params, TOL)     # a path, params as a list
    assert r.ok and 0 < r.max_rel < TOL, r
    edited = g.loss.copy()
    edited[7] *= 1 + 1e-8
    r = cg.check_trajectory(g, edited, tol=TOL)
    assert not r.ok and r.first_step == 7 and r['loss'].first[:2] == (7, 0) and abs(r['loss'].first[2] - 1e-8) < 1e-10
    short = cg.check_trajectory(g, g.loss[:15], tol=TOL)
    assert not short.ok and short.first_step == 15 and any('has 15 records, the golden 21' in n for n in short.notes)
    theta = dict(zip(names, g.params))
    theta['W1'] = theta['W1'][:3]
    r = cg.check_trajectory(g, g.loss, theta, TOL)
    assert r.failing == ['params.W1'] and r.first_step == 15, 'saves at t = 0, 5, 10, 15, 20: the fourth is missing'
    theta['W1'] = g.params[names.index('W1')].transpose(0, 2, 1)
    assert cg.check_trajectory(g, g.loss, theta, TOL).failing == ['params.W1']
    try:
        cg.check_trajectory(g, g.loss, {'W9': g.params[0]})
        raise AssertionError('an unknown parameter name must raise')
    except ValueError as e:
        assert "'W9'" in str(e)


# ---------------------------------------------------------------------------------------------------
# cnn and wrn, replayed by python/catapult_golden_conv.py (im2col convolutions, pools, batch norm, residual
# blocks, backward passes by hand). Measured as above (seed 0, largest per-element relative deviation over all
# fields): cnn 2.0e-15, cnn_standard 1.0e-15, wrn 1.8e-15; over 20 other cnn/wrn goldens up to 30 steps, 1e-15
# to 1e-14 on every field but a decaying loss (its cancellation, as for warmup: 1e-13 at L = 1e-5·L0) and a
# catapult (4.8e-14). Hence TOL_CONV = 1e-12. One golden no replay can meet: a bias right before bn in the
# standard parameterization with σ_b = 0 has gradient 0 in exact arithmetic, so its stored values are rounding
# noise (1e-17) and differ at O(1) relative to themselves, also between catapult's own backends.

TOL_CONV = 1e-12
# ---------------------------------------------------------------------------------------------------
# μP (param mup, TP5 Table 8): the readout's 1/ñ multiplier and each role's rate under SGD and Adam.

CASES.update({
    'mup_sgd': ('mup_sgd.json', ['--model', 'mlp', '--depth', '2', '--width', '32', '--samples', '8', '--input-dim', '3',
                                 '--param', 'mup', '--mup-base', '8', '--sigma-b', '0.3', '--momentum', '0.5', '--batch', '4',
                                 '--lr', '0.02', '--steps', '20', '--params-every', '10']),
    'mup_adam': ('mup_adam.npz', ['--model', 'mlp', '--depth', '2', '--width', '32', '--samples', '8', '--input-dim', '3',
                                  '--param', 'mup', '--mup-base', '8', '--sigma-b', '0.3', '--optimizer', 'adam', '--lr', '0.02',
                                  '--steps', '20', '--params-every', '10']),
})


def test_mup_sgd_and_adam():
    for case, rates in (('mup_sgd', [4, 4, 1, 4, 4, 1]), ('mup_adam', [1, 1, 0.25, 1, 1, 1])):
        g, _ = agrees(case)
        assert g.config['model']['param'] == 'mup' and g.config['model']['mupBase'] == 8
        assert cg.mup_rates(g.config['model'], g.meta['param_names'], cg.optimizer_settings(g.config).name) == rates
        # With the base width at n, μP is the standard parameterization, whose replay then departs from the file.
        g.config['model']['mupBase'] = 32
        assert not cg.compare(g, TOL).ok, '%s: a wrong base width must fail' % case


CASES.update({
    'cnn': ('cnn.json', ['--model', 'cnn', '--arch', 'conv:4,relu,conv:4:valid,relu,maxpool:2,conv:6:k2:s2,bn,tanh,gap,dense:3',
                         '--input-shape', '2,10,10', '--samples', '6', '--sigma-b', '0.5', '--lr', '1.5x', '--steps', '12',
                         '--params-every', '6', '--eig-every', '3']),
    'cnn_standard': ('cnn_standard.npz', ['--model', 'cnn', '--arch', 'conv:4:valid:k3:s2,relu,avgpool:2,flatten,dense:2',
                                          '--input-shape', '1,9,9', '--samples', '6', '--param', 'standard', '--sigma-b', '0.3',
                                          '--lr', '1x', '--steps', '12', '--params-every', '6']),
    'wrn': ('wrn.npz', ['--model', 'wrn', '--depth', '10', '--widen', '1', '--input-shape', '3,8,8', '--samples', '4',
                        '--outputs', '2', '--lr', '1x', '--steps', '4', '--params-every', '2', '--eig-every', '2']),
})


def test_cnn_same_valid_stride_maxpool_bn_gap():
    g, r = agrees('cnn', TOL_CONV)
    shapes = dict(zip(g.meta['param_names'], (p.shape for p in g.init)))
    assert shapes == {'W0': (4, 2, 3, 3), 'b0': (4,), 'W1': (4, 4, 3, 3), 'b1': (4,), 'W2': (6, 4, 2, 2), 'b2': (6,),
                      'W3': (6,), 'b3': (6,), 'W4': (3, 6), 'b4': (3,)}, shapes
    names = g.meta['param_names']
    assert np.all(g.init[names.index('W3')] == 1) and np.all(g.init[names.index('b3')] == 0), "bn's γ = 1, β = 0"
    assert r['init (RandomState regenerated)'].max_rel == 0, 'bn draws nothing from the stream'
    assert r['lambda'].ok and r['params.W3'].ok and r['params.b3'].ok


def test_cnn_standard_valid_stride2_avgpool():
    g, r = agrees('cnn_standard', TOL_CONV)
    assert [p.shape for p in g.init] == [(4, 1, 3, 3), (4,), (2, 16), (2,)], '9×9 -> VALID k3 s2 4×4 -> avgpool 2×2'
    assert r['params.W1'].ok and r['lambda0'].ok


def test_wrn_10_1():
    g, r = agrees('wrn', TOL_CONV)
    shapes = [p.shape for p in g.init]
    assert len(shapes) == 34, 'conv, 3 blocks of (bn, conv, bn, conv [, 1×1 projection]), bn, dense: 17 (W, b) pairs'
    assert shapes[18] == (32, 16, 1, 1) and shapes[28] == (64, 32, 1, 1) and shapes[-2] == (2, 64)
    assert r['lambda'].ok and r['params.W16'].ok


def test_conv_backward_matches_finite_differences():
    """The hand-derived backward pass against central differences along a random direction, engine-free."""
    conv = cg._conv_module()
    rng = np.random.RandomState(1)
    configs = [dict(kind='cnn', arch='conv:3:s2,bn,relu,conv:4:valid:k2,tanh,maxpool:2,avgpool:1,conv:2:k1,gap,dense:2',
                    inputShape=[2, 9, 9], param='ntk', sigmaW=1.4, sigmaB=0.3, outputs=2),
               dict(kind='wrn', depth=10, widen=1, inputShape=[1, 5, 5], param='standard', sigmaW=1.4, sigmaB=0.2, outputs=2)]
    for c in configs:
        c.update(width=1, inputDim=int(np.prod(c['inputShape'])))
        model = conv.build_conv_model(c)
        params = [p + 0.1 * rng.standard_normal(p.shape) for p in cg.init_params(model, 0)]
        X, R = rng.standard_normal((3, c['inputDim'])), rng.standard_normal((3, 2))
        f, cache = model.forward(params, X)
        grads = model.backward(params, cache, R)
        V = [rng.standard_normal(p.shape) for p in params]
        L = lambda eps: np.sum(R * model.forward([p + eps * v for p, v in zip(params, V)], X)[0])
        exact = sum(np.sum(gr * v) for gr, v in zip(grads, V))
        fd = (L(1e-7) - L(-1e-7)) / 2e-7          # small enough that none of the thousands of relus flips
        assert abs(fd - exact) < 1e-6 * abs(exact), (c['kind'], fd, exact)


def test_conv_models_load_by_path_and_reject_bad_arch():
    src = golden('cnn')
    script = ('import importlib.util, sys; s = importlib.util.spec_from_file_location("cgx", sys.argv[1]); '
              'm = importlib.util.module_from_spec(s); s.loader.exec_module(m); sys.exit(0 if m.check(sys.argv[2], 1e-12).ok else 1)')
    r = subprocess.run([sys.executable, '-c', script, HELPER, src], capture_output=True, text=True, cwd=tempfile.gettempdir())
    assert r.returncode == 0, 'catapult_golden loaded by path finds catapult_golden_conv beside it: ' + r.stderr
    with open(src) as fh:
        obj = json.load(fh)
    obj['config']['model']['arch'] = 'conv:4,relu,pool:2'
    bad = os.path.join(_DIR, 'bad_arch.json')
    with open(bad, 'w') as fh:
        json.dump(obj, fh)
    status, _, err = helper(bad)
    assert status == 2 and "unknown layer 'pool:2'" in err and err.count('\n') == 1, err


if __name__ == '__main__':
    run_tests(globals())
