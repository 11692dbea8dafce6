# Timing shared by the Python reference scripts (numpy_ref.py, torch_ref.py): best-of batches, diagnostics on stderr.
import math
import sys
import time


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def best_time(fn, min_time):
    """Minimum seconds per call over batches, after one warm-up call, once at least min_time has been spent.

    The minimum (not the mean) is reported because the 2 cores are shared: interference only ever adds time.
    Batches double until one lasts min_time/20, so tiny kernels are not dominated by timer and loop overhead.
    """
    fn()
    target = min_time / 20
    batch, reps, best, spent = 1, 0, math.inf, 0.0
    while spent < min_time:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        dt = time.perf_counter() - t0
        spent += dt
        reps += batch
        best = min(best, dt / batch)
        if dt < target:
            batch *= 2
    return best, reps
