# Timing shared by the Python reference scripts (numpy_ref.py, torch_ref.py): repeat until the minimum is stable, with load and CPU time.
import math
import os
import sys
import time

# The harness (bench/harness.ts, STABILITY) sends its values in the request; these are for --selftest and hand runs.
STABILITY = {'repeats': 5, 'tolerance': 0.01, 'batchSeconds': 0.01}
# Below this wall time /proc/stat's 10 ms ticks are too coarse to say what other processes used (harness.ts's LOAD_RULE).
MIN_PROC_SECONDS = 0.2


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def stable_minimum(sample, budget, min_repeats, rule, now=time.perf_counter):
    """Calls sample() (seconds per call) until the running minimum is stable; returns (min, repeats, stable).

    Stable: the last rule['repeats'] samples improved the running minimum by at most rule['tolerance'] (relative),
    after at least max(min_repeats, repeats + 1) samples. The minimum, not the mean, because interference only ever
    adds time; more samples are taken only while they still find a faster one. When `budget` seconds (by `now`)
    pass first, stable is False. The same rule as bench/timing.ts's stableMinimum.
    """
    t0 = now()
    mins = []
    needed = max(min_repeats, rule['repeats'] + 1)
    while True:
        s = sample()
        mins.append(min(s, mins[-1]) if mins else s)
        n = len(mins)
        if n >= needed and mins[-1] >= (1 - rule['tolerance']) * mins[n - 1 - rule['repeats']]:
            return mins[-1], n, True
        if n >= min_repeats and now() - t0 >= budget:
            return mins[-1], n, False


def machine_busy_seconds():
    """Busy CPU seconds of the whole machine from /proc/stat (steal counted), or None off Linux."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != 'cpu':
        return None
    user, nice, system, _idle, _iowait, irq, softirq, *rest = (int(x) for x in fields[1:])
    steal = rest[0] if rest else 0
    return (user + nice + system + irq + softirq + steal) / 100


def settle(rule, load=lambda: os.getloadavg()[0], sleep=time.sleep, cpus=None):
    """Waits (timing.ts's settle, with its SETTLE values in rule['settle']) until the 1-min load is within the load
    rule's limit, at most rule['settle']['seconds']; returns the seconds waited. Without those values, no wait."""
    s = rule.get('settle')
    if not s:
        return 0
    limit, waited = (cpus or os.cpu_count() or 1) + s['loadMargin'], 0
    while load() > limit and waited < s['seconds']:
        sleep(s['pollSeconds'])
        waited += s['pollSeconds']
    return waited


def snapshot():
    return {'load': list(os.getloadavg()), 'wall': time.perf_counter(), 'cpu': time.process_time(), 'busy': machine_busy_seconds()}


def best_time(fn, min_time, rule=None):
    """Fastest seconds per call of fn, repeated until stable within a budget of min_time seconds; returns (seconds, info).

    Batches double until one lasts rule['batchSeconds'] (also the warm-up), so tiny kernels are not dominated by timer
    and loop overhead. info has repeats (calls), stable, and around the sampling: wall and process CPU seconds
    (time.process_time: every thread of this process, BLAS and torch threads included), the load averages before
    and after, and the CPUs other processes used (None when unknown).
    """
    rule = rule or STABILITY
    batch = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        if time.perf_counter() - t0 >= rule['batchSeconds']:
            break
        batch *= 2

    def sample():
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        return (time.perf_counter() - t0) / batch

    settle(rule)
    before = snapshot()
    best, repeats, stable = stable_minimum(sample, min_time, 1, rule)
    after = snapshot()
    wall, cpu = after['wall'] - before['wall'], after['cpu'] - before['cpu']
    others = None
    if before['busy'] is not None and after['busy'] is not None and wall >= MIN_PROC_SECONDS:
        others = max(0.0, (after['busy'] - before['busy'] - cpu) / wall)
    info = {
        'reps': repeats * batch,
        'stable': stable,
        'wallSeconds': wall,
        'cpuSeconds': cpu,
        'loadBefore': before['load'],
        'loadAfter': after['load'],
        'othersCores': others,
    }
    return best, info


def selftest():
    """The stability rule on a fake clock: it stops once the minimum stops improving, or at the budget."""
    clock = [0.0]

    def feed(samples):
        it = iter(samples)

        def sample():
            clock[0] += 1
            return next(it)

        return sample

    rule = {'repeats': 5, 'tolerance': 0.01}
    # 10 then 9.95 for ever: 9.95 is within 1 % of 10, so 6 samples settle it.
    assert stable_minimum(feed([10] + [9.95] * 20), 100, 1, rule, lambda: clock[0]) == (9.95, 6, True)
    # Improving by 5 % each time never settles: the budget of 8 fake seconds stops it, unstable.
    clock[0] = 0.0
    assert stable_minimum(feed([0.95 ** i for i in range(50)]), 8, 1, rule, lambda: clock[0]) == (0.95 ** 7, 8, False)
    # The settle wait polls until the load is back within 2 CPUs + 0.5, and gives up at its limit.
    loads, slept = iter([3.1, 2.8, 2.4]), []
    s = {'settle': {'seconds': 90, 'pollSeconds': 2, 'loadMargin': 0.5}}
    assert settle(s, lambda: next(loads), slept.append, 2) == 4 and slept == [2, 2]
    assert settle({'settle': {**s['settle'], 'seconds': 6}}, lambda: 9.0, lambda _: None, 2) == 6
    seconds, info = best_time(lambda: sum(range(100)), 0.05)
    assert seconds > 0 and info['reps'] >= 1 and info['cpuSeconds'] > 0 and len(info['loadBefore']) == 3
    print('OK')


if __name__ == '__main__':
    selftest()
