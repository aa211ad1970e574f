"""Property tests (hypothesis): on random small problems of every penalty, dense
and sparse, the reported gap is a true certificate, the optimality conditions
hold, and the solver's devices do not change the answer."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

import sparsefuse as sf
from reference import enet_certificate, sgl_certificate

problems = st.fixed_dictionaries({
    "seed": st.integers(0, 10_000),
    "n_samples": st.integers(2, 25),
    "n_features": st.integers(1, 12),
    "density": st.sampled_from([1.0, 0.5, 0.2]),
    "sparse": st.booleans(),
    "fit_intercept": st.booleans(),
    "alpha_frac": st.sampled_from([0.9, 0.3, 0.05]),
})


def build(p):
    rng = np.random.default_rng(p["seed"])
    X = rng.standard_normal((p["n_samples"], p["n_features"]))
    X[rng.random(X.shape) > p["density"]] = 0.0
    y = X @ rng.standard_normal(p["n_features"]) + rng.standard_normal(p["n_samples"])
    Xf = sparse.csc_matrix(X) if p["sparse"] else X
    yc = y - y.mean() if p["fit_intercept"] else y
    Xc = X - X.mean(0) if p["fit_intercept"] else X
    alpha_max = np.abs(Xc.T @ yc).max() / len(y)
    return X, Xf, y, max(alpha_max * p["alpha_frac"], 1e-3)


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def certified(tol, yc):
    """How far apart two objectives (scaled by 1 / n_samples) certified at
    ``tol`` can be: each is within its gap, at most tol ||y_c||^2 / n, of the
    optimum (plus rounding of the objectives themselves)."""
    return tol * np.mean(yc ** 2) + 1e-14


@SETTINGS
@given(p=problems, l1_ratio=st.sampled_from([1.0, 0.5]), positive=st.booleans())
def test_enet_gap_certificate_and_kkt(p, l1_ratio, positive):
    X, Xf, y, alpha = build(p)
    model = sf.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=p["fit_intercept"],
                          positive=positive, tol=1e-10, max_iter=100_000).fit(Xf, y)
    _, _, gap = enet_certificate(X, y, model.coef_, alpha, l1_ratio, p["fit_intercept"],
                                 positive=positive)
    scale = np.var(y) + y @ y / len(y)
    assert gap <= model.dual_gap_ + 1e-9 * scale
    assert model.dual_gap_ <= 1e-10 * scale * 2 + 1e-300
    # KKT: X_c^T r / n - l2 w lies in alpha * l1_ratio * subdifferential of |w|
    Xc = X - X.mean(0) if p["fit_intercept"] else X
    r = (y - y.mean() if p["fit_intercept"] else y) - Xc @ model.coef_
    g = Xc.T @ r / len(y) - alpha * (1 - l1_ratio) * model.coef_
    lam = alpha * l1_ratio
    slack = 1e-4 * np.sqrt(scale) * (np.linalg.norm(Xc, axis=0) / np.sqrt(len(y)) + 1e-12)
    nonzero = model.coef_ != 0
    assert np.all(np.abs(g[nonzero] - lam * np.sign(model.coef_[nonzero])) <= slack[nonzero])
    upper = g[~nonzero] if positive else np.abs(g[~nonzero])
    assert np.all(upper <= lam + slack[~nonzero])


@SETTINGS
@given(p=problems, l1_ratio=st.sampled_from([0.0, 0.5]), group_size=st.integers(1, 4))
def test_group_devices_agree(p, l1_ratio, group_size):
    X, Xf, y, alpha = build(p)
    n_features = X.shape[1]
    sizes = [group_size] * (n_features // group_size) + (
        [n_features % group_size] if n_features % group_size else [])
    kw = dict(l1_ratio=l1_ratio, alphas=[alpha], tol=1e-11, max_iter=100_000,
              fit_intercept=p["fit_intercept"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, ref, _ = sf.group_lasso_path(Xf, y, sizes, screening=False, working_set=False,
                                        anderson=0, **kw)
        _, fast, gaps = sf.group_lasso_path(Xf, y, sizes, **kw)
    def objective(w):
        Xc = X - X.mean(0) if p["fit_intercept"] else X
        yc = y - y.mean() if p["fit_intercept"] else y
        r = yc - Xc @ w
        bounds = np.cumsum([0] + sizes)
        pen = l1_ratio * np.abs(w).sum() + (1 - l1_ratio) * sum(
            np.sqrt(b - a) * np.linalg.norm(w[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
        return 0.5 * r @ r / len(y) + alpha * pen
    yc = y - y.mean() if p["fit_intercept"] else y
    assert abs(objective(fast[:, 0]) - objective(ref[:, 0])) <= certified(kw["tol"], yc)
    # optimal: an independent dual point (the residual rescaled into the dual
    # feasible set, its scale found by bisection) certifies it as reported
    bounds = np.cumsum([0] + sizes)
    indices = [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    gap = sgl_certificate(X, y, fast[:, 0], alpha, l1_ratio, indices, np.sqrt(sizes),
                          p["fit_intercept"])
    assert gap <= certified(kw["tol"], yc)
    assert 0 <= gaps[0] <= certified(kw["tol"], yc)


@SETTINGS
@given(p=problems)
def test_lasso_devices_agree(p):
    X, Xf, y, alpha = build(p)
    kw = dict(alphas=[alpha, alpha / 2], tol=1e-11, max_iter=100_000,
              fit_intercept=p["fit_intercept"])
    _, ref, _ = sf.lasso_path(Xf, y, screening=False, working_set=False, strong_rules=False,
                              anderson=0, **kw)
    for devices in ({}, {"working_set": True}, {"working_set": False}):
        _, coefs, _ = sf.lasso_path(Xf, y, **devices, **kw)
        Xc = X - X.mean(0) if p["fit_intercept"] else X
        yc = y - y.mean() if p["fit_intercept"] else y
        for k, a in enumerate(kw["alphas"]):
            p_new = 0.5 * np.sum((yc - Xc @ coefs[:, k]) ** 2) / len(y) + a * np.abs(coefs[:, k]).sum()
            p_ref = 0.5 * np.sum((yc - Xc @ ref[:, k]) ** 2) / len(y) + a * np.abs(ref[:, k]).sum()
            assert abs(p_new - p_ref) <= certified(kw["tol"], yc)
