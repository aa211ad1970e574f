"""Micro-benchmarks of the kernels (pytest-benchmark).

``pytest benchmarks/micro --benchmark-enable --benchmark-only`` times them;
the test suite runs them once with benchmarking disabled so that they cannot
rot. Each measures one unit of kernel work: a coordinate-descent epoch over
all features (dense, sparse), one certificate pass, one screening pass, one
group epoch.
"""

import numpy as np
import pytest
from scipy import sparse

from sparsefuse import _cd, _group_cd
from sparsefuse._path import make_design
from sparsefuse.group import block_lipschitz


def prepared(kind, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "dense":
        X = rng.standard_normal((500, 2000))
    else:
        X = sparse.random(5000, 20000, density=0.002, random_state=seed, format="csc")
    y = np.asarray(X[:, :20] @ rng.standard_normal(20)).ravel() + rng.standard_normal(X.shape[0])
    design = make_design(X, fit_intercept=kind == "sparse")
    y_prep, _ = design.prepare_target(y)
    norms, xv = design.column_stats
    lam = 0.05 * np.abs(design.correlation(y_prep)).max()
    return design, y_prep, norms, xv, lam


def run(design, y_prep, norms, xv, lam, max_iter, **devices):
    w = np.zeros(design.X.shape[1])
    return _cd.enet_solve(*design.buffers, design.is_sparse, y_prep, w, design.v,
                          design.fit_intercept, norms, xv, lam, 0.0, max_iter, 0.0, 1,
                          **devices)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_one_epoch(benchmark, kind):
    """A solve of one epoch: the certificate before it, the epoch, and the
    certificate after it (two certificate passes, see test_certificate_pass:
    the epoch alone is the difference; benchmarks/epoch_cost.py takes it)."""
    args = prepared(kind)
    out = benchmark(run, *args, 1, screening=False, working_set=False, anderson=0)
    assert out[3] == 1 and out[4]["n_outer"] == 2  # one epoch, two certificates


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_certificate_pass(benchmark, kind):
    """One duality-gap evaluation: exact residual, every gradient, the gap."""
    args = prepared(kind)
    out = benchmark(run, *args, 0)
    assert out[4]["n_outer"] == 1 and out[3] == 0


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_screening_pass(benchmark, kind):
    """A certificate, a Gap Safe screening pass, one epoch on the working set."""
    design, y_prep, norms, xv, lam = prepared(kind)
    # at 3/4 of alpha_max the first certificate already discards features
    out = benchmark(run, design, y_prep, norms, xv, 15 * lam, 1)
    assert out[4]["n_screened"] > 0


def test_one_group_epoch(benchmark):
    """A group solve of one epoch, with its two outer passes (the products
    of every group before and after the epoch)."""
    design, y_prep, norms, xv, lam = prepared("dense")
    group_ptr = np.arange(0, 2001, 10, dtype=np.intc)
    lipschitz = block_lipschitz(design, group_ptr)
    weights = np.sqrt(np.diff(group_ptr)).astype(float)

    def epoch():
        w = np.zeros(2000)
        return _group_cd.group_solve(*design.buffers, False, y_prep, w, design.v, False,
                                     norms, xv, group_ptr, weights, lipschitz, 0.0, lam, 1,
                                     0.0, screening=False, working_set=False, anderson=0)

    out = benchmark(epoch)
    assert out[3] == 1 and out[4]["n_outer"] == 2
