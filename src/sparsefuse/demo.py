"""``sparsefuse demo``: multimodal fusion on the built-in Debian package data.

Predicts ``log1p(Installed-Size)`` of 63,540 Debian packages from five
modalities (description text, name 3-grams, dependencies, debtags, categorical
metadata) and compares, on a held-out 20%: the sparse-group lasso on the fused
blocks, the Lasso on the stacked blocks, ridge regression, and the Lasso on
each modality alone. It then reports which modalities survive with their top
features, and draws the sparse-group regularization path coloured by modality
and a bar chart of modality importance (with matplotlib).
"""

import time
import warnings
from pathlib import Path

import numpy as np


def run_demo(out_dir="sparsefuse-demo", quiet=False, n_jobs=2, n_samples=None):
    """Run the fusion demo and print its results.

    Parameters
    ----------
    out_dir : str or Path, default='sparsefuse-demo'
        Folder for the PNG figures (created if needed).
    quiet : bool, default=False
        Print nothing.
    n_jobs : int, default=2
        Cross-validation folds solved in parallel.
    n_samples : int, default=None
        Use a random subset of this many packages (all when None), for a
        quicker run.

    Returns
    -------
    results : dict
        Held-out R^2 per model, the selected modalities and the run time.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline

    from sparsefuse import group_lasso_path
    from sparsefuse.datasets import load_debian_packages
    from sparsefuse.fusion import BlockStacker, Blocks, FusionRegressor

    say = (lambda *a, **k: None) if quiet else print
    start = time.perf_counter()
    data = load_debian_packages(n_samples=n_samples)
    blocks = Blocks(data.blocks, feature_names=data.feature_names)
    y = data.target
    train, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=0)
    say(data.DESCR)
    say(f"train {len(train)} / test {len(test)} packages; loaded in "
        f"{time.perf_counter() - start:.1f}s\n")

    rows = []

    def evaluate(name, model, X_train, X_test, selected):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y[train])
        seconds = time.perf_counter() - t0
        r2 = model.score(X_test, y[test])
        nonzero = selected(model)
        rows.append((name, r2, nonzero, seconds))
        say(f"  {name:<34} {r2:>7.3f} {nonzero:>8d} {seconds:>8.1f}")
        return model

    n_selected = lambda m: int(np.count_nonzero(m.coef_))  # noqa: E731
    say("Held-out R^2 (alpha by 3-fold cross-validation on the training part):")
    say(f"  {'model':<34} {'R^2':>7} {'nonzero':>8} {'seconds':>8}")
    fusion = evaluate("sparse-group lasso, fused blocks",
                      FusionRegressor("sparse_group", l1_ratio=0.5, alphas=20, eps=1e-3,
                                      cv=3, n_jobs=n_jobs),
                      blocks[train], blocks[test], n_selected)
    evaluate("Lasso, stacked blocks",
             FusionRegressor("l1", alphas=30, eps=1e-3, cv=3, n_jobs=n_jobs),
             blocks[train], blocks[test], n_selected)
    evaluate("ridge, stacked blocks",
             make_pipeline(BlockStacker(), GridSearchCV(
                 Ridge(solver="sparse_cg"), {"alpha": [1.0, 10.0, 100.0]}, cv=3,
                 n_jobs=n_jobs)),
             blocks[train], blocks[test], lambda m: int(np.count_nonzero(m[-1].best_estimator_.coef_)))
    for name in blocks.names:
        single = Blocks({name: blocks[name]}, feature_names={name: blocks.feature_names[name]})
        evaluate(f"Lasso, {name} alone",
                 FusionRegressor("l1", alphas=20, eps=1e-3, cv=3, n_jobs=n_jobs),
                 single[train], single[test], n_selected)

    say("\nModalities kept by the sparse-group lasso and their top features:")
    if not quiet:
        print(fusion.report(top=4))
    survivors = [n for n, v in fusion.modality_importance_.items() if v > 0]
    r2 = {name: value for name, value, _, _ in rows}
    nonzero = {name: count for name, _, count, _ in rows}
    alone = {name: r2[f"Lasso, {name} alone"] for name in blocks.names}
    best = max(alone, key=alone.get)
    fused, ridge = "sparse-group lasso, fused blocks", "ridge, stacked blocks"
    say(f"\nFused, the modalities reach R^2 {r2[fused]:.3f}, against {alone[best]:.3f} "
        f"for the best one alone ({best}); the sparse-group lasso keeps "
        f"{len(survivors)} of {len(blocks.names)} modalities and {nonzero[fused]:,} of "
        f"{fusion.coef_.size:,} features, ridge {nonzero[ridge]:,} (R^2 {r2[ridge]:.3f}).")

    figures = []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
        say("\n(matplotlib is not installed: pip install matplotlib to get the "
            "regularization path and importance plots)")
    if plt is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stacker = fusion.stacker_
        Z = stacker.transform(blocks[train])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            alphas, coefs, _ = group_lasso_path(
                Z, y[train], stacker.groups(), l1_ratio=0.5, alphas=20, eps=1e-3,
                fit_intercept=True)
        palette = plt.get_cmap("tab10")
        owner = np.empty(Z.shape[1], dtype=object)
        color = np.empty(Z.shape[1], dtype=object)
        for k, (name, sl) in enumerate(stacker.modality_slices_.items()):
            owner[sl] = name
            color[sl] = [palette(k)] * (sl.stop - sl.start)
        from sparsefuse.cli import save_path_plot

        path_png = out / "path.png"
        save_path_plot(alphas, coefs, path_png, colors=color, labels=owner,
                       title="Sparse-group lasso path on the Debian data, by modality")
        fig, ax = plt.subplots(figsize=(6, 3.5))
        names = list(fusion.modality_importance_)
        ax.barh(names, [fusion.modality_importance_[n] for n in names],
                color=[palette(k) for k in range(len(names))])
        ax.set_xlabel("norm of the modality's coefficients")
        ax.set_title("Modality importance (sparse-group lasso)")
        fig.tight_layout()
        importance_png = out / "importance.png"
        fig.savefig(importance_png, dpi=110)
        plt.close(fig)
        figures = [str(path_png), str(importance_png)]
        say(f"\nFigures: {', '.join(figures)}")
    total = time.perf_counter() - start
    say(f"\nTotal time: {total:.1f}s")
    return {"r2": {name: r2 for name, r2, _, _ in rows}, "modalities_kept": survivors,
            "figures": figures, "seconds": total}
