"""Side-by-side timing of sparsefuse, scikit-learn, celer and skglm.

Run it as ``sparsefuse bench`` or ``python benchmarks/compare.py`` (same
options: ``--quick`` for a smoke run, ``--ablation`` to switch sparsefuse's
devices off one at a time, ``--group`` for the group lasso problems). It needs
the ``bench`` extra (``pip install ".[bench]"`` in the repository); news20 is read
from ``--data-dir`` (default ``../shared/data`` relative to the working
directory: the shared data next to the repository, run from its root) and
skipped with a message when absent; ``python benchmarks/get_news20.py
news20.bz2 DIR`` writes its two files into DIR from libsvm's news20 training
file (NEWS20_SOURCE).

Metric. For every problem and workload, the reference optimum ``P*`` of each
point is the objective of a very tight sparsefuse run (tol 1e-14; 1e-10 for
the group problems, a gap that bounds the reference's relative error far
below the target); every
solver's objectives are checked against it, and a solver that goes below it
by more than ``P_STAR_SLACK * P(0)`` is reported (``p_star_beaten`` in the
JSON). A solver's time is that of its fastest run, over a ladder of its own
``tol`` values from loose to tight (TOLS: 1, 2 and 5 per decade from 1e-2 to
1e-8, then 1e-9, 1e-10 and 1e-12), whose every point reaches relative suboptimality
``(P(w) - P*) / P(0) <= 1e-6``; each time is the best of ``--repeat``
in-process runs at that tol, and of more for short runs (until they add up
to REPEAT_SECONDS, at most REPEAT_CAP runs): a 10 ms run scatters more. (The
ladder's runs, which find that tol within ``--budget``, run in a forked
process that can be killed; their times are not kept.) BLAS
and OpenMP run on one thread (threadpoolctl's limits, whatever the
environment says; the JSON records the thread counts seen).

Workloads: a path of 20 alphas from alpha_max to alpha_max / 100, warm-started
the way each solver does it best, and single fits at alpha_max / 10 and
alpha_max / 100; the sparse problems also with ``fit_intercept=True``.

It prints a markdown table of times and ratios, and writes every number with
the machine description to ``--json``.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

import sparsefuse  # noqa: E402
from sparsefuse.datasets import load_leukemia  # noqa: E402

# The shared datasets sit next to the repository: ../shared/data from its root
# (relative to the working directory).
DEFAULT_DATA_DIR = Path("..") / "shared" / "data"

SUBOPT = 1e-6
# With --repeat > 1, short runs are repeated until their time adds up to this
# (at most REPEAT_CAP runs in all).
REPEAT_SECONDS = 0.3
REPEAT_CAP = 20
# Steps of 1, 2, 5 per decade down to 1e-8, so that no solver loses much to
# the coarseness of the ladder where the target is met (a review of the
# half-decade ladder measured skglm up to 23% and celer up to 9% faster on a
# finer one, sparsefuse up to 3%: the peers' time jumps more between rungs,
# and skglm, whose tol bounds the largest violation of optimality, needs
# tight ones); decades below.
TOLS = [1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5, 5e-6, 2e-6, 1e-6,
        5e-7, 2e-7, 1e-7, 5e-8, 2e-8, 1e-8, 1e-9, 1e-10, 1e-12]


# --- problems -----------------------------------------------------------------

def leukemia(data_dir):
    X, y = load_leukemia()
    return X, y


def news20(data_dir):
    """news20 TF-IDF (log-tf, idf, L2 rows); y = +1 for comp.* (labels 2..6)."""
    counts = sparse.load_npz(Path(data_dir) / "news20.npz").tocsr().astype(np.float64)
    labels = np.load(Path(data_dir) / "news20_labels.npz")["label"]
    X = counts.copy()
    X.data = 1.0 + np.log(X.data)
    df = np.bincount(X.indices, minlength=X.shape[1])
    idf = np.log((1.0 + X.shape[0]) / (1.0 + df)) + 1.0
    X = X @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ X
    y = np.where((labels >= 2) & (labels <= 6), 1.0, -1.0)
    return sparse.csc_matrix(X), y


# libsvm's news20 training set (multiclass data sets page, news20.bz2): the
# width of its feature space (the last columns may hold no term of the
# training posts: load_svmlight_file alone would read fewer)
NEWS20_SHAPE = (15935, 62061)
NEWS20_SOURCE = ("https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/"
                 "news20.bz2")


def save_news20(source, data_dir, n_features=NEWS20_SHAPE[1]):
    """Write ``news20.npz`` (term counts, float32 CSR) and ``news20_labels.npz``
    (``label``, 1..20) into ``data_dir`` from libsvm's news20 training file
    (``source``: news20.bz2 as downloaded, or unpacked), the files
    :func:`news20` reads; return (X, labels)."""
    from sklearn.datasets import load_svmlight_file

    X, labels = load_svmlight_file(str(source), n_features=n_features, dtype=np.float32,
                                   zero_based=False)
    if labels.size and (labels.min() < 1 or labels.max() > 20
                        or np.any(labels != np.round(labels))):
        raise ValueError(f"{source}: the labels of news20 are the newsgroups 1..20; "
                         f"found {labels.min():g} to {labels.max():g}")
    labels = labels.astype(np.int16)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    sparse.save_npz(data_dir / "news20.npz", X.tocsr())
    np.savez(data_dir / "news20_labels.npz", label=labels)
    return X, labels


def ar1_dense(data_dir, n_samples=500, n_features=5000, rho=0.5, seed=0):
    """Gaussian design with corr(x_j, x_k) = rho^|j - k|, 50 true features."""
    rng = np.random.default_rng(seed)
    X = np.empty((n_samples, n_features), order="F")
    X[:, 0] = rng.standard_normal(n_samples)
    for j in range(1, n_features):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n_samples)
    w = np.zeros(n_features)
    support = rng.choice(n_features, min(50, n_features), replace=False)
    w[support] = rng.standard_normal(len(support))
    y = X @ w
    y += rng.standard_normal(n_samples) * np.std(y) / 3.0  # SNR 3
    return X, y


def zipf_sparse(data_dir, n_samples=20_000, n_features=100_000, nnz_per_row=50, seed=0):
    """Text-like counts: column j appears with probability ~ 1 / (j + 10)."""
    rng = np.random.default_rng(seed)
    freq = 1.0 / (np.arange(n_features) + 10.0)
    freq /= freq.sum()
    nnz = n_samples * nnz_per_row
    rows = np.repeat(np.arange(n_samples), nnz_per_row)
    cols = rng.choice(n_features, size=nnz, p=freq)
    vals = rng.poisson(1.0, nnz) + 1.0
    X = sparse.csr_matrix((vals, (rows, cols)), shape=(n_samples, n_features))
    X.sum_duplicates()
    X.data = np.log1p(X.data)
    w = np.zeros(n_features)
    support = rng.choice(min(2000, n_features), 100, replace=False)  # frequent terms
    w[support] = rng.standard_normal(100)
    y = X @ w
    y += rng.standard_normal(n_samples) * np.std(y) / 3.0
    return sparse.csc_matrix(X), y


def contiguous_sizes(n_features, size):
    sizes = [size] * (n_features // size)
    if n_features % size:
        sizes.append(n_features % size)
    return sizes


def debian(data_dir, fine=False):
    """The five-modality Debian problem, blocks scaled without centring."""
    from sparsefuse.datasets import load_debian_packages

    data = load_debian_packages()
    blocks, sizes = [], []
    for block in data.blocks.values():
        scale = np.sqrt(np.asarray(block.multiply(block).sum(axis=0)).ravel())
        block = block @ sparse.diags(1.0 / np.where(scale > 0, scale, 1.0))
        blocks.append(block)
        sizes += contiguous_sizes(block.shape[1], 50) if fine else [block.shape[1]]
    X = sparse.csc_matrix(sparse.hstack(blocks))
    return X, data.target - data.target.mean(), sizes


GROUP_PROBLEMS = {
    "ar1-dense/10": lambda d: (*ar1_dense(d), [10] * 500),
    "leukemia/10": lambda d: (*leukemia(d), contiguous_sizes(7129, 10)),
    "news20/50": lambda d: (*news20(d), contiguous_sizes(62061, 50)),
    "debian/modality": lambda d: debian(d),
    "debian/50": lambda d: debian(d, fine=True),
}


PROBLEMS = {
    "leukemia": leukemia,
    "news20": news20,
    "ar1-dense": ar1_dense,
    "zipf-sparse": zipf_sparse,
}


# --- objective ----------------------------------------------------------------

def objective(X, y, w, b, alpha):
    r = y - X @ w - b
    return 0.5 * r @ r / len(y) + alpha * np.abs(w).sum()


def group_objective(X, y, w, b, alpha, sizes):
    r = y - X @ w - b
    return 0.5 * r @ r / len(y) + alpha * sum(np.linalg.norm(w[g]) for g in
                                              group_indices(sizes))


def group_alpha_max(X, y, sizes):
    corr = X.T @ y / len(y)
    return max(np.linalg.norm(corr[g]) for g in group_indices(sizes))


def alpha_max(X, y, fit_intercept):
    yc = y - y.mean() if fit_intercept else y
    return np.abs(X.T @ yc).max() / len(y)


# --- solvers: each returns a list of (coef, intercept), one per alpha --------

def run_sparsefuse(X, y, alphas, fit_intercept, tol, **devices):
    # (the estimator takes no device switches: the ablation goes through the path)
    if len(alphas) > 1 or not fit_intercept or devices:
        _, coefs, _ = sparsefuse.lasso_path(
            X, y, alphas=alphas, tol=tol, max_iter=100_000, fit_intercept=fit_intercept,
            **devices)
        # alphas come in decreasing order, as lasso_path returns them
        if not fit_intercept:
            return [(coefs[:, k], 0.0) for k in range(len(alphas))]
        mean = np.asarray(X.mean(axis=0)).ravel()
        return [(coefs[:, k], y.mean() - mean @ coefs[:, k]) for k in range(len(alphas))]
    model = sparsefuse.Lasso(alpha=alphas[0], tol=tol, max_iter=100_000,
                             fit_intercept=True).fit(X, y)
    return [(model.coef_, model.intercept_)]


def run_sklearn(X, y, alphas, fit_intercept, tol):
    """``copy_X=False``: X stays as it is without an intercept, and sparse X
    with one (scikit-learn centres it implicitly); its default copy of X
    would cost up to a sixth of a single fit's time."""
    from sklearn.linear_model import Lasso, lasso_path

    if not fit_intercept:
        _, coefs, _ = lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100_000, copy_X=False)
        return [(coefs[:, k], 0.0) for k in range(len(alphas))]
    model = Lasso(tol=tol, max_iter=100_000, warm_start=True, fit_intercept=True,
                  copy_X=not sparse.issparse(X))
    out = []
    for alpha in alphas:
        model.set_params(alpha=alpha).fit(X, y)
        out.append((model.coef_.copy(), model.intercept_))
    return out


# The peers' caps on their outer (working-set) iterations: their defaults
# (celer 100 in its estimators, 20 in celer_path; skglm 50) can stop a run
# short of its tol, silently (the benchmark ignores their warnings): far
# above them, only a run that stalls reaches the cap. (Their epochs are
# capped at 100,000, as sparsefuse's and scikit-learn's max_iter.)
PEER_MAX_ITER = 1000


def run_celer(X, y, alphas, fit_intercept, tol):
    """celer's path function; with an intercept on sparse X, centred
    implicitly through its ``X_offset`` (as its ``Lasso`` does inside each
    fit, which also validates and copies X)."""
    import celer

    # (max_iter: outer iterations, PEER_MAX_ITER)
    if not fit_intercept:
        _, coefs, _ = celer.celer_path(X, y, "lasso", alphas=np.asarray(alphas), tol=tol,
                                       max_iter=PEER_MAX_ITER, max_epochs=100_000, prune=True)
        return [(coefs[:, k], 0.0) for k in range(len(alphas))]
    if sparse.issparse(X):
        mean = np.asarray(X.mean(axis=0)).ravel()
        y_mean = y.mean()
        _, coefs, _ = celer.celer_path(X, y - y_mean, "lasso", alphas=np.asarray(alphas),
                                       tol=tol, max_iter=PEER_MAX_ITER, max_epochs=100_000,
                                       prune=True, X_offset=mean, X_scale=np.ones(X.shape[1]))
        return [(coefs[:, k], y_mean - mean @ coefs[:, k]) for k in range(len(alphas))]
    model = celer.Lasso(tol=tol, max_iter=PEER_MAX_ITER, max_epochs=100_000,
                        warm_start=True, fit_intercept=True)
    out = []
    for alpha in alphas:
        model.alpha = alpha
        model.fit(X, y)
        out.append((model.coef_.copy(), model.intercept_))
    return out


def run_skglm(X, y, alphas, fit_intercept, tol):
    import skglm

    model = skglm.Lasso(tol=tol, max_iter=PEER_MAX_ITER, max_epochs=100_000, warm_start=True,
                        fit_intercept=fit_intercept)
    out = []
    for alpha in alphas:
        model.alpha = alpha
        model.fit(X, y)
        out.append((np.asarray(model.coef_).copy(), float(model.intercept_)))
    return out


def run_skglm_path(X, y, alphas, fit_intercept, tol):
    """skglm's own path function (``Lasso.path``), timed on the paths beside
    the warm-started fits of :func:`run_skglm`: which of the two is faster
    depends on the problem. With an intercept its coefficients have one more
    row, the intercept."""
    import skglm

    model = skglm.Lasso(tol=tol, max_iter=PEER_MAX_ITER, max_epochs=100_000,
                        fit_intercept=fit_intercept)
    _, coefs, _, _ = model.path(X, y, np.asarray(alphas, dtype=np.float64))
    coefs = np.asarray(coefs)
    n_features = X.shape[1]
    return [(coefs[:n_features, k].copy(), float(coefs[n_features, k]) if fit_intercept else 0.0)
            for k in range(len(alphas))]


def group_indices(sizes):
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_sparsefuse_group(X, y, alphas, fit_intercept, tol, sizes=None, **devices):
    _, coefs, _ = sparsefuse.group_lasso_path(
        X, y, sizes, weights=np.ones(len(sizes)), alphas=alphas, tol=tol, max_iter=100_000,
        fit_intercept=fit_intercept, **devices)
    return [(coefs[:, k], 0.0) for k in range(len(alphas))]


def run_skglm_group(X, y, alphas, fit_intercept, tol, sizes=None):
    import skglm

    model = skglm.GroupLasso(groups=list(sizes), tol=tol, max_iter=PEER_MAX_ITER,
                             max_epochs=100_000,
                             warm_start=True, fit_intercept=fit_intercept)
    out = []
    for alpha in alphas:
        model.alpha = alpha
        model.fit(X, y)
        out.append((np.asarray(model.coef_).copy(), 0.0))
    return out


def run_celer_group(X, y, alphas, fit_intercept, tol, sizes=None):
    """celer's path function: its set-up (each group's Lipschitz constant, on
    sparse X from the group's Gram matrix) once per path, not once per alpha
    as warm-started ``GroupLasso`` fits would repeat it; ``prune`` and
    ``max_iter`` as celer's ``GroupLasso``."""
    import celer

    if fit_intercept:
        raise ValueError("the group benchmark fits no intercept")
    _, coefs, _ = celer.celer_path(X, y, "grouplasso", groups=list(sizes),
                                   alphas=np.asarray(alphas), tol=tol, max_iter=PEER_MAX_ITER,
                                   max_epochs=100_000, prune=True)
    return [(coefs[:, k].copy(), 0.0) for k in range(len(alphas))]


def run_grouplasso_group(X, y, alphas, fit_intercept, tol, sizes=None):
    """The ``group-lasso`` package (FISTA): ``scale_reg="none"`` is weights 1,
    its loss 0.5 * MSE is the same scaling."""
    from group_lasso import GroupLasso

    groups = np.repeat(np.arange(len(sizes)), sizes)
    model = GroupLasso(groups=groups, group_reg=alphas[0], l1_reg=0.0, n_iter=100_000, tol=tol,
                       scale_reg="none", fit_intercept=fit_intercept, warm_start=True,
                       supress_warning=True)
    out = []
    for alpha in alphas:
        model.group_reg = alpha
        model.fit(X, y)
        out.append((np.asarray(model.coef_).ravel().copy(), 0.0))
    return out


GROUP_SOLVERS = {
    "sparsefuse": run_sparsefuse_group,
    "celer": run_celer_group,
    "skglm": run_skglm_group,
    "group-lasso": run_grouplasso_group,
}


SOLVERS = {
    "sparsefuse": run_sparsefuse,
    "scikit-learn": run_sklearn,
    "celer": run_celer,
    "skglm": run_skglm,
    "skglm-path": run_skglm_path,
}
# the peers of the "best of celer, skglm" column
PEERS = ("celer", "skglm", "skglm-path")


def applies(name, workload, fit_intercept):
    """Whether a solver is timed on a workload: skglm's path function only on
    the paths."""
    return name != "skglm-path" or workload == "path-20"

ABLATIONS = {
    # the defaults, named so that this run takes the same route (lasso_path)
    # as the others
    "all devices": {"working_set": "auto"},
    "working sets everywhere": {"working_set": True},
    "no Anderson": {"anderson": 0},
    "no path extrapolation": {"path_extrapolation": False},
    "no Newton steps": {"newton": False},
    "no working sets": {"working_set": False},
    "no working sets, no strong rules": {"working_set": False, "strong_rules": False},
    "no screening": {"screening": False},
    "plain CD": {"working_set": False, "strong_rules": False, "screening": False,
                 "anderson": 0, "path_extrapolation": False, "newton": False},
}


# --- measurement ----------------------------------------------------------------

def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


class SolverFailed(Exception):
    """A solver raised, or its process died, on a benchmark problem."""


def timed_within(limit, fn, *args, **kwargs):
    """``timed`` in a forked child process, killed after ``limit`` seconds.

    Returns (seconds, solution), or (None, None) when the run did not finish
    in time. The time is measured inside the child, so the fork costs nothing
    to the solver; without ``fork`` (not Linux) the run is in-process. A
    solver that raises, or whose process dies (out of memory, a crash in
    compiled code), raises :class:`SolverFailed`.
    """
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        try:
            return timed(fn, *args, **kwargs)
        except Exception as exc:
            raise SolverFailed(f"{type(exc).__name__}: {exc}") from exc
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = ("ok", timed(fn, *args, **kwargs))
                send.send(out)
            except BaseException as exc:  # (SystemExit too; a result that does not pickle)
                send.send(("error", f"{type(exc).__name__}: {exc}"))

    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()
    ready = receive.poll(max(limit, 1.0))
    try:
        status, out = receive.recv() if ready else ("ok", (None, None))
    except EOFError:  # (the child died without sending)
        process.join()
        code = process.exitcode
        if code is not None and code < 0:
            import signal

            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        raise SolverFailed(f"its process died ({how})") from None
    if not ready:
        process.kill()
    process.join()
    if status == "error":
        raise SolverFailed(out)
    return out


def one_pass(X, y, repeat=20):
    """Seconds of one ``X.T @ y`` (best of ``repeat``): the least work that
    reads every stored entry of X, the unit of a single fit's cost (any
    certified solve reads X at least twice: its gradients at zero, and at the
    solution its certificate)."""
    return min(timed(lambda: X.T @ y)[0] for _ in range(repeat))


def objectives(X, y, alphas, solution, sizes=None):
    if sizes is not None:
        return np.array([group_objective(X, y, w, b, a, sizes)
                         for (w, b), a in zip(solution, alphas)])
    return np.array([objective(X, y, w, b, a) for (w, b), a in zip(solution, alphas)])


# (a solver's objective below the reference by more than this share of P(0)
# means the reference was not tight enough: reported, not hidden)
P_STAR_SLACK = 1e-9


def measure(name, fn, X, y, alphas, fit_intercept, p_star, p_zero, repeat, budget, **kw):
    """Loosest tol meeting the suboptimality target; its best time over repeats.

    Every rung of the ladder is kept in ``curve`` as (seconds, worst relative
    suboptimality): the suboptimality-versus-time curve of the solver. The
    ladder stops once ``budget`` seconds are spent; a run that would overrun
    the budget is stopped there.
    """
    spent = 0.0
    curve = []
    subopt = np.array([np.inf])

    def worst():
        # (None, not inf, when no rung finished: JSON has no infinity)
        return float(subopt.max()) if np.isfinite(subopt).all() else None

    def cut():
        # A solver cut by the budget is known to need at least the time of its
        # slowest rung that finished (a tighter tol runs longer). That rung
        # runs once more, in process as the times kept are (forked runs can
        # be slower), beyond the budget: the lesser of its two times counts.
        out = {"time": None, "tol": None, "note": f"no tol met 1e-6 within {budget:.0f}s",
               "subopt": worst(), "curve": curve, "budget": budget}
        if curve:
            k = int(np.argmax([t for t, _ in curve]))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    again = timed(fn, X, y, alphas, fit_intercept, TOLS[k], **kw)[0]
                out["bound"] = min(again, curve[k][0])
            except Exception:  # (it finished forked; the bound then stays that run's)
                pass
        return out

    for tol in TOLS:
        try:
            seconds, sol = timed_within(budget - spent, fn, X, y, alphas, fit_intercept, tol,
                                        **kw)
        except SolverFailed as exc:
            print(f"warning: {name} failed at tol {tol:g}: {exc}", flush=True)
            return {"time": None, "tol": None, "note": f"failed at tol {tol:g}: {exc}",
                    "subopt": worst(), "curve": curve}
        if seconds is None:
            return cut()
        spent += seconds
        subopt = (objectives(X, y, alphas, sol, kw.get("sizes")) - p_star) / p_zero
        curve.append((seconds, float(max(subopt.max(), 1e-16))))
        if np.all(subopt <= SUBOPT):
            # The time kept is the best of in-process runs: the forked run
            # above only finds the tol within the budget (a review measured
            # forked children up to twice as slow as the same run in-process:
            # page faults on the copied memory, cold caches).
            runs, total, seconds = 0, 0.0, np.inf
            while runs < repeat or (1 < repeat and runs < REPEAT_CAP
                                    and total < REPEAT_SECONDS):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    more = timed(fn, X, y, alphas, fit_intercept, tol, **kw)[0]
                seconds = min(seconds, more)
                runs += 1
                total += more
            return {"time": seconds, "tol": tol, "subopt": float(subopt.max()),
                    "subopt_min": float(subopt.min()), "curve": curve}
        if spent > budget:
            return cut()
    return {"time": None, "tol": None, "note": "no tol met 1e-6", "subopt": worst(),
            "curve": curve}


def save_plots(results, folder):
    """One PNG per problem and workload: suboptimality against time, per solver."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for row in results:
        fig, ax = plt.subplots(figsize=(5, 3.4))
        for name, run in row["runs"].items():
            if run.get("curve"):
                t, s = zip(*run["curve"])
                ax.loglog(t, s, marker="o", ms=3, label=name)
        ax.axhline(SUBOPT, color="gray", ls=":", lw=1)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("relative suboptimality")
        ax.set_title(f"{row['problem']}, {row['workload']}", fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        slug = "".join(c if c.isalnum() else "_" for c in f"{row['problem']}_{row['workload']}")
        fig.savefig(folder / f"{slug}.png", dpi=100)
        plt.close(fig)


WORKLOADS = ("path-20", "alpha_max/10", "alpha_max/100")

# Files a problem reads from --data-dir (the others are built in or synthetic).
DATA_FILES = {"news20": ("news20.npz", "news20_labels.npz")}


def workloads(X, y, fit_intercept):
    a_max = alpha_max(X, y, fit_intercept)
    return {
        "path-20": list(np.geomspace(a_max, a_max / 100, 20)),
        "alpha_max/10": [a_max / 10],
        "alpha_max/100": [a_max / 100],
    }


def warm_up(solvers, X, y):
    """Compile JIT code (skglm) and load libraries outside the timings."""
    Xs, ys = X[:50], y[:50]
    alphas = [alpha_max(Xs, ys, False) / 10]
    for fn in solvers.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for fi in (False, True):
                fn(Xs, ys, alphas, fi, 1e-4)


def unavailable(exc):
    """Why a solver is left out: not installed, or it fails on a small problem
    (an installed version whose interface differs, say)."""
    if isinstance(exc, ImportError):
        return str(exc)
    return f"it fails on a small problem ({type(exc).__name__}: {exc})"


def git_commit():
    """The commit the package was built from (:func:`build_commit`) when it
    was installed from a wheel; else that of the checkout this module runs
    from (with "+dirty" when tracked files differ from it), or None (not a
    checkout of sparsefuse: an installed package inside another project's
    work tree is not its commit)."""
    import subprocess

    built = build_commit()
    if built is not None:
        return built
    here = Path(__file__).resolve().parent
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=here,
                             capture_output=True, text=True, timeout=10)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() / "src" / "sparsefuse" \
                != here:
            return None
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def build_commit():
    """The commit setup.py recorded when it built this package, or None (a
    build from an sdist, or the source tree of an editable install)."""
    try:
        from sparsefuse._build_info import COMMIT
    except ImportError:
        return None
    return COMMIT


def machine(commit):
    """Versions and hardware; ``commit``: git_commit() when the run began
    (the code it imported; the checkout may move during a long run, which
    ``commit_at_end`` then records)."""
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "sparsefuse": sparsefuse.__version__}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cores"] = os.cpu_count()
    info["commit"] = commit
    end = git_commit()
    if end != commit:
        info["commit_at_end"] = end
    for pkg in ("numpy", "scipy", "sklearn", "celer", "skglm"):
        try:
            info[pkg] = __import__(pkg).__version__
        except ImportError:
            info[pkg] = None
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [(p.get("internal_api"), p.get("num_threads"), p.get("architecture"))
                        for p in threadpool_info()]
    except ImportError:
        pass
    return info


def below_reference(runs):
    """The solvers whose objective went below P* by more than P_STAR_SLACK P(0)."""
    return {name: run["subopt_min"] for name, run in runs.items()
            if run.get("subopt_min", 0.0) < -P_STAR_SLACK}


def options_of(args):
    """The run's options, recorded in the JSON next to its results (a table's
    budget or problem list must not have to be guessed afterwards)."""
    return {key: value for key, value in sorted(vars(args).items())
            if isinstance(value, (str, int, float, bool, list, type(None)))}


def main(argv=None):
    """Run the benchmark with BLAS and OpenMP on one thread.

    The environment variables set at import come too late when numpy was
    imported first (``import sparsefuse`` does): threadpoolctl sets the
    limits of the loaded libraries, and forked timing runs inherit them.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover (a dependency of scikit-learn)
        print("warning: threadpoolctl is missing: BLAS threads are not pinned")
        return _main(argv)
    with threadpool_limits(limits=1):
        return _main(argv)


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="sparsefuse bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                        help="folder with news20.npz and news20_labels.npz (default: "
                             f"{DEFAULT_DATA_DIR} from the current folder for sparsefuse "
                             "bench, next to the repository for benchmarks/compare.py)")
    parser.add_argument("--problems", nargs="+", default=None,
                        choices=list(PROBLEMS) + list(GROUP_PROBLEMS),
                        help="default: all problems of the chosen mode")
    parser.add_argument("--solvers", nargs="+", default=None,
                        choices=list(dict.fromkeys([*SOLVERS, *GROUP_SOLVERS])),
                        help="default: every solver of the chosen mode")
    parser.add_argument("--workloads", nargs="+", default=None, choices=WORKLOADS,
                        help="default: all (the group benchmark has path-20 only)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="in-process runs of the tol kept, at least (default 3; "
                             "more when they are short)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds a solver may spend on one workload's tol ladder (one "
                             "cut there runs its slowest finished tol once more, in "
                             "process, for its lower bound; default 600)")
    parser.add_argument("--quick", action="store_true",
                        help="leukemia and the dense synthetic problem, one repeat")
    parser.add_argument("--ablation", action="store_true",
                        help="time sparsefuse with each device switched off")
    parser.add_argument("--group", action="store_true",
                        help="group lasso problems (weights 1) against celer and skglm")
    parser.add_argument("--json", default=None, help="write all results here")
    parser.add_argument("--plots", default=None,
                        help="folder for suboptimality-versus-time plots (PNG)")
    args = parser.parse_args(argv)
    # (the outputs are written last: an unwritable one fails now, not after
    # the run)
    from sparsefuse.cli import UsageError, check_output, pyplot

    try:
        if args.json:
            check_output(args.json, "--json")
        if args.plots:
            check_output(args.plots, "--plots", folder=True)
            pyplot()
    except UsageError as exc:
        parser.error(str(exc))
    if args.repeat is not None and args.repeat < 1:
        parser.error(f"--repeat must be at least 1; got {args.repeat}")
    if args.quick and args.repeat not in (None, 1):
        parser.error("--quick runs one repeat; --repeat does not apply")
    args.repeat = 1 if args.quick else args.repeat or 3
    if not args.budget > 0:
        parser.error(f"--budget must be a positive number of seconds; got {args.budget}")
    # (problems asked for by name must belong to the mode and have their
    # data; by default those without data are skipped, with a message)
    def refuse_outside_mode(option, names, allowed, what):
        other = [name for name in names or [] if name not in allowed]
        if other:
            parser.error(f"{option} {other[0]} {what.format('group' if args.group else 'Lasso')}; "
                         f"{'with' if args.group else 'without'} --group: {', '.join(allowed)}")

    refuse_outside_mode("--problems", args.problems, GROUP_PROBLEMS if args.group else PROBLEMS,
                        "is not a {} problem")
    quick = [p for p in args.problems or [] if p.startswith(("leukemia", "ar1"))]
    if args.quick and args.problems and len(quick) < len(args.problems):
        dropped = [p for p in args.problems if p not in quick]
        parser.error("--quick runs leukemia and the AR(1) design only; "
                     f"--problems {' '.join(args.problems)} asks for {dropped[0]} too")
    # (options that would be ignored, or run nothing, are refused)
    refuse_outside_mode("--solvers", args.solvers, GROUP_SOLVERS if args.group else SOLVERS,
                        "does not run the {} benchmark")
    if args.ablation and args.group:
        parser.error("--ablation switches the Lasso solver's devices off; it does not apply "
                     "with --group")
    if args.ablation and args.solvers:
        parser.error("--ablation times sparsefuse alone; --solvers does not apply")
    for problem in quick if args.quick else args.problems or []:
        missing = [name for name in DATA_FILES.get(problem.split("/")[0], ())
                   if not (Path(args.data_dir) / name).is_file()]
        if missing:
            parser.error(f"--problems {problem} needs {missing[0]} in --data-dir "
                         f"{args.data_dir} (benchmarks/get_news20.py in the repository, "
                         "or sparsefuse.bench.save_news20, makes it from "
                         "libsvm's news20.bz2)")
    if args.group and args.workloads and set(args.workloads) != {"path-20"}:
        parser.error("--group times path-20 only (the group benchmark has no single fits)")
    commit = git_commit()
    if args.group:
        return main_group(args, commit)
    args.problems = [p for p in (args.problems or PROBLEMS) if p in PROBLEMS]
    if args.quick:
        args.problems = [p for p in args.problems if p in ("leukemia", "ar1-dense")]

    solvers = {k: SOLVERS[k] for k in (args.solvers or SOLVERS) if k in SOLVERS}
    if args.ablation:
        solvers = {"sparsefuse": run_sparsefuse}
    available = {}
    for name, fn in solvers.items():
        try:
            warm_up({name: fn}, *ar1_dense(None, 60, 40))
            warm_up({name: fn}, *zipf_sparse(None, 60, 400, 5))
            available[name] = fn
        except Exception as exc:
            print(f"skipping {name}: {unavailable(exc)}")

    results = []
    for problem in args.problems:
        try:
            X, y = PROBLEMS[problem](args.data_dir)
        except FileNotFoundError as exc:
            print(f"skipping {problem}: {exc}")
            continue
        intercepts = [False, True] if sparse.issparse(X) else [False]
        pass_seconds = one_pass(X, y)
        for fit_intercept in intercepts:
            for workload, alphas in workloads(X, y, fit_intercept).items():
                if args.workloads and workload not in args.workloads:
                    continue
                label = f"{problem}{' +intercept' if fit_intercept else ''}"
                # Reference: a very tight sparsefuse run (a solver going below
                # it by more than P_STAR_SLACK * P(0) is reported, see below).
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref = run_sparsefuse(X, y, alphas, fit_intercept, 1e-14)
                p_star = objectives(X, y, alphas, ref)
                b0 = y.mean() if fit_intercept else 0.0
                p_zero = 0.5 * np.sum((y - b0) ** 2) / len(y)
                runs = {}
                if args.ablation:
                    for ab_name, devices in ABLATIONS.items():
                        runs[ab_name] = measure(ab_name, run_sparsefuse, X, y, alphas,
                                                fit_intercept, p_star, p_zero, args.repeat,
                                                args.budget, **devices)
                else:
                    for name, fn in available.items():
                        if not applies(name, workload, fit_intercept):
                            runs[name] = {"time": None, "tol": None, "skipped": True}
                            continue
                        runs[name] = measure(name, fn, X, y, alphas, fit_intercept, p_star,
                                             p_zero, args.repeat, args.budget)
                row = {"problem": label, "shape": list(X.shape), "workload": workload,
                       "pass_seconds": pass_seconds, "runs": runs}
                beaten = below_reference(runs)
                if beaten:
                    row["p_star_beaten"] = beaten
                    print(f"warning: {label} {workload}: below the reference optimum: {beaten}")
                results.append(row)
                print(format_row(row), flush=True)

    finish(results, args, commit)


def main_group(args, commit):
    """The group lasso benchmark: a 20-alpha path per problem, no intercept."""
    problems = [p for p in (args.problems or GROUP_PROBLEMS) if p in GROUP_PROBLEMS]
    if args.quick:
        problems = [p for p in problems if p.startswith(("leukemia", "ar1"))]
    available = {}
    for name in args.solvers or GROUP_SOLVERS:
        if name not in GROUP_SOLVERS:
            continue
        fn = GROUP_SOLVERS[name]
        try:
            Xw, yw = ar1_dense(None, 60, 40)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(Xw, yw, [group_alpha_max(Xw, yw, [10] * 4) / 5], False, 1e-4,
                   sizes=[10] * 4)
                Xs, ys = zipf_sparse(None, 60, 400, 5)
                fn(Xs, ys, [group_alpha_max(Xs, ys, [10] * 40) / 5], False, 1e-4,
                   sizes=[10] * 40)
            available[name] = fn
        except Exception as exc:
            print(f"skipping {name}: {unavailable(exc)}")
    results = []
    for problem in problems:
        try:
            X, y, sizes = GROUP_PROBLEMS[problem](args.data_dir)
        except FileNotFoundError as exc:
            print(f"skipping {problem}: {exc}")
            continue
        top = group_alpha_max(X, y, sizes)
        alphas = list(np.geomspace(top, top / 100, 20))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A gap of 1e-10 ||y||^2 / n bounds the reference's own relative
            # suboptimality by 2e-10, far below the 1e-6 target, and stays
            # affordable on the big Debian modality groups
            ref = run_sparsefuse_group(X, y, alphas, False, 1e-10, sizes=sizes)
        p_star = objectives(X, y, alphas, ref, sizes)
        p_zero = 0.5 * (y @ y) / len(y)
        runs = {name: measure(name, fn, X, y, alphas, False, p_star, p_zero, args.repeat,
                              args.budget, sizes=sizes)
                for name, fn in available.items()}
        row = {"problem": f"{problem} ({len(sizes)} groups)", "shape": list(X.shape),
               "workload": "path-20", "runs": runs}
        beaten = below_reference(runs)
        if beaten:
            row["p_star_beaten"] = beaten
            print(f"warning: {row['problem']}: below the reference optimum: {beaten}")
        results.append(row)
        print(format_row(row), flush=True)
    finish(results, args, commit)


def finish(results, args, commit):
    """The table, the machine, and the JSON (with the options of the run and
    its tol ladder) and plots when asked for."""
    print()
    print(markdown_table(results, ablation=args.ablation))
    info = machine(commit)
    print()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in info.items() if k != "blas"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "options": options_of(args), "subopt": SUBOPT,
                       "tols": TOLS, "results": results}, f, indent=1)
    if args.plots:
        save_plots(results, args.plots)


def lower_bound(run):
    """Seconds a solver that met no tol within its budget is known to need.

    A tighter tol runs the same solver longer, so the run at the tol that
    would meet the target takes at least as long as every rung that finished
    (without meeting it): the slowest of them, timed again in process
    (``bound``; results from before it was recorded take the forked run's
    time, which can be slower); when not even the loosest rung finished, at
    least the whole budget (a forked run's, stopped there). None for a
    solver that met the target or was not cut.
    """
    if run.get("time") or not run.get("budget"):
        return None
    if run.get("bound"):
        return run["bound"]
    curve = run.get("curve") or []
    return max(t for t, _ in curve) if curve else run["budget"]


def fmt_time(run):
    if run.get("skipped"):
        return "-"
    if run.get("time"):
        return f"{run['time']:.3g}"
    bound = lower_bound(run)
    return f"> {floor_digits(bound, 3):.3g}" if bound else "n/a"


def floor_decimals(x, decimals):
    """``x`` rounded down to ``decimals`` decimals (a hair of slack keeps
    2.43 from flooring to 2.42 through binary rounding): a lower bound printed
    rounded up would claim more than was measured."""
    scale = 10.0 ** decimals
    return math.floor(x * scale * (1 + 1e-12)) / scale


def floor_digits(x, digits):
    """``x`` rounded down to ``digits`` significant digits (see floor_decimals)."""
    if not x > 0:
        return x
    return floor_decimals(x, digits - 1 - math.floor(math.log10(x)))


def format_row(row):
    parts = [f"{k}: {fmt_time(v)}s (tol {v.get('tol')})" for k, v in row["runs"].items()
             if not v.get("skipped")]
    return f"{row['problem']:<24} {row['workload']:<14} " + "; ".join(parts)


def ratio_cell(ratio, lower=False):
    """A speed-up for the table: two decimals below 10x, one above; a
    ``lower`` bound rounded down, with "> "."""
    decimals = 2 if ratio < 10 else 1
    if lower:
        ratio = floor_decimals(ratio, decimals)
    return f"{'> ' if lower else ''}{ratio:.{decimals}f}x"


def markdown_table(results, ablation=False):
    names = list(results[0]["runs"]) if results else []
    # (one X.T @ y, where measured: single fits are a few such reads of X)
    passes = bool(results) and all("pass_seconds" in row for row in results)
    head = ("| problem | workload | " + ("one X.T @ y (s) | " if passes else "")
            + " | ".join(f"{n} (s)" for n in names))
    with_sklearn = "scikit-learn" in names
    # (the peers' column only when a peer ran: none installed, it would be n/a)
    with_peers = any(n in PEERS for n in names)
    if not ablation:
        head += ((" | scikit-learn / sparsefuse" if with_sklearn else "")
                 + (" | best of celer, skglm / sparsefuse" if with_peers else "") + " |")
    else:
        head += " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in results:
        runs = row["runs"]
        cells = ([row["problem"], row["workload"]]
                 + ([f"{row['pass_seconds']:.2g}"] if passes else [])
                 + [fmt_time(runs[n]) for n in names])
        if not ablation:
            ours = runs.get("sparsefuse", {}).get("time")
            sk_run = runs.get("scikit-learn", {})
            sk = sk_run.get("time") or lower_bound(sk_run)
            peers = [runs[n] for n in PEERS if n in runs and not runs[n].get("skipped")]
            # (a peer that met no tol of its whole ladder, without a budget
            # cut, cannot reach the target: it does not bound the best one)
            times = [t for t in (p.get("time") or lower_bound(p) for p in peers) if t]
            if with_sklearn:
                # (two decimals below 10x, where the 5x goal is judged: 4.98x
                # must not print as 5.0x; "> " when scikit-learn hit the budget)
                cells.append(ratio_cell(sk / ours, lower=not sk_run.get("time"))
                             if ours and sk else "n/a")
            if with_peers and ours and times:
                best = min(times)
                # a lower bound when the fastest known peer time is a budget cut
                bounded = all(p.get("time") != best for p in peers)
                ratio = best / ours
                if bounded:  # (rounded down: a lower bound)
                    ratio = floor_decimals(ratio, 2)
                cells.append(f"{'> ' if bounded else ''}{ratio:.2f}x")
            elif with_peers:
                cells.append("n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
