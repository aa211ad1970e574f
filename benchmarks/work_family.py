"""Work (entries of X read) of Lasso fits on a family of problems, for the
kernel's defaults against other values of its tuning knobs.

Timings of one problem move by 5-10% from run to run on a shared machine, and
a heuristic that helps one problem can hurt its neighbours: a change to a
working-set or stopping rule is judged here on many problems at once, by a
count that does not depend on the machine. For every problem and penalty
(alpha_max / 10, / 30, / 100 by default, cold start) it prints the entries of
X the solver read (gradient passes, coordinate updates and their residual
updates, inner gap checks; see the ``entries_*`` statistics of
``_cd.enet_solve``) divided by X's stored entries, for the defaults and for
each ``--set``, then the geometric mean and the extremes of the ratios to the
defaults; with ``--path``, of whole paths (20 alphas down to alpha_max / f).
Example, from the repo root::

    python benchmarks/work_family.py --set ws_fast_growth=2

(``--data-dir`` if ``../shared/data`` is elsewhere: the family includes
news20, made by ``benchmarks/get_news20.py``; the leukemia data ships with
the package). The values (numbers,
True, False) are passed to ``_cd.enet_solve`` as keywords, overriding those
the path sets (``anderson``, ``screening``, ...).
"""

import argparse
import functools
from pathlib import Path

import numpy as np

from sparsefuse import _cd, _path
from sparsefuse.bench import ar1_dense, leukemia, news20, zipf_sparse

# (name, loader, fit_intercept, tol for alpha_max / f with f <= 10, tol for
# f > 10, paths included): fixed, of the order sparsefuse needs on the
# benchmark's problems for a relative suboptimality of 1e-6 (the tolerances of
# benchmarks/results_lasso.json move between runs; these must not).
FAMILY = (
    [(f"ar1 rho={rho} seed={seed}",
      functools.partial(ar1_dense, rho=rho, seed=seed), False, 1e-3, 1e-4)
     for rho, seed in [(0.5, 0), (0.5, 1), (0.5, 2), (0.5, 3), (0.5, 4),
                       (0.8, 0), (0.2, 0), (0.2, 1)]]
    + [("news20", news20, False, 3e-4, 3e-3),
       ("news20 +intercept", news20, True, 3e-4, 3e-3),
       ("zipf seed=0", zipf_sparse, False, 3e-3, 1e-2),
       ("zipf seed=1", functools.partial(zipf_sparse, seed=1), False, 3e-3, 1e-2),
       ("zipf +intercept", zipf_sparse, True, 3e-3, 1e-2),
       ("leukemia", leukemia, False, 3e-4, 1e-4)]
)


def parse_setting(text):
    key, _, value = text.partition("=")
    if not key or not value:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    if value in ("True", "False"):
        return key, value == "True"
    try:
        return key, int(value)
    except ValueError:
        pass
    try:
        return key, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{key}: expected a number, True or False, got {value!r}") from None


def work(X, y, fit_intercept, frac, tol, options, path=False, points=20):
    design = _path.make_design(X, fit_intercept, y=y)
    # (the target prepared with the statistics: a cold start takes their X^T y)
    y_prep, _ = design.target
    alpha_max = np.abs(design.correlation(y_prep)).max() / len(y)
    alphas = (np.geomspace(alpha_max, alpha_max / frac, points) if path
              else np.array([alpha_max / frac]))
    stats = []
    solve = _cd.enet_solve

    def solve_with_options(*args, **kwargs):
        return solve(*args, **{**kwargs, **options})

    _cd.enet_solve = solve_with_options
    try:
        _path.solve_path(design, y_prep, alphas, l1_ratio=1.0, tol=tol, max_iter=100_000,
                         stats=stats)
    finally:
        _cd.enet_solve = solve
    nnz = X.nnz if hasattr(X, "nnz") else X.size
    return sum(s["entries_gradient"] + s["entries_cd"] + s["entries_update"]
               + s["entries_check"] + s.get("entries_newton", 0) for s in stats) / nnz


def main(argv=None):
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(repo.parent / "shared" / "data"))
    parser.add_argument("--fractions", default="10,30,100",
                        help="penalties alpha_max / f, comma-separated (tol: the /10 one "
                             "for f <= 10, the /100 one above)")
    parser.add_argument("--path", action="store_true",
                        help="paths of 20 alphas from alpha_max down to alpha_max / f "
                             "(warm-started; strong rules, see --strong-max-ratio) instead of "
                             "single fits")
    parser.add_argument("--points", type=int, default=20,
                        help="alphas of each path (default 20)")
    parser.add_argument("--strong-max-ratio", type=float, default=None,
                        help="along paths, the sequential strong rule for a step whose previous "
                             "alpha is less than this many times its own, working sets above "
                             f"(default {_path.STRONG_MAX_RATIO}; inf: always the rule)")
    parser.add_argument("--set", dest="settings", action="append", type=parse_setting,
                        default=[], metavar="KEY=VALUE",
                        help="a kernel keyword and its value (repeatable: one column each)")
    args = parser.parse_args(argv)
    for name in ("news20.npz", "news20_labels.npz"):
        if not (Path(args.data_dir) / name).is_file():
            parser.error(f"{Path(args.data_dir) / name} not found: news20 is read from "
                         "--data-dir (default ../shared/data next to the repository)")
    if args.strong_max_ratio is not None:
        _path.STRONG_MAX_RATIO = args.strong_max_ratio
    columns = [("defaults", {})] + [(f"{k}={v}", {k: v}) for k, v in args.settings]
    print(f"{'problem':22s} {'alpha_max/':>10s} " + " ".join(f"{c:>16s}" for c, _ in columns))
    logs = {c: [] for c, _ in columns[1:]}
    for name, load, fit_intercept, tol10, tol100 in FAMILY:
        X, y = load(args.data_dir)
        for frac in [float(f) for f in args.fractions.split(",")]:
            tol = tol10 if frac <= 10 else tol100
            row = [work(X, y, fit_intercept, frac, tol, options, args.path, args.points)
                   for _, options in columns]
            for (c, _), value in zip(columns[1:], row[1:]):
                logs[c].append(np.log(value / row[0]))
            print(f"{name:22s} {frac:>10g} " + " ".join(f"{v:16.2f}" for v in row), flush=True)
    for c, values in logs.items():
        print(f"{c}: work / defaults, geometric mean {np.exp(np.mean(values)):.3f}, "
              f"worst {np.exp(np.max(values)):.3f}, best {np.exp(np.min(values)):.3f}")


if __name__ == "__main__":
    main()
