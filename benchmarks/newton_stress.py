"""Epochs with and without Newton steps on random ill-conditioned problems.

Coordinate descent crawls where the support's Gram matrix is badly
conditioned; the Newton steps of ``_cd.enet_solve`` (and of the Gram solver)
are meant to end that without changing any answer. This script draws random
problems of three kinds (columns with large means and no intercept where the
draw says so, AR(1) columns with rho 0.95, five near-duplicate column pairs),
dense or sparse, float64 or float32, with or without intercept, sample
weights, ``positive`` and an elastic-net mix, at a random penalty and tol, and
fits each with ``newton`` on and off (``ElasticNet``, max_iter 20,000). It
prints the total epochs of each, the fits that reached max_iter, and any fit
whose objective with Newton steps is worse than without by more than the
certified gap allows (there should be none). Counts, not times: they depend
on the machine only through rounding (BLAS kernels and threads), which can
move a fit by a few epochs. Example, from the repo root::

    python benchmarks/newton_stress.py --seed 0 --problems 300
    python benchmarks/newton_stress.py --seed 0 --gram

(``--gram``: dense problems through the Gram solver, ``precompute=True``.)
"""

import argparse
import warnings

import numpy as np
from scipy import sparse

import sparsefuse as sf
from sparsefuse import _cd


def draw(rng, gram):
    """One random problem: X (dense or CSC), y, and the fit's parameters."""
    n = int(rng.integers(20, 150)) if not gram else int(rng.integers(50, 400))
    p = int(rng.integers(5, 300)) if not gram else int(rng.integers(3, 40))
    X = rng.standard_normal((n, p))
    kind = int(rng.integers(4))
    if kind == 0:  # large column means
        X += rng.uniform(0, 30)
    elif kind == 1:  # AR(1) columns
        for j in range(1, p):
            X[:, j] = 0.95 * X[:, j - 1] + np.sqrt(1 - 0.95**2) * X[:, j]
    elif kind == 2:  # near-duplicate pairs
        k = min(5, p // 2)
        X[:, :k] = X[:, k:2 * k] * (1 + 1e-6 * rng.standard_normal(k))
    if not gram and rng.random() < 0.5:
        X = X * (rng.random(X.shape) < 0.3)
    k = min(5, p)
    y = X[:, :k] @ rng.standard_normal(k) + 0.3 * rng.standard_normal(n) + rng.uniform(-5, 5)
    if not gram and rng.random() < 0.5:
        X = sparse.csc_matrix(X)
    if rng.random() < 0.2:
        X = X.astype(np.float32)
    params = dict(fit_intercept=bool(rng.random() < 0.5), positive=bool(rng.random() < 0.3),
                  l1_ratio=float(rng.choice([1.0, 1.0, 0.5, 0.1])))
    weights = rng.uniform(0.2, 3, n) if rng.random() < 0.3 else None
    tol = float(rng.choice([1e-4, 1e-8, 1e-10])) if X.dtype == np.float64 else 1e-5
    frac = float(rng.choice([0.5, 0.1, 0.01, 0.001]))
    return X, y, weights, params, tol, frac


def objective(X, y, weights, coef, intercept, alpha, l1_ratio):
    X = X.toarray() if sparse.issparse(X) else X
    r = y - X.astype(float) @ coef - intercept
    s = np.ones(len(y)) if weights is None else weights
    return (0.5 * np.sum(s * r**2) / s.sum()
            + alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef))


def fit(X, y, weights, params, tol, alpha, newton, gram):
    """The fit with the kernels' ``newton`` switch set (the estimators take none)."""
    name = "enet_gram_solve" if gram else "enet_solve"
    solve = getattr(_cd, name)
    setattr(_cd, name, lambda *a, **k: solve(*a, **{**k, "newton": newton}))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sf.ElasticNet(alpha=alpha, tol=tol, max_iter=20_000, precompute=gram,
                                 **params).fit(X, y, sample_weight=weights)
    finally:
        setattr(_cd, name, solve)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--problems", type=int, default=300)
    parser.add_argument("--gram", action="store_true",
                        help="dense problems through the Gram solver (precompute=True)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    epochs = {True: 0, False: 0}
    at_max = {True: 0, False: 0}
    worse = 0
    for _ in range(args.problems):
        X, y, weights, params, tol, frac = draw(rng, args.gram)
        Xd = X.toarray() if sparse.issparse(X) else np.asarray(X)
        s = np.ones(len(y)) if weights is None else weights
        yc = y - (np.average(y, weights=s) if params["fit_intercept"] else 0.0)
        Xc = Xd - (np.average(Xd, axis=0, weights=s) if params["fit_intercept"] else 0.0)
        alpha_max = np.abs(Xc.T @ (s * yc)).max() / s.sum() / params["l1_ratio"]
        alpha = alpha_max * frac
        value = {}
        for newton in (True, False):
            model = fit(X, y, weights, params, tol, alpha, newton, args.gram)
            epochs[newton] += model.n_iter_
            at_max[newton] += model.n_iter_ >= 20_000
            value[newton] = (objective(X, y, weights, model.coef_, model.intercept_, alpha,
                                       params["l1_ratio"]), model.dual_gap_)
        scale = 0.5 * np.average(yc**2, weights=s)
        slack = value[True][1] + 2 * tol * scale + (1e-5 * scale if X.dtype == np.float32 else 0)
        worse += value[True][0] - value[False][0] > slack
    print(f"{args.problems} problems (seed {args.seed}{', Gram solver' if args.gram else ''})")
    for newton in (True, False):
        print(f"  newton={newton!s:5}: {epochs[newton]} epochs, {at_max[newton]} at max_iter")
    print(f"  worse with Newton steps beyond the certified gap: {worse}")


if __name__ == "__main__":
    main()
