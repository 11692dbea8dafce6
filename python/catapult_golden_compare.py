"""The comparison of catapult_golden.py: the per-element metric of `catapult check`, the reports, compare() and
check() on a replay, and check_trajectory() on a trajectory computed elsewhere.
"""
import math
from dataclasses import dataclass, field, replace
from typing import List, Optional, Tuple

import numpy as np

from catapult_golden_format import DEFAULT_TOL, MAX_JACOBIAN, Golden
from catapult_golden_models import build_model, init_params
from catapult_golden_optim import minibatch_rows
from catapult_golden_replay import jacobian_size, load, replay


# ---------------------------------------------------------------------------------------------------
# Comparison


@dataclass
class FieldReport:
    """One field's deviation: max |Δ|, max relative (on each step's scale), where, and the first step beyond tol."""
    field: str
    max_abs: float
    max_rel: float
    worst: Optional[Tuple[int, int]]            # (step, index within the step)
    first: Optional[Tuple[int, int, float]]     # (step, index, rel) of the first element beyond its allowance
    ok: bool
    starts: Optional[Tuple[int, int, float]] = None   # (step, index, rel) of the first element beyond tol
    unchecked: List[int] = field(default_factory=list)   # steps beyond tol whose recorded digits are exhausted: not checkable

    @property
    def first_step(self):
        """The step at which the field first goes beyond its allowance (None while it is within it)."""
        return None if self.first is None else self.first[0]

    def line(self, width=12):
        """One line as `catapult check` prints it."""
        fmt = lambda x: '0' if x == 0 else ('%.2e' % x if math.isfinite(x) else 'MISMATCH')
        where = lambda e: '-' if e is None else 't=%d [%d]' % (e[0], e[1])
        status = 'BEYOND TOLERANCE from %s' % where(self.first) if not self.ok \
            else '%d step%s not checkable (no digits left)' % (len(self.unchecked), '' if len(self.unchecked) == 1 else 's') \
            if self.unchecked \
            else 'ok' if self.starts is None else 'ok (within the recorded digits)'
        return '%s  %-14s  %9s  %9s  %-14s  %s' % (self.field.ljust(width), where(self.starts),
                                                 fmt(self.starts[2]) if self.starts else '-', fmt(self.max_rel), where(self.worst), status)


@dataclass
class Report:
    """Every field's deviation for one golden file; `ok` when all are within tol."""
    path: str
    tol: float
    fields: List[FieldReport]
    notes: List[str] = field(default_factory=list)
    steps: Optional[int] = None          # steps_run + 1: what `inconclusive` counts the unchecked steps against

    @property
    def unchecked(self):
        """The steps some field could not check: beyond tol where the file's digits are exhausted (never passed)."""
        return sorted({t for f in self.fields for t in f.unchecked})

    @property
    def inconclusive(self):
        """More than half the steps are not checkable: the digits leave too little to check, so the file is not passed."""
        return self.steps is not None and len(self.unchecked) > self.steps / 2

    @property
    def ok(self):
        """True when every field is within its allowance and most steps could be checked."""
        return all(f.ok for f in self.fields) and not self.inconclusive

    @property
    def max_rel(self):
        """The largest relative deviation over the floating-point fields (the exact ones count when they differ)."""
        return max((f.max_rel for f in self.fields), default=0.0)

    @property
    def first_step(self):
        """The earliest step at which a field goes beyond its allowance (None when every field is ok)."""
        return min((f.first_step for f in self.fields if f.first is not None), default=None)

    @property
    def failing(self):
        """The names of the fields beyond the tolerance, in report order."""
        return [f.field for f in self.fields if not f.ok]

    def __getitem__(self, name):
        """The report of one field by name (KeyError if absent)."""
        for f in self.fields:
            if f.field == name:
                return f
        raise KeyError(name)

    def __str__(self):
        """The notes, then one aligned line per field (what the CLI prints)."""
        w = max((len(f.field) for f in self.fields), default=5)
        return '\n'.join(['note: ' + n for n in self.notes] + [f.line(w) for f in self.fields])


# Digits of slack on a file's recorded digits, as DIGITS_SLACK in src/experiments/oracle/goldenCheck.ts: the estimate models one
# rounding per entry per step; this replay rounds differently in every operation (measured up to 50x beyond it).
DIGITS_SLACK = 2


def allowance(tol, digits):
    """The relative deviation a step may show: tol, or with recorded digits d, max(tol, 10^(DIGITS_SLACK − d)), below 1;
    once no digit is left (d ≤ DIGITS_SLACK) only tol, beyond which the step is not checkable (deviation() lists it in
    `unchecked`, never passes it), as allowance() in src/experiments/oracle/goldenCheck.ts."""
    if digits is None or digits <= DIGITS_SLACK:
        return tol
    return max(tol, 10.0 ** (DIGITS_SLACK - float(digits)))


def deviation(name, ours, golden, tol, row_length=1, steps=None, digits=None) -> FieldReport:
    """Per-element deviation as `deviation()` in src/experiments/oracle/goldenCheck.ts.

    The arrays are read as rows (steps) of `row_length` elements; element i's scale is the largest finite |golden|
    of its row, so a loss that decays by 100 orders of magnitude is judged at each step on its own scale and one
    bad step is never diluted. Non-finite in both counts as equal; finite in one only is an infinite deviation.
    `starts` is the first element beyond tol; `first` (what fails the field) the first beyond its step's allowance,
    which `digits` (the file's reproducible digits, indexed by step) widens; a step beyond tol whose digits are
    exhausted goes to `unchecked` instead.
    """
    a, g = np.ravel(np.asarray(ours, float)), np.ravel(np.asarray(golden, float))
    if a.size != g.size:
        return FieldReport(name, math.inf, math.inf, None, (0, 0, math.inf), False, (0, 0, math.inf))
    if g.size == 0:
        return FieldReport(name, 0.0, 0.0, None, None, True)
    L = max(1, int(row_length))
    rows = -(-g.size // L)
    pad = rows * L - g.size
    A, G = (np.concatenate([x, np.full(pad, np.nan)]).reshape(rows, L) for x in (a, g))
    fa, fg = np.isfinite(A), np.isfinite(G)
    scale = np.max(np.where(fg, np.abs(G), 0.0), axis=1, keepdims=True)
    with np.errstate(all='ignore'):
        absd = np.where(fa & fg, np.abs(A - G), np.where(fa != fg, np.inf, 0.0))
        rel = np.where(absd == 0, 0.0, np.where(scale == 0, np.inf, absd / scale))
    step_of = lambda r: int(steps[r]) if steps is not None else int(r)
    max_abs, max_rel = float(absd.max()), float(rel.max())
    worst = None
    if max_rel > 0:
        r, i = np.unravel_index(int(np.argmax(rel)), rel.shape)
        worst = (step_of(r), int(i))
    allowed = np.array([[allowance(tol, None if digits is None else digits[step_of(r)])] for r in range(rows)])
    exhausted = np.array([[digits is not None and digits[step_of(r)] <= DIGITS_SLACK] for r in range(rows)], dtype=bool)

    def first_beyond(beyond):
        beyond = np.flatnonzero(beyond.ravel())
        if not beyond.size:
            return None
        r, i = divmod(int(beyond[0]), L)
        return (step_of(r), i, float(rel[r, i]))
    over = rel > allowed
    first = first_beyond(over & ~exhausted)
    unchecked = [step_of(r) for r in np.flatnonzero(np.any(over & exhausted, axis=1))]
    return FieldReport(name, max_abs, max_rel, worst, first, first is None, first_beyond(rel > tol), unchecked)


def _exact(name, ours, golden):
    """An integer field that must match exactly (steps_run, diverged_at, converged_at)."""
    same = ours == golden
    return FieldReport(name, 0.0 if same else math.inf, 0.0 if same else math.inf, None, None if same else (0, 0, math.inf), same)


def compare(g: Golden, tol=DEFAULT_TOL, lambdas=None) -> Report:
    """Replays `g` and compares every field with the per-element metric; the report says where anything deviates.

    `lambdas` as in replay(); when λ is not replayed the report says so in a note and has no λ fields.
    """
    c, res = g.config, g.meta['result']
    r = replay(g, lambdas)
    fields, notes = [], []
    if not r.lambdas:
        why = 'as asked' if lambdas is False else 'the dense Jacobian would have %d entries, MAX_JACOBIAN is %d' % (jacobian_size(g), MAX_JACOBIAN)
        notes.append('lambda not replayed (%s)' % why)
    model = build_model(c['model'])
    init = c['init']
    if 'seed' in init:
        drawn = np.concatenate([p.ravel() for p in init_params(model, init['seed'])])
        stored = np.concatenate([p.ravel() for p in g.init])
        fields.append(deviation('init (RandomState regenerated)', drawn, stored, tol, stored.size))
        same = int(np.sum(drawn.view(np.int64) == stored.view(np.int64)))
        notes.append('RandomState(%d) redraws %d of %d initial entries bit for bit' % (init['seed'], same, stored.size))
    if r.lambdas:
        fields.append(deviation('lambda0', [r.lambda0], [c.get('lambda0', np.nan)], tol))
    fields.append(_exact('steps_run', r.steps_run, res['steps_run']))
    fields.append(_exact('diverged_at', r.diverged_at, (res.get('diverged') or {}).get('step')))
    fields.append(_exact('converged_at', r.converged_at, res.get('converged_at')))
    per_step = lambda a: a[0].size if a.shape[0] else 1
    d = g.digits
    if d is not None:
        notes.append('the file records reproducible digits per step (from %.1f to %.1f%s): a step may deviate by up to '
                     'max(tol, 10^(%d - digits)); where no digit is left (<= %d) a step beyond tol is not checkable; this '
                     'replay cannot recompute the digits (catapult check does)'
                     % (d[0], d[-1], ', chaotic' if res.get('chaotic') else '', DIGITS_SLACK, DIGITS_SLACK))
    if c.get('precision') == 'dd':
        notes.append('the file was made in double-double (config.precision dd); this replay is float64')
    fields += [deviation('loss', r.loss, g.loss, tol, digits=d), deviation('f', r.f, g.f, tol, per_step(g.f), digits=d)]
    if r.lambdas:
        fields.append(deviation('lambda', r.lam, g.lam, tol, digits=d))
    fields.append(deviation('param_norm', r.param_norm, g.param_norm, tol, digits=d))
    if g.batches is not None:
        B, seed = g.batches.shape[1], c.get('batch_seed', 0)
        drawn = minibatch_rows(g.X.shape[0], B, seed, g.batches.shape[0])
        # The rows are integers: any difference fails, whatever tol says (as `catapult check`).
        fields.append(deviation('batches', drawn, g.batches, 0, B))
        fields.append(deviation('batch_loss', r.batch_loss, g.batch_loss, tol, digits=d))
        notes.append('minibatch SGD, %d of %d rows an update: the replay steps on the rows stored in `batches`; the field '
                     'batches compares them with RandomState(%d), one permutation(%d) an epoch' % (B, g.X.shape[0], seed, g.X.shape[0]))
    if g.params_t.size:
        for name, mine, theirs in zip(g.meta['param_names'], r.params, g.params):
            fields.append(deviation('params.' + name, mine, theirs, tol, per_step(theirs), g.params_t, digits=d))
    return Report(g.path, tol, fields, notes, g.steps_run + 1)


def check(path, tol=DEFAULT_TOL, lambdas=None) -> Report:
    """Loads, verifies and replays one golden file; raises GoldenError when it is malformed."""
    return compare(load(path), tol, lambdas)


def _series(name, ours, golden, tol, digits, notes, steps=None, past=None):
    """deviation() of a user's series against a golden array over the records both have; a series of another length
    or record shape fails the field (and says so in `notes`) instead of raising. `steps` maps records to steps
    (params_t); `past` is the step just after the golden's last record, where a longer series first has no match."""
    a = np.asarray(ours, dtype=np.float64)
    if golden.ndim == 1:
        a = a.ravel()
    if a.ndim < 1 or a.shape[1:] != golden.shape[1:]:
        notes.append('%s: each record has shape %s, the golden\'s %s' % (name, tuple(a.shape[1:]), tuple(golden.shape[1:])))
        return FieldReport(name, math.inf, math.inf, None, (0, 0, math.inf), False, (0, 0, math.inf))
    n = min(a.shape[0], golden.shape[0])
    rep = deviation(name, a[:n], golden[:n], tol, max(1, int(np.prod(golden.shape[1:]))), None if steps is None else steps[:n], digits)
    if a.shape[0] == golden.shape[0]:
        return rep
    step = (int(steps[n]) if steps is not None else n) if n < golden.shape[0] else past
    notes.append('%s has %d records, the golden %d: the steps from %d on have nothing to compare' % (name, a.shape[0], golden.shape[0], step))
    missing = (step, 0, math.inf)
    return replace(rep, max_abs=math.inf, max_rel=math.inf, worst=rep.worst or (step, 0), first=rep.first or missing,
                   ok=False, starts=rep.starts or missing)


def check_trajectory(golden, loss, params=None, tol=DEFAULT_TOL) -> Report:
    """Compares a trajectory computed elsewhere (another framework, from the file's init, data and batches) with a golden.

    `golden` is a path or a loaded Golden. `loss` is the per-step loss, t = 0 … steps_run, as the file records it:
    the whole training set's at θ_t, before update t, L2 term included. `params`, optional, are θ at the golden's
    saved steps params_t: a dict name → array (saves, *shape) for any of param_names, or a list in param_names order.
    Every element is judged as `catapult check` judges it (deviation(), widened by the file's recorded digits as
    allowance() says); nothing is replayed. A series of the wrong length or shape is a failing field, not an
    exception. Returns a Report: `.ok`, `.max_rel` (the worst deviation), `.first_step` (the first failing step),
    and per field `report['loss'].first` = (step, index, rel).

        report = check_trajectory('golden.npz', my_losses, {'W0': my_W0_at_saved_steps}, tol=1e-11)
        assert report.ok, report
    """
    g = golden if isinstance(golden, Golden) else load(golden)
    names, run = list(g.meta['param_names']), g.steps_run
    notes = ['compared with %s (%d records, t = 0 … %d) without replaying' % (g.path, run + 1, run)]
    fields = [_series('loss', loss, g.loss, tol, g.digits, notes, past=run + 1)]
    if params is not None:
        if not isinstance(params, dict):
            params = list(params)
            if len(params) != len(names):
                raise ValueError('params lists %d arrays; the golden has %d parameters (%s)' % (len(params), len(names), ', '.join(names)))
            params = dict(zip(names, params))
        unknown = [n for n in params if n not in names]
        if unknown:
            raise ValueError('params has %r, not a parameter of the golden (%s)' % (unknown[0], ', '.join(names)))
        for i, name in enumerate(names):
            if name in params:
                fields.append(_series('params.' + name, params[name], g.params[i], tol, g.digits, notes, g.params_t, run + 1))
    return Report(g.path, tol, fields, notes, run + 1)
