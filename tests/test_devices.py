"""Screening, working sets, strong rules, Anderson extrapolation and Newton
steps change the work done, never the answer."""

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn import linear_model as sk

import sparsefuse as sf
from reference import enet_certificate, enet_objective
from sparsefuse import _cd
from sparsefuse._path import check_sample_weight, make_design, solve_path

DATA = Path(__file__).parent / "data"

CONFIGS = {
    "all": {},
    "working sets everywhere": {"working_set": True},
    "no screening": {"screening": False},
    "no working set": {"working_set": False},
    "no working set, no strong rules": {"working_set": False, "strong_rules": False},
    "no Anderson": {"anderson": 0},
    "no path extrapolation": {"path_extrapolation": False},
    "no Newton steps": {"newton": False},
    "plain CD": {"screening": False, "working_set": False, "strong_rules": False,
                 "anderson": 0, "path_extrapolation": False, "newton": False},
}


def random_problem(seed, n_samples, n_features, density, correlated):
    rng = np.random.default_rng(seed)
    if correlated:
        latent = rng.standard_normal((n_samples, 4))
        X = latent @ rng.standard_normal((4, n_features)) + 0.5 * rng.standard_normal(
            (n_samples, n_features))
    else:
        X = rng.standard_normal((n_samples, n_features))
    X[rng.random(X.shape) > density] = 0.0
    w = np.zeros(n_features)
    w[rng.choice(n_features, 5, replace=False)] = 2 * rng.standard_normal(5)
    y = X @ w + rng.standard_normal(n_samples) + 1.5
    return X, y


def assert_lasso_objectives_match(X, y, alphas, coefs, ref, rel):
    """Lasso objectives (intercept fitted) of two paths agree at every alpha."""
    for k, alpha in enumerate(alphas):
        b = y.mean() - X.mean(axis=0) @ coefs[:, k]
        b_ref = y.mean() - X.mean(axis=0) @ ref[:, k]
        assert enet_objective(X, y, coefs[:, k], b, alpha) == pytest.approx(
            enet_objective(X, y, ref[:, k], b_ref, alpha), rel=rel)


CASES = list(itertools.product(range(4), ["dense", "csc"], [True, False], [1.0, 0.6],
                               [False, True]))


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed,fmt,fit_intercept,l1_ratio,positive", CASES)
def test_devices_agree_on_random_paths(seed, fmt, fit_intercept, l1_ratio, positive):
    X, y = random_problem(seed, 40 + 10 * seed, 80, 0.4 if fmt == "csc" else 1.0,
                          correlated=seed % 2 == 0)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    kw = dict(l1_ratio=l1_ratio, alphas=12, eps=1e-2, tol=1e-11, max_iter=200_000,
              fit_intercept=fit_intercept, positive=positive)
    alphas, reference, _ = sf.enet_path(Xf, y, **CONFIGS["plain CD"], **kw)
    yc = y - y.mean() if fit_intercept else y
    for name, devices in CONFIGS.items():
        _, coefs, gaps = sf.enet_path(Xf, y, **devices, **kw)
        for k, alpha in enumerate(alphas):
            b = (y.mean() - X.mean(axis=0) @ coefs[:, k]) if fit_intercept else 0.0
            b_ref = (y.mean() - X.mean(axis=0) @ reference[:, k]) if fit_intercept else 0.0
            p = enet_objective(X, y, coefs[:, k], b, alpha, l1_ratio)
            p_ref = enet_objective(X, y, reference[:, k], b_ref, alpha, l1_ratio)
            # both are certified within tol * ||y||^2 / n of the optimum
            assert abs(p - p_ref) <= 2e-11 * (yc @ yc) / len(y) + 1e-14, name
        np.testing.assert_allclose(coefs, reference, atol=1e-4, err_msg=name)


def test_strong_rules_violated_and_still_exact():
    """A path on which the sequential strong rule discards a feature that is
    active at the next alpha: the KKT check must bring it back."""
    rng = np.random.default_rng(1112)
    X = rng.standard_normal((15, 40))
    y = rng.standard_normal(15)
    n = len(y)
    alpha_max = np.abs(X.T @ y).max() / n
    alphas = alpha_max * 0.6 ** np.arange(8)
    # Independent check (scikit-learn) that the rule really is violated here.
    _, ref, _ = sk.lasso_path(X, y, alphas=alphas, tol=1e-14, max_iter=1_000_000)
    violated = False
    for k in range(1, len(alphas)):
        g = np.abs(X.T @ (y - X @ ref[:, k - 1])) / n
        strong = (g >= 2 * alphas[k] - alphas[k - 1]) | (ref[:, k - 1] != 0)
        violated |= bool(np.any((np.abs(ref[:, k]) > 1e-6) & ~strong))
    assert violated
    for devices in (CONFIGS["no working set"], CONFIGS["all"],
                    CONFIGS["working sets everywhere"]):
        _, coefs, _ = sf.lasso_path(X, y, alphas=alphas, tol=1e-12, max_iter=100_000,
                                    **devices)
        np.testing.assert_allclose(coefs, ref, atol=1e-7)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_devices_agree_on_leukemia(name):
    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    kw = dict(alphas=8, eps=1e-2, tol=1e-10, max_iter=100_000, fit_intercept=True)
    alphas, ref, _ = sf.lasso_path(X, y, **kw)
    _, coefs, _ = sf.lasso_path(X, y, **CONFIGS[name], **kw)
    assert_lasso_objectives_match(X, y, alphas, coefs, ref, rel=1e-8)


def test_work_counters_show_what_each_device_does():
    from sparsefuse.datasets import load_leukemia

    X, y = load_leukemia()
    design = make_design(X, fit_intercept=True)
    y_prep, _ = design.prepare_target(y)
    alpha = np.abs(X.T @ y_prep).max() / len(y) / 5
    runs = {}
    for name, devices in CONFIGS.items():
        devices = {k: v for k, v in devices.items() if k != "strong_rules"}
        stats = []
        solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=1e-8, stats=stats, **devices)
        runs[name] = stats[0]
    # Along a path, Gap Safe discards most of the 7129 genes at the first
    # step below alpha_max; without it nothing is discarded. (A cold start at
    # alpha alone reaches its certificate before its gap is small enough.)
    for name in ("all", "no screening"):
        stats = []
        solve_path(design, y_prep, np.geomspace(5 * alpha, alpha, 5), l1_ratio=1.0,
                   tol=1e-8, stats=stats, **CONFIGS[name])
        screened = [s["n_screened"] for s in stats]
        if name == "all":
            assert screened[1] > 0.8 * X.shape[1]
        else:
            assert screened == [0] * 5
    # Working sets stay small; without them CD runs on every feature kept.
    assert runs["all"]["ws_size"] < 200
    assert runs["plain CD"]["ws_size"] == X.shape[1]
    # Anderson extrapolation and Newton steps each save most of the epochs on
    # this ill-conditioned problem (each measured with the other off).
    def epochs(**devices):
        stats = []
        solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=1e-8, stats=stats,
                   working_set=False, **devices)
        return stats[0]["n_epochs"]

    plain = epochs(anderson=0, newton=False)
    assert plain == runs["plain CD"]["n_epochs"]
    assert plain > 2 * epochs(newton=False)
    assert plain > 2 * epochs(anderson=0)
    # (the estimators' switch reaches the kernel)
    assert sf.Lasso(alpha=alpha, tol=1e-8, anderson=0, working_set=False).fit(X, y).n_iter_ \
        > sf.Lasso(alpha=alpha, tol=1e-8, working_set=False).fit(X, y).n_iter_


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_entries_of_x_read_are_counted(fmt):
    X, y = random_problem(0, 60, 200, 0.3, correlated=False)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    entries = Xf.nnz if fmt == "csc" else X.size
    alpha = np.abs(X.T @ y).max() / len(y) / 10

    def solve(**devices):
        design = make_design(Xf, fit_intercept=False)
        y_prep, _ = design.prepare_target(y)
        stats = []
        solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=1e-8, stats=stats, **devices)
        return stats[0]

    # Without screening or working sets each outer iteration reads all of X
    # for its gradients, and the first epoch reads all of X.
    plain = solve(screening=False, working_set=False, anderson=0)
    assert plain["entries_gradient"] == plain["n_outer"] * entries
    assert entries <= plain["entries_cd"] <= plain["n_epochs"] * entries
    # every update that moved a coefficient wrote its column into the residual
    assert 0 < plain["entries_update"] <= plain["entries_cd"]
    assert plain["entries_check"] > 0
    # Working sets: coordinate descent reads a small share of X per epoch.
    ws = solve()
    assert 0 < ws["entries_cd"] < 0.5 * ws["n_epochs"] * entries


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("screening", [True, False])
def test_first_working_set_budget(fmt, fit_intercept, screening):
    """The first working set of a cold start covers a share ``ws_budget`` of a
    gradient pass (columns for dense X, stored entries for sparse X): the
    answer is the same whatever the share, only the sets differ."""
    from sparsefuse import _cd

    X, y = random_problem(5, 120, 1500, 0.3 if fmt == "csc" else 1.0, correlated=False)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    design = make_design(Xf, fit_intercept)
    y_prep, _ = design.prepare_target(y)
    norms, xv = design.column_stats
    l1_reg = np.abs(Xf.T @ y_prep).max() / 50
    Xc = X - X.mean(axis=0) if fit_intercept else X

    def objective(w):
        r = y_prep - Xc @ w
        return 0.5 * r @ r + l1_reg * np.abs(w).sum()

    runs = {}
    for budget in (0.0, 0.02, 0.3):
        w, gap, tol_abs, _, stats = _cd.enet_solve(
            *design.buffers, design.is_sparse, y_prep, np.zeros(1500), design.v,
            fit_intercept, norms, xv, l1_reg, 0.0, 100_000, 1e-12, 1,
            screening=screening, ws_budget=budget)
        assert gap <= tol_abs
        runs[budget] = objective(w), stats["ws_size"]
    for budget, (p, _) in runs.items():
        assert abs(p - runs[0.0][0]) <= 2e-12 * (y_prep @ y_prep), budget
    for bad in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="ws_budget"):
            _cd.enet_solve(*design.buffers, design.is_sparse, y_prep, np.zeros(1500),
                           design.v, fit_intercept, norms, xv, l1_reg, 0.0, 10, 1e-4, 1,
                           ws_budget=bad)
    if not screening:
        # without screening a working set never shrinks: the last one is at
        # least as large as the first
        assert runs[0.0][1] < 0.3 * 1500
        if fmt == "dense":
            assert runs[0.3][1] >= int(0.3 * 1500)
        else:
            assert runs[0.3][1] > runs[0.0][1]


def test_first_working_set_budget_saves_full_passes():
    """On dense AR(1) designs with supports of about a hundred features, a
    first working set of 2% of the columns instead of ten saves gradient
    passes over all features (the growth steps from ten): never more, fewer
    over four seeds."""
    from sparsefuse import _cd
    from sparsefuse.bench import ar1_dense

    total = {0.0: 0, 0.02: 0}
    for seed in range(4):
        X, y = ar1_dense(None, n_samples=200, n_features=2000, seed=seed)
        design = make_design(X, fit_intercept=False)
        y_prep, _ = design.prepare_target(y)
        norms, xv = design.column_stats
        l1_reg = np.abs(X.T @ y_prep).max() / 10
        full = {}
        for budget in (0.0, 0.02):
            w, gap, tol_abs, _, stats = _cd.enet_solve(
                *design.buffers, False, y_prep, np.zeros(2000), design.v, False, norms, xv,
                l1_reg, 0.0, 100_000, 1e-6, 1, ws_budget=budget)
            assert gap <= tol_abs and np.count_nonzero(w) > 80
            full[budget] = stats["n_full"]
            total[budget] += stats["n_full"]
        assert full[0.02] <= full[0.0]
    assert total[0.02] < total[0.0]


def cold_solve(X, y, frac, tol, **kernel):
    """One cold-start enet_solve without intercept at alpha_max / frac."""
    from sparsefuse import _cd

    design = make_design(X, fit_intercept=False)
    y_prep, _ = design.prepare_target(y)
    norms, xv = design.column_stats
    l1_reg = np.abs(X.T @ y_prep).max() / frac
    return _cd.enet_solve(*design.buffers, design.is_sparse, y_prep, np.zeros(X.shape[1]),
                          design.v, False, norms, xv, l1_reg, 0.0, 100_000, tol, 1, **kernel)


def sparse_problem(seed, n_support):
    """1000 x 4000, 1% density: nearly orthogonal sparse columns."""
    rng = np.random.default_rng(seed)
    X = sparse.random(1000, 4000, density=0.01, format="csc", random_state=rng)
    coef = np.zeros(4000)
    coef[rng.choice(4000, n_support, replace=False)] = rng.standard_normal(n_support)
    return X, X @ coef + 0.01 * rng.standard_normal(1000)


def work(stats):
    """Entries of X read by a solve (see enet_solve's statistics)."""
    return (stats["entries_gradient"] + stats["entries_cd"] + stats["entries_update"]
            + stats["entries_check"])


@pytest.mark.parametrize("seed", range(3))
def test_fast_growth_of_saturated_working_sets_saves_outer_iterations(seed):
    """Sparse, nearly orthogonal columns and a support of ~600: the support
    fills each working set grown from ten. Growing 4x instead of 2x when it
    does (and the gap barely fell) reaches it in fewer outer iterations, each
    a gradient pass; the answer is the same."""
    X, y = sparse_problem(seed, 400)
    runs = {}
    for growth in (2, 4, None):  # (None: the default, 4)
        kw = {} if growth is None else {"ws_fast_growth": growth}
        w, gap, tol_abs, _, stats = cold_solve(X, y, 30, 1e-8, ws_budget=0.0, **kw)
        assert gap <= tol_abs
        runs[growth] = (w, stats["n_outer"], stats["entries_gradient"])
    assert runs[None][1:] == runs[4][1:]
    assert np.count_nonzero(runs[4][0]) > 500
    np.testing.assert_allclose(runs[4][0], runs[2][0], atol=1e-5 * np.abs(runs[2][0]).max())
    # fewer outer iterations, hence fewer entries read by gradient passes
    assert runs[4][1] < runs[2][1]
    assert runs[4][2] < runs[2][2]
    with pytest.raises(ValueError, match="ws_fast_growth must be at least 2"):
        cold_solve(X, y, 30, 1e-4, ws_fast_growth=1)


def test_first_gap_check_of_a_working_set_waits_two_epochs():
    """New features join a working set at every outer iteration and need more
    than one epoch: checking its gap after the first (ws_first_check=1) reads
    more entries, in checks and in all, summed over seeds, for the same
    certified answer."""
    checks = {1: 0, 2: 0}
    total = {1: 0, 2: 0}
    for seed in range(3):
        X, y = sparse_problem(seed, 100)
        sols = {}
        for first in (1, 2):
            w, gap, tol_abs, _, stats = cold_solve(X, y, 20, 1e-8, ws_first_check=first)
            assert gap <= tol_abs
            sols[first] = w
            checks[first] += stats["entries_check"]
            total[first] += work(stats)
        np.testing.assert_allclose(sols[2], sols[1], atol=1e-5 * np.abs(sols[1]).max())
    assert checks[2] < checks[1]
    assert total[2] < total[1]
    with pytest.raises(ValueError, match="ws_first_check must be at least 1"):
        cold_solve(X, y, 20, 1e-4, ws_first_check=0)


@pytest.mark.parametrize("seed", range(2))
def test_strong_sets_first_check_their_gap_after_two_epochs(seed, monkeypatch):
    """Along a path most strong-set solves take two epochs or more: a first
    gap check after the second epoch (cd_first_check=2, the default)
    instead of the first reads fewer entries in checks (a quarter fewer on
    these problems; at least 15% asked) and fewer in all, for the same
    certified path."""
    import functools

    from sparsefuse import _cd

    X, y = sparse_problem(seed, 100)
    design = make_design(X, fit_intercept=False)
    y_prep, _ = design.prepare_target(y)
    alpha_max = np.abs(X.T @ y_prep).max() / len(y)
    solve = _cd.enet_solve
    runs = {}
    for first in (1, 2, None):  # (None: the default, 2)
        kw = {} if first is None else {"cd_first_check": first}
        monkeypatch.setattr(_cd, "enet_solve", functools.partial(solve, **kw))
        stats = []
        coefs, gaps, _ = solve_path(design, y_prep, np.geomspace(alpha_max, alpha_max / 50, 20),
                                    l1_ratio=1.0, tol=1e-6, stats=stats)
        assert all(s["path_strong_set"] for s in stats[1:])
        runs[first] = (coefs, sum(s["entries_check"] for s in stats),
                       sum(work(s) for s in stats))
    assert runs[None][1:] == runs[2][1:]
    assert runs[2][1] < 0.85 * runs[1][1]
    assert runs[2][2] < runs[1][2]
    np.testing.assert_allclose(runs[2][0], runs[1][0], atol=1e-4 * np.abs(runs[1][0]).max())
    with pytest.raises(ValueError, match="cd_first_check must be at least 1"):
        cold_solve(X, y, 20, 1e-4, cd_first_check=0)


@pytest.mark.parametrize("kind", ["sparse", "sparse intercept", "dense", "dense intercept",
                                  "float32", "enet positive", "random"])
def test_inner_checks_bound_the_products_from_the_epochs(kind, monkeypatch):
    """An inner gap check takes the products of the features updated in the
    last epoch from the epoch itself (cd_bounds), bounded by how far the
    residual moved since, and reads a column only where the bounds could
    make the difference. Same certified answers, fewer entries read in
    checks (summed over seeds and alphas; not for dense X centred
    implicitly, where it is off), never more in all."""
    import functools

    from sparsefuse import _cd

    solve = _cd.enet_solve
    l1_ratio = 0.7 if kind == "enet positive" else 1.0
    kw = dict(positive=kind == "enet positive",
              selection="random" if kind == "random" else "cyclic", random_state=0)
    tol = 1e-5 if kind == "float32" else 1e-8  # (float32 certifies no less)
    checks, total, refs = {}, {}, {}
    for bounds in (True, False):
        monkeypatch.setattr(_cd, "enet_solve", functools.partial(solve, cd_bounds=bounds))
        checks[bounds] = total[bounds] = 0
        for seed in range(3):
            X, y = sparse_problem(seed, 60)
            if kind.startswith("dense"):
                X = np.asfortranarray(X.toarray())
            if kind == "float32":
                X, y = X.astype(np.float32), y.astype(np.float32)
            design = make_design(X, "intercept" in kind, y=y, implicit_dense=True)
            y_prep, _ = design.target
            top = np.abs(X.T @ y_prep).max() / len(y) / l1_ratio
            stats = []
            coefs, gaps, _ = solve_path(design, y_prep, top / np.array([5.0, 20.0, 80.0]),
                                        l1_ratio=l1_ratio, tol=tol, working_set=True,
                                        stats=stats, **kw)
            checks[bounds] += sum(s["entries_check"] for s in stats)
            total[bounds] += sum(work(s) for s in stats)
            if bounds:
                refs[seed] = coefs
            else:
                np.testing.assert_allclose(coefs, refs[seed], atol=1e-4 * np.abs(coefs).max())
            for k in range(3):
                assert gaps[k] <= tol * (y_prep.astype(np.float64) ** 2).sum() / len(y)
    if kind == "dense intercept":
        assert checks[True] == checks[False] and total[True] == total[False]
    else:
        assert checks[True] < checks[False]
        assert total[True] <= total[False]


@pytest.mark.parametrize("seed", range(4))
def test_working_set_holding_every_violator_is_solved_to_tol(seed):
    """Once no feature evaluated outside the working set violates its
    constraint, the inner solve aims at tol instead of a share of the gap:
    fewer outer iterations (each a gradient pass) and less work in all, for
    the same certified answer. The rule does not fire while the working set
    still misses violators (the first outer iterations grow it), nor when the
    set holds every active feature."""
    X, y = sparse_problem(seed, 100)
    runs = {}
    for final in (0.0, 1.0):
        w, gap, tol_abs, _, stats = cold_solve(X, y, 30, 1e-6, inner_final=final)
        assert gap <= tol_abs
        runs[final] = w, stats["n_outer"], work(stats), stats["n_inner_final"]
    assert runs[1.0][1] < runs[0.0][1]
    assert runs[1.0][2] < runs[0.0][2]
    assert runs[0.0][3] == 0
    # (outer iterations 2 to n_outer - 1 each choose a working set)
    assert 1 <= runs[1.0][3] < runs[1.0][1] - 2
    np.testing.assert_allclose(runs[1.0][0], runs[0.0][0],
                               atol=1e-4 * np.abs(runs[0.0][0]).max())
    w, gap, tol_abs, _, stats = cold_solve(X[:, :30], y, 30, 1e-6, ws_start=10_000)
    assert gap <= tol_abs and stats["n_outer"] > 2
    assert stats["n_inner_final"] == 0
    with pytest.raises(ValueError, match="inner_final must be at least 0"):
        cold_solve(X, y, 30, 1e-4, inner_final=-1.0)
    # (found by a review: a negative count of support passes divided by
    # zero, which killed the process)
    with pytest.raises(ValueError, match="support_passes must be at least 0"):
        cold_solve(X, y, 30, 1e-4, support_passes=-1)
    w, gap, tol_abs, _, _ = cold_solve(X, y, 30, 1e-6, support_passes=0)
    assert gap <= tol_abs


def test_anderson_candidates_clipped_at_zero_save_work():
    """On correlated designs coordinate descent ends by letting coefficients
    decay to zero one by one; Anderson candidates that set the coefficients
    they carry across (or back from) zero to zero reach the certificate with
    less work on most seeds and in all, and with the same answer."""
    from sparsefuse.bench import ar1_dense

    total = {False: 0, True: 0}
    wins = 0
    for seed in range(6):
        X, y = ar1_dense(None, n_samples=100, n_features=1000, seed=seed)
        runs = {}
        for clip in (False, True):
            w, gap, tol_abs, _, stats = cold_solve(X, y, 100, 1e-8, anderson_clip=clip,
                                                   newton=False)
            assert gap <= tol_abs
            runs[clip] = w, work(stats)
            total[clip] += work(stats)
        # (all but seed 3, where clipping reads 15% more since inner_final)
        wins += runs[True][1] < runs[False][1]
        np.testing.assert_allclose(runs[True][0], runs[False][0],
                                   atol=1e-4 * np.abs(runs[False][0]).max())
    assert wins >= 5
    assert total[True] < 0.9 * total[False]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_gram_solver_agrees(fit_intercept, weighted, l1_ratio):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((300, 12)) + 1.0
    y = X[:, :3] @ [1.0, -2.0, 0.5] + rng.standard_normal(300)
    sw = rng.uniform(0.5, 2.0, 300) if weighted else None
    kw = dict(alpha=0.02, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-12)
    plain = sf.ElasticNet(precompute=False, **kw).fit(X, y, sample_weight=sw)
    gram = sf.ElasticNet(precompute=True, **kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(gram.coef_, plain.coef_, atol=1e-9)
    assert gram.intercept_ == pytest.approx(plain.intercept_)
    assert gram.dual_gap_ <= 1e-12 * np.var(y) * 2
    # 'auto' picks the Gram solver here (300 >= 10 * 12); same answer.
    _, auto, _ = sf.enet_path(X, y, alphas=[0.02], l1_ratio=l1_ratio, tol=1e-12)
    _, off, _ = sf.enet_path(X, y, alphas=[0.02], l1_ratio=l1_ratio, tol=1e-12,
                             precompute=False)
    np.testing.assert_allclose(auto, off, atol=1e-9)


def test_user_gram_is_checked():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((100, 6))
    y = X[:, 0] + 0.1 * rng.standard_normal(100)
    good = X.T @ X
    a = sf.Lasso(alpha=0.01, fit_intercept=False, precompute=good, tol=1e-12).fit(X, y)
    b = sf.Lasso(alpha=0.01, fit_intercept=False, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    # With an intercept X is centred, so the raw Gram no longer matches.
    with pytest.warns(UserWarning, match="does not match"):
        c = sf.Lasso(alpha=0.01, precompute=good + 50.0, tol=1e-12).fit(X, y)
    d = sf.Lasso(alpha=0.01, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(c.coef_, d.coef_, atol=1e-10)
    with pytest.raises(ValueError, match="Gram matrix of shape"):
        sf.Lasso(alpha=0.01, precompute=np.eye(3)).fit(X, y)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_path_extrapolation_saves_epochs(fmt):
    """Warm starts moved along the path's last step need fewer epochs on an
    AR(1) design (the benchmark's kind), for the same certified answer."""
    rng = np.random.default_rng(3)
    n_samples, n_features = 150, 600
    X = rng.standard_normal((n_samples, n_features))
    for j in range(1, n_features):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * X[:, j]
    w = np.zeros(n_features)
    w[rng.choice(n_features, 30, replace=False)] = rng.standard_normal(30)
    y = X @ w + 0.5 * rng.standard_normal(n_samples)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else X
    # (the epochs at the default tol; 0.81 here, 0.93 at tol=1e-8; 0.72 and
    # 0.9 before Anderson candidates clipped coefficients crossing zero,
    # which sped up both)
    kw = dict(alphas=20, eps=1e-2, max_iter=100_000, return_n_iter=True)
    *_, it_on = sf.lasso_path(Xf, y, **kw)
    *_, it_off = sf.lasso_path(Xf, y, path_extrapolation=False, **kw)
    assert sum(it_on) < 0.85 * sum(it_off)
    kw["tol"] = 1e-8
    alphas, on, gaps_on, _ = sf.lasso_path(Xf, y, **kw)
    _, off, gaps_off, _ = sf.lasso_path(Xf, y, path_extrapolation=False, **kw)
    yy = y @ y / n_samples
    assert gaps_on.max() <= 1e-8 * yy and gaps_off.max() <= 1e-8 * yy
    for k, alpha in enumerate(alphas):
        assert enet_objective(X, y, on[:, k], 0.0, alpha) == pytest.approx(
            enet_objective(X, y, off[:, k], 0.0, alpha), rel=1e-6, abs=1e-8 * yy)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_cheap_path_steps_are_solved_until_coefficients_settle(fmt):
    """Near alpha_max the gap is tight: with a feature that shadows the true
    one (and comes first in the cyclic order) it met tol = 1e-3 while the
    shadow was still decaying, leaving coefficients 4% off and the objective
    1.6e-4 of P(0) above the optimum. A strong set whose epochs are cheap is
    solved on until an epoch moves no coefficient by more than tol max|w_j|."""
    rng = np.random.default_rng(0)
    n_samples = 200
    X = rng.standard_normal((n_samples, 50))
    X[:, 0] = X[:, 1] + 0.5 * rng.standard_normal(n_samples)
    y = 3 * X[:, 1] + 0.5 * rng.standard_normal(n_samples)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    alpha_max = np.abs(X.T @ y).max() / n_samples
    alphas = alpha_max * np.geomspace(1, 0.3, 6)
    _, coefs, gaps = sf.lasso_path(Xf, y, alphas=alphas, tol=1e-3)
    _, exact, _ = sf.lasso_path(Xf, y, alphas=alphas, tol=1e-14, max_iter=100_000)
    assert np.all(gaps <= 1e-3 * y @ y / n_samples)
    assert np.abs(coefs - exact).max() <= 1e-3 * np.abs(exact).max()
    p0 = 0.5 * y @ y / n_samples
    for k, alpha in enumerate(alphas):
        assert (enet_objective(X, y, coefs[:, k], 0.0, alpha)
                - enet_objective(X, y, exact[:, k], 0.0, alpha)) <= 1e-8 * p0


def test_path_arguments_are_checked():
    from sparsefuse import _cd

    X, y = random_problem(0, 30, 20, 1.0, correlated=False)
    design = make_design(np.asfortranarray(X), False)
    norms, xv = design.column_stats
    args = (*design.buffers, False, y, np.zeros(20), design.v, False, norms, xv,
            1.0, 0.0, 10, 1e-4, 1)
    with pytest.raises(ValueError, match="w_prev"):
        _cd.enet_solve(*args, w_prev=np.zeros(19), extrapolation=0.5)
    with pytest.raises(ValueError, match="extrapolation"):
        _cd.enet_solve(*args, w_prev=np.zeros(20), extrapolation=-0.5)
    with pytest.raises(ValueError, match="path state"):
        _cd.enet_solve(*args, path=_cd.PathState(30, 19))


def separable_problem(seed):
    """Columns on disjoint rows (the Lasso separates, its path is linear between
    entries), ten strong ones and ninety weak: sequential screening discards
    the weak ones and a moved warm start is often already optimal."""
    rng = np.random.default_rng(seed)
    n_samples, n_features = 400, 100
    X = np.zeros((n_samples, n_features))
    for j in range(n_features):
        X[4 * j:4 * j + 4, j] = rng.standard_normal(4) * (3.0 if j < 10 else 0.3)
    y = X[:, :10] @ rng.standard_normal(10) + 0.1 * rng.standard_normal(n_samples)
    return X, y


@pytest.mark.parametrize("kind", ["separable", "random"])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("strong_rules", [True, False])
def test_sequential_screening_keeps_certificates(kind, fmt, fit_intercept, positive,
                                                 strong_rules):
    """Along a Lasso path each solve discards, before its first pass, the
    features that the previous solve's dual point proves inactive, and takes
    its first strong set from the previous gradients. Every reported gap
    stays a full certificate (checked here against an independent one over
    all features), and the path matches one without screening."""
    if kind == "separable":
        X, y = separable_problem(0)
    else:
        X, y = random_problem(7, 120, 1500, 0.05, correlated=False)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    design = make_design(Xf, fit_intercept)
    y_prep, _ = design.prepare_target(y)
    n_samples = len(y)
    alpha_max = np.abs(Xf.T @ y_prep).max() / n_samples
    alphas = np.geomspace(alpha_max, alpha_max / 30, 12)
    tol = 1e-9
    stats = []
    # (without strong rules, a path without working sets: with them every
    # step would be a cold start)
    coefs, gaps, _ = solve_path(design, y_prep, alphas, l1_ratio=1.0, tol=tol,
                                max_iter=100_000, positive=positive, stats=stats,
                                strong_rules=strong_rules,
                                working_set="auto" if strong_rules else False)
    ref, _, _ = solve_path(design, y_prep, alphas, l1_ratio=1.0, tol=1e-12,
                           max_iter=100_000, positive=positive, screening=False)
    assert sum(s["n_seq_screened"] for s in stats) > 0.2 * X.shape[1] * (len(alphas) - 2)
    # with the strong rule every step after the first skips the gradient pass
    # at its warm start: the first, a cold start on working sets at alpha_max,
    # ends with a pass over every feature and leaves its state too
    assert [s["path_strong_set"] for s in stats] == [False] + [strong_rules] * 11
    assert stats[1]["n_seq_screened"] > 0
    if kind == "separable" and not strong_rules:
        # a step that stops at its first iteration, with the check of the
        # screened features deferred to the stop
        assert any(s["n_outer"] == 1 and s["n_seq_screened"] > 0 for s in stats)
    yy = y_prep @ y_prep / n_samples
    for k, alpha in enumerate(alphas):
        primal, _, gap = enet_certificate(X, y, coefs[:, k], alpha, 1.0, fit_intercept,
                                          positive=positive)
        assert gap == pytest.approx(gaps[k], rel=1e-6, abs=1e-12 * yy)
        assert gaps[k] <= tol * yy
        p_ref, _, _ = enet_certificate(X, y, ref[:, k], alpha, 1.0, fit_intercept,
                                       positive=positive)
        assert primal - p_ref <= tol * yy * (1 + 1e-9) + 1e-13 * yy


def near_duplicate_problem(seed, n_samples=60, n_base=40, copies=5, noise=0.02,
                           density=1.0):
    """Every column has four near copies (relative noise ``noise``, on the same
    nonzeros): at the optimum many products x_j . theta come close to 1, so
    the working sets' bounds decide which features an outer iteration must
    evaluate, close to the limit they must respect."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_samples, n_base)) * (
        rng.random((n_samples, n_base)) < density)
    X = np.hstack([base] + [base + noise * rng.standard_normal(base.shape) * (base != 0)
                            for _ in range(copies - 1)])
    X = X[:, rng.permutation(X.shape[1])]
    w = np.zeros(X.shape[1])
    w[rng.choice(X.shape[1], 8, replace=False)] = 2 * rng.standard_normal(8)
    return X, X @ w + 0.3 * rng.standard_normal(n_samples) + 0.5


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_certificates_on_near_duplicate_columns(fmt, fit_intercept):
    """The gap each fit reports is the gap over every feature, also where
    working sets leave out features whose products come close to 1 (a
    bound test 10% too loose, ``> 1.1`` for ``> 1.0``, reported gaps of 1e-15
    where the true ones were 1e-3: this caught it, the tests before did not)."""
    for seed in range(12):
        X, y = near_duplicate_problem(seed, noise=[0.005, 0.02, 0.1][seed % 3],
                                      density=0.3 if fmt == "csc" else 1.0)
        Xf = sparse.csc_matrix(X) if fmt == "csc" else X
        yc = y - y.mean() if fit_intercept else y
        alpha_max = np.abs(X.T @ yc).max() / len(y)
        for tol, frac in itertools.product([1e-3, 1e-8], [1.5, 5, 50]):
            model = sf.Lasso(alpha=alpha_max / frac, tol=tol, fit_intercept=fit_intercept,
                             max_iter=100_000).fit(Xf, y)
            _, _, gap = enet_certificate(X, y, model.coef_, alpha_max / frac,
                                         fit_intercept=fit_intercept)
            assert model.dual_gap_ == pytest.approx(gap, rel=1e-6, abs=1e-12 * yc @ yc)
            assert model.dual_gap_ <= tol * (yc @ yc) / len(y)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_path_pool_is_read_only_where_it_must_be(fmt):
    """A Lasso step reads only the last step's support and the features at
    zero whose slack is within its screening radius; the others (the pool) are
    checked by their slack against how far the dual point moved. On this path
    the dual point of one step moves far enough for pool features to be read
    (``n_unpooled``): every gap stays a certificate over all features, and
    the path matches one without screening."""
    X, y = random_problem(9, 120, 1500, 0.05, correlated=True)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    design = make_design(Xf, False)
    y_prep, _ = design.prepare_target(y)
    alpha_max = np.abs(Xf.T @ y_prep).max() / len(y)
    alphas = np.geomspace(alpha_max, alpha_max / 30, 12)
    tol = 1e-9
    stats = []
    coefs, gaps, _ = solve_path(design, y_prep, alphas, l1_ratio=1.0, tol=tol,
                                max_iter=100_000, stats=stats)
    ref, _, _ = solve_path(design, y_prep, alphas, l1_ratio=1.0, tol=1e-12,
                           max_iter=100_000, screening=False)
    assert sum(s["n_unpooled"] for s in stats) > 0
    # (most features left in the pool are never read again: no step reads
    # a third of them, and over the path fewer than a tenth)
    assert all(s["n_unpooled"] < s["n_seq_screened"] / 3 for s in stats[2:])
    assert sum(s["n_unpooled"] for s in stats) < 0.1 * sum(s["n_seq_screened"] for s in stats)
    yy = y_prep @ y_prep / len(y)
    for k, alpha in enumerate(alphas):
        primal, _, gap = enet_certificate(X, y, coefs[:, k], alpha, 1.0, False)
        assert gap == pytest.approx(gaps[k], rel=1e-6, abs=1e-12 * yy)
        assert gaps[k] <= tol * yy
        assert primal == pytest.approx(enet_objective(X, y, ref[:, k], 0.0, alpha), rel=1e-7)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("tol", [1e-3, 1e-8])
@pytest.mark.parametrize("strong_rules", [True, False])
def test_path_pool_certificates_hold_for_any_valid_slacks(monkeypatch, seed, tol,
                                                          strong_rules):
    """A slack is a lower bound on the distance within which a feature of the
    pool (screened, or at zero with its exact product) stays feasible, so any
    smaller slack is valid too. Shrinking the
    pool's slacks at random before every step makes the steps read other pool
    features than they would: every gap must stay a certificate over all
    features, and the solutions must not change."""
    from sparsefuse import _cd
    rng = np.random.default_rng(seed)
    solve = _cd.enet_solve
    pooled_counts = []

    def shrinking(*args, path=None, **kwargs):
        if path is not None and path.n_valid:
            slack = np.asarray(path.slack)
            pooled = np.isfinite(slack) & (slack > path.offset)
            slack[pooled] = path.offset + (slack[pooled] - path.offset) * rng.uniform(
                0.0, 1.0, pooled.sum())
        out = solve(*args, path=path, **kwargs)
        pooled_counts.append(out[4]["n_seq_screened"])
        return out

    X, y = random_problem(seed, 80, 600, 0.1, correlated=bool(seed % 2))
    design = make_design(sparse.csc_matrix(X), False)
    y_prep, _ = design.prepare_target(y)
    alpha_max = np.abs(X.T @ y_prep).max() / len(y)
    alphas = np.geomspace(alpha_max, alpha_max / 50, 15)
    kw = dict(l1_ratio=1.0, tol=tol, max_iter=100_000, strong_rules=strong_rules,
              working_set="auto" if strong_rules else False)
    stats = []
    ref, _, _ = solve_path(design, y_prep, alphas, stats=stats, **kw)
    monkeypatch.setattr(_cd, "enet_solve", shrinking)
    coefs, gaps, _ = solve_path(design, y_prep, alphas, **kw)
    # (fewer features screened before the first pass: more were read)
    assert sum(pooled_counts) < sum(s["n_seq_screened"] for s in stats)
    yy = y_prep @ y_prep / len(y)
    for k, alpha in enumerate(alphas):
        primal, _, gap = enet_certificate(X, y, coefs[:, k], alpha, 1.0, False)
        assert gap == pytest.approx(gaps[k], rel=1e-6, abs=1e-12 * yy)
        assert gaps[k] <= tol * yy
        p_ref = enet_objective(X, y, ref[:, k], 0.0, alpha)
        assert abs(primal - p_ref) <= 2 * tol * yy


@pytest.mark.parametrize("fmt", ["dense", "csc", "csr"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_statistics_pass_gives_the_gradients_of_a_cold_start(fmt, fit_intercept, weighted,
                                                             dtype):
    """The pass that computes the column norms also computes X^T y for the
    prepared target: the alpha grid and the first iteration of a cold start
    use it instead of their own passes over X. The values match an
    independent computation, and a cold start that takes them solves to the
    same point as one that evaluates its gradients (forced by a zero
    coef_init)."""
    X, y = random_problem(2, 60, 300, 0.1, correlated=True)
    X, y = X.astype(dtype), y.astype(dtype)
    sw = np.linspace(0.2, 3.0, len(y)) if weighted else None
    Xf = {"dense": np.asfortranarray, "csc": sparse.csc_matrix, "csr": sparse.csr_matrix}[fmt](X)
    design = make_design(Xf, fit_intercept, check_sample_weight(sw, len(y)), y=y)
    y_prep, _ = design.target
    s = np.ones(len(y)) if sw is None else sw / sw.sum() * len(y)
    Xd = X.astype(np.float64)
    Xc = Xd - np.average(Xd, axis=0, weights=s) if fit_intercept else Xd
    yc = y - np.average(y, weights=s) if fit_intercept else y.astype(np.float64)
    expected = (Xc * s[:, None]).T @ yc
    rtol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(design.xy, expected, rtol=rtol, atol=rtol * np.abs(expected).max())

    alpha = 0.05 * np.abs(expected).max() / len(y)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    stats, stats_ref = [], []
    coefs, _, _ = solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=tol,
                             max_iter=10_000, stats=stats)
    ref, _, _ = solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=tol,
                           max_iter=10_000, stats=stats_ref,
                           coef_init=np.zeros(X.shape[1], dtype))
    assert stats[0]["start_gradients_given"] and not stats_ref[0]["start_gradients_given"]
    assert design.xy is None  # (handed to the solver, which overwrote it)
    np.testing.assert_allclose(coefs, ref, rtol=1e-5 if dtype == np.float32 else 1e-9,
                               atol=1e-6 if dtype == np.float32 else 1e-12)


def test_gradients_at_zero_keep_the_rounding_of_y_dot_v(monkeypatch):
    """Found by a fuzz: on float32 data with weights, the prepared target is
    orthogonal to the intercept column only up to float32 rounding, and the
    kernels keep that rounding in every gradient (the certificate stays
    exact). X^T y from the statistics' pass did not: on a nearly constant
    column at alpha = 1e-15, the cold start reported a gap of 0 where the
    true gap was 8.7e-3 (5e-5 since the centring is done in float64). Such
    a column (constant but for rounding) is now stored centred by
    make_design, exactly constant: the kernels see it as it was only with
    that switched off, as here."""
    from sparsefuse import _path

    monkeypatch.setattr(_path, "IMPLICIT_CENTRING_MAX_RATIO", np.inf)
    X = sparse.csr_matrix((np.array([-0.66989416, -0.66989416], np.float32),
                           ([0, 1], [2, 2])), shape=(2, 5))
    y = np.array([1.4292947, 1.7007201], np.float32)
    # (the grid the fuzz found it on; the automatic grid now starts where the
    # kernel's own gradients at zero put alpha_max, and its gap there is 0.
    # The fuzz's weights, [1.408, 2.291], give gaps of 0 since the weights
    # are scaled in float64 before rounding: these still exercise the case)
    kw = dict(l1_ratio=0.5, alphas=[1e-15, 1e-15], positive=True, fit_intercept=True,
              sample_weight=np.array([2.0924042183036358, 1.1744667844096757]), tol=1e-4,
              max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, _, gaps = sf.enet_path(X, y, **kw)
        _, _, ref = sf.enet_path(X, y, coef_init=np.zeros(5, np.float32), **kw)
    np.testing.assert_allclose(gaps, ref, rtol=1e-6)
    assert gaps[0] > 1e-5


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_sequential_screening_keeps_features_active_up_to_rounding():
    """Found by an independent review: when the gap between the warm start and
    the previous step's dual point is at rounding level (a repeated alpha; a
    saturated support, where the moved warm start is exact), a radius of 0
    screened features active at the optimum, whose product is 1 up to
    rounding, and the step could never converge."""
    X = np.array([[0.6]])
    y = np.array([0.9])
    _, coefs, _ = sf.lasso_path(X, y, alphas=[0.776, 0.388, 0.388], tol=1e-4)
    _, ref, _ = sk.lasso_path(X, y, alphas=[0.776, 0.388, 0.388], tol=1e-12)
    np.testing.assert_allclose(coefs, ref, atol=1e-12)

    rng = np.random.default_rng(74)
    X = rng.standard_normal((5, 25))
    y = X[:, :3] @ rng.standard_normal(3) + 0.5 * rng.standard_normal(5)
    kw = dict(tol=1e-12, fit_intercept=True, max_iter=5000)
    alphas, coefs, _ = sf.lasso_path(X, y, **kw)
    _, ref, _ = sf.lasso_path(X, y, screening=False, **kw)
    assert_lasso_objectives_match(X, y, alphas, coefs, ref, rel=1e-9)


def test_overflowing_iterates_are_never_certified():
    """A NaN duality gap (iterates that overflowed) used to be clamped to 0."""
    X, y = random_problem(2, 30, 10, 1.0, correlated=False)
    with pytest.warns(ConvergenceWarning):
        _, coefs, gaps = sf.lasso_path(X, y, alphas=[0.01], coef_init=np.full(10, 1e300),
                                       max_iter=1)
    assert not np.isfinite(gaps[0]) or not np.all(np.isfinite(coefs))  # nothing certified
    assert not gaps[0] <= 1e-4 * y @ y / len(y)


def test_float32_strong_set_returns_to_the_kkt_check():
    """Found by an independent review: on float32 data with a tol below what
    float32 can certify, coordinate descent on a strong set stalled at its
    rounding level, above tol, until max_iter, never returning to the KKT check
    that would have added the features violating their constraints outside it
    (steps ended with gaps 1e5 times float32's level)."""
    data = np.load(DATA / "float32_strong_rule_stall.npz")
    X, y, sw = np.asfortranarray(data["X"]), data["y"], data["sample_weight"]
    assert X.dtype == np.float32
    with pytest.warns(ConvergenceWarning):  # tol 1e-8 is below float32's level
        alphas, coefs, gaps = sf.lasso_path(X, y, alphas=data["alphas"], sample_weight=sw,
                                            tol=1e-8, max_iter=5000, fit_intercept=True)
    y_var = np.average((y - np.average(y, weights=sw)) ** 2, weights=sw)
    for k, alpha in enumerate(alphas):
        _, _, gap = enet_certificate(X, y, coefs[:, k], alpha, sample_weight=sw)
        # float32's level here is about 4e-8 y_var (the kernel's gaps) and up to
        # 1e-7 for this float64 certificate of the float32 data, depending on
        # the rounding path (7.2e-8 without Anderson candidates clipped at
        # zero, 1.0e-7 with); the stall left up to 1e-3
        assert gap <= 2e-7 * y_var
        assert gaps[k] <= 1e-7 * y_var


@pytest.mark.parametrize("case", ["tight_tol_inner_stall", "tight_tol_inner_stall_weighted"])
@pytest.mark.parametrize("working_set", [True, False])
def test_tight_tol_inner_solve_over_every_active_feature_converges(case, working_set):
    """Found by a review (a scan of 5,000 sparse problems at tol 1e-10 to
    1e-12): once screening left the working set holding every active
    feature (or without working sets), its inner solve ran on a residual
    updated incrementally, never recomputed: the gap drifted up (1.3 times
    tol after 1,000 epochs, 29 times after 10,000) until max_iter, where
    scikit-learn converged (3,698 and 8,009 epochs). The residual is now
    recomputed every 100 passes. Lognormal counts, intercept, positive=True,
    tol 1e-12."""
    data = np.load(DATA / f"{case}.npz")
    X = sparse.csc_matrix((data["data"], data["indices"], data["indptr"]),
                          shape=tuple(data["shape"]))
    sw = data["sw"] if "sw" in data.files else None
    kw = dict(alpha=float(data["alpha"]), tol=float(data["tol"]), max_iter=10_000,
              fit_intercept=bool(data["fit_intercept"]), positive=bool(data["positive"]))
    y = data["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = sf.Lasso(**kw, working_set=working_set).fit(X, y, sample_weight=sw)
    assert model.n_iter_ < kw["max_iter"]
    # the certificate holds for the data as given: within tol of scikit-learn
    primal, _, gap = enet_certificate(X, y, model.coef_, kw["alpha"], sample_weight=sw,
                                      positive=kw["positive"])
    y_var = np.average((y - np.average(y, weights=sw)) ** 2, weights=sw)
    assert gap <= 2 * kw["tol"] * y_var
    reference = sk.Lasso(**kw).fit(X, y, sample_weight=sw)
    primal_sk, _, _ = enet_certificate(X, y, reference.coef_, kw["alpha"], sample_weight=sw,
                                       positive=kw["positive"])
    assert primal <= primal_sk + kw["tol"] * y_var


@pytest.mark.parametrize("seed", range(8))
def test_float32_paths_reach_float32_level_with_strong_rules(seed):
    """Random float32 paths at a tol below float32's level (they end on
    ConvergenceWarnings): with strong rules every step must still reach about
    the gap reached without them. Before the inner loop returned to the KKT
    check, a third of such paths ended steps at gaps of 1e-3 to 1e-1 of
    var(y) (seeds 1, 3, 5 and 7 here), against 1e-7 without strong rules."""
    rng = np.random.default_rng(seed)
    n, p = rng.integers(20, 150), rng.integers(10, 200)
    X = rng.standard_normal((n, p))
    if seed % 3 == 0:
        X = rng.standard_normal((n, 3)) @ rng.standard_normal((3, p)) + 0.3 * X
    X *= rng.uniform(0.05, 50, p)
    if seed % 2:
        X[rng.random(X.shape) > 0.3] = 0
    y = (X[:, :4] @ rng.standard_normal(4) + rng.standard_normal(n) * rng.uniform(0.1, 100)
         + rng.uniform(-50, 50))
    sw = rng.uniform(0, 3, n) if seed % 4 < 2 else None
    if sw is not None:
        sw[rng.random(n) < 0.2] = 0
    X32 = X.astype(np.float32)
    Xf = sparse.csc_matrix(X32) if seed % 2 else np.asfortranarray(X32)
    fit_intercept = seed % 5 != 0
    yc = y - (np.average(y, weights=sw) if fit_intercept else 0)
    y_var = np.average(yc ** 2, weights=sw)
    gaps = {}
    for strong_rules in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, _, gaps[strong_rules] = sf.lasso_path(
                Xf, y.astype(np.float32), alphas=20, eps=1e-2, tol=1e-9, max_iter=20000,
                fit_intercept=fit_intercept, sample_weight=sw, strong_rules=strong_rules)
    assert np.all(gaps[True] <= np.maximum(10 * gaps[False], 1e-6 * y_var))


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_enet_path_takes_strong_sets_from_previous_gradients(fmt, fit_intercept, positive):
    """Elastic-net steps take their first strong set from the previous step's
    gradients too (no gradient pass at the warm start), without sequential
    screening (their dual point moves with the penalty). The gaps stay full
    certificates and the path matches plain coordinate descent."""
    X, y = random_problem(3, 100, 600, 0.1, correlated=True)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    design = make_design(Xf, fit_intercept)
    y_prep, _ = design.prepare_target(y)
    l1_ratio = 0.5
    alpha_max = np.abs(Xf.T @ y_prep).max() / len(y) / l1_ratio
    alphas = np.geomspace(alpha_max, alpha_max / 50, 12)
    tol = 1e-9
    stats = []
    coefs, gaps, _ = solve_path(design, y_prep, alphas, l1_ratio=l1_ratio, tol=tol,
                                max_iter=100_000, positive=positive, stats=stats)
    assert [s["path_strong_set"] for s in stats] == [False] + [True] * 11
    assert all(s["n_seq_screened"] == 0 for s in stats)
    ref, _, _ = solve_path(design, y_prep, alphas, l1_ratio=l1_ratio, tol=1e-12,
                           max_iter=100_000, positive=positive, **CONFIGS["plain CD"])
    yy = y_prep @ y_prep / len(y)
    for k, alpha in enumerate(alphas):
        primal, _, gap = enet_certificate(X, y, coefs[:, k], alpha, l1_ratio, fit_intercept,
                                          positive=positive)
        assert gap == pytest.approx(gaps[k], rel=1e-6, abs=1e-12 * yy)
        assert gaps[k] <= tol * yy
        p_ref, _, _ = enet_certificate(X, y, ref[:, k], alpha, l1_ratio, fit_intercept,
                                       positive=positive)
        assert primal - p_ref <= tol * yy * (1 + 1e-9) + 1e-13 * yy


def test_automatic_grid_starts_where_the_kernel_certifies_zero():
    """The grid's alpha_max comes from the gradients at zero of the
    statistics pass, the kernels' own (y . v rounding included): at the first
    alpha the zero solution is certified with a gap of 0."""
    rng = np.random.default_rng(11)
    X = sparse.random(40, 30, density=0.2, format="csr", random_state=11, dtype=np.float32)
    y = rng.standard_normal(40).astype(np.float32)
    for kw in (dict(fit_intercept=True, sample_weight=rng.random(40) + 0.5),
               dict(fit_intercept=False), dict(fit_intercept=True, positive=True)):
        _, coefs, gaps = sf.lasso_path(X, y, alphas=3, **kw)
        assert not coefs[:, 0].any() and gaps[0] == 0.0


@pytest.mark.parametrize("fused", [True, False])
def test_dense_column_statistics_both_paths(fused, monkeypatch):
    """The dense statistics pass (fused AVX2 loop where the CPU has it, BLAS
    ddots otherwise) gives the column norms, centred implicitly or not, and
    X^T y, as numpy does; and fits agree between the two paths. Column
    lengths around the loop's 16-wide blocks, its 4-wide and scalar tails."""
    from sparsefuse import _cd

    if fused and not _cd._FUSED_DENSE_STATS:
        pytest.skip("this CPU has no AVX2/FMA: only the BLAS path runs here")
    monkeypatch.setattr(_cd, "_FUSED_DENSE_STATS", fused)
    rng = np.random.default_rng(7)
    E, Ei, I = np.empty(0), np.empty(0, np.int32), np.zeros(1, np.int32)
    for n in (1, 4, 7, 8, 9, 16, 20, 23, 35, 64, 101):
        X = np.asfortranarray(rng.standard_normal((n, 5)) + 3.0)
        X[:, 4] = 2.5  # constant
        y = rng.standard_normal(n)
        yc = y - y.mean()
        norms, xv, xy, _ = _cd.column_stats(X, E, Ei, I, False, n, E, False, y)
        np.testing.assert_allclose(norms, np.linalg.norm(X, axis=0), rtol=1e-13)
        np.testing.assert_allclose(xy, X.T @ y, rtol=1e-12, atol=1e-12)
        norms, xv, xy, _ = _cd.column_stats(X, E, Ei, I, False, n, np.ones(n), True, yc)
        Xc = X - X.mean(axis=0)
        np.testing.assert_allclose(norms, np.linalg.norm(Xc, axis=0), rtol=1e-9, atol=1e-12)
        assert norms[4] == 0.0
        np.testing.assert_allclose(xv, X.sum(axis=0), rtol=1e-13)
        np.testing.assert_allclose(xy, Xc.T @ yc, rtol=1e-9, atol=1e-10)
    X = np.asfortranarray(rng.standard_normal((50, 30)) + 1.0)
    y = X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(50)
    model = sf.Lasso(alpha=0.01, tol=1e-12, max_iter=10_000).fit(X, y)
    ref = sk.Lasso(alpha=0.01, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_sparse_column_statistics(dtype, index_dtype):
    """The sparse statistics pass (one loop per case: no intercept with or
    without y, implicit intercept with v all ones or weighted) gives the
    norms of the columns, centred against v or not, x_j . v and X^T y, as
    numpy does on the dense matrix; empty, full and constant columns
    included."""
    from sparsefuse import _cd

    rng = np.random.default_rng(3)
    n = 40
    A = rng.standard_normal((n, 9)) * (rng.random((n, 9)) < 0.3)
    A[:, 0] = 0.0  # empty
    A[:, 1] = rng.standard_normal(n) + 4.0  # full
    A[:, 2] = 2.5  # constant, full
    A[0, 3] = 1.5  # a single entry
    X = sparse.csc_matrix(A.astype(dtype))
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    y = rng.standard_normal(n).astype(dtype)
    dense_args = (np.empty((0, 0), dtype, order="F"), X.data, X.indices, X.indptr, True, n)
    rtol, atol = (1e-12, 1e-12) if dtype == np.float64 else (1e-5, 1e-5)
    Ad = X.toarray().astype(np.float64)
    for with_y in (False, True):
        norms, xv, xy, status = _cd.column_stats(*dense_args, np.empty(0, dtype), False,
                                                 y if with_y else None)
        assert status == _cd.IndexStatus.CANONICAL and xv.size == 0
        np.testing.assert_allclose(norms, np.linalg.norm(Ad, axis=0), rtol=rtol)
        if with_y:
            np.testing.assert_allclose(xy, Ad.T @ y.astype(np.float64), rtol=rtol, atol=atol)
        else:
            assert xy.size == 0
    for v in (np.ones(n), np.sqrt(np.linspace(0.2, 3.0, n))):
        v = v.astype(dtype)
        vd = v.astype(np.float64)
        yc = (y - vd * (vd @ y) / (vd @ vd)).astype(dtype)  # prepared: orthogonal to v
        for with_y in (False, True):
            norms, xv, xy, status = _cd.column_stats(*dense_args, v, True,
                                                     yc if with_y else None)
            assert status == _cd.IndexStatus.CANONICAL
            means = Ad.T @ vd / (vd @ vd)
            Xc = Ad - np.outer(vd, means)
            np.testing.assert_allclose(norms, np.linalg.norm(Xc, axis=0), rtol=rtol,
                                       atol=atol)
            assert norms[2] == 0.0 or not np.all(v == 1)
            if xv.size:  # (v all ones on sparse enough X: the kernels sum columns)
                np.testing.assert_allclose(xv, Ad.T @ vd, rtol=rtol, atol=atol)
            if with_y:
                np.testing.assert_allclose(xy, Xc.T @ yc.astype(np.float64), rtol=rtol,
                                           atol=atol)
    # an unsorted column, then one out of range: each case's loop reports it
    for fault, expected in ((lambda ind: ind[[1, 0]], _cd.IndexStatus.NOT_CANONICAL),
                            (lambda ind: ind + n, _cd.IndexStatus.MALFORMED)):
        Xb = X.copy()
        a = Xb.indptr[1]  # (column 1 is full)
        Xb.indices[a:a + 2] = fault(Xb.indices[a:a + 2])
        args = (np.empty((0, 0), dtype, order="F"), Xb.data, Xb.indices, Xb.indptr, True, n)
        for v, with_y in itertools.product((np.empty(0, dtype), np.ones(n, dtype),
                                            np.linspace(0.5, 1.5, n).astype(dtype)),
                                           (False, True)):
            status = _cd.column_stats(*args, v, v.size > 0, y if with_y else None)[3]
            assert status == expected


# --- Newton steps on the support ------------------------------------------------

def newton_runs(X, y, alpha, fit_intercept=False, positive=False, max_iter=5000, tol=1e-8):
    """(coefs, gap ratio, epochs, stats) with and without Newton steps."""
    design = make_design(X, fit_intercept=fit_intercept)
    y_prep, _ = design.prepare_target(y)
    runs = {}
    for newton in (True, False):
        stats, ratios = [], []
        coefs, _, n_iter = solve_path(design, y_prep, [alpha], l1_ratio=1.0, tol=tol,
                                      max_iter=max_iter, positive=positive, stats=stats,
                                      newton=newton, warn=ratios)
        runs[newton] = coefs[:, 0], ratios, n_iter[0], stats[0]
    return runs


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("positive", [False, True])
def test_newton_steps_end_the_crawl_on_uncentred_columns(fmt, positive):
    # Columns of mean 10 and spread 1 without an intercept: the support's
    # Gram matrix has a condition number near 1e4 and coordinate descent
    # (Anderson extrapolation included) gains little per epoch; scikit-learn
    # takes 10,000 epochs there too. Newton steps on the support finish it.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 50)) + 10
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(200)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    runs = newton_runs(Xf, y, alpha=0.01, positive=positive)
    w, ratios, epochs, stats = runs[True]
    assert ratios == [] and epochs < 1000 and stats["n_newton"] >= 1
    if not positive:
        assert runs[False][2] == 5000 and min(runs[False][1]) > 10
    primal, _, gap = enet_certificate(X, y, w, 0.01, fit_intercept=False, positive=positive)
    assert gap <= 1e-8 * np.mean(y**2) * 1.01
    if positive:
        assert w.min() >= 0


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_newton_steps_on_near_duplicate_columns_and_more_features_than_samples(fmt):
    # Columns 5..9 repeat columns 0..4 scaled by 1 + k 1e-6: coordinate
    # descent moves weight between twins by about 1e-6 per epoch and stalls
    # (the gap hundreds of times tol after 5,000 epochs; scikit-learn too). A
    # Newton system on such a support is singular: it takes a small ridge and
    # runs along the flat direction until one twin is 0. 40 samples, 300
    # features: the support may outnumber the samples.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 300))
    X[:, 5:10] = X[:, :5] * (1 + 1e-6 * np.arange(1, 6))
    y = X[:, :8] @ rng.standard_normal(8) + 0.1 * rng.standard_normal(40)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    y_c = y - y.mean()
    alpha = np.abs((X - X.mean(0)).T @ y_c).max() / 40 / 100
    runs = newton_runs(Xf, y, alpha, fit_intercept=True, max_iter=5000, tol=1e-10)
    w, ratios, epochs, stats = runs[True]
    assert ratios == [] and epochs < 200 and stats["n_newton"] >= 1
    assert runs[False][2] == 5000 and min(runs[False][1]) > 10
    _, _, gap = enet_certificate(X, y, w, alpha, fit_intercept=True)
    assert gap <= 1e-10 * np.mean(y_c**2) * 1.01
    # (the larger twin carries the pair's weight: the smaller l1 cost)
    assert np.all(w[:5] == 0) and np.all(w[5:8] != 0)


@pytest.mark.parametrize("positive", [False, True])
def test_newton_steps_in_the_gram_solver(positive):
    # the uncentred problem above, with precompute=True: the Gram solver's
    # coordinate descent crawls the same way, its Newton steps end it
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 50)) + 10
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(200)
    kw = dict(alphas=[0.01], tol=1e-8, precompute=True, positive=positive,
              return_n_iter=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, coefs, gaps, n_iter = sf.lasso_path(X, y, max_iter=5000, **kw)
    assert n_iter[0] < 1000
    _, _, gap = enet_certificate(X, y, coefs[:, 0], 0.01, fit_intercept=False,
                                 positive=positive)
    assert gap <= 1e-8 * np.mean(y**2) * 1.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, _, gaps_off, n_off = sf.lasso_path(X, y, max_iter=5000, newton=False, **kw)
    assert n_off[0] == 5000 and gaps_off[0] > 10 * 1e-8 * np.mean(y**2)


def test_newton_steps_on_many_duplicate_pairs_beyond_the_samples():
    # 40 samples, 40 near-duplicate pairs: the support's system is singular
    # and the support can be twice the samples. (Found by a review: the retry
    # with a ridge counted as the step's only allowed solve, so no step moved,
    # 5,000 epochs and a warning as without Newton steps.)
    rng = np.random.default_rng(0)
    X0 = rng.standard_normal((40, 40))
    X = np.hstack([X0, X0 * (1 + 1e-6 * np.arange(1, 41))])
    y = X0 @ rng.standard_normal(40) + 0.1 * rng.standard_normal(40)
    alpha = np.abs(X.T @ y).max() / 40 * 1e-2
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, coefs, _, n_iter = sf.lasso_path(X, y, alphas=[alpha], tol=1e-10, max_iter=5000,
                                           return_n_iter=True)
    assert n_iter[0] < 1000
    _, _, gap = enet_certificate(X, y, coefs[:, 0], alpha, fit_intercept=False)
    assert gap <= 1e-10 * np.mean(y**2) * 1.01


def test_newton_steps_skip_supports_whose_factorisation_outweighs_the_epochs():
    # AR(1) 0.999 with 30 samples and 2,000 features, a near-ridge elastic
    # net: the support holds ~1,860 features, whose factorisation (1e9
    # flops) costs more than the whole solve by coordinate descent. (Found by
    # a review: it was counted after the step, which made the fit 7x slower.)
    rng = np.random.default_rng(1)
    n, p = 30, 2000
    Z = rng.standard_normal((n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.999 * X[:, j - 1] + np.sqrt(1 - 0.999**2) * Z[:, j]
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    X = np.asfortranarray(X)
    alpha = np.abs(X.T @ y).max() / n / 0.01 * 1e-3
    design = make_design(X, fit_intercept=False)
    y_prep, _ = design.prepare_target(y)
    runs = {}
    for newton in (True, False):
        stats = []
        coefs, _, n_iter = solve_path(design, y_prep, [alpha], l1_ratio=0.01, tol=1e-10,
                                      max_iter=20000, working_set=False, stats=stats,
                                      newton=newton)
        runs[newton] = coefs[:, 0], n_iter[0], stats[0]
    assert runs[True][2]["n_newton"] == 0 and runs[True][2]["entries_newton"] == 0
    assert runs[True][1] == runs[False][1]
    np.testing.assert_array_equal(runs[True][0], runs[False][0])


def test_newton_steps_count_the_work_of_earlier_inner_solves():
    # AR(1) 0.999, 60 x 1,500, an elastic net near its least-squares end: the
    # last working set (~900 features, support ~450) is solved in several
    # inner solves, each cut by its work budget. (Found by a review: the
    # Newton steps' budget restarted with each, no step was ever affordable,
    # and the fit ran to max_iter as without them.)
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((60, 1500))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, 1500):
        X[:, j] = 0.999 * X[:, j - 1] + np.sqrt(1 - 0.999**2) * Z[:, j]
    rng = np.random.default_rng(0)
    y = X[:, ::100] @ rng.standard_normal(15) + rng.standard_normal(60)
    alpha = np.abs(X.T @ y).max() / 60 * 1e-2
    kw = dict(alphas=[alpha], l1_ratio=0.1, fit_intercept=True, tol=1e-10, max_iter=5000,
              return_n_iter=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, coefs, _, n_iter = sf.enet_path(X, y, **kw)
    assert n_iter[0] < 5000
    _, _, gap = enet_certificate(X, y, coefs[:, 0], alpha, l1_ratio=0.1, fit_intercept=True)
    assert gap <= 1e-10 * np.var(y) * 1.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, _, _, n_off = sf.enet_path(X, y, newton=False, **kw)
    assert n_off[0] == 5000


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_steps_of_a_large_factor_take_working_sets(monkeypatch, fmt, l1_ratio):
    """A step more than STRONG_MAX_RATIO below the previous alpha takes
    working sets (the strong rule's threshold 2 alpha - alpha_prev is then
    negative: it would keep every feature), the others the strong rule; the
    gaps stay certificates and the path matches plain coordinate descent."""
    from sparsefuse._path import STRONG_MAX_RATIO

    X, y = random_problem(4, 100, 600, 0.1, correlated=True)
    Xf = sparse.csc_matrix(X) if fmt == "csc" else np.asfortranarray(X)
    design = make_design(Xf, True)
    y_prep, _ = design.prepare_target(y)
    alpha_max = np.abs(Xf.T @ y_prep).max() / len(y) / l1_ratio
    # steps of 1.5, then 10, then 1.5, then 3.9 (below the limit) and 5
    factors = np.cumprod([1, 1.5, 10, 1.5, STRONG_MAX_RATIO * 0.98, 5])
    alphas = alpha_max / factors
    tol = 1e-9
    solve, used = _cd.enet_solve, []

    def spy(*args, **kwargs):
        used.append(kwargs["working_set"])
        return solve(*args, **kwargs)

    monkeypatch.setattr(_cd, "enet_solve", spy)
    coefs, gaps, _ = solve_path(design, y_prep, alphas, l1_ratio=l1_ratio, tol=tol,
                                max_iter=100_000)
    assert used == [True, False, True, False, False, True]
    monkeypatch.setattr(_cd, "enet_solve", solve)
    ref, _, _ = solve_path(design, y_prep, alphas, l1_ratio=l1_ratio, tol=1e-12,
                           max_iter=100_000, **CONFIGS["plain CD"])
    yy = y_prep @ y_prep / len(y)
    for k, alpha in enumerate(alphas):
        primal, _, gap = enet_certificate(X, y, coefs[:, k], alpha, l1_ratio, True)
        assert gap == pytest.approx(gaps[k], rel=1e-6, abs=1e-12 * yy)
        assert gaps[k] <= tol * yy
        p_ref, _, _ = enet_certificate(X, y, ref[:, k], alpha, l1_ratio, True)
        assert primal - p_ref <= tol * yy * (1 + 1e-9) + 1e-13 * yy
