"""Epochs of the group kernel with and without Newton steps.

The group-lasso counterpart of ``newton_stress.py``. By default it draws
random problems on which block coordinate descent crawls (40 to 120
samples; columns present twice, 1e-3 to 1e-6 apart, each pair in one group
or split between two, or random-walk columns with large means), in groups
of 1, 2, 4 or 8 columns, at l1_ratio 0, 0.5 or 0.9, with or without
``positive``, float64 or float32, at a random penalty and tol, and fits each
with ``newton`` on and off (``group_lasso_path``, max_iter 20,000). It
prints the total epochs of each, the fits that reached max_iter, and any
fit whose objective with Newton steps is worse than without by more than
the certified gaps allow (there should be none). Counts, not times. With
``--paths`` it runs instead 20-alpha paths of the group benchmark problems
(``sparsefuse bench --group``; weights 1) at l1_ratio 0 and 0.5 and tol
1e-4 and 1e-8, Newton on and off: epochs, steps taken, and the best of
``--repeat`` wall times (one BLAS thread advised); with ``--easy``, single
fits on dense Gaussian designs whose supports hold up to 8 times as many
columns as samples, timed the same way. Run either on two
checkouts (``PYTHONPATH=.../src``) to compare them. From the repo root::

    python benchmarks/group_newton.py --seed 0 --problems 200
    python benchmarks/group_newton.py --paths ar1-dense/10 leukemia/10
    python benchmarks/group_newton.py --easy
"""

import argparse
import time
import warnings

import numpy as np

import sparsefuse as sf
from sparsefuse import group as G
from sparsefuse.bench import GROUP_PROBLEMS


def draw(rng):
    """One random problem: X, y, group size and the fit's parameters."""
    n = int(rng.integers(40, 121))
    half = int(rng.integers(20, 61))
    kind = rng.choice(["pairs", "split pairs", "random walk"])
    if kind == "random walk":
        X = np.cumsum(rng.standard_normal((n, 2 * half)), axis=1) * 0.3
        X += 5 * rng.standard_normal(2 * half)
    else:
        eps = 10.0 ** -rng.uniform(3, 6)
        X = np.repeat(rng.standard_normal((n, half)), 2, axis=1)
        X += eps * rng.standard_normal(X.shape)
        if kind == "split pairs":
            X = X[:, np.r_[0:2 * half:2, 1:2 * half:2]]
    y = X @ rng.standard_normal(2 * half) + 0.1 * rng.standard_normal(n)
    size = int(rng.choice([1, 2, 4, 8]))
    X = X[:, :2 * half - (2 * half) % size]
    params = dict(l1_ratio=float(rng.choice([0.0, 0.5, 0.9])),
                  positive=bool(rng.random() < 0.2))
    if params["positive"]:
        y = np.abs(y)
    single = rng.random() < 0.2
    tol = 1e-5 if single else float(rng.choice([1e-6, 1e-8]))
    frac = float(rng.choice([1e-2, 1e-3, 1e-4]))
    if single:
        X, y = X.astype(np.float32), y.astype(np.float32)
    return X, y, size, params, tol, frac


def objective(X, y, coef, size, alpha, l1_ratio):
    X = X.astype(float)
    r = y - X @ coef
    groups = coef.reshape(-1, size)
    penalty = (l1_ratio * np.abs(coef).sum()
               + (1 - l1_ratio) * np.sqrt(size) * np.linalg.norm(groups, axis=1).sum())
    return 0.5 * r @ r / len(y) + alpha * penalty


def random_problems(args):
    rng = np.random.default_rng(args.seed)
    epochs = {True: 0, False: 0}
    at_max = {True: 0, False: 0}
    worse = 0
    for _ in range(args.problems):
        X, y, size, params, tol, frac = draw(rng)
        problem = G._GroupProblem(X, size, None, False, None)
        alpha = frac * G.group_alpha_max(problem, y.astype(float), l1_ratio=params["l1_ratio"],
                                         positive=params["positive"])
        value = {}
        for newton in (True, False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, coefs, gaps, n_iter = sf.group_lasso_path(
                    X, y, size, alphas=[alpha], tol=tol, max_iter=20_000, newton=newton,
                    return_n_iter=True, **params)
            epochs[newton] += n_iter[0]
            at_max[newton] += n_iter[0] >= 20_000
            value[newton] = (objective(X, y, coefs[:, 0].astype(float), size, alpha,
                                       params["l1_ratio"]), gaps[0])
        scale = 0.5 * np.mean(y.astype(float) ** 2)
        slack = value[True][1] + 2 * tol * scale + (1e-5 * scale if X.dtype == np.float32 else 0)
        worse += value[True][0] - value[False][0] > slack
    print(f"{args.problems} problems (seed {args.seed})")
    for newton in (True, False):
        print(f"  newton={newton!s:5}: {epochs[newton]} epochs, {at_max[newton]} at max_iter")
    print(f"  worse with Newton steps beyond the certified gap: {worse}")


def timed(problem, y, alphas, l1_ratio, tol, max_iter, repeat):
    """One cell per ``newton`` setting (on, off): epochs and steps over the
    alphas, and the best of ``repeat`` wall times."""
    cells = []
    for newton in (True, False):
        best = np.inf
        for _ in range(repeat):
            stats = []
            start = time.perf_counter()
            G.solve_group_path(problem, y, alphas, l1_ratio=l1_ratio, tol=tol,
                               max_iter=max_iter, newton=newton, stats=stats)
            best = min(best, time.perf_counter() - start)
        cells.append(f"newton={newton!s:5} {sum(s['n_epochs'] for s in stats):6d} epochs, "
                     f"{sum(s['n_newton'] for s in stats):3d} steps, {best:7.3f} s")
    return "; ".join(cells)


def paths(args):
    for name in args.paths:
        X, y, sizes = GROUP_PROBLEMS[name](args.data_dir)
        for l1_ratio in (0.0, 0.5):
            problem = G._GroupProblem(X, sizes, np.ones(len(sizes)), False, None)
            alpha_max = G.group_alpha_max(problem, y, l1_ratio=l1_ratio)
            alphas = alpha_max * np.geomspace(1, 0.01, 20)
            for tol in (1e-4, 1e-8):
                print(f"{name:16s} l1_ratio {l1_ratio} tol {tol:g}: "
                      + timed(problem, y, alphas, l1_ratio, tol, 100_000, args.repeat),
                      flush=True)


EASY = [(200, 2000, 5, 0.5, 1e-2), (200, 2000, 5, 0.5, 1e-3), (200, 2000, 10, 0.5, 1e-2),
        (200, 2000, 10, 0.9, 1e-3), (200, 2000, 5, 0.0, 1e-2), (200, 2000, 10, 0.0, 1e-3),
        (150, 6000, 20, 0.0, 1e-3), (150, 6000, 20, 0.5, 1e-2), (200, 10000, 25, 0.5, 1e-3)]


def easy(args):
    """Dense Gaussian designs, 40 or 60 true features, one alpha, tol 1e-8:
    supports of 1.3 to 8 times n_samples, where the steps save few epochs."""
    for n, p, size, l1_ratio, frac in EASY:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, p))
        k = 60 if p > 2000 else 40
        beta = np.zeros(p)
        beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
        y = X @ beta + 0.5 * rng.standard_normal(n)
        problem = G._GroupProblem(X, size, None, False, None)
        alpha = frac * G.group_alpha_max(problem, y, l1_ratio=l1_ratio)
        print(f"{n} x {p}, groups of {size}, l1_ratio {l1_ratio}, alpha_max * {frac:g}: "
              + timed(problem, y, [alpha], l1_ratio, 1e-8, 20_000, args.repeat), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--paths", nargs="*", choices=list(GROUP_PROBLEMS), default=None,
                        help="paths of these group benchmark problems instead")
    parser.add_argument("--easy", action="store_true",
                        help="easy dense problems with large supports instead (times)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", default="../shared/data")
    args = parser.parse_args(argv)
    if args.easy:
        easy(args)
    elif args.paths is not None:
        paths(args)
    else:
        random_problems(args)


if __name__ == "__main__":
    main()
