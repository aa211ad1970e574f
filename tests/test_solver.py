"""Solver behaviour: certificates, coordinate order, warm starts, sparse scale."""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning

import sparsefuse as sf
from reference import enet_certificate, enet_objective


def problem(n_samples=80, n_features=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    w = np.zeros(n_features)
    w[:6] = [3, -2, 1.5, 4, -1, 2]
    y = X @ w + rng.standard_normal(n_samples) + 1.0
    return X, y


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-8])
def test_reported_gap_bounds_suboptimality(fmt, tol):
    """P(w) - P* <= dual_gap_, with P* from a far tighter solve."""
    X, y = problem(seed=1)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    alpha = 0.05
    model = sf.Lasso(alpha=alpha, tol=tol).fit(Xf, y)
    best = sf.Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    p_model = enet_objective(X, y, model.coef_, model.intercept_, alpha)
    p_best = enet_objective(X, y, best.coef_, best.intercept_, alpha)
    assert p_model - p_best <= model.dual_gap_ * (1 + 1e-9) + 1e-15
    primal, dual, gap = enet_certificate(X, y, model.coef_, alpha)
    assert gap == pytest.approx(model.dual_gap_, rel=1e-8, abs=1e-14)
    # The gap met the tolerance in scikit-learn's scaling.
    assert model.dual_gap_ <= tol * np.var(y)


def test_gap_reported_when_not_converged():
    X, y = problem(seed=2)
    with pytest.warns(ConvergenceWarning, match="duality gap .* > tolerance"):
        model = sf.Lasso(alpha=0.01, tol=1e-14, max_iter=2).fit(X, y)
    assert model.n_iter_ == 2
    _, _, gap = enet_certificate(X, y, model.coef_, 0.01)
    assert gap == pytest.approx(model.dual_gap_, rel=1e-8)


def test_random_selection_is_reproducible():
    X, y = problem(seed=3)
    fit = lambda seed: sf.Lasso(alpha=0.02, selection="random", random_state=seed,
                                tol=1e-6).fit(X, y)
    a, b, c = fit(0), fit(0), fit(7)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.n_iter_ == b.n_iter_
    # Another seed visits coordinates in another order: not the same iterates,
    # yet the same optimum.
    assert not np.array_equal(a.coef_, c.coef_)
    cyclic = sf.Lasso(alpha=0.02, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, cyclic.coef_, atol=1e-2)
    p = [enet_objective(X, y, m.coef_, m.intercept_, 0.02) for m in (a, c, cyclic)]
    assert max(p) - min(p) <= 1e-6 * np.var(y)


def test_cyclic_selection_leaves_numpy_global_random_state_alone():
    X, y = problem(seed=3)
    state = lambda: (np.random.get_state()[1].tolist(), np.random.get_state()[2])
    before = state()
    sf.lasso_path(X, y, alphas=5)
    sf.Lasso(alpha=0.02).fit(X, y)
    assert state() == before
    # (the random order draws its seed from it when random_state=None)
    sf.Lasso(alpha=0.02, selection="random").fit(X, y)
    assert state() != before


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_warm_start_takes_fewer_epochs(fmt):
    X, y = problem(seed=4)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    model = sf.Lasso(alpha=0.1, tol=1e-8, warm_start=True).fit(Xf, y)
    model.set_params(alpha=0.09)
    warm = model.fit(Xf, y).n_iter_
    cold = sf.Lasso(alpha=0.09, tol=1e-8).fit(Xf, y).n_iter_
    assert warm < cold
    # Refitting at the optimum needs no epoch at all.
    assert model.fit(Xf, y).n_iter_ == 0


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_path_steps_above_alpha_max_take_no_epoch(fmt):
    """Along a path, a step whose strong set is empty (every coefficient at
    zero, none predicted to move) is certified at w = 0 without an epoch, as
    scikit-learn reports n_iter 0 there (epochs over an empty set were
    counted)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 300))
    y = rng.standard_normal(50)
    alpha_max = np.max(np.abs(X.T @ y)) / 50
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    alphas = alpha_max * np.array([3.0, 2.0, 1.5, 0.5])
    _, coefs, _, n_iter = sf.lasso_path(Xf, y, alphas=alphas, return_n_iter=True)
    assert not coefs[:, :3].any() and coefs[:, 3].any()
    assert n_iter[:3] == [0, 0, 0]


def test_path_coef_init_warm_starts():
    X, y = problem(seed=5)
    alphas = [0.05]
    _, coefs, _, cold = sf.lasso_path(X, y, alphas=alphas, tol=1e-8, return_n_iter=True)
    _, _, _, warm = sf.lasso_path(X, y, alphas=alphas, tol=1e-8, return_n_iter=True,
                                  coef_init=coefs[:, 0] * 0.99)
    assert warm[0] < cold[0]


def test_path_coef_init_of_a_one_column_target():
    """As in scikit-learn, a y of shape (n, 1) gives coefs of shape
    (1, n_features, n_alphas), and one of their slices warm-starts the next
    call (found by a review: only (n_features,) was accepted)."""
    X, y = problem(seed=5)
    _, coefs, _ = sf.lasso_path(X, y[:, None], alphas=[0.1, 0.05], tol=1e-10)
    assert coefs.shape == (1, X.shape[1], 2)
    _, again, _, n_iter = sf.lasso_path(X, y[:, None], alphas=[0.05], tol=1e-10,
                                        coef_init=coefs[..., 1], return_n_iter=True)
    np.testing.assert_allclose(again[..., 0], coefs[..., 1], atol=1e-6)
    _, flat, _ = sf.lasso_path(X, y, alphas=[0.05], tol=1e-10, coef_init=coefs[0, :, 1])
    np.testing.assert_allclose(flat[:, 0], coefs[0, :, 1], atol=1e-6)
    with pytest.raises(ValueError, match="coef_init must have shape"):
        sf.lasso_path(X, y, alphas=[0.05], coef_init=coefs[..., 1])


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_screening_does_not_change_the_answer(fmt, fit_intercept):
    X, y = problem(seed=6)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    kw = dict(alphas=10, eps=1e-2, tol=1e-10, max_iter=100_000, fit_intercept=fit_intercept)
    _, on, _ = sf.lasso_path(Xf, y, screening=True, **kw)
    _, off, _ = sf.lasso_path(Xf, y, screening=False, **kw)
    np.testing.assert_allclose(on, off, atol=1e-6)


def test_huge_sparse_with_intercept_is_never_densified():
    """200k x 2M CSR, ~1M nonzeros: densifying would need 3.2 TB.

    Peak memory is asserted: a centred (dense) copy of X, or one dense
    column per feature, would show up immediately; the bound leaves room for
    the CSC copy and the per-feature arrays (a single dense column of
    n_samples would pass: tests/test_reliability.py bounds the peak tighter).
    """
    n_samples, n_features, nnz = 200_000, 2_000_000, 1_000_000
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n_samples, nnz)
    cols = rng.integers(0, n_features, nnz)
    vals = rng.random(nnz) + 0.5
    X = sparse.csr_matrix((vals, (rows, cols)), shape=(n_samples, n_features))
    informative = np.unique(cols)[:50]
    y = X[:, informative] @ rng.standard_normal(50) + 3.0 + 0.1 * rng.standard_normal(n_samples)
    matrix_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes

    yc = y - y.mean()
    alpha = 0.05 * np.abs(X.T @ yc).max() / n_samples  # alpha_max / 20

    tracemalloc.start()
    model = sf.Lasso(alpha=alpha, tol=1e-6).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # CSC copy + per-feature work arrays; far from n_samples x n_features.
    assert peak < 8 * matrix_bytes + 64 * n_features
    assert 0 < np.count_nonzero(model.coef_) < n_features

    # Independent sparse certificate (no densification either).
    mean = np.asarray(X.mean(axis=0)).ravel()
    r = yc - (X @ model.coef_ - mean @ model.coef_)
    lam = alpha * n_samples
    corr = X.T @ r - mean * r.sum()
    scale = min(1.0, lam / np.abs(corr).max())
    primal = 0.5 * r @ r + lam * np.abs(model.coef_).sum()
    dual = scale * r @ yc - 0.5 * scale**2 * r @ r
    assert primal - dual <= 1e-6 * yc @ yc
    assert (primal - dual) / n_samples == pytest.approx(model.dual_gap_, rel=1e-6, abs=1e-12)
    assert model.intercept_ == pytest.approx(y.mean() - mean @ model.coef_)


def test_column_sums_stored_only_where_they_pay(monkeypatch):
    """x_j . v (implicit intercept) is kept per feature for columns with many
    nonzeros, summed on the fly for very sparse ones (memory: one double per
    feature), and always kept with sample weights; both ways give the fit."""
    from sparsefuse._path import make_design

    rng = np.random.default_rng(0)
    X, y = problem(seed=6)
    dense_cols = sparse.csc_matrix(X)
    very_sparse = sparse.random(80, 400, density=0.02, format="csc", random_state=0)
    stats = lambda A, sw=None: make_design(A, True, sw, True).column_stats[1]
    assert stats(dense_cols).shape == (120,)
    assert stats(very_sparse).shape == (0,)
    assert stats(very_sparse, rng.uniform(0.5, 2, 80)).shape == (400,)
    # the kernel refuses missing sums when v is not all ones
    design = make_design(very_sparse, True, rng.uniform(0.5, 2, 80), True)
    yp, _ = design.prepare_target(rng.standard_normal(80))
    with pytest.raises(ValueError, match="column statistics"):
        sf._cd.enet_solve(*design.buffers, True, yp, np.zeros(400), design.v, True,
                          design.column_stats[0], np.empty(0), 0.1, 0.0, 10, 1e-4, 1)
    fits = []
    for threshold in (0, np.inf):
        monkeypatch.setattr(sf._cd, "SUM_XV_BELOW_NNZ_PER_COLUMN", threshold)
        assert stats(dense_cols).size == (0 if threshold else 120)
        fits.append(sf.Lasso(alpha=0.05, tol=1e-12).fit(dense_cols, y))
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-7, atol=1e-9)
    assert fits[0].intercept_ == pytest.approx(fits[1].intercept_, rel=1e-9)


def test_float32_sparse_input_is_not_upcast():
    X, y = problem(seed=7)
    Xs = sparse.csr_matrix(X.astype(np.float32))
    model = sf.ElasticNet(alpha=0.05, l1_ratio=0.5).fit(Xs, y.astype(np.float32))
    assert model.coef_.dtype == np.float32


def test_inputs_are_not_modified():
    X, y = problem(seed=8)
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    Xf = np.asfortranarray(X)
    for data in (Xf, sparse.csr_matrix(X), sparse.csc_matrix(X)):
        before = (data.copy(), y.copy(), sw.copy())
        sf.ElasticNet(alpha=0.05).fit(data, y, sample_weight=sw)
        sf.enet_path(data, y, alphas=3, sample_weight=sw, fit_intercept=True)
        if sparse.issparse(data):
            assert (data != before[0]).nnz == 0
        else:
            np.testing.assert_array_equal(data, before[0])
        np.testing.assert_array_equal(y, before[1])
        np.testing.assert_array_equal(sw, before[2])


def test_copy_X_false_may_centre_in_place():
    X, y = problem(seed=9)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=X.shape[0])
    Xf = np.asfortranarray(X.copy())
    ref = sf.Lasso(alpha=0.05).fit(X, y, sample_weight=sw)
    model = sf.Lasso(alpha=0.05, copy_X=False).fit(Xf, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_)
    assert not np.allclose(Xf, X)  # documented overwrite: reweighted, centred
    # without weights the intercept is handled implicitly: X is not touched
    Xf = np.asfortranarray(X.copy())
    model = sf.Lasso(alpha=0.05, copy_X=False).fit(Xf, y)
    np.testing.assert_array_equal(Xf, X)


def test_dense_intercept_centred_implicitly_or_in_memory():
    """Dense X with an intercept is centred inside the kernels (no copy of X),
    unless a column's mean dwarfs its spread: then in memory. Both give
    scikit-learn's solution with a certified gap."""
    from sklearn.linear_model import Lasso as SkLasso

    from sparsefuse._path import IMPLICIT_CENTRING_MAX_RATIO, make_design

    X, y = problem(n_samples=60, n_features=40, seed=12)
    for shift, implicit in [(3.0, True), (30 * IMPLICIT_CENTRING_MAX_RATIO, False)]:
        Xs = np.asfortranarray(X + shift * np.arange(1, X.shape[1] + 1) / X.shape[1])
        design = make_design(Xs, True, y=y, implicit_dense=True)
        assert (design.X is Xs) == implicit
        for dtype in (np.float64, np.float32):
            Xd = Xs.astype(dtype)
            alpha = 0.05 * np.abs((Xd - Xd.mean(0)).T @ (y - y.mean())).max() / len(y)
            tol = 1e-10 if dtype == np.float64 else 1e-5  # (certifiable in float32)
            model = sf.Lasso(alpha=alpha, tol=tol, max_iter=10_000).fit(Xd, y)
            ref = SkLasso(alpha=alpha, tol=tol, max_iter=100_000).fit(Xd, y)
            assert model.dual_gap_ <= tol * np.var(y)

            def objective(coef, intercept):
                resid = y - Xd.astype(np.float64) @ coef - intercept
                return 0.5 * np.mean(resid ** 2) + alpha * np.abs(coef).sum()

            assert objective(model.coef_, model.intercept_) <= (
                objective(ref.coef_, ref.intercept_) + 2 * tol * np.var(y))
    # Large means (below the ratio) certify tight gaps as centred X does:
    # the residual is kept centred, not as q + c v with a large constant in q.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 300))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X[:, :10] @ rng.standard_normal(10) + 0.3 * rng.standard_normal(200) + 5
    Xs = np.asfortranarray(X + 0.8 * IMPLICIT_CENTRING_MAX_RATIO)
    assert make_design(Xs, True, y=y, implicit_dense=True).X is Xs
    alpha = 0.02 * np.abs(X.T @ (y - y.mean())).max() / len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(alpha=alpha, tol=1e-13, max_iter=1000).fit(Xs, y)
    assert model.dual_gap_ <= 1e-13 * np.var(y)


@pytest.mark.parametrize("shift", [1e5, 1e7, 1e9])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_columns_whose_mean_dwarfs_their_spread(shift, weighted):
    """Found by a fuzz: on sparse X with an intercept, the implicit centring
    of a column whose mean exceeds its spread 1e5 times and more cancelled
    to few digits: gaps of 0 reported 80 times tol away from the optimum, a
    divergence at 1e8. Such columns are now stored centred in a copy of X:
    the fits are certified and agree with dense X, the caller's matrix is
    unchanged and sparse columns of moderate mean stay as they are."""
    from sparsefuse._path import make_design

    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6))
    X[:, 0] += shift
    X[:, 3] -= shift / 10
    X[rng.random(40) < 0.5, 5] = 0.0  # (a sparse column, of small mean)
    y = X[:, 1] - (X[:, 0] - shift) + 0.1 * rng.standard_normal(40)
    sw = rng.uniform(0.5, 2.0, 40) if weighted else None
    a = np.ones(40) if sw is None else sw
    Xc = X - np.average(X, axis=0, weights=a)
    yc = y - np.average(y, weights=a)
    alpha = 1e-3 * np.abs((a * yc) @ Xc).max() / a.sum()
    var = np.average(yc ** 2, weights=a)
    Xs = sparse.csc_matrix(X)
    before = [part.copy() for part in (Xs.data, Xs.indices, Xs.indptr)]
    design = make_design(Xs, True, sample_weight=sw, y=y)
    assert list(design.stored_means[0]) == [0, 3]
    assert np.diff(design.X.indptr)[5] == Xs[:, 5].nnz
    means = np.average(X, axis=0, weights=a)

    def objective(coef, l1_ratio):
        # (in centred coordinates, at the best intercept: X w and y - X w in
        # raw coordinates would round at the scale of the shift)
        resid = yc - Xc @ coef
        return (0.5 * np.average(resid ** 2, weights=a) + alpha * l1_ratio * np.abs(coef).sum()
                + 0.5 * alpha * (1 - l1_ratio) * coef @ coef)

    for l1_ratio in (1.0, 0.5):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = sf.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-8,
                                  max_iter=10_000).fit(Xs, y, sample_weight=sw)
            on_dense = sf.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-8,
                                     max_iter=10_000).fit(X, y, sample_weight=sw)
        reference = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14,
                                  max_iter=1_000_000).fit(X, y, sample_weight=sw)
        assert model.dual_gap_ <= 1e-8 * var
        best = min(objective(m.coef_, l1_ratio) for m in (on_dense, reference))
        assert objective(model.coef_, l1_ratio) <= best + 1e-8 * var
        # the intercept of these coefficients (the stored means, not the
        # centred columns' zeros)
        expected = np.average(y, weights=a) - means @ model.coef_
        assert abs(model.intercept_ - expected) <= 1e-12 * (np.abs(means) @ np.abs(model.coef_))
    for part, kept in zip((Xs.data, Xs.indices, Xs.indptr), before):
        np.testing.assert_array_equal(part, kept)
    # Found by a review: CSR input with duplicate entries and weights. The
    # weighted matrix shared its index arrays with the unweighted one, which
    # summing its duplicates sorted in place: the lopsided columns were then
    # read from a scrambled matrix.
    if weighted:
        split = sparse.csc_matrix((np.repeat(Xs.data, 2) / 2, np.repeat(Xs.indices, 2),
                                   2 * Xs.indptr), shape=Xs.shape)
        split.has_canonical_format = False
        for X_dup in (split, split.tocsr()):
            dup = sf.Lasso(alpha=alpha, tol=1e-8).fit(X_dup, y, sample_weight=sw)
            ref = sf.Lasso(alpha=alpha, tol=1e-8).fit(Xs, y, sample_weight=sw)
            np.testing.assert_allclose(dup.coef_, ref.coef_, atol=1e-6)


def test_lopsided_column_of_a_very_sparse_matrix():
    """A very sparse X without weights keeps no x_j . v (the kernels sum the
    columns): its lopsided columns are found all the same, among the columns
    more than half full, the only ones that can be."""
    from sparsefuse._path import make_design

    rng = np.random.default_rng(0)
    n = 500
    rare = sparse.random(n, 5000, density=2e-4, format="csc", random_state=0)
    dense = np.c_[1e6 + rng.standard_normal(n), rng.standard_normal(n)]
    X = sparse.hstack([rare, sparse.csc_matrix(dense)]).tocsc()
    y = dense[:, 0] - 1e6 + 0.1 * rng.standard_normal(n)
    on_dense = sf.Lasso(alpha=1e-3, tol=1e-10).fit(X.toarray(), y)
    # (equal weights leave v all ones: no x_j . v kept either; found by a
    # review, where the first version failed on them)
    for sw in (None, np.ones(n), np.full(n, 3.0)):
        design = make_design(X, True, sample_weight=sw, y=y)
        assert design.column_stats[1].size == 0  # (no x_j . v kept)
        assert list(design.stored_means[0]) == [5000]
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = sf.Lasso(alpha=1e-3, tol=1e-10).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(model.coef_, on_dense.coef_, atol=1e-7)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
def test_float32_centring_keeps_the_digits_of_large_means(fmt, weighted):
    """Found by a fuzz: float32 X whose column means dwarf their spread was
    centred with float32 means (X -= mean.astype(float32)), which moved every
    centred entry by up to half a unit at 1e7: the gap certified that
    rounded problem, 1000 times tol away from the user's. Means and
    differences are now computed in float64 and rounded once."""
    from sklearn.linear_model import Lasso as SkLasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    X[:, 0] += 1e7
    y = X[:, 1] - 2 * (X[:, 0] - 1e7) + 0.1 * rng.standard_normal(30)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    sw = rng.uniform(0.5, 2.0, 30) if weighted else None
    a = np.ones(30) if sw is None else sw
    # the user's problem: the float32 data, exactly
    X64, y64 = X32.astype(np.float64), y32.astype(np.float64)
    Xc = X64 - np.average(X64, axis=0, weights=a)
    yc = y64 - np.average(y64, weights=a)
    alpha = 0.01 * np.abs((a * yc) @ Xc).max() / a.sum()
    var = np.average(yc ** 2, weights=a)

    def objective(coef):
        return 0.5 * np.average((yc - Xc @ coef) ** 2, weights=a) + alpha * np.abs(coef).sum()

    Xf = np.asfortranarray(X32) if fmt == "dense" else sparse.csc_matrix(X32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(alpha=alpha, tol=1e-5).fit(Xf, y32, sample_weight=sw)
    ref = SkLasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X64, y64, sample_weight=sw)
    assert model.coef_.dtype == np.float32
    assert objective(model.coef_.astype(np.float64)) <= objective(ref.coef_) + 2e-5 * var


def norm1e6_fits(seed, n, p, make):
    """Fits of ``make()`` in float32 and float64 (neither may warn) on columns
    of means 1e5 without an intercept; their objectives (groups of one
    feature: the sparse-group penalty is alpha |w|_1) agree to the default
    tol's certificate, 1e-4 ||y||^2 / n."""
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) * np.exp(2 * rng.standard_normal(p))
         + 1e5 * rng.standard_normal(p))
    X[rng.random((n, p)) < 0.3] = 0
    y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.1)) + rng.standard_normal(n) + 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        single = make().fit(X.astype(np.float32), y.astype(np.float32))
        double = make().fit(X, y)
    alpha = single.alpha
    l1_ratio = single.l1_ratio if isinstance(single, sf.ElasticNet) else 1.0

    def objective(coef):
        coef = coef.astype(np.float64)
        return (0.5 * np.mean((y - X @ coef) ** 2) + alpha * l1_ratio * np.abs(coef).sum()
                + 0.5 * alpha * (1 - l1_ratio) * coef @ coef)

    assert abs(objective(single.coef_) - objective(double.coef_)) <= 2e-4 * np.mean(y**2)
    return single, double


@pytest.mark.parametrize("seed", [2, 5, 11])
@pytest.mark.parametrize("make", [
    lambda: sf.Lasso(alpha=0.03, fit_intercept=False),
    lambda: sf.Lasso(alpha=0.03, fit_intercept=False, selection="random", random_state=0),
    lambda: sf.ElasticNet(alpha=0.03, l1_ratio=0.8, fit_intercept=False),
    lambda: sf.SparseGroupLasso(1, 0.03, fit_intercept=False),
], ids=["lasso", "lasso-random", "enet", "group"])
def test_float32_working_set_at_a_fixed_point_grows(seed, make):
    """Found by a review: float32 coefficients of columns with norms of 1e6
    (means of 1e5, no intercept) stop moving on a small working set while its
    gap is still above the inner target; its epochs then ran to the work
    budget, past max_iter (1,000 epochs, ConvergenceWarning, the objective a
    third of the way from w = 0). A pass that moves nothing now returns to
    the outer loop, which grows the set; float32 takes about the epochs
    float64 takes."""
    single, double = norm1e6_fits(seed, 120, 180, make)
    assert single.n_iter_ <= 1.5 * double.n_iter_ + 20


@pytest.mark.parametrize("seed", [2, 5])
@pytest.mark.parametrize("make", [
    lambda: sf.Lasso(alpha=0.03, fit_intercept=False),
    lambda: sf.ElasticNet(alpha=0.03, l1_ratio=0.8, fit_intercept=False),
    lambda: sf.SparseGroupLasso(1, 0.03, fit_intercept=False),
], ids=["lasso", "enet", "group"])
def test_float32_settled_support_ends_the_inner_solve(seed, make):
    """The problem above at 300 x 2000: after a Newton step the working set's
    float32 coefficients were the minimiser on their signs to the rounding
    of P, but their rounding (columns of norm 1e6) kept the set's gap at P
    itself, and its epochs ran to max_iter (Lasso: 1,000 epochs and a
    ConvergenceWarning on these seeds, where float64 takes 140 and 204). A
    Newton step that P does not see now ends the inner solve as a fixed
    point does."""
    single, double = norm1e6_fits(seed, 300, 2000, make)
    assert single.n_iter_ <= 3 * double.n_iter_


def test_working_set_stuck_at_a_fixed_point_does_not_spin():
    """Found by a review: a working set at a fixed point of float32 coordinate
    descent that could not grow (every candidate in) came back at every outer
    iteration, one epoch and one gradient pass each, to max_iter (951 outer
    iterations, 33 times the gradient work); gap and answer are float32's
    limit either way (a ConvergenceWarning at tol 1e-8)."""
    from sparsefuse._path import make_design, solve_path

    rng = np.random.default_rng(9)
    n, p = int(rng.choice([50, 120, 300])), int(rng.choice([80, 200, 600]))  # (120, 600)
    X = rng.standard_normal((n, p))
    X[:, ::7] = 0
    X *= 1e6
    y = (X @ (rng.standard_normal(p) * (rng.random(p) < 0.05))
         + rng.standard_normal(n) * rng.choice([0.01, 1.0]))
    design = make_design(np.asfortranarray(X, dtype=np.float32), fit_intercept=False)
    y_prep, _ = design.prepare_target(y.astype(np.float32))
    stats = []
    with pytest.warns(ConvergenceWarning):
        solve_path(design, y_prep, [2316064597.6555142], l1_ratio=1.0, tol=1e-8,
                   max_iter=1000, stats=stats)
    assert stats[0]["n_epochs"] == 1000
    assert stats[0]["n_outer"] < 20
    assert stats[0]["entries_gradient"] < 0.2 * stats[0]["entries_cd"]


def test_float32_fixed_point_of_every_active_feature_asks_the_full_gap():
    """Found by a fuzz: float32 columns of scales 1e-6 to 1e6 with weights; after
    screening, the working set held every active feature and coordinate descent
    stopped moving with the inner gap just above its target (a share of the
    last outer gap), while the full problem's gap was already below tol: the
    epochs ran to max_iter (20,000 here), silently, the gap below tol."""
    rng = np.random.default_rng(154)
    n, p = 115, 59
    X = rng.standard_normal((n, p)).cumsum(1) / np.sqrt(np.arange(1, p + 1))
    X *= 10 ** rng.uniform(-6, 6, p)
    y = X[:, :5] @ (rng.standard_normal(5) / X[:, :5].std(0)) + rng.standard_normal(n)
    sw = rng.uniform(0.5, 2, n)
    X, y = X.astype(np.float32), y.astype(np.float32)
    Xc, yc = X - np.average(X, 0, sw), y - np.average(y, weights=sw)
    alpha = 1e-4 * np.abs(Xc.T.astype(float) @ (sw * yc)).max() / sw.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(alpha=alpha, tol=1e-6, max_iter=20_000).fit(X, y, sample_weight=sw)
    assert model.n_iter_ < 1000  # (scikit-learn: 261)
    scale = np.average(yc.astype(float) ** 2, weights=sw)
    assert model.dual_gap_ <= 1e-6 * scale
    # (the gap certifies the problem as float32 holds it, centred and
    # weighted: the data as given, certified independently, are close)
    _, _, gap = enet_certificate(X, y, model.coef_, alpha, sample_weight=sw)
    assert gap <= 2e-6 * scale


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_float32_fixed_point_beyond_tol_stops_with_a_warning(seed, l1_ratio):
    """At a tol float32 cannot reach, coordinate descent over every active
    feature ends at a fixed point: each outer iteration found it again in
    one epoch, and the fit ran to max_iter (20,000 epochs, 19,727 outer
    iterations; 260 to 280 epochs now). It stops with a warning, at the
    objective of a float64 fit to float32's precision. Random-walk columns
    with large means, as in test_group's crawl problem."""
    rng = np.random.default_rng(seed)
    X = np.cumsum(rng.standard_normal((60, 40)), axis=1) * 0.3 + 5 * rng.standard_normal(40)
    y = X[:, :3] @ rng.standard_normal(3) + rng.standard_normal(60)
    model = sf.ElasticNet(alpha=1e-3, l1_ratio=l1_ratio, tol=1e-10, max_iter=20_000,
                          fit_intercept=False)
    with pytest.warns(ConvergenceWarning):
        single = clone(model).fit(X.astype(np.float32), y.astype(np.float32))
    assert single.n_iter_ <= 1000
    double = clone(model).set_params(tol=1e-12, max_iter=100_000).fit(X, y)

    def objective(coef):
        coef = coef.astype(np.float64)
        return (0.5 * np.mean((y - X @ coef) ** 2) + 1e-3 * l1_ratio * np.abs(coef).sum()
                + 0.5e-3 * (1 - l1_ratio) * coef @ coef)

    assert objective(single.coef_) == pytest.approx(objective(double.coef_), rel=1e-5)


def test_dense_intercept_fit_copies_no_X():
    """Lasso, ElasticNet and lasso_path with an intercept on dense X allocate
    far less than X: it is centred implicitly, never copied."""
    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((400, 1000)) + 2.0)
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(400)
    alpha = 0.1 * np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y)
    for fit in (lambda: sf.Lasso(alpha=alpha).fit(X, y),
                lambda: sf.ElasticNet(alpha=alpha, l1_ratio=0.7).fit(X, y),
                lambda: sf.lasso_path(X, y, alphas=[alpha], fit_intercept=True)):
        tracemalloc.start()
        fit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 0.1 * X.nbytes, f"peak {peak / 1e6:.1f} MB for a {X.nbytes / 1e6:.1f} MB X"


def test_implicit_centring_edge_cases():
    """Regressions of the implicit centring of dense X (found in review): a
    column whose mean dwarfs its spread 1e9 times (its norm computed as
    ||x||^2 - n m^2 vanished: it was dropped as constant), float32 data with
    y far from 0 (y . v, zero but for rounding, biased every update) and the
    Gram solver (X^T y of uncentred X)."""
    from sklearn.linear_model import Lasso as SkLasso

    rng = np.random.default_rng(4)
    X = rng.standard_normal((100, 3))
    X[:, 0] += 1e9
    y = 2 * (X[:, 0] - 1e9) + X[:, 1] + 0.01 * rng.standard_normal(100)
    model = sf.Lasso(alpha=0.01, tol=1e-8).fit(X, y)
    ref = SkLasso(alpha=0.01, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)

    X = (rng.standard_normal((1000, 20)) + 5).astype(np.float32)
    y = (X[:, :3].sum(axis=1) - 15 + 0.1 * rng.standard_normal(1000) + 1e4).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(alpha=0.01, tol=1e-5).fit(X, y)
    model64 = sf.Lasso(alpha=0.01, tol=1e-10).fit(X.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(model.coef_, model64.coef_, atol=1e-5)

    Z = rng.standard_normal((300, 40))
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    X, y = Z + 3.0, Z[:, :4] @ [1.0, -1.0, 0.5, 2.0] + 0.1 * rng.standard_normal(300) + 1e6
    model = sf.Lasso(alpha=0.01, tol=1e-12, precompute=True).fit(X, y)
    # the true gap, in extended precision (y's offset of 1e6 would swamp
    # float64's), at the dual point of the scaled residual
    Xl, yl, w = X.astype(np.longdouble), y.astype(np.longdouble), model.coef_.astype(np.longdouble)
    Xc, yc = Xl - Xl.mean(axis=0), yl - yl.mean()
    res = yc - Xc @ w
    primal = res @ res / 600 + 0.01 * np.abs(w).sum()
    theta = res * min(1, 0.01 * 300 / np.abs(Xc.T @ res).max())
    gap = float(primal - (theta @ yc / 300 - theta @ theta / 600))
    assert gap <= 1e-12, gap


def test_sample_weights_equal_repeated_rows():
    X, y = problem(n_samples=30, n_features=20, seed=10)
    sw = np.random.default_rng(1).integers(1, 4, size=30)
    Xr, yr = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    for fmt in (np.asarray, sparse.csr_matrix):
        a = sf.ElasticNet(alpha=0.05, tol=1e-12).fit(fmt(X), y, sample_weight=sw)
        b = sf.ElasticNet(alpha=0.05, tol=1e-12).fit(fmt(Xr), yr)
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
        assert a.intercept_ == pytest.approx(b.intercept_)


def test_alpha_max_gives_zero_solution():
    X, y = problem(seed=11)
    alphas, coefs, _ = sf.lasso_path(X, y, alphas=5, fit_intercept=True)
    assert np.all(coefs[:, 0] == 0)
    assert np.count_nonzero(coefs[:, 1]) > 0
    yc = y - y.mean()
    assert alphas[0] == pytest.approx(np.abs((X - X.mean(0)).T @ yc).max() / len(y))
    np.testing.assert_allclose(alphas[-1] / alphas[0], 1e-3)


def test_sparse_coef_and_predict():
    X, y = problem(seed=12)
    model = sf.Lasso(alpha=0.1).fit(X, y)
    assert sparse.issparse(model.sparse_coef_)
    np.testing.assert_array_equal(model.sparse_coef_.toarray().ravel(), model.coef_)
    # the sparse interface scikit-learn's configuration asks for, as its own
    import sklearn
    from sklearn.linear_model import Lasso as SkLasso

    reference = SkLasso(alpha=0.1).fit(X, y)
    for interface in ("spmatrix", "sparray"):
        with sklearn.config_context(sparse_interface=interface):
            assert type(model.sparse_coef_) is type(reference.sparse_coef_)
            assert model.sparse_coef_.format == "csr"
    np.testing.assert_allclose(model.predict(sparse.csr_matrix(X)), model.predict(X))
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_alpha_is_a_clear_error(bad):
    X, y = problem(seed=13)
    with pytest.raises(ValueError, match="alpha"):
        sf.Lasso(alpha=bad).fit(X, y)


def test_alpha_zero_warns():
    X, y = problem(n_samples=60, n_features=10, seed=14)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sf.Lasso(alpha=0.0, tol=1e-8, max_iter=10_000).fit(X, y)
    assert any("alpha=0" in str(w.message) for w in caught)


@pytest.mark.parametrize("fmt", ["dense", "csr", "gram"])
def test_alpha_zero_stops_on_the_gradient(fmt):
    """Least squares has no dual bound: the fit stops on ||X^T r||^2 (as
    scikit-learn), reports it, and ends at the least-squares solution."""
    X, y = problem(n_samples=60, n_features=10, seed=14)
    Xf = sparse.csr_matrix(X) if fmt == "csr" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="With alpha=0")
        model = sf.Lasso(alpha=0.0, tol=1e-10, max_iter=10_000,
                         precompute=fmt == "gram").fit(Xf, y)
    assert model.n_iter_ < 10_000
    Xc = X - X.mean(axis=0)
    gradient = Xc.T @ (y - y.mean() - Xc @ model.coef_)
    assert model.dual_gap_ == pytest.approx(gradient @ gradient / len(y), rel=1e-6, abs=1e-20)
    assert model.dual_gap_ <= 1e-10 * np.sum((y - y.mean()) ** 2) / len(y)
    exact = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(model.coef_, exact, rtol=0, atol=1e-5)


@pytest.mark.parametrize("n", [1, 7, 4096, 5000, 60_000])
def test_working_set_selection_takes_the_smallest_scores(n):
    # (the kernels' selection: from a sample's threshold when k <= n / 8 and
    # n >= 4096, else over all; ties, infinities and runs of equal scores)
    rng = np.random.default_rng(n)
    score = np.round(rng.standard_normal(n), 1)
    score[rng.random(n) < 0.1] = -np.inf
    score[rng.random(n) < 0.05] = np.inf
    for k in sorted({k for k in (0, 1, 5, n // 8, n // 8 + 1, n // 2, n - 1, n) if 0 <= k <= n}):
        expected = np.sort(np.lexsort((np.arange(n), score))[:k])
        np.testing.assert_array_equal(sf._cd._select_smallest(score, k), expected)


def test_working_set_selection_survives_an_unlucky_sample():
    # the smallest scores sit exactly where the sample reads: its threshold
    # passes fewer than k entries, and the selection must run over all of them
    n, k = 8192, 1000
    score = np.full(n, 1e6) + np.arange(n)
    step = n // 512
    score[::step] = np.arange(score[::step].size)
    expected = np.sort(np.argsort(score, kind="stable")[:k])
    np.testing.assert_array_equal(sf._cd._select_smallest(score, k), expected)


def test_settling_after_the_gap_is_met_ends():
    """Found by a review: a path step just below alpha_max (sparse X, weights,
    intercept, positive, tol 1e-12) met its gap, then waited for an epoch to
    move its one coefficient by less than tol times itself, which rounding
    never allowed: it ran to max_iter (100,000 epochs) without a warning."""
    rng = np.random.default_rng(1)
    for trial in range(13):  # (the review's thirteenth random problem)
        n, p = rng.integers(10, 80), rng.integers(2, 200)
        X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.3) + (rng.random(p) < 0.1) * 3.0
        y = X[:, :3] @ rng.standard_normal(3) + rng.standard_normal(n) + 5
        sw = rng.uniform(0.5, 2, n) if trial % 4 == 0 else None
    Xc = X - np.average(X, axis=0, weights=sw)
    yc = y - np.average(y, weights=sw)
    alpha_max = np.max(np.abs(Xc.T @ (sw * yc))) / sw.sum()
    alphas = alpha_max * np.array([1.0001, 0.9999])
    _, coefs, gaps, n_iter = sf.lasso_path(
        sparse.csc_matrix(X), y, alphas=alphas, tol=1e-12, positive=True, fit_intercept=True,
        sample_weight=sw, max_iter=100_000, return_n_iter=True)
    assert n_iter[1] < 1000
    alone = sf.Lasso(alpha=alphas[1], tol=1e-12, positive=True).fit(sparse.csc_matrix(X), y,
                                                                    sample_weight=sw)
    np.testing.assert_allclose(coefs[:, 1], alone.coef_, rtol=1e-6, atol=1e-12)
