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
    tight = run(good, '--tol', '0')
    assert tight.returncode == 1 and 'BEYOND TOLERANCE' in tight.stdout
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
        'version.npz': (lambda a, m: m.__setitem__('schema_version', 2), 'schema version 2'),
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


if __name__ == '__main__':
    failed = 0
    tests = [(k, v) for k, v in list(globals().items()) if k.startswith('test_') and callable(v)]
    for name, fn in tests:
        try:
            fn()
            print('ok   %s' % name)
        except Exception as e:  # report every failing test, then exit non-zero
            failed += 1
            print('FAIL %s: %s: %s' % (name, type(e).__name__, e))
    print('%d of %d tests failed' % (failed, len(tests)) if failed else 'all %d tests passed' % len(tests))
    sys.exit(1 if failed else 0)
