"""Cost of one full coordinate-descent epoch on news20, relative to ``X.T @ r``.

``X.T @ r`` touches every nonzero once: it is the least work any epoch can do.
An epoch of sparsefuse's kernel reads every column once to get its gradient
and writes the residual back on the columns whose coefficient moved. This
script times one epoch over all features (screening and working sets off, so
that every column is visited) at a regularization where a realistic share of
coefficients is nonzero, and prints the ratio. Run it from the repo root:
``python benchmarks/epoch_cost.py`` (``--data-dir`` if ``../shared/data`` is
elsewhere).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from sparsefuse import _cd  # noqa: E402
from sparsefuse._path import make_design  # noqa: E402

from sparsefuse.bench import news20  # noqa: E402


def best_of(fns, repeat):
    """Best time of each function, timed in turn in every round: a slow
    spell of a shared machine then slows all of them, not one."""
    best = [np.inf] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def main(argv=None):
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(repo.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)

    try:
        X, y = news20(args.data_dir)
    except FileNotFoundError as exc:
        parser.error(f"{exc.filename} not found: news20 is read from --data-dir "
                     "(default ../shared/data next to the repository)")
    design = make_design(X, fit_intercept=False)
    y_prep, _ = design.prepare_target(y)
    norms, xv = design.column_stats
    n_samples, n_features = X.shape
    alpha_max = np.abs(X.T @ y_prep).max() / n_samples
    # Warm-start point: the solution at alpha_max / 20 (a few hundred nonzeros).
    alpha = alpha_max / 20
    w0 = np.zeros(n_features)
    _cd.enet_solve(*design.buffers, True, y_prep, w0, design.v, False, norms, xv,
                   alpha * n_samples, 0.0, 10_000, 1e-8, 1)

    def one_epoch():
        w = w0.copy()
        # tol=0: never certified, so exactly max_iter=1 epoch over all features
        _cd.enet_solve(*design.buffers, True, y_prep, w, design.v, False, norms, xv,
                       alpha * 0.9 * n_samples, 0.0, 1, 0.0, 1, screening=False,
                       working_set=False, anderson=0)

    def gradient_only():
        w = w0.copy()
        # max_iter=0: the kernel only evaluates the certificate (one X.T @ r)
        _cd.enet_solve(*design.buffers, True, y_prep, w, design.v, False, norms, xv,
                       alpha * 0.9 * n_samples, 0.0, 0, 0.0, 1, screening=False,
                       working_set=False, anderson=0)

    r = y_prep - X @ w0
    t_matvec, t_cert, t_run = best_of([lambda: X.T @ r, gradient_only, one_epoch],
                                      args.repeat)
    # one_epoch evaluates the certificate before and after its epoch
    t_epoch = t_run - 2 * t_cert
    print(f"news20 {X.shape}, nnz {X.nnz}, nonzero coefficients {np.count_nonzero(w0)}")
    print(f"X.T @ r (scipy):             {t_matvec * 1e3:8.2f} ms")
    print(f"kernel certificate pass:     {t_cert * 1e3:8.2f} ms")
    print(f"one CD epoch, all features:  {t_epoch * 1e3:8.2f} ms")
    print(f"epoch / X.T @ r:             {t_epoch / t_matvec:8.2f}")


if __name__ == "__main__":
    main()
