"""
Drop-in replacement for scikit-learn's Lasso
============================================

The same Lasso fit with sparsefuse and with scikit-learn, on the leukemia
gene-expression data (72 x 7129, shipped with sparsefuse), at a few
regularization strengths and the same ``tol``: the objective each reaches, the
certified duality gap and the fit time.
"""

import time

import numpy as np
from sklearn import linear_model as sk

import sparsefuse as sf
from sparsefuse.datasets import load_leukemia


def objective(X, y, model, alpha):
    residual = y - X @ model.coef_ - model.intercept_
    return 0.5 * residual @ residual / len(y) + alpha * np.abs(model.coef_).sum()


def timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return estimator, time.perf_counter() - start


def main():
    X, y = load_leukemia()
    alpha_max = np.abs(X.T @ (y - y.mean())).max() / len(y)
    print(f"leukemia: {X.shape[0]} samples x {X.shape[1]} genes, alpha_max = {alpha_max:.4f}")
    print(f"{'alpha/alpha_max':>15} {'library':>12} {'objective':>14} {'gap':>10} "
          f"{'nnz':>5} {'time (s)':>9}")
    for ratio in (0.1, 0.03, 0.01):
        alpha = ratio * alpha_max
        for name, Lasso in (("sparsefuse", sf.Lasso), ("scikit-learn", sk.Lasso)):
            model, seconds = timed_fit(Lasso(alpha=alpha, tol=1e-6, max_iter=50_000), X, y)
            print(f"{ratio:>15} {name:>12} {objective(X, y, model, alpha):>14.10f} "
                  f"{model.dual_gap_:>10.2e} {np.count_nonzero(model.coef_):>5} "
                  f"{seconds:>9.3f}")


main()
