"""Independent NumPy references: the objective and a duality-gap certificate.

Nothing here calls sparsefuse; tests use it to judge what sparsefuse returns.
"""

import numpy as np
from scipy import sparse


def dense(X):
    return X.toarray() if sparse.issparse(X) else np.asarray(X)


def enet_objective(X, y, w, b, alpha, l1_ratio=1.0, sample_weight=None):
    """scikit-learn's ElasticNet objective in float64 (weighted average loss)."""
    X = dense(X).astype(np.float64)
    w = np.asarray(w, dtype=np.float64)
    r = np.asarray(y, dtype=np.float64) - X @ w - b
    s = np.ones(len(r)) if sample_weight is None else np.asarray(sample_weight, float)
    loss = 0.5 * np.sum(s * r**2) / s.sum()
    return loss + alpha * l1_ratio * np.abs(w).sum() + 0.5 * alpha * (1 - l1_ratio) * w @ w


def enet_certificate(X, y, w, alpha, l1_ratio=1.0, fit_intercept=True,
                     sample_weight=None, positive=False):
    """Primal value at (w, best intercept), a feasible dual point's value, and their gap.

    The dual point rescales the (augmented) residual so that every dual
    constraint holds; weak duality makes ``dual`` a lower bound on the optimum,
    hence ``primal - optimum <= gap``.
    """
    X = dense(X).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    a = s / s.sum()
    if fit_intercept:
        X = X - a @ X
        y = y - a @ y
    sq = np.sqrt(a)
    Xt, yt = X * sq[:, None], y * sq
    lam1, lam2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    r = yt - Xt @ w
    primal = 0.5 * r @ r + lam1 * np.abs(w).sum() + 0.5 * lam2 * w @ w
    corr = Xt.T @ r - lam2 * w
    norm = corr.max(initial=0.0) if positive else np.abs(corr).max(initial=0.0)
    scale = 1.0 if norm <= lam1 else lam1 / norm
    theta1, theta2 = scale * r, -scale * np.sqrt(lam2) * w
    # Feasibility of the dual point, checked rather than assumed.
    lhs = Xt.T @ theta1 + np.sqrt(lam2) * theta2
    assert (lhs.max(initial=0) if positive else np.abs(lhs).max(initial=0)) <= lam1 * (1 + 1e-9) + 1e-300
    if fit_intercept:
        # orthogonal to the intercept column, up to rounding of y's scale
        assert abs(sq @ theta1) <= 1e-8 * np.linalg.norm(theta1) + 1e-13 * (
            1 + np.linalg.norm(y * sq) + np.abs(yt).sum())
    dual = yt @ theta1 - 0.5 * (theta1 @ theta1 + theta2 @ theta2)
    return primal, dual, primal - dual


def sgl_penalty(w, indices, weights, tau):
    """The sparse-group penalty over groups ``indices`` with ``weights``."""
    return tau * np.abs(w).sum() + (1 - tau) * sum(
        wt * np.linalg.norm(w[idx]) for idx, wt in zip(indices, weights))


def sgl_certificate(X, y, w, alpha, tau, indices, weights, fit_intercept):
    """Gap of a feasible dual point; the group dual norm found by bisection."""
    X = dense(X).astype(np.float64)
    n = len(y)
    if fit_intercept:
        X, y = X - X.mean(axis=0), y - y.mean()
    r = y - X @ w
    corr = X.T @ r
    lam1, lam2 = n * alpha * tau, n * alpha * (1 - tau)

    def feasible(s):
        c = corr / s
        st = np.sign(c) * np.maximum(np.abs(c) - lam1, 0)
        return all(np.linalg.norm(st[idx]) <= lam2 * wt * (1 + 1e-12) + 1e-300
                   for idx, wt in zip(indices, weights))

    lo, hi = 1.0, 1.0
    while not feasible(hi):
        hi *= 2
    if hi > 1:
        lo = hi / 2
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if feasible(mid) else (mid, hi)
    theta = r / hi
    primal = 0.5 * r @ r + n * alpha * sgl_penalty(w, indices, weights, tau)
    dual = y @ theta - 0.5 * theta @ theta
    return (primal - dual) / n
