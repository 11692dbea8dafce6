"""The runner the python test files share: every test_* function of a module, each failure reported, exit 1 if any failed."""
import sys


def run_tests(namespace):
    """Runs the module's test_* functions in definition order and exits with 1 if any failed (report every failure)."""
    failed = 0
    tests = [(k, v) for k, v in list(namespace.items()) if k.startswith('test_') and callable(v)]
    for name, fn in tests:
        try:
            fn()
            print('ok   %s' % name)
        except Exception as e:  # report every failing test, then exit non-zero
            failed += 1
            print('FAIL %s: %s: %s' % (name, type(e).__name__, e))
    print('%d of %d tests failed' % (failed, len(tests)) if failed else 'all %d tests passed' % len(tests))
    sys.exit(1 if failed else 0)
