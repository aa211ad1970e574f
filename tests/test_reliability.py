"""Hostile inputs, awkward-but-valid inputs, user data left alone, threads, pickling."""

import hashlib
import pickle
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import sparse
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.exceptions import ConvergenceWarning

import sparsefuse as sf
from reference import enet_certificate
from sparsefuse.fusion import FusionRegressor

RNG = np.random.default_rng(0)
X_OK = RNG.standard_normal((30, 6))
Y_OK = X_OK[:, 0] + 0.1 * RNG.standard_normal(30)


# Every public entry point, called as fit(X, y, sample_weight) with one knob.
def _estimator(cls, **kw):
    return lambda X, y, sw=None, **p: cls(**{**kw, **p}).fit(X, y, sample_weight=sw)


def _path(fn, **kw):
    def run(X, y, sw=None, alpha=None, **p):
        extra = {"alphas": [alpha]} if alpha is not None else {"alphas": 3}
        return fn(X, y, **kw, **extra, **p, sample_weight=sw)
    return run


def _fusion(X, y, sw=None, **p):
    return FusionRegressor("sparse_group", **p, cv=2, alphas=3).fit({"all": X}, y,
                                                                    sample_weight=sw)


ENTRY_POINTS = {
    "Lasso": _estimator(sf.Lasso, alpha=0.1),
    "ElasticNet": _estimator(sf.ElasticNet, alpha=0.1),
    "LassoCV": _estimator(sf.LassoCV, cv=2, alphas=3),
    "ElasticNetCV": _estimator(sf.ElasticNetCV, cv=2, alphas=3),
    "GroupLasso": _estimator(sf.GroupLasso, groups=2, alpha=0.1),
    "SparseGroupLasso": _estimator(sf.SparseGroupLasso, groups=2, alpha=0.1),
    "GroupLassoCV": _estimator(sf.GroupLassoCV, groups=2, cv=2, alphas=3),
    "lasso_path": _path(sf.lasso_path),
    "enet_path": _path(sf.enet_path),
    "group_lasso_path": _path(sf.group_lasso_path, groups=2),
    "FusionRegressor": _fusion,
}
# Parameters each entry point takes (the others do not apply to it).
TAKES_ALPHA = {"Lasso", "ElasticNet", "GroupLasso", "SparseGroupLasso", "lasso_path",
               "enet_path", "group_lasso_path", "FusionRegressor"}
TAKES_L1_RATIO = {"ElasticNet", "ElasticNetCV", "SparseGroupLasso", "GroupLassoCV",
                  "enet_path", "group_lasso_path", "FusionRegressor"}
TAKES_SOLVER = set(ENTRY_POINTS)
TAKES_N_JOBS = {"LassoCV", "ElasticNetCV", "GroupLassoCV", "FusionRegressor"}


def with_nan(a, where=(0, 0)):
    a = a.astype(np.float64, copy=True)
    a[where] = np.nan
    return a


BAD_DATA = {
    "NaN in X": (with_nan(X_OK), Y_OK, None, "NaN"),
    "inf in X": (np.where(X_OK > 2, np.inf, X_OK), Y_OK, None, "infinity|inf"),
    "NaN in y": (X_OK, with_nan(Y_OK, 3), None, "NaN"),
    "inf in sample_weight": (X_OK, Y_OK, np.r_[np.inf, np.ones(29)], "infinity|inf"),
    "NaN in sparse X": (sparse.csr_matrix(with_nan(X_OK)), Y_OK, None, "NaN"),
    "length mismatch": (X_OK, Y_OK[:20], None, "inconsistent numbers of samples|one value per sample"),
    "sample_weight length": (X_OK, Y_OK, np.ones(7), r"sample_weight\.shape|sample_weight"),
    "no samples": (X_OK[:0], Y_OK[:0], None, "0 sample|minimum of 1"),
    "no features": (X_OK[:, :0], Y_OK, None, "0 feature|minimum of 1|empty|divide"),
    "complex X": (X_OK + 1j, Y_OK, None, "[Cc]omplex"),
    "string X": (np.full(X_OK.shape, "a"), Y_OK, None, "could not convert|numeric|dtype"),
    "object X": (np.array([[object()] * 6] * 30), Y_OK, None, "float|could not convert|dtype"),
    "negative sample_weight": (X_OK, Y_OK, -np.ones(30), "non-negative"),
    "all-zero sample_weight": (X_OK, Y_OK, np.zeros(30), "zero"),
    "sparse y": (X_OK, sparse.csr_matrix(Y_OK[:, None]), None, "Sparse data .* dense data"),
    # (an object y's None becomes NaN; it was reported as a y too large for
    # X's dtype)
    "None in y": (X_OK, np.array([*Y_OK[:-1], None], dtype=object), None, "y contains NaN"),
}

BAD_PARAMS = {
    "negative alpha": ("alpha", -1.0, "alpha", TAKES_ALPHA),
    "NaN alpha": ("alpha", np.nan, "alpha", TAKES_ALPHA),
    "inf alpha": ("alpha", np.inf, "alpha", TAKES_ALPHA),
    "l1_ratio above 1": ("l1_ratio", 1.5, "l1_ratio", TAKES_L1_RATIO),
    "l1_ratio below 0": ("l1_ratio", -0.1, "l1_ratio", TAKES_L1_RATIO),
    "negative tol": ("tol", -1e-3, "tol", TAKES_SOLVER),
    "max_iter 0": ("max_iter", 0, "max_iter", TAKES_SOLVER),
    "float n_jobs": ("n_jobs", 1.5, "n_jobs", TAKES_N_JOBS),
    "string verbose": ("verbose", "x", "verbose", {"LassoCV", "ElasticNetCV"}),
}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_a_clear_value_error(entry, case):
    X, y, sw, message = BAD_DATA[case]
    with pytest.raises((ValueError, TypeError), match=message):
        ENTRY_POINTS[entry](X, y, sw)


@pytest.mark.parametrize("entry,case", [(e, c) for c, spec in BAD_PARAMS.items()
                                        for e in ENTRY_POINTS if e in spec[3]])
def test_bad_parameters_are_clear_value_errors(entry, case):
    name, value, message, _ = BAD_PARAMS[case]
    with pytest.raises(ValueError, match=message):
        ENTRY_POINTS[entry](X_OK, Y_OK, **{name: value})


@pytest.mark.parametrize("make", [
    lambda a: sf.Lasso(alpha=a), lambda a: sf.ElasticNet(alpha=a, l1_ratio=0.5),
    lambda a: sf.GroupLasso(2, a), lambda a: sf.SparseGroupLasso(2, a, l1_ratio=0.5)])
def test_alpha_beyond_doubles_times_n_samples_is_exact_zero(make):
    """Found by a review: alpha * n_samples overflowing to inf made the
    penalty of w = 0 inf * 0 = NaN: max_iter epochs and a warning (Lasso), or
    a gap NaN reported as 0 (groups). w = 0 is exact, gap 0, no epoch."""
    X = np.random.default_rng(0).standard_normal((1000, 4))
    y = X[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = make(1e306).fit(X, y)
    assert np.all(model.coef_ == 0) and model.dual_gap_ == 0.0 and model.n_iter_ == 0


def test_dimensions_beyond_32_bit_indices_are_refused(monkeypatch):
    """The kernels count samples and features in C ints: a larger X is a
    clear error up front, not a misleading one from a kernel (2**31 of
    either cannot be built in a test, so the limit is lowered)."""
    from sparsefuse import _path

    monkeypatch.setattr(_path, "MAX_DIMENSION", 5)
    for make in (lambda: sf.Lasso(alpha=0.1), lambda: sf.GroupLasso(2, 0.1)):
        with pytest.raises(ValueError, match="32-bit integers, at most 5 of each"):
            make().fit(X_OK, Y_OK)
        with pytest.raises(ValueError, match="32-bit integers"):
            make().fit(sparse.csr_matrix(X_OK), Y_OK)


def test_tol_zero_is_allowed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = sf.Lasso(alpha=0.1, tol=0.0, max_iter=50).fit(X_OK, Y_OK)
    assert np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("make", [lambda: sf.LassoCV(tol=0.0, max_iter=5, cv=3),
                                  lambda: sf.ElasticNetCV(tol=0.0, max_iter=5, cv=3),
                                  lambda: sf.GroupLassoCV(2, tol=0.0, max_iter=5, cv=3)])
def test_tol_zero_is_allowed_in_cross_validation(make):
    """Found by a review: the folds' aggregated warning divided each gap by
    the tolerance, and tol=0 raised ZeroDivisionError."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make().fit(X_OK, Y_OK)  # (the final fit warns too)
    assert any("above the tolerance 0" in str(w.message) for w in caught)
    assert np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("call", [
    lambda y: sf.Lasso(alpha=1e159).fit(X_OK, y),
    lambda y: sf.lasso_path(X_OK, y, alphas=[1e159]),
    lambda y: sf.ElasticNetCV(cv=3).fit(X_OK, y),
    lambda y: sf.GroupLasso(2, alpha=1e159).fit(X_OK, y),
])
def test_target_whose_squares_overflow_is_rejected(call):
    """Found by a review: a y of about 1e160 made ||y||^2, and with it the
    tolerance, infinite, so that an infinite gap passed as converged: zeros
    with no warning."""
    with pytest.raises(ValueError, match="sum of squares of y"):
        call(Y_OK * 1e160)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_float32_target_beyond_float32_is_a_clear_error():
    """Found by a review: a y above float32's range with float32 X was cast
    to infinities (with overflow warnings) and reported as a float64
    overflow of its sum of squares."""
    X = X_OK.astype(np.float32)
    for call in (lambda: sf.Lasso(alpha=1e36).fit(X, Y_OK * 1e39),
                 lambda: sf.GroupLasso(2, alpha=1e36).fit(X, Y_OK * 1e39)):
        with pytest.raises(ValueError, match=r"beyond the range of X's dtype \(float32\)"):
            call()


@pytest.mark.parametrize("bad", ["yes", None, np.eye(3)])
def test_cv_checks_precompute_before_the_folds(monkeypatch, bad):
    """Found by a review: the CV estimators ran every fold before the refit
    found a bad precompute."""
    import sparsefuse.linear_model as lm

    def no_fold(*args, **kwargs):
        raise AssertionError("a fold ran")

    monkeypatch.setattr(lm, "solve_path", no_fold)
    for cls in (sf.LassoCV, sf.ElasticNetCV):
        with pytest.raises(ValueError, match="precompute must be"):
            cls(cv=3, precompute=bad).fit(X_OK, Y_OK)


def test_precompute_none_is_a_clear_error():
    with pytest.raises(ValueError, match="precompute must be True, False, 'auto' or an array; "
                                         "got None"):
        sf.Lasso(precompute=None).fit(X_OK, Y_OK)


@pytest.mark.parametrize("call", [
    lambda g: sf.Lasso(precompute=g, fit_intercept=False).fit(X_OK, Y_OK),
    lambda g: sf.lasso_path(X_OK, Y_OK, precompute=g, alphas=3),
    lambda g: sf.LassoCV(precompute=g, fit_intercept=False, cv=2, alphas=3).fit(X_OK, Y_OK),
])
def test_sparse_gram_is_a_clear_error(call):
    """np.asarray of a sparse matrix is a 0-d object array: the message said
    "got shape ()" of a (6, 6) matrix (found by a review)."""
    with pytest.raises(ValueError, match="got a sparse csr_matrix.*toarray"):
        call(sparse.csr_matrix(X_OK.T @ X_OK))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_predict_refuses_a_malformed_sparse_matrix(fmt):
    """fit refused it; predict computed garbage with an out-of-range index
    (and crashed with a huge one; found by a review)."""
    model = sf.Lasso(alpha=0.01).fit(X_OK, Y_OK)
    B = getattr(sparse, f"{fmt}_matrix")(X_OK)
    (B.row if fmt == "coo" else B.indices)[3] = 1000
    with pytest.raises(ValueError, match="malformed"):
        model.predict(B)


@pytest.mark.parametrize("cls", [sf.Lasso, sf.GroupLasso])
def test_feature_count_mismatch_at_predict(cls):
    model = cls(alpha=0.1) if cls is sf.Lasso else cls(2, alpha=0.1)
    model.fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="features"):
        model.predict(X_OK[:, :4])


def test_unsorted_and_duplicate_sparse_indices_are_summed():
    """Duplicate entries of a CSR/CSC matrix add up (scipy's convention)."""
    dense = np.array([[1.0, 0, 2], [0, 3, 0], [4, 0, 5], [0, 6, 1]])
    y = np.array([1.0, 2, 3, 4])
    # CSC with every entry split in two halves, rows listed in reverse order
    data, indices, indptr = [], [], [0]
    for j in range(3):
        rows = np.flatnonzero(dense[:, j])[::-1]
        for i in rows:
            data += [dense[i, j] / 2, dense[i, j] / 2]
            indices += [i, i]
        indptr.append(len(data))
    doubled = sparse.csc_matrix((data, indices, indptr), shape=dense.shape)
    assert not doubled.has_canonical_format
    unsorted = doubled.copy()
    unsorted.sum_duplicates()
    unsorted.indices = unsorted.indices.copy()
    for j in range(3):  # reverse the rows inside each column again
        a, b = unsorted.indptr[j], unsorted.indptr[j + 1]
        unsorted.indices[a:b] = unsorted.indices[a:b][::-1]
        unsorted.data[a:b] = unsorted.data[a:b][::-1]
    unsorted.has_sorted_indices = False
    before = fingerprint(doubled)
    ref = sf.Lasso(alpha=0.01, tol=1e-12).fit(dense, y).coef_
    for X in (doubled, doubled.tocsr(), unsorted):
        np.testing.assert_allclose(sf.Lasso(alpha=0.01, tol=1e-12).fit(X, y).coef_, ref,
                                   atol=1e-10)
    assert fingerprint(doubled) == before  # summed in a copy, not in place


# --- inputs that must work ---------------------------------------------------------

def _fits(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return sf.Lasso(alpha=kw.pop("alpha", 0.05), tol=1e-8, **kw).fit(X, y)


def test_awkward_but_valid_inputs():
    ref = _fits(X_OK, Y_OK).coef_
    big = sparse.csr_matrix(X_OK)
    big.indices, big.indptr = big.indices.astype(np.int64), big.indptr.astype(np.int64)
    np.testing.assert_allclose(_fits(big, Y_OK).coef_, ref, atol=1e-6)
    readonly = X_OK.copy()
    readonly.flags.writeable = False
    np.testing.assert_allclose(_fits(readonly, Y_OK).coef_, ref, atol=1e-6)
    wide = np.hstack([X_OK, X_OK])
    np.testing.assert_allclose(_fits(wide[:, ::2][:, [0, 3, 1, 4, 2, 5]][:, [0, 2, 4, 1, 3, 5]],
                                     Y_OK).coef_, ref, atol=1e-6)
    np.testing.assert_allclose(_fits(np.ascontiguousarray(X_OK), Y_OK).coef_, ref, atol=1e-6)
    assert _fits(X_OK.astype(np.float32), Y_OK.astype(np.float32)).coef_.dtype == np.float32


def _read_only(a):
    if sparse.issparse(a):
        a = a.copy()
        for part in (a.data, a.indices, a.indptr):
            part.flags.writeable = False
        return a
    a = np.array(a)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("name, fit_intercept", [
    (name, fit_intercept) for name in sorted(ENTRY_POINTS) for fit_intercept in (False, True)
    if fit_intercept or name != "FusionRegressor"])  # (which always fits one)
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_read_only_inputs(name, fit_intercept, fmt, dtype):
    # (pandas 3 hands out read-only arrays; without an intercept y reaches
    # the kernels as given, not as a centred copy)
    X = X_OK.astype(dtype)
    X = X if fmt == "dense" else getattr(sparse, f"{fmt}_matrix")(X)
    y = Y_OK.astype(dtype)
    fit = ENTRY_POINTS[name]
    kw = {} if name == "FusionRegressor" else {"fit_intercept": fit_intercept}
    coef = (lambda r: r[1] if isinstance(r, tuple) else r.coef_)
    # (weights rescale y into a copy: without them y itself reaches the kernels)
    for sw in (None, np.linspace(0.5, 2.0, len(Y_OK))):
        expected = fit(X, y, sw, **kw)
        result = fit(_read_only(X), _read_only(y), None if sw is None else _read_only(sw), **kw)
        np.testing.assert_array_equal(coef(result), coef(expected))


def test_memmapped_inputs(tmp_path):
    import joblib

    path = tmp_path / "data.joblib"
    joblib.dump((X_OK, Y_OK), path)
    X, y = joblib.load(path, mmap_mode="r")
    assert isinstance(X, np.memmap) and not X.flags.writeable
    np.testing.assert_allclose(_fits(X, y).coef_, _fits(X_OK, Y_OK).coef_, atol=1e-8)
    _, coefs, _ = sf.group_lasso_path(X, y, 2, alphas=3)
    assert np.all(np.isfinite(coefs))


def test_pandas_frames_keep_feature_names():
    import pandas as pd

    frame = pd.DataFrame(X_OK, columns=list("abcdef"))
    model = sf.Lasso(alpha=0.05).fit(frame, pd.Series(Y_OK))
    assert list(model.feature_names_in_) == list("abcdef")
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(X_OK)


@pytest.mark.parametrize("case", ["single sample", "single feature", "constant y", "zero y",
                                  "duplicated columns", "zero column", "tiny scale",
                                  "huge scale"])
def test_edge_cases_give_finite_certified_results(case):
    X, y = X_OK.copy(), Y_OK.copy()
    if case == "single sample":
        X, y = X[:1], y[:1]
    elif case == "single feature":
        X = X[:, :1]
    elif case == "constant y":
        y = np.full_like(y, 3.0)
    elif case == "zero y":
        y = np.zeros_like(y)
    elif case == "duplicated columns":
        X = np.hstack([X, X[:, :2]])
    elif case == "zero column":
        X[:, 2] = 0.0
    elif case == "tiny scale":
        X, y = X * 1e-150, y * 1e-150
    elif case == "huge scale":
        X, y = X * 1e150, y * 1e150
    # scaling X and y by s scales the loss by s^2: alpha follows
    scale = 1e-300 if case == "tiny scale" else 1e300 if case == "huge scale" else 1.0
    for model in (sf.Lasso(alpha=0.05 * scale, tol=1e-8), sf.ElasticNet(alpha=0.05 * scale),
                  sf.GroupLasso(1, alpha=0.05 * scale), sf.Lasso(alpha=0.05 * scale).set_params(
                      fit_intercept=False)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.fit(X, y)
        assert np.all(np.isfinite(model.coef_)) and np.isfinite(model.intercept_)
        if isinstance(model, sf.Lasso) and case not in ("tiny scale", "huge scale"):
            # the reported gap is a true certificate (recomputed independently)
            _, _, gap = enet_certificate(X, y, model.coef_, 0.05, 1.0, model.fit_intercept)
            assert gap <= model.dual_gap_ + 1e-12 * (1 + y @ y / len(y))
        if case == "zero y" or (case == "constant y" and model.fit_intercept):
            assert np.all(model.coef_ == 0)
        if case == "duplicated columns" and isinstance(model, sf.Lasso):
            assert model.coef_[0] * model.coef_[6] >= 0


def test_non_convergence_warns_with_gap_and_tol_and_is_usable():
    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    with pytest.warns(ConvergenceWarning, match=r"duality gap \S+ > tolerance \S+ after 3 epochs") \
            as caught:
        model = sf.Lasso(alpha=0.005, tol=1e-12, max_iter=3).fit(X, y)
    assert model.score(X, y) > 0.5
    # in the units of dual_gap_ (found by a review: it was n_samples times that)
    gap = float(str(caught[0].message).split("duality gap ")[1].split()[0])
    assert gap == pytest.approx(model.dual_gap_, rel=1e-3)


def test_float32_below_its_certifiable_tol_says_so():
    """A float32 fit at a tol float32 cannot certify warns with the way out."""
    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    with pytest.warns(ConvergenceWarning, match="float32 data cannot certify a tol"):
        sf.Lasso(alpha=0.005, tol=1e-9, max_iter=20).fit(X32, y32)
    with pytest.warns(ConvergenceWarning, match="float32 data cannot certify a tol"):
        sf.group_lasso_path(X32[:, :7120], y32, 10, alphas=[0.05], tol=1e-9, max_iter=5)
    with pytest.warns(ConvergenceWarning, match="Increase max_iter") as record:
        sf.Lasso(alpha=0.005, tol=1e-5, max_iter=3).fit(X32, y32)
    assert not any("float32" in str(w.message) for w in record)


# --- never touch user data --------------------------------------------------------------

def fingerprint(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            continue
        if sparse.issparse(a):
            for part in (a.data, a.indices, a.indptr):
                h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("fmt", ["dense-F", "dense-C", "csr", "csc"])
def test_user_data_is_bit_identical_after_every_call(fmt):
    X = {"dense-F": np.asfortranarray(X_OK), "dense-C": np.ascontiguousarray(X_OK),
         "csr": sparse.csr_matrix(X_OK), "csc": sparse.csc_matrix(X_OK)}[fmt]
    y, sw = Y_OK.copy(), RNG.uniform(0.5, 2.0, 30)
    coef_init = np.full(6, 0.1)
    groups = [[0, 1, 2], [3, 4, 5]]
    before = fingerprint(X, y, sw, coef_init, np.asarray(groups))
    calls = [
        lambda: sf.Lasso(alpha=0.1).fit(X, y, sample_weight=sw),
        lambda: sf.ElasticNet(alpha=0.1, precompute=True).fit(X, y, sample_weight=sw),
        lambda: sf.LassoCV(cv=2, alphas=3).fit(X, y, sample_weight=sw),
        lambda: sf.lasso_path(X, y, alphas=3, coef_init=coef_init, sample_weight=sw,
                              fit_intercept=True),
        lambda: sf.SparseGroupLasso(groups, 0.1).fit(X, y, sample_weight=sw),
        lambda: sf.GroupLassoCV(groups, cv=2, alphas=3).fit(X, y, sample_weight=sw),
        lambda: sf.group_lasso_path(X, y, groups, alphas=3, coef_init=coef_init,
                                    sample_weight=sw, fit_intercept=True),
        lambda: FusionRegressor(cv=2, alphas=3).fit({"a": X}, y, sample_weight=sw),
    ]
    for call in calls:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            call()
        assert fingerprint(X, y, sw, coef_init, np.asarray(groups)) == before


# --- threads, pickling, determinism ------------------------------------------------------

def test_threads_give_sequential_results():
    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    alphas = [0.2, 0.1, 0.05, 0.03]
    sequential = [sf.Lasso(alpha=a, tol=1e-8).fit(X, y).coef_ for a in alphas]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda a: sf.Lasso(alpha=a, tol=1e-8).fit(X, y).coef_, alphas))
    for a, b in zip(sequential, threaded):
        np.testing.assert_array_equal(a, b)


def test_kernels_release_the_gil():
    """A Python thread keeps counting while a long kernel call runs."""
    from sparsefuse import _cd
    from sparsefuse._path import make_design

    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.standard_normal((2000, 400)))
    y = X @ rng.standard_normal(400)
    design = make_design(X, fit_intercept=False)
    y_prep, _ = design.prepare_target(y)
    norms, xv = design.column_stats
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    w = np.zeros(400)
    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.01)
    before = len(ticks)
    # tol=0 and no devices: exactly max_iter epochs inside one nogil call
    _cd.enet_solve(*design.buffers, False, y_prep, w, design.v, False, norms, xv,
                   1e-3, 0.0, 300, 0.0, 1, screening=False, working_set=False, anderson=0)
    during = len(ticks) - before
    done.set()
    counter.join()
    # Holding the GIL for the whole call would leave at most a tick or two.
    assert during >= 10


@pytest.mark.parametrize("make", [
    lambda: sf.Lasso(alpha=0.1, selection="random", random_state=3),
    lambda: sf.ElasticNetCV(cv=2, alphas=4, random_state=0),
    lambda: sf.SparseGroupLasso(2, 0.1),
    lambda: sf.GroupLassoCV(2, cv=2, alphas=4),
])
def test_pickle_clone_and_determinism(make):
    import joblib

    a = make().fit(X_OK, Y_OK)
    b = make().fit(X_OK, Y_OK)
    np.testing.assert_array_equal(a.coef_, b.coef_)  # deterministic given random_state
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X_OK), a.predict(X_OK))
    buffer = __import__("io").BytesIO()
    joblib.dump(a, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict(X_OK), a.predict(X_OK))
    fresh = clone(a)
    assert not hasattr(fresh, "coef_")
    np.testing.assert_array_equal(fresh.fit(X_OK, Y_OK).coef_, a.coef_)


def test_wide_sparse_fit_memory_stays_bounded():
    """CSR (100000 x 1000000), 2e6 nonzeros, with intercept: peak allocation
    under 3x the matrix (the CSC copy alone is 1.15x; every allocation of the
    kernels, working-set buffers included, is traced); densifying would need
    800 GB."""
    import tracemalloc

    n_samples, n_features, nnz = 100_000, 1_000_000, 2_000_000
    rng = np.random.default_rng(0)
    X = sparse.csr_matrix((rng.random(nnz) + 0.5, (rng.integers(0, n_samples, nnz),
                                                    rng.integers(0, n_features, nnz))),
                          shape=(n_samples, n_features))
    y = np.asarray(X[:, :50] @ rng.standard_normal(50)).ravel() + rng.standard_normal(n_samples)
    matrix = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    yc = y - y.mean()
    alpha = 0.2 * np.abs(X.T @ yc).max() / n_samples
    tracemalloc.start()
    model = sf.Lasso(alpha=alpha).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.count_nonzero(model.coef_) > 0
    assert peak < 3.0 * matrix, f"peak {peak / 1e6:.0f} MB for a {matrix / 1e6:.0f} MB matrix"


@pytest.mark.parametrize("size", [50, 200])
def test_group_fit_on_sparse_x_memory_stays_bounded(size):
    """Found by a review: the block spectra of groups of 50 to 256 columns
    were computed in chunks of 4 million Gram entries whatever X's size,
    which peaked at 7 to 14 times the matrix's memory (a sparse product,
    then dense); chunks now hold at most an eighth of X's stored entries."""
    import tracemalloc

    X = sparse.random(6000, 8000, density=0.005, random_state=0, format="csc")
    rng = np.random.default_rng(0)
    y = X[:, :50] @ rng.standard_normal(50) + 0.1 * rng.standard_normal(6000)
    matrix = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    alpha = 0.05 * np.abs(X.T @ (y - y.mean())).max() / 6000
    tracemalloc.start()
    model = sf.GroupLasso(size, alpha=alpha).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert model.active_groups_
    assert peak < 2.5 * matrix, f"peak {peak / 1e6:.1f} MB for a {matrix / 1e6:.1f} MB matrix"


@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_cv_on_sparse_x_memory_stays_bounded(fmt):
    """Found by a review: the CV estimators converted a CSC X to CSR as a
    whole and kept it through the folds, then each fold's CSR rows while they
    were converted back to CSC: 2.9x the matrix. A CSC X's folds are now
    selected column by column, as CSC (the kernels' format)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, p, nnz = 20_000, 5_000, 600_000
    X = sparse.csc_matrix((rng.random(nnz), (rng.integers(0, n, nnz), rng.integers(0, p, nnz))),
                          shape=(n, p)).asformat(fmt)
    y = X[:, :30] @ rng.standard_normal(30) + 0.1 * rng.standard_normal(n)
    matrix = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    tracemalloc.start()
    model = sf.LassoCV(alphas=5, cv=3, fit_intercept=False, tol=1e-10).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2.0 * matrix, f"peak {peak / 1e6:.1f} MB for a {matrix / 1e6:.1f} MB matrix"
    dense = sf.LassoCV(alphas=5, cv=3, fit_intercept=False, tol=1e-10).fit(X.toarray(), y)
    np.testing.assert_allclose(model.mse_path_, dense.mse_path_, rtol=1e-6)


def test_cv_folds_of_csc_x_are_the_rows_of_x():
    """Found by a review of the CSC folds: a fold lost the last entry of the
    last nonempty column when columns after it were empty (mse_path_ off by
    1e-4, another alpha_), and unsigned or negative fold indices were taken
    as increasing (rows reordered against y)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 8)) * (rng.random((60, 8)) < 0.5)
    X[:, 0] = X[:, -2:] = 0.0
    y = X[:, 1] - X[:, 3] + 0.3 * rng.standard_normal(60)
    sw = rng.random(60) + 0.5
    order = rng.permutation(60)
    folds = [(np.sort(order[20:]), order[:20]),  # (sorted training rows)
             (order[20:].astype(np.uint64), order[:20].astype(np.uint32)),
             (order[:40] - 60, order[40:])]  # (negative indices count from the end)
    for cv in (3, folds):
        for make in (lambda: sf.LassoCV(alphas=8, cv=cv),
                     lambda: sf.ElasticNetCV(alphas=8, cv=cv, l1_ratio=0.5),
                     lambda: sf.GroupLassoCV(2, alphas=8, cv=cv)):
            dense = make().fit(X, y, sample_weight=sw)
            for fmt in ("csc", "csr", "coo"):
                model = make().fit(sparse.coo_matrix(X).asformat(fmt), y, sample_weight=sw)
                np.testing.assert_allclose(model.mse_path_, dense.mse_path_, rtol=1e-9)
                assert model.alpha_ == pytest.approx(dense.alpha_, rel=1e-12)


def test_precomputed_gram_memory_is_the_matrix_alone():
    """Found by a review: centring the Gram matrix (n m m^T) and checking a
    given one (symmetry) made p x p temporaries: 2x, and 3x, the matrix."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((300, 1500)) + 1.0)
    y = X[:, :10] @ rng.standard_normal(10) + rng.standard_normal(300)
    gram_bytes = 1500 * 1500 * 8
    tracemalloc.start()
    model = sf.Lasso(alpha=0.05, precompute=True).fit(X, y)
    computed = tracemalloc.get_traced_memory()[1]
    Xc = X - X.mean(axis=0)
    gram = Xc.T @ Xc
    tracemalloc.reset_peak()
    given = sf.Lasso(alpha=0.05, precompute=gram).fit(X, y)
    checked = tracemalloc.get_traced_memory()[1] - gram_bytes - Xc.nbytes
    tracemalloc.stop()
    assert computed < 1.6 * gram_bytes, computed / gram_bytes  # (X and its copy: 0.4)
    assert checked < 0.4 * gram_bytes, checked / gram_bytes
    np.testing.assert_allclose(given.coef_, model.coef_, atol=1e-10)


def test_dense_cv_does_not_keep_the_design_through_the_folds():
    """Found by a review: the design built for the alpha grid (a Fortran copy
    of a C-ordered X) stayed alive through the folds and the refit."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = np.ascontiguousarray(rng.standard_normal((2000, 1000)))
    y = X[:, :10] @ rng.standard_normal(10) + rng.standard_normal(2000)
    tracemalloc.start()
    sf.LassoCV(alphas=5, cv=3).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a copy of X for the refit and a fold (2/3 of it), with its path
    assert peak < 2.0 * X.nbytes, peak / X.nbytes


# --- regressions found in review ------------------------------------------------------

def test_ridge_limit_is_certified():
    from sklearn.linear_model import Ridge

    model = sf.ElasticNet(alpha=0.5, l1_ratio=0.0, tol=1e-10).fit(X_OK, Y_OK)
    assert model.n_iter_ < 200 and model.dual_gap_ < 1e-9
    ridge = Ridge(alpha=0.5 * len(Y_OK)).fit(X_OK, Y_OK)  # Ridge's alpha is n times ours
    np.testing.assert_allclose(model.coef_, ridge.coef_, atol=1e-6)



@pytest.mark.parametrize("fmt", ["dense", "csc", "gram"])
def test_nonnegative_ridge_limit_is_certified(fmt):
    # With l1_ratio=0 and positive=True the ridge certificate took
    # ||X^T r||^2, which stays far from 0 at the solution (the features held
    # at 0 have x_j . r < 0): every such fit ran max_iter epochs and warned,
    # with a gap of about 20 (as scikit-learn's). The dual of the constrained
    # problem reads max(x_j . r, 0)^2.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 12))
    y = X @ rng.standard_normal(12) + 0.1 * rng.standard_normal(80)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.ElasticNet(alpha=0.1, l1_ratio=0.0, positive=True, tol=1e-10,
                              precompute=fmt == "gram").fit(Xf, y)
    assert model.n_iter_ < 500 and np.all(model.coef_ >= 0) and np.any(model.coef_ == 0)
    # an independent certificate: the dual of min 1/2n ||y - Xw - b||^2 +
    # alpha/2 ||w||^2 over w >= 0 at theta = r / n
    Xc, yc = X - X.mean(0), y - y.mean()
    w = model.coef_
    r = yc - Xc @ w
    n, alpha = len(y), 0.1
    primal = 0.5 * r @ r / n + 0.5 * alpha * w @ w
    dual = (r @ yc - 0.5 * r @ r) / n - 0.5 * np.sum(np.maximum(Xc.T @ r / n, 0) ** 2) / alpha
    assert primal - dual <= 1e-10 * np.mean(yc**2) * 1.01
    assert model.dual_gap_ <= 1e-10 * np.mean(yc**2)


@pytest.mark.parametrize("precompute", [False, True])
def test_warm_start_on_a_constant_column_is_dropped(precompute):
    X2 = X_OK.copy()
    X2[:, 2] = 3.0  # constant: zero norm once centred
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(alpha=0.01, warm_start=True, precompute=precompute, tol=1e-10,
                         screening=False).fit(X_OK, Y_OK)
        model.coef_[2] = -3.0
        model.fit(X2, Y_OK)
    assert model.coef_[2] == 0.0
    cold = sf.Lasso(alpha=0.01, precompute=precompute, tol=1e-10).fit(X2, Y_OK)
    np.testing.assert_allclose(model.coef_, cold.coef_, atol=1e-6)


@pytest.mark.parametrize("first, second", [(2, 1), (1, 2)])
def test_warm_start_from_another_number_of_targets_is_a_clear_error(first, second):
    Y = np.column_stack([Y_OK, 2 * Y_OK])
    model = sf.Lasso(alpha=0.05, warm_start=True).fit(X_OK, Y[:, :first].squeeze())
    # (the shapes of coef_ as the user sees them, 1-D for one target; the
    # message showed them as 2-D)
    shape = {1: r"\(6,\)", 2: r"\(2, 6\)"}
    with pytest.raises(ValueError, match=rf"previous coef_ has shape {shape[first]}, this fit "
                                         rf"needs {shape[second]}\."):
        model.fit(X_OK, Y[:, :second].squeeze())


def test_single_column_target_follows_sklearn_conventions():
    model = sf.Lasso(alpha=0.05).fit(X_OK, Y_OK[:, None])
    assert model.coef_.shape == (6,) and isinstance(model.dual_gap_, float)
    assert isinstance(model.n_iter_, int)
    two = sf.Lasso(alpha=0.05, fit_intercept=False, positive=True).fit(
        X_OK, np.column_stack([Y_OK, 2 * Y_OK]))
    assert two.intercept_ == 0.0 and two.coef_.shape == (2, 6) and np.all(two.coef_ >= 0)


@pytest.mark.parametrize("bad", [
    lambda X: setattr(X, "indices", np.where(X.indices == 3, 40, X.indices)),
    lambda X: setattr(X, "indices", np.where(X.indices == 3, 10**8, X.indices)),
    lambda X: setattr(X, "indices", np.where(X.indices == 3, -2, X.indices)),
    lambda X: setattr(X, "indptr", X.indptr[[0, 2, 1, 3, 4, 5, 6]]),
    # a column claiming entries beyond the last (found by a review: read out
    # of bounds)
    lambda X: setattr(X, "indptr", np.r_[0, 2**30, X.indptr[2:]].astype(X.indptr.dtype)),
    # unsorted first (indices are sorted, then checked again), out of range later
    lambda X: X.indices.__setitem__(slice(0, 3), [5, 3, 10**6]),
])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_malformed_sparse_indices_are_rejected(bad, weighted, fit_intercept):
    # (negative indices would wrap around in numpy's indexing, for example
    # when rows are reweighted: they must be rejected, not read)
    X = sparse.csc_matrix(X_OK)
    X.indices = X.indices.copy()
    bad(X)
    sw = np.linspace(0.5, 2, X.shape[0]) if weighted else None
    with pytest.raises(ValueError, match="malformed"):
        sf.Lasso(alpha=0.1, fit_intercept=fit_intercept).fit(X, Y_OK, sample_weight=sw)


def _malformed_inputs():
    csr = sparse.csr_matrix(X_OK)
    csr.indices = np.where(csr.indices == 3, 6, csr.indices)  # a column beyond the last
    csr_neg = sparse.csr_matrix(X_OK)
    csr_neg.indices = np.where(csr_neg.indices == 3, -1, csr_neg.indices)
    coo = sparse.coo_matrix(X_OK)
    coo.row = np.where(coo.row == 3, 30, coo.row)
    csc = sparse.csc_matrix(X_OK)
    csc.indptr = np.r_[0, 2**30, csc.indptr[2:]].astype(csc.indptr.dtype)
    return {"csr column": csr, "csr negative": csr_neg, "coo row": coo, "csc indptr": csc}


@pytest.mark.parametrize("entry", ["Lasso", "lasso_path", "LassoCV", "GroupLasso",
                                   "GroupLassoCV alphas", "group_lasso_path", "fusion"])
@pytest.mark.parametrize("kind", list(_malformed_inputs()))
def test_malformed_sparse_input_of_any_format_is_rejected_before_scipy_reads_it(entry, kind):
    """Found by a review: scipy's conversions and slicing trust the index
    arrays (out-of-range ones crashed the process inside scipy), and the
    group and fusion entry points converted or sliced X before any check."""
    X = _malformed_inputs()[kind]
    calls = {
        "Lasso": lambda: sf.Lasso(alpha=0.1).fit(X, Y_OK),
        "lasso_path": lambda: sf.lasso_path(X, Y_OK, alphas=[0.1]),
        "LassoCV": lambda: sf.LassoCV(alphas=[0.1, 0.01], cv=2).fit(X, Y_OK),
        "GroupLasso": lambda: sf.GroupLasso([[0, 3], [1, 2, 4, 5]], alpha=0.1).fit(X, Y_OK),
        "GroupLassoCV alphas": lambda: sf.GroupLassoCV(2, alphas=[0.1, 0.01], cv=2).fit(X, Y_OK),
        "group_lasso_path": lambda: sf.group_lasso_path(X, Y_OK, 2, alphas=[0.1]),
        "fusion": lambda: FusionRegressor("l1", alpha=0.1).fit({"a": X, "b": X_OK}, Y_OK),
    }
    with pytest.raises(ValueError, match="malformed"):
        calls[entry]()


@pytest.mark.parametrize("bad", [dict(alphas=[-1.0]), dict(l1_ratio=0.0, alphas=5),
                                 dict(coef_init=np.zeros(3))])
def test_path_parameters_are_checked_before_x_changes_in_place(bad):
    """Found by a review: with copy_X=False, enet_path centred X in place and
    only then rejected a bad parameter."""
    X = np.asfortranarray(X_OK + 3.0)
    before = X.copy()
    with pytest.raises(ValueError):
        sf.enet_path(X, Y_OK, copy_X=False, fit_intercept=True, **bad)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_overflowing_x_is_refused_with_copy_x_false_and_kept(dtype):
    """Found by a review: with copy_X=False, an entry near the top of the
    dtype's range was centred and weighted in the caller's X, which then
    overflowed, and only then was X refused. Such X is now centred in a copy:
    the error is the same, the caller's X intact."""
    huge = np.finfo(dtype).max / 2
    X = np.asfortranarray(X_OK, dtype=dtype)
    X[0, 0] = huge
    before = X.copy()
    sw = np.ones(X.shape[0])
    sw[0] = 0.5
    for fit_intercept, weights in [(True, None), (True, sw), (False, sw)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sf.Lasso(alpha=0.1, fit_intercept=fit_intercept, copy_X=False).fit(
                    X, Y_OK, sample_weight=weights)
            except ValueError as error:
                assert "overflow" in str(error) or "infinity" in str(error)
        np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("value,message", [(np.nan, "NaN"), (np.inf, "infinity")])
@pytest.mark.parametrize("kind", ["dense", "dense copy_X=False", "csr", "csc unsorted"])
def test_non_finite_x_is_named_and_the_input_kept(value, message, kind):
    """X's finite check rides on the column-norm pass (after centring and
    weighting); the error still names what the caller's X holds (an inf
    centred or given weight 0 would read NaN) and leaves X as it was."""
    X = X_OK.copy()
    X[4, 2] = value
    sw = np.ones(X.shape[0])
    sw[4] = 0.0
    copy_X = kind != "dense copy_X=False"
    if kind == "csr":
        X = sparse.csr_matrix(X)
    elif kind == "csc unsorted":
        X = sparse.csc_matrix(X)
        X.indices, X.data = X.indices[::-1].copy(), X.data[::-1].copy()
        X.indptr = X.indptr[-1] - X.indptr[::-1]
        X.has_sorted_indices = False
    # (the buffers themselves: scipy's comparisons sort indices in place)
    buffers = lambda: ([X.data, X.indices, X.indptr] if sparse.issparse(X) else [X])
    before = [a.copy() for a in buffers()]
    for fit_intercept in (False, True):
        for weights in (None, sw):
            with pytest.raises(ValueError, match=message):
                sf.Lasso(alpha=0.1, fit_intercept=fit_intercept, copy_X=copy_X).fit(
                    X, Y_OK, sample_weight=weights)
            for a, b in zip(buffers(), before):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_finite_x_whose_squares_overflow_is_rejected(fmt, fit_intercept):
    """A column norm can overflow without a non-finite entry. Found by a
    review: such a column was taken as constant (norm 0) or kept an infinite
    norm, and lasso_path returned zeros with a gap of 0, a false certificate.
    No float64 solve can use it: a ValueError says so, whatever the entry
    point, as a half-full sparse column of them (one-pass centring) too."""
    X = X_OK.copy()
    X[:, 1] *= 1e200
    half = np.zeros((40, 3))
    half[:20, 2] = 1e154 * (1.0 + np.arange(20))
    half[:, :2] = np.random.default_rng(0).standard_normal((40, 2))
    for A, y in ((X, Y_OK), (half, np.arange(40.0))):
        A = sparse.csc_matrix(A) if fmt == "csc" else A
        for call in (lambda: sf.lasso_path(A, y, alphas=[0.1], fit_intercept=fit_intercept),
                     lambda: sf.Lasso(alpha=0.1, fit_intercept=fit_intercept).fit(A, y),
                     lambda: sf.GroupLasso(1, alpha=0.1, fit_intercept=fit_intercept).fit(A, y)):
            with pytest.raises(ValueError, match="sum of squares overflows float64"):
                call()


@pytest.mark.parametrize("call,message", [
    (lambda: sf.group_lasso_path(X_OK, Y_OK, 2, eps=-1), "eps"),
    (lambda: sf.lasso_path(X_OK, Y_OK, eps=0), "eps"),
    (lambda: sf.LassoCV(alphas=0).fit(X_OK, Y_OK), "alphas"),
    (lambda: sf.GroupLassoCV(2, alphas=0).fit(X_OK, Y_OK), "alphas"),
    (lambda: sf.lasso_path(X_OK, Y_OK, coef_init=np.full(6, np.nan)), "coef_init"),
    (lambda: sf.group_lasso_path(X_OK, Y_OK, 2, coef_init=np.zeros(3)), "coef_init"),
    (lambda: sf.Lasso(max_iter=2**40).fit(X_OK, Y_OK), "max_iter"),
    (lambda: sf.GroupLasso(2, alpha=0.0).fit(X_OK, Y_OK), "alpha must be positive"),
    (lambda: sf.Lasso(alpha=0.1).fit(X_OK, Y_OK, sample_weight=-1.0), "scalar sample_weight"),
    # (found by a review: errors from numpy or the splitter, not naming the
    # parameter, or a TypeError)
    (lambda: sf.ElasticNetCV(l1_ratio=[]).fit(X_OK, Y_OK), "l1_ratio must be"),
    (lambda: sf.ElasticNetCV(l1_ratio=[[0.3, 0.6]]).fit(X_OK, Y_OK), "l1_ratio must be"),
    (lambda: sf.ElasticNetCV(l1_ratio=["a"]).fit(X_OK, Y_OK), "l1_ratio must be"),
    (lambda: sf.ElasticNet(selection="random", random_state="x").fit(X_OK, Y_OK),
     "random_state must be"),
    (lambda: sf.Lasso(random_state=-1).fit(X_OK, Y_OK), "random_state must be"),
    (lambda: sf.lasso_path(X_OK, Y_OK, random_state=1.5), "random_state must be"),
    (lambda: sf.LassoCV(random_state=np.random.default_rng(0)).fit(X_OK, Y_OK),
     "random_state must be"),
    (lambda: sf.ElasticNetCV(l1_ratio=None).fit(X_OK, Y_OK), "got None"),
    (lambda: sf.ElasticNetCV(l1_ratio=[0.5, None]).fit(X_OK, Y_OK), r"got \[0.5, None\]"),
    (lambda: sf.ElasticNetCV(l1_ratio="0.5").fit(X_OK, Y_OK), "l1_ratio must be"),
    (lambda: sf.LassoCV(cv=1).fit(X_OK, Y_OK), "cv must be"),
    (lambda: sf.LassoCV(cv="x").fit(X_OK, Y_OK), "cv must be"),
    (lambda: sf.GroupLassoCV(2, cv=2.5).fit(X_OK, Y_OK), "cv must be"),
    # (the README's list of bad values scikit-learn lets through)
    (lambda: sf.lasso_path(X_OK, Y_OK, alphas=[]), "alphas"),
    (lambda: sf.lasso_path(X_OK, Y_OK, alphas=[np.nan]), "alphas"),
    (lambda: sf.lasso_path(X_OK, Y_OK, eps=2), "eps"),
    (lambda: sf.ElasticNetCV(l1_ratio=[0.5, 1.5]).fit(X_OK, Y_OK), "l1_ratio"),
    (lambda: sf.LassoCV(eps=2).fit(X_OK, Y_OK), "eps"),
    (lambda: sf.ElasticNet(precompute=np.eye(3)).fit(X_OK, Y_OK), "Gram matrix of shape"),
])
def test_more_bad_parameters(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_extreme_but_valid_sample_weights():
    ref = sf.Lasso(alpha=0.05, tol=1e-10).fit(X_OK, Y_OK).coef_
    for scale in (1e-300, 1e300):
        model = sf.Lasso(alpha=0.05, tol=1e-10).fit(X_OK, Y_OK, sample_weight=np.full(30, scale))
        np.testing.assert_allclose(model.coef_, ref, atol=1e-8)


def test_coo_input_with_reordered_groups():
    groups = [[3, 4, 5], [0, 1, 2]]
    model = sf.GroupLasso(groups, alpha=0.05, tol=1e-10).fit(sparse.coo_matrix(X_OK), Y_OK)
    ref = sf.GroupLasso(groups, alpha=0.05, tol=1e-10).fit(X_OK, Y_OK)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-5)


def test_cv_is_reproducible_with_parallel_random_folds():
    runs = [sf.LassoCV(selection="random", random_state=0, n_jobs=2, cv=3, alphas=8)
            .fit(X_OK, Y_OK).mse_path_ for _ in range(4)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other, runs[0])


def test_alpha_zero_on_one_sample_prints_nothing(capfd):
    """Found by an independent review: the kernels' shared helpers were
    compiled with Python's division checks, and alpha = 0 on a one-sample
    sparse problem (a dual scale of 0) printed an ignored ZeroDivisionError."""
    X = sparse.csc_matrix(np.array([[0.3, -1.2, 0.5, 2.0, 1.1]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, coefs, gaps = sf.enet_path(X, np.array([0.7]), l1_ratio=1.0, alphas=[0.0])
    assert gaps[0] == 0.0 and np.all(np.isfinite(coefs))
    assert capfd.readouterr().err == ""


def test_positive_ignores_negative_warm_starts():
    """Found by an independent review: with positive=True a negative coef_init
    (or a warm-started estimator's negative coef_) that already fitted the
    data was certified (gap 0) and returned as is, infeasible."""
    X = np.array([[0.0, 0.2843975679837203, 1.0521221522050859, 0.0],
                  [0.0, 0.558101635327607, 1.1528756634220239, 0.0]])
    y = np.array([2.9093638923323897, 1.3276595570558836])
    start = np.array([0.04551274367419627, 0.0, -1.8559634922015442, 0.0])
    for fit in (
        lambda: sf.enet_path(X, y, l1_ratio=1.0, alphas=[1e-12], tol=1e-10, positive=True,
                             coef_init=start, fit_intercept=True)[1][:, 0],
        lambda: sf.group_lasso_path(X, y, 2, alphas=[1e-12], tol=1e-10, positive=True,
                                    coef_init=start, fit_intercept=True)[1][:, 0],
    ):
        coef = fit()
        assert np.all(coef >= 0)
        # both centred columns correlate negatively with y: 0 is the optimum
        np.testing.assert_array_equal(coef, 0.0)
    model = sf.Lasso(alpha=1e-12, positive=True, warm_start=True, tol=1e-10)
    model.coef_ = start.copy()
    model.fit(X, y)
    assert np.all(model.coef_ >= 0)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_constant_columns_take_no_part_with_an_intercept(fmt):
    """Found by an independent review: with sample weights, a constant sparse
    column centred implicitly kept a norm of rounding residue (4e-16), so a
    warm start on it was not dropped and an alpha = 0 path end blew its
    coefficient up to 1e31 with a reported gap of 0 (the true one: 86
    ||y||^2/n)."""
    X = np.array([[2.5, 0.6181287607834314, 0.29026370995256523, 2.5],
                  [2.5, 0.03847807786278837, -0.16783859549910576, 2.5]])
    y = np.array([5.537011512666833, -0.6710183804134393])
    sw = np.array([2.835591100512891, 0.26749689740533195])
    start = np.array([-0.4943261528373467, 0.0, 2.1019499315024652, 0.0])
    Xf = {"dense": np.asfortranarray, "csr": sparse.csr_matrix,
          "csc": sparse.csc_matrix}[fmt](X)
    alphas = [283.5, 141.7, 28.3, 2.83, 0.0]
    _, coefs, gaps = sf.enet_path(Xf, y, l1_ratio=0.0, alphas=alphas, tol=1e-10,
                                  coef_init=start, positive=True, fit_intercept=True,
                                  sample_weight=sw, precompute=False)
    assert np.all(coefs[[0, 3]] == 0.0)
    # two samples, two free columns: the alpha = 0 end interpolates y
    b = np.average(y - X @ coefs[:, -1], weights=sw)
    np.testing.assert_allclose(X @ coefs[:, -1] + b, y, rtol=1e-10)
    assert np.all(np.isfinite(gaps))


@pytest.mark.parametrize("call,name", [
    (lambda v: sf.Lasso(alpha=0.1, positive=v).fit(X_OK, Y_OK), "positive"),
    (lambda v: sf.Lasso(alpha=0.1, fit_intercept=v).fit(X_OK, Y_OK), "fit_intercept"),
    (lambda v: sf.ElasticNet(alpha=0.1, warm_start=v).fit(X_OK, Y_OK), "warm_start"),
    (lambda v: sf.ElasticNet(alpha=0.1, copy_X=v).fit(X_OK, Y_OK), "copy_X"),
    (lambda v: sf.LassoCV(alphas=3, cv=2, fit_intercept=v).fit(X_OK, Y_OK), "fit_intercept"),
    (lambda v: sf.lasso_path(X_OK, Y_OK, alphas=3, positive=v), "positive"),
    (lambda v: sf.enet_path(X_OK, Y_OK, alphas=3, fit_intercept=v), "fit_intercept"),
    (lambda v: sf.lasso_path(X_OK, Y_OK, alphas=3, screening=v), "screening"),
])
@pytest.mark.parametrize("value", ["False", None, 1])
def test_flags_must_be_booleans(call, name, value):
    """Found by a review: positive="False" (a true string) fitted a positive
    model. As in scikit-learn, a flag is a bool, and a bad parameter is an
    InvalidParameterError, both a ValueError and a TypeError."""
    with pytest.raises(InvalidParameterError, match=f"{name} must be True or False"):
        call(value)


@pytest.mark.parametrize("call", [
    lambda: sf.Lasso(alpha="0.1").fit(X_OK, Y_OK),
    lambda: sf.Lasso(alpha=0.1, selection="greedy").fit(X_OK, Y_OK),
    lambda: sf.lasso_path(X_OK, Y_OK, eps=2.0),
    lambda: sf.LassoCV(alphas=0).fit(X_OK, Y_OK),
])
def test_bad_parameters_are_type_errors_too(call):
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize("cls, kw, failed", [
    (sf.LassoCV, {}, "3 of 6"), (sf.ElasticNetCV, {"l1_ratio": [0.5, 0.9]}, "6 of 12"),
    (sf.GroupLassoCV, {"groups": 4}, "3 of 6")])
@pytest.mark.parametrize("n_jobs, backend", [(None, "threading"), (2, "threading"),
                                             (2, "loky"), (2, "multiprocessing")])
def test_cv_reports_folds_that_did_not_converge(cls, kw, failed, n_jobs, backend):
    """Found by a review: the CV estimators hid the folds' convergence
    failures (scikit-learn warns for each). One ConvergenceWarning now counts
    them, raised by fit (the folds return them: also from processes)."""
    import joblib

    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 200), rng.randn(50)
    with joblib.parallel_config(backend=backend), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cls(cv=3, alphas=[1.0, 1e-4], max_iter=5, n_jobs=n_jobs, **kw).fit(X, y)
    reports = [w for w in seen if issubclass(w.category, ConvergenceWarning)]
    assert len(reports) == 1 and f"on {failed} fits of the cross-validation" in str(
        reports[0].message)
    assert reports[0].filename == __file__  # (pointing at the caller)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cls(cv=3, alphas=5, n_jobs=n_jobs, **kw).fit(X, y)


@pytest.mark.parametrize("backend", ["multiprocessing", "loky"])
def test_cv_folds_run_in_threads_whatever_the_backend(backend, monkeypatch):
    """Found by a review: under joblib's multiprocessing backend the CV
    estimators failed (their fold worker, a closure, cannot be pickled); the
    folds share X, the stop event and the progress hook, and now always run
    in threads, as the same results with n_jobs=1 show."""
    import joblib

    from sparsefuse.fusion import Blocks, FusionRegressor

    import os

    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 12), rng.randn(60)
    # (the folds call the progress hook: in this process, so in threads)
    pids = []
    monkeypatch.setattr(sf._cv, "progress_hook", lambda: pids.append(os.getpid()))
    models = [lambda n_jobs: sf.LassoCV(cv=3, alphas=6, n_jobs=n_jobs),
              lambda n_jobs: sf.ElasticNetCV(cv=3, alphas=6, l1_ratio=[0.5, 1.0],
                                             n_jobs=n_jobs),
              lambda n_jobs: sf.GroupLassoCV(groups=3, cv=3, alphas=6, n_jobs=n_jobs)]
    for make in models:
        alone = make(1).fit(X, y)
        with joblib.parallel_config(backend=backend):
            pooled = make(2).fit(X, y)
        np.testing.assert_array_equal(pooled.mse_path_, alone.mse_path_)
        np.testing.assert_array_equal(pooled.coef_, alone.coef_)
    blocks = Blocks({"a": X[:, :5], "b": X[:, 5:]})
    alone = FusionRegressor(alphas=6, cv=3, n_jobs=1).fit(blocks, y)
    with joblib.parallel_config(backend=backend):
        pooled = FusionRegressor(alphas=6, cv=3, n_jobs=2).fit(blocks, y)
    np.testing.assert_array_equal(pooled.coef_, alone.coef_)
    # (LassoCV, ElasticNetCV with two l1_ratios, GroupLassoCV, FusionRegressor:
    # 3 folds each, with n_jobs=1 and 2)
    assert pids == [os.getpid()] * (2 * (3 + 3 * 2 + 3 + 3))


def test_alphas_none_is_the_default_grid_and_a_float_is_refused():
    """alphas=None, scikit-learn's default before 1.9, means 100 alphas in
    the path functions (deprecated, as there); a float (a typo for the number
    of alphas, or one alpha) is refused as in scikit-learn, where it once
    gave a grid of that one alpha."""
    with pytest.warns(FutureWarning, match="alphas=None"):
        alphas, coefs, _ = sf.lasso_path(X_OK, Y_OK, alphas=None)
    np.testing.assert_allclose(alphas, sf.lasso_path(X_OK, Y_OK)[0])
    assert coefs.shape == (X_OK.shape[1], 100)
    for call in (lambda: sf.lasso_path(X_OK, Y_OK, alphas=0.5),
                 lambda: sf.LassoCV(alphas=100.0).fit(X_OK, Y_OK),
                 lambda: sf.GroupLassoCV(2, alphas=0.1).fit(X_OK, Y_OK)):
        with pytest.raises(InvalidParameterError, match="alphas must be an int"):
            call()


@pytest.mark.parametrize("part,weights", [("test", np.r_[np.zeros(6), np.ones(24)]),
                                          ("training", np.r_[np.ones(15), np.zeros(15)])])
def test_cv_fold_of_zero_weights_is_a_clear_error(part, weights):
    """Found by a review: a fold whose test (or training) samples all have zero
    weight failed with ZeroDivisionError (or LinAlgError) deep in the fit."""
    from sklearn.model_selection import KFold

    cv = KFold(5) if part == "test" else KFold(2)
    with pytest.raises(ValueError, match=f"fold .*{part} part has zero weight"):
        sf.LassoCV(cv=cv, alphas=3).fit(X_OK, Y_OK, sample_weight=weights)


def test_cv_scores_folds_without_copying_the_path():
    """Found by a review: scoring a fold multiplied X_test by the whole
    Fortran-ordered (n_features, n_alphas) path (a C-ordered copy) and its
    float32 coefficients by float64 offsets (a float64 copy): 2-3x the path's
    memory. Only the features nonzero at some alpha take part now."""
    import tracemalloc

    rng = np.random.default_rng(3)
    n, p, nnz = 2000, 50_000, 40_000
    X = sparse.csr_matrix((rng.random(nnz).astype(np.float32),
                           (rng.integers(0, n, nnz), rng.integers(0, p, nnz))), shape=(n, p))
    y = (X[:, :20] @ rng.standard_normal(20)).astype(np.float32) + 0.1
    path_bytes = p * 100 * 4  # one fold's path: float32, 100 alphas
    tracemalloc.start()
    model = sf.LassoCV(cv=3).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1.5 * path_bytes, peak / path_bytes
    assert model.mse_path_.shape == (100, 3)


def test_alpha_grid_reuses_the_statistics_pass(monkeypatch):
    """Found by a review: the grid looked X^T y up by identity on a column
    view of the target, missed it, and read X once more."""
    from sparsefuse import _path

    recomputed = []
    correlation = _path._Design.correlation

    def spy(self, y):
        recomputed.append(self.gradients_at_zero(y) is None)
        return correlation(self, y)

    monkeypatch.setattr(_path._Design, "correlation", spy)
    sf.lasso_path(X_OK, Y_OK, alphas=5)
    sf.LassoCV(cv=2, alphas=5).fit(sparse.csr_matrix(X_OK), Y_OK)
    assert recomputed and not any(recomputed)


@pytest.mark.parametrize("model,kernel", [
    (sf.Lasso(alpha=0.01, tol=0.0, max_iter=300_000), "enet_solve"),
    (sf.Lasso(alpha=0.01, tol=0.0, max_iter=300_000, working_set=False), "enet_solve"),
    (sf.Lasso(alpha=0.01, tol=0.0, max_iter=300_000, precompute=True), "enet_gram_solve"),
    (sf.GroupLasso(3, alpha=0.01, tol=0.0, max_iter=300_000), "group_solve"),
    # (found by a review: the group kernel checked only between inner solves,
    # and without working sets one inner solve is the whole fit)
    (sf.GroupLasso(3, alpha=0.01, tol=0.0, max_iter=300_000, working_set=False),
     "group_solve"),
])
def test_ctrl_c_stops_a_long_fit_inside_the_kernel(model, kernel):
    """Found by a review: Ctrl-C could not stop a single long fit (the
    KeyboardInterrupt came once the fit was over). The kernel now checks for
    signals at each gap check, and the interrupt leaves from inside it."""
    import _thread
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 600))
    y = X[:, :10].sum(axis=1) + rng.standard_normal(300)
    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt) as caught:
            model.fit(X, y)  # (tol=0: it would run all its epochs, many seconds)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    # raised inside the kernel's call, not once it had returned
    names, tb = [], caught.value.__traceback__
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert any(name.endswith("." + kernel) for name in names), names


@pytest.mark.parametrize("make_model", [
    lambda **kw: sf.LassoCV(**kw),
    lambda **kw: sf.GroupLassoCV(3, **kw),
], ids=["LassoCV", "GroupLassoCV"])
@pytest.mark.parametrize("solves", ["long", "short"])
def test_ctrl_c_stops_the_folds_running_in_worker_threads(make_model, solves, monkeypatch):
    """Left open by an earlier review: with ``n_jobs=2``, Ctrl-C gave the
    KeyboardInterrupt back at once, but the folds' kernels went on in
    joblib's threads to the end of their paths (signals reach the main
    thread only). They now stop at their next check, and folds not started
    do not start: no fold completes once the main thread is interrupted.
    With short solves (a later review: paths of 2,000 alphas, each solve
    under the 20 ms between a kernel's looks) the kernels look as they
    start."""
    import _thread
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    completed = []
    monkeypatch.setattr(sf._cv, "progress_hook", lambda: completed.append(1))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 600))
    y = X[:, :10].sum(axis=1) + rng.standard_normal(300)
    if solves == "long":
        # (tol=0: each fold would run max_iter epochs at each alpha, many seconds)
        model = make_model(cv=4, n_jobs=2, alphas=5, tol=0.0, max_iter=20_000)
    else:
        model = make_model(cv=4, n_jobs=2, alphas=2000, eps=1e-4, tol=1e-6)
    before = set(threading.enumerate())
    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    for thread in set(threading.enumerate()) - before:
        thread.join()
    assert completed == []


@pytest.mark.parametrize("fit", [
    lambda X, y, kw: sf.Lasso(alpha=0.01, **kw).fit(X, y),
    lambda X, y, kw: sf.lasso_path(X, y, alphas=3, **kw),
    lambda X, y, kw: sf.LassoCV(alphas=3, cv=2, **kw).fit(X, y),
    lambda X, y, kw: sf.ElasticNetCV(alphas=3, cv=2, **kw).fit(X, y),
    lambda X, y, kw: sf.GroupLasso(4, alpha=0.01, **kw).fit(X, y),
    lambda X, y, kw: sf.group_lasso_path(X, y, 4, alphas=3, **kw),
    lambda X, y, kw: sf.GroupLassoCV(4, alphas=3, cv=2, **kw).fit(X, y),
], ids=["Lasso", "lasso_path", "LassoCV", "ElasticNetCV", "GroupLasso", "group_lasso_path",
        "GroupLassoCV"])
def test_convergence_warnings_point_at_the_callers_line(fit):
    """Found by a review: the CV estimators' refit warned from inside
    sparsefuse (linear_model.py, group.py), and so did lasso_path (its
    wrapper of enet_path): every ConvergenceWarning now points at the call
    outside the package."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 80))
    y = X[:, :5].sum(axis=1) + rng.standard_normal(50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(X, y, dict(tol=1e-14, max_iter=3))
    places = {(w.filename, w.lineno) for w in caught if w.category is ConvergenceWarning}
    assert places and {name for name, _ in places} == {__file__}, places


def test_lassocv_dense_folds_are_copied_once():
    """Each fold of a dense Fortran-ordered X is one Fortran-ordered copy of
    its rows (indexing rows gives C order, which the kernels would copy
    again), and no fold or refit centres X in a copy: with 5 folds (one at a
    time), the peak allocation stays under X's size."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((2000, 400)) + 1.0)
    y = X[:, :10] @ np.ones(10) + rng.standard_normal(2000)
    tracemalloc.start()
    sf.LassoCV(cv=5, n_jobs=1).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes, f"peak {peak / 1e6:.1f} MB for a {X.nbytes / 1e6:.1f} MB X"


@pytest.mark.parametrize("fit", [
    lambda X, y: sf.Lasso(alpha=0.01, tol=0.0, max_iter=100_000).fit(X, y),
    lambda X, y: sf.GroupLasso(3, alpha=0.01, tol=0.0, max_iter=100_000).fit(X, y),
], ids=["Lasso", "GroupLasso"])
def test_an_exception_raised_in_the_stop_check_leaves_the_kernel(fit):
    """Found by a review: the kernels' check of sparsefuse._stop ran Python
    code in a function that could not raise, so an exception raised there
    (a signal handler's: Ctrl-C arriving during the check, 6% of them in a
    probe of 3,000) was printed as "Exception ignored" and the fit ran on to
    its end. It now leaves the kernel like the interrupt it is."""
    from sparsefuse._stop import stoppable

    class Failing:
        def is_set(self):
            raise RuntimeError("raised inside the stop check")

    # (a fit of many epochs: the kernels check every 20 ms of their run)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 600))
    y = X[:, :10].sum(axis=1) + rng.standard_normal(300)
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with stoppable(Failing()), pytest.raises(RuntimeError, match="inside the stop"):
            fit(X, y)  # (tol=0: it would run all its epochs)
    finally:
        sys.unraisablehook = previous
    assert unraisable == []


def test_kernels_take_the_gil_for_their_checks_at_most_every_20_ms():
    """Found by a review: the kernels took the GIL at every gap check to look
    for Ctrl-C, and each time waited for it next to a busy Python thread (up
    to the switch interval, 5 ms): a 100-alpha path on leukemia run in a
    worker thread took 8 s instead of 0.1 s. The checks (counted here by the
    stop event they read) now come at most every 20 ms of a kernel's run."""
    from sparsefuse._stop import StopEvent, stoppable

    class Counting:
        calls = 0

        def is_set(self):
            Counting.calls += 1
            return False

    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    start = time.perf_counter()
    with stoppable(Counting()):
        sf.lasso_path(X, y, alphas=100, tol=1e-8)
        sf.group_lasso_path(X[:, :7128], y, 8, alphas=20, tol=1e-8)
    elapsed = time.perf_counter() - start
    # (every gap check called it before: about 1,600 times in the Lasso path;
    # now once as each kernel call starts, with the GIL it holds then, and
    # at most every 20 ms of its run)
    assert Counting.calls <= 120 + 2 + elapsed / 0.02
    # a stop already asked for stops the first kernel call, however short
    event = StopEvent()
    event.set()
    with stoppable(event), pytest.raises(KeyboardInterrupt):
        sf.lasso_path(X, y, alphas=100, tol=1e-8)


@pytest.mark.parametrize("make_model", [sf.LassoCV, sf.ElasticNetCV,
                                        lambda **kw: sf.GroupLassoCV(1, **kw)],
                         ids=["LassoCV", "ElasticNetCV", "GroupLassoCV"])
@pytest.mark.parametrize("folds,words", [
    ([(np.arange(20, 40), np.arange(20)), (np.arange(40), np.array([], dtype=int))],
     "fold 1: its test part is empty"),
    ([(np.array([], dtype=int), np.arange(20))], "fold 0: its training part is empty"),
    ([(np.ones(40, bool), np.zeros(40, bool))], "fold 0: its test part is empty"),
    ([], "cv gives no folds"),
], ids=["empty test", "empty training", "empty test mask", "no folds"])
def test_cv_with_an_empty_fold_part_is_an_error(make_model, folds, words):
    """Found by a review: an empty test part made that fold's errors NaN,
    which won the search for the lowest (alpha_max: every coefficient zero,
    silently); an empty training part failed deep inside the fit."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y = X[:, 0] + 0.3 * rng.standard_normal(40)
    with pytest.raises(ValueError, match=words):
        make_model(cv=folds).fit(X, y)


def test_cv_boolean_mask_folds_on_fortran_X():
    """Found in review: folds given as boolean masks (as scikit-learn accepts)
    on a Fortran-ordered X were read as the indices 0 and 1."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6))
    y = X[:, 0] + 0.1 * rng.standard_normal(40)
    k = np.arange(40) % 4
    masks = [(k != f, k == f) for f in range(4)]
    indices = [(np.flatnonzero(a), np.flatnonzero(b)) for a, b in masks]
    for order in ("F", "C"):
        Xo = np.asarray(X, order=order)
        a = sf.LassoCV(cv=masks).fit(Xo, y)
        b = sf.LassoCV(cv=indices).fit(Xo, y)
        np.testing.assert_allclose(a.mse_path_, b.mse_path_)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("scale", [1e-50, 1e39])
def test_float32_data_with_tiny_or_huge_weights(fmt, scale):
    """Found by a review: the weights were cast to X's dtype before being
    scaled by the largest, so that with float32 X, 1e-50 became 0 and 1e39
    inf, and uniform weights gave NaN and a ValueError about y or X. Only
    their ratios matter: uniform weights give the unweighted fit."""
    X = np.asfortranarray(X_OK.astype(np.float32))
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    sw = np.full(len(Y_OK), scale)
    for make in (lambda: sf.Lasso(alpha=0.01, tol=1e-8),
                 lambda: sf.GroupLasso(2, alpha=0.01, tol=1e-8)):
        plain = make().fit(Xf, Y_OK)
        weighted = make().fit(Xf, Y_OK, sample_weight=sw)
        np.testing.assert_allclose(weighted.coef_, plain.coef_, rtol=1e-4, atol=1e-5)
    uneven = np.ones(len(Y_OK))
    uneven[0] = scale
    assert np.all(np.isfinite(sf.Lasso(alpha=0.01).fit(Xf, Y_OK, sample_weight=uneven).coef_))


FAILING_REFIT = {
    "Lasso": lambda: sf.Lasso(alpha=0.1),
    "ElasticNet": lambda: sf.ElasticNet(alpha=0.1),
    "LassoCV": lambda: sf.LassoCV(cv=2, alphas=3),
    "ElasticNetCV": lambda: sf.ElasticNetCV(cv=2, alphas=3),
    "GroupLasso": lambda: sf.GroupLasso(2, alpha=0.1),
    "SparseGroupLasso": lambda: sf.SparseGroupLasso(2, alpha=0.1),
    "GroupLassoCV": lambda: sf.GroupLassoCV(2, cv=2, alphas=3),
}


@pytest.mark.parametrize("name", sorted(FAILING_REFIT))
@pytest.mark.parametrize("failure", ["bad tol", "nan in X", "negative weight"])
def test_a_failed_fit_leaves_the_estimator_as_it_was(name, failure):
    """Input validation records n_features_in_ before the other checks run: a
    refit that fails on them left a model expecting the failed fit's features
    while holding the old coef_, and a first fit that failed left an
    estimator that check_is_fitted took for fitted (found by a review)."""
    from sklearn.exceptions import NotFittedError

    X_new = X_OK[:, :4].copy()
    weights = None
    if failure == "nan in X":
        X_new[0, 0] = np.nan
    elif failure == "negative weight":
        weights = np.ones(30)
        weights[3] = -1.0
    model = FAILING_REFIT[name]().fit(X_OK, Y_OK)
    before = {k: v for k, v in vars(model).items() if k.endswith("_")}
    predicted = model.predict(X_OK)
    if failure == "bad tol":
        model.set_params(tol=-1.0)
    with pytest.raises(ValueError):
        model.fit(X_new, Y_OK, sample_weight=weights)
    after = {k: v for k, v in vars(model).items() if k.endswith("_")}
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(model.set_params(tol=1e-4).predict(X_OK), predicted)

    fresh = FAILING_REFIT[name]()
    if failure == "bad tol":
        fresh.set_params(tol=-1.0)
    with pytest.raises(ValueError):
        fresh.fit(X_new, Y_OK, sample_weight=weights)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        fresh.predict(X_OK)


def test_a_failed_fusion_fit_leaves_the_estimator_as_it_was():
    from sklearn.exceptions import NotFittedError

    model = FusionRegressor("sparse_group", cv=2, alphas=3).fit({"a": X_OK[:, :3],
                                                                 "b": X_OK[:, 3:]}, Y_OK)
    before = {k: v for k, v in vars(model).items() if k.endswith("_")}
    predicted = model.predict({"a": X_OK[:, :3], "b": X_OK[:, 3:]})
    bad = X_OK[:, :2].copy()
    bad[1, 1] = np.inf
    with pytest.raises(ValueError):
        model.fit({"a": bad, "c": X_OK[:, 2:]}, Y_OK)
    after = {k: v for k, v in vars(model).items() if k.endswith("_")}
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(model.predict({"a": X_OK[:, :3], "b": X_OK[:, 3:]}),
                                  predicted)
    with pytest.raises(ValueError):
        FusionRegressor("sparse_group").fit({"a": bad}, Y_OK)
    with pytest.raises(NotFittedError):
        FusionRegressor("sparse_group").predict({"a": X_OK[:, :2]})


@pytest.mark.parametrize("index_dtype", [np.uint32, np.int16, ">i4", ">i8"])
@pytest.mark.parametrize("make", [lambda: sf.Lasso(alpha=0.01),
                                  lambda: sf.GroupLasso(2, alpha=0.01)])
def test_csc_index_arrays_of_any_integer_dtype_are_taken(index_dtype, make):
    """Index arrays set by hand to another integer dtype (unsigned, short,
    big-endian) are converted, not passed to the kernels (whose argument
    types they failed to match: "ambiguous argument types", "Big-endian
    buffer not supported"); the caller's matrix is left as it was."""
    X = np.where(X_OK > 0.3, X_OK, 0.0)
    A = sparse.csc_matrix(X)
    A.indices = A.indices.astype(index_dtype)
    A.indptr = A.indptr.astype(index_dtype)
    indices = A.indices.copy()
    expected = make().fit(sparse.csc_matrix(X), Y_OK)
    model = make().fit(A, Y_OK)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-12, atol=1e-14)
    assert A.indices.dtype == np.dtype(index_dtype)
    np.testing.assert_array_equal(A.indices, indices)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
def test_column_whose_mean_dwarfs_its_spread_is_not_taken_as_constant(fmt, weighted):
    """Found by a review: a column of 1e12 + 0.1 z (99 distinct values, a
    spread of about 800 ulps of its mean) fell under the test for constant
    columns (sqrt(n_samples) ulps of a one-pass mean) and was dropped: the
    fit left out the one feature that explains y, with a duality gap of 0.
    Nanosecond timestamps (1.7e18 + 1e6 z) fared the same at n = 10,000."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal(100)
    X = np.column_stack([1e12 + 0.1 * z, rng.standard_normal(100)])
    y = z + 0.1 * rng.standard_normal(100)
    sw = np.linspace(1.0, 2.0, 100) if weighted else None
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    ours = sf.Lasso(alpha=0.01, tol=1e-10).fit(Xf, y, sample_weight=sw)
    theirs = sk.Lasso(alpha=0.01, tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-6)
    assert ours.coef_[0] > 8.0
    # alpha_max from the same statistics, against its exact value for X as
    # stored (scikit-learn's is 3e-4 off: its centred column loses digits)
    from fractions import Fraction

    column, target = [Fraction(a) for a in X[:, 0]], [Fraction(b) for b in y]
    mean_x, mean_y = sum(column) / 100, sum(target) / 100
    exact = abs(sum((a - mean_x) * (b - mean_y) for a, b in zip(column, target))) / 100
    cv = sf.LassoCV(cv=3, alphas=5).fit(Xf, y)
    np.testing.assert_allclose(cv.alphas_[0], float(exact), rtol=1e-9)


def test_truly_constant_columns_stay_constant_after_the_refinement():
    """The test's second look keeps columns constant whose centred residue is
    their entries' rounding, also weighted (each entry rounded once)."""
    rng = np.random.default_rng(1)
    n = 1000
    X = np.column_stack([np.full(n, 1e12), np.full(n, 0.1), rng.standard_normal(n),
                         np.full(n, 3.0)])
    y = X[:, 2] + 0.1 * rng.standard_normal(n)
    for sw in (None, rng.uniform(0.1, 10.0, n)):
        for Xf in (X, sparse.csc_matrix(X), X.astype(np.float32)):
            design = sf._path.make_design(Xf, True, sw, y=y.astype(Xf.dtype))
            norms = design.column_stats[0]
            assert norms[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0] and norms[2] > 0


@pytest.mark.parametrize("make", [lambda: sf.Lasso(alpha=1e-156),
                                  lambda: sf.GroupLasso([2, 3], alpha=1e-156),
                                  lambda: sf.SparseGroupLasso([2, 3], alpha=1e-156)])
def test_coefficients_beyond_1e154_keep_a_finite_certificate(make):
    """Found by a review: ||w||^2 overflows past 1e154 and the Lasso's gap took
    0 * inf (its zero L2 weight) as NaN, then infinite, and ran to max_iter
    (the group norm overflowed the same way); scikit-learn converges in 6
    epochs."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 5)) * 1e-154
    y = X @ np.array([1.0, -1.0, 0.0, 0.0, 2.0]) * 1e154 + 0.1 * rng.standard_normal(50)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = make().fit(X, y)
    assert np.isfinite(model.dual_gap_) and model.n_iter_ < 100
    np.testing.assert_allclose(model.coef_ / 1e154, [1.0, -1.0, 0.0, 0.0, 2.0], atol=0.05)


@pytest.mark.parametrize("weights", ["1/100", "1e-4/1e4"])
@pytest.mark.parametrize("make", [lambda: sf.Lasso(alpha=1e-6, tol=1e-10),
                                  lambda: sf.Lasso(alpha=1e-6, tol=1e-10, precompute=True),
                                  lambda: sf.GroupLasso([1, 1, 1], alpha=1e-6, tol=1e-10)])
def test_weighted_dense_columns_of_large_mean_are_centred_exactly(weights, make):
    """Found by a review of the constant-column fix: with sample weights,
    dense X is centred in memory with a weighted mean summed in one pass (36
    ulps off at 1e12), which left a multiple of the weights' column in a
    column whose mean dwarfs its spread (0.5% off the optimum, gap 0), and a
    constant column, tested against a column of ones, kept a norm and took a
    coefficient of -9.7. Sparse X, centred implicitly against that column,
    gave the right answer: dense must agree with it."""
    rng = np.random.default_rng(0)
    n = 2000
    z = rng.standard_normal(n)
    y = z + 0.1 * rng.standard_normal(n)
    X = np.column_stack([np.full(n, 1e12), 1e12 + 0.1 * z, rng.standard_normal(n)])
    low, high = (1.0, 100.0) if weights == "1/100" else (1e-4, 1e4)
    sw = np.where(rng.random(n) < 0.5, low, high)
    dense = make().fit(X, y, sample_weight=sw)
    csc = make().fit(sparse.csc_matrix(X), y, sample_weight=sw)
    assert dense.coef_[0] == 0.0 and csc.coef_[0] == 0.0
    np.testing.assert_allclose(dense.coef_, csc.coef_, rtol=1e-7)
    np.testing.assert_allclose(dense.intercept_, csc.intercept_, rtol=1e-12)


def test_zero_weights_do_not_warn_in_the_constant_column_check():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200)
    sw = rng.uniform(0.5, 2.0, 200)
    sw[:5] = 0.0
    X = sparse.csc_matrix(np.column_stack([np.full(200, 3.0), z]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = sf.Lasso(alpha=0.01).fit(X, z, sample_weight=sw)
    assert model.coef_[0] == 0.0 and model.coef_[1] > 0.9


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("make", [lambda: sf.LassoCV(cv=3, alphas=5),
                                  lambda: sf.GroupLassoCV(1, cv=3, alphas=5),
                                  lambda: sf.Lasso(alpha=0.01)])
def test_uint64_index_arrays_in_cross_validation_and_predict(fmt, make):
    """The single fits converted them; the CV folds (sliced by scipy, which
    refuses uint64 indices) and predict did not (found by a review)."""
    X = np.where(X_OK > 0.3, X_OK, 0.0)
    A = getattr(sparse, f"{fmt}_matrix")(X)
    A.indices = A.indices.astype(np.uint64)
    A.indptr = A.indptr.astype(np.uint64)
    model = make().fit(A, Y_OK)
    expected = make().fit(X, Y_OK)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.predict(A), expected.predict(X), rtol=1e-10)
    assert A.indices.dtype == np.uint64
