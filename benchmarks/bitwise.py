"""Record the exact results of a few thousand fits, to check that a change
leaves them bitwise identical (a refactor of the kernels, say).

Run it on the code before the change and on the code after, then compare::

    PYTHONPATH=/path/to/old/checkout/src python benchmarks/bitwise.py record old.pkl
    python benchmarks/bitwise.py record new.pkl
    python benchmarks/bitwise.py compare old.pkl new.pkl

(``--data-dir`` if ``../shared/data`` is elsewhere.) The fits: Lasso and
elastic net (and ridge) on random problems, dense and sparse, float32 and
float64, with and without intercept, sample weights, positive, random
order, single fits and paths; group and sparse-group lasso, with unpenalised
features and groups of 70 unevenly scaled columns; paths on news20 (3,000
rows) and leukemia. What is recorded: coefficients, intercepts, duality gaps
and epochs. A change of the algorithm (or of the order of a sum) shows here
even when it is harmless: then the tests, not this, say whether it is.
BLAS runs on one thread (see below).
"""

import os

# One BLAS thread: with more, BLAS's sums (the unpenalised features' least
# squares, say) round differently from run to run.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import pickle  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from sparsefuse import (ElasticNet, Lasso, SparseGroupLasso, enet_path,  # noqa: E402
                        group_lasso_path, lasso_path)
from sparsefuse.bench import leukemia, news20  # noqa: E402


def _fit(model):
    return (np.asarray(model.coef_).copy(), np.asarray(model.intercept_).copy(),
            float(np.max(model.dual_gap_)), np.asarray(model.n_iter_).copy())


def _path(result):
    return tuple(np.asarray(a).copy() for a in result)


def _problem(seed, n, p, k):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    if seed % 3 == 0:
        X += 3.0 * rng.rand(p)  # (columns of large mean)
    if seed % 2:
        X[rng.rand(n, p) < 0.75] = 0
    y = X[:, :min(p, k)] @ rng.randn(min(p, k)) + 0.1 * rng.randn(n)
    return rng, X, y


def lasso_fits(out):
    for seed in range(40):
        rng = np.random.RandomState(seed)
        rng, X, y = _problem(seed, rng.randint(5, 80), rng.randint(3, 300), 5)
        n = X.shape[0]
        for dtype in (np.float64, np.float32):
            for is_sparse in (False, True):
                Xs = sparse.csc_matrix(X.astype(dtype)) if is_sparse else X.astype(dtype)
                ys = y.astype(dtype)
                for fit_intercept in (False, True):
                    Xc = X - X.mean(0) if fit_intercept else X
                    yc = y - y.mean() if fit_intercept else y
                    alpha_max = np.abs(Xc.T @ yc).max() / n
                    for l1_ratio in (1.0, 0.5, 0.0):
                        for positive in (False, True):
                            for frac in (3, 30):
                                weights = rng.rand(n) + 0.1 if seed % 4 == 1 else None
                                key = (seed, dtype.__name__, is_sparse, fit_intercept, l1_ratio,
                                       positive, frac)
                                model = ElasticNet(alpha=alpha_max / frac, l1_ratio=l1_ratio,
                                                   fit_intercept=fit_intercept,
                                                   positive=positive, tol=1e-8, max_iter=3000)
                                out[("fit",) + key] = _fit(model.fit(Xs, ys, sample_weight=weights))
                                if seed % 5 == 0:
                                    model.set_params(selection="random", random_state=seed)
                                    out[("random",) + key] = _fit(
                                        model.fit(Xs, ys, sample_weight=weights))
                        if l1_ratio > 0:
                            out[("path", seed, dtype.__name__, is_sparse, fit_intercept,
                                 l1_ratio)] = _path(enet_path(
                                     Xs, ys, l1_ratio=l1_ratio, n_alphas=12, eps=1e-2,
                                     tol=1e-7, return_n_iter=True))


def group_fits(out):
    for seed in range(30):
        rng = np.random.RandomState(seed)
        n, size, count = rng.randint(10, 80), rng.randint(1, 12), rng.randint(2, 25)
        rng, X, y = _problem(seed, n, size * count, 2 * size)
        if seed % 5 == 0:
            X[:, :size] = X[:, :size] @ (np.eye(size) + 0.9)  # a correlated block
        for dtype in (np.float64, np.float32):
            for is_sparse in (False, True):
                Xs = sparse.csc_matrix(X.astype(dtype)) if is_sparse else X.astype(dtype)
                ys = y.astype(dtype)
                alpha_max = np.abs(X.T @ y).max() / n
                for fit_intercept in (False, True):
                    for l1_ratio in (0.0, 0.3, 0.9):
                        for positive in (False, True):
                            for frac in (5, 50):
                                weights = rng.rand(n) + 0.1 if seed % 4 == 1 else None
                                model = SparseGroupLasso(
                                    groups=size, alpha=alpha_max / frac, l1_ratio=l1_ratio,
                                    fit_intercept=fit_intercept, positive=positive, tol=1e-8,
                                    max_iter=3000)
                                out[("group", seed, dtype.__name__, is_sparse, fit_intercept,
                                     l1_ratio, positive, frac)] = _fit(
                                    model.fit(Xs, ys, sample_weight=weights))
                        out[("group path", seed, dtype.__name__, is_sparse, fit_intercept,
                             l1_ratio)] = _path(group_lasso_path(
                                 Xs, ys, size, l1_ratio=l1_ratio, alphas=10, eps=1e-2,
                                 fit_intercept=fit_intercept, tol=1e-7, return_n_iter=True))
                if X.shape[1] > 3 * size:
                    groups = {"a": list(range(size)), "b": list(range(size, 3 * size))}
                    for l1_ratio in (0.0, 0.4):
                        out[("unpenalised", seed, dtype.__name__, is_sparse, l1_ratio)] = _path(
                            group_lasso_path(Xs, ys, groups, l1_ratio=l1_ratio, alphas=8,
                                             eps=1e-2, tol=1e-7, return_n_iter=True,
                                             ungrouped="unpenalized"))
    for seed in range(6):
        # groups of 70 columns (by coordinates), unevenly scaled
        rng = np.random.RandomState(100 + seed)
        X = rng.randn(50, 280) * np.exp(rng.randn(280) * (seed % 3))
        if seed % 2:
            X[rng.rand(*X.shape) < 0.6] = 0
        y = X[:, :5] @ rng.randn(5) + 0.1 * rng.randn(50)
        for is_sparse in (False, True):
            Xs = sparse.csc_matrix(X) if is_sparse else X
            for l1_ratio in (0.0, 0.5):
                for fit_intercept in (False, True):
                    out[("large groups", seed, is_sparse, l1_ratio, fit_intercept)] = _path(
                        group_lasso_path(Xs, y, 70, l1_ratio=l1_ratio, alphas=10, eps=1e-2,
                                         fit_intercept=fit_intercept, tol=1e-8,
                                         return_n_iter=True))


def real_fits(out, data_dir):
    for name, load in (("news20", news20), ("leukemia", leukemia)):
        X, y = load(data_dir)
        if name == "news20":
            X, y = X[:3000].tocsc(), y[:3000]
        alpha_max = np.abs(X.T @ y).max() / X.shape[0]
        for fit_intercept in (False, True):
            out[("real path", name, fit_intercept)] = _path(lasso_path(
                X, y, n_alphas=20, eps=1e-2, tol=1e-6, fit_intercept=fit_intercept,
                return_n_iter=True))
            for frac in (10, 100):
                out[("real fit", name, fit_intercept, frac)] = _fit(Lasso(
                    alpha=alpha_max / frac, fit_intercept=fit_intercept, tol=1e-8).fit(X, y))


def compare(old, new):
    """The keys whose recorded arrays differ in any bit (or are missing)."""
    differ = sorted(set(old) ^ set(new), key=repr)
    for key in set(old) & set(new):
        if any(not np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
               or np.asarray(a).dtype != np.asarray(b).dtype
               for a, b in zip(old[key], new[key])):
            differ.append(key)
    return differ


def main(argv=None):
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record = commands.add_parser("record", help="fit everything, save the results")
    record.add_argument("file")
    record.add_argument("--data-dir", default=str(repo.parent / "shared" / "data"))
    both = commands.add_parser("compare", help="the fits whose results differ")
    both.add_argument("old")
    both.add_argument("new")
    args = parser.parse_args(argv)
    if args.command == "record":
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lasso_fits(out)
            group_fits(out)
            real_fits(out, args.data_dir)
        with open(args.file, "wb") as f:
            pickle.dump(out, f)
        print(f"{len(out)} results recorded in {args.file}")
        return 0
    with open(args.old, "rb") as f:
        old = pickle.load(f)
    with open(args.new, "rb") as f:
        new = pickle.load(f)
    differ = compare(old, new)
    for key in differ[:20]:
        print("differs:", key)
    print(f"{len(old)} results compared, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
