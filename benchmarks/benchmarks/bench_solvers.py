"""asv benchmarks: single fits and paths, dense and sparse, float32 and float64.

Run from ``benchmarks/``: ``asv run --quick`` (this commit) or
``asv continuous main HEAD`` (a regression check between two commits).
Sizes are chosen so that each measurement takes well under a second.
``track_peak_*`` record the largest memory a fit allocates above what it
started with (tracemalloc, which sees NumPy's arrays): asv's own ``peakmem_*``
would record the peak of the whole process, the set-up included, which on
the sparse problems is larger than the fit's.
"""

import tracemalloc
import warnings

import numpy as np
from scipy import sparse

import sparsefuse as sf


def make_problem(kind, dtype, n_samples=400, n_features=2000, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "dense":
        X = rng.standard_normal((n_samples, n_features))
        X = np.asfortranarray(X.astype(dtype))
    else:
        X = sparse.random(n_samples * 5, n_features * 5, density=0.002, random_state=seed,
                          format="csc", dtype=dtype)
    w = np.zeros(X.shape[1])
    w[:20] = rng.standard_normal(20)
    y = np.asarray(X @ w).ravel() + 0.1 * rng.standard_normal(X.shape[0]) + 1.0
    yc = y - y.mean()
    alpha_max = np.abs(X.T @ yc).max() / X.shape[0]
    return X, y.astype(dtype), alpha_max


def peak_bytes(fit):
    """Bytes allocated at the peak of ``fit()`` above the start (NumPy arrays
    and Python objects; not C buffers a kernel mallocs itself)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        if started:  # (a caller's tracing goes on)
            tracemalloc.stop()


class LassoFit:
    params = (["dense", "sparse"], ["float64", "float32"], [True, False])
    param_names = ["data", "dtype", "fit_intercept"]

    def setup(self, data, dtype, fit_intercept):
        self.X, self.y, alpha_max = make_problem(data, np.dtype(dtype))
        self.alpha = alpha_max / 20
        warnings.simplefilter("ignore")

    def time_lasso(self, data, dtype, fit_intercept):
        sf.Lasso(alpha=self.alpha, fit_intercept=fit_intercept).fit(self.X, self.y)

    def time_elastic_net(self, data, dtype, fit_intercept):
        sf.ElasticNet(alpha=self.alpha, l1_ratio=0.5, fit_intercept=fit_intercept).fit(
            self.X, self.y)

    def track_peak_lasso(self, data, dtype, fit_intercept):
        return peak_bytes(lambda: sf.Lasso(alpha=self.alpha, fit_intercept=fit_intercept)
                          .fit(self.X, self.y))

    track_peak_lasso.unit = "bytes"


class Paths:
    params = (["dense", "sparse"],)
    param_names = ["data"]

    def setup(self, data):
        self.X, self.y, _ = make_problem(data, np.float64)
        warnings.simplefilter("ignore")

    def time_lasso_path(self, data):
        sf.lasso_path(self.X, self.y, alphas=20, eps=1e-2)

    def time_group_lasso_path(self, data):
        sf.group_lasso_path(self.X, self.y, 10, alphas=10, eps=1e-1)

    def track_peak_lasso_path(self, data):
        return peak_bytes(lambda: sf.lasso_path(self.X, self.y, alphas=20, eps=1e-2))

    track_peak_lasso_path.unit = "bytes"


class GroupFit:
    params = (["dense", "sparse"], [0.0, 0.5])
    param_names = ["data", "l1_ratio"]

    def setup(self, data, l1_ratio):
        self.X, self.y, alpha_max = make_problem(data, np.float64)
        self.alpha = alpha_max / 10
        warnings.simplefilter("ignore")

    def time_sparse_group_lasso(self, data, l1_ratio):
        sf.SparseGroupLasso(10, self.alpha, l1_ratio=l1_ratio).fit(self.X, self.y)

    def track_peak_sparse_group_lasso(self, data, l1_ratio):
        return peak_bytes(lambda: sf.SparseGroupLasso(10, self.alpha, l1_ratio=l1_ratio)
                          .fit(self.X, self.y))

    track_peak_sparse_group_lasso.unit = "bytes"
