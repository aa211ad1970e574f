"""Cross-validation over warm-started regularization paths."""

import numbers
import warnings

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)

from sparsefuse._base import caller_stacklevel
from sparsefuse._path import native_indices
from sparsefuse._stop import StopEvent, stoppable


# Called after each fold when set (the command line sets it to advance its
# progress bar; estimators take no callback of their own).
progress_hook = None


def draw_folds(cv, X, y, split_params):
    """The folds ``(train, test)`` of ``cv`` (int, splitter or iterable, as in
    scikit-learn), drawn once per fit: every l1_ratio is then scored on the
    same samples (a shuffling splitter draws other folds at each ``split``),
    and a one-shot iterable of folds serves them all. ``split_params``: see
    :func:`split_params_of`."""
    folds = list(check_cv(cv).split(X, y, **split_params))
    if not folds:
        raise ValueError("cv gives no folds: at least one (train, test) split is needed.")
    for k, (train, test) in enumerate(folds):
        for part, index in (("training", train), ("test", test)):
            index = np.asarray(index)
            if (np.count_nonzero(index) if index.dtype == bool else index.size) == 0:
                # (an empty test part's error is NaN, which would win the
                # search for the lowest: alpha_max, all coefficients zero)
                raise ValueError(f"cross-validation fold {k}: its {part} part is empty.")
    return folds


def path_mse(X, y, sample_weight, alphas, folds, fold_path, n_jobs=None, progress=None,
             unconverged=None):
    """Held-out mean squared error of every alpha on every fold.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data (sparse: CSR or CSC, sliced by rows in that format).
    y : ndarray of shape (n_samples,)
        Target values.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the fits and of the fold errors.
    alphas : ndarray of shape (n_alphas,)
        The common, decreasing grid.
    folds : list of (train, test)
        Index arrays (or masks) of the folds, from :func:`draw_folds`.
    fold_path : callable
        ``fold_path(X_train, y_train, sw_train, alphas, fold, unconverged)``
        returns ``(coefs, y_offset, X_offset)``: the coefficients (n_features,
        n_alphas) of a warm-started path fitted on the training part and the
        offsets of the intercept ``y_offset - X_offset . coef`` (``X_offset``
        None without an intercept, ``y_offset`` then 0). Instead of warning
        (``warnings`` filters are not thread-safe), it appends to the list
        ``unconverged`` the ratio gap / tolerance of each alpha that did not
        converge.
    n_jobs : int, default=None
        Folds solved in parallel, in threads whatever joblib backend is
        active (the kernels release the GIL).
    progress : callable, default=None
        Called with no argument after each fold (``progress_hook`` when None).
    unconverged : list, default=None
        The folds' ratios gap / tolerance of the alphas that did not converge
        are appended to it (returned by each fold, whatever joblib's
        backend); see :func:`warn_unconverged`.

    Returns
    -------
    mse_path : ndarray of shape (n_alphas, n_folds)
        Held-out (weighted) mean squared error.
    """
    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsc()
    X = native_indices(X)  # (before the folds slice it)
    if sample_weight is not None:
        # (an all-zero part would fail deep inside the fit or the average)
        for k, (train, test) in enumerate(folds):
            for part, index in (("training", train), ("test", test)):
                if not np.any(sample_weight[index] > 0):
                    raise ValueError(
                        f"cross-validation fold {k}: every sample of its {part} part has "
                        "zero weight; shuffle the samples or choose other folds.")
    if progress is None:
        progress = progress_hook

    # (set when the main thread stops waiting, Ctrl-C above all: the folds
    # running in joblib's threads stop at their kernels' next check, the
    # folds not started do not start)
    stop = StopEvent()

    def one_fold(fold, train, test):
        if stop.is_set():
            raise KeyboardInterrupt
        sw_train = None if sample_weight is None else sample_weight[train]
        ratios = []
        with stoppable(stop):
            coefs, y_offset, X_offset = fold_path(_rows(X, train), y[train], sw_train,
                                                  alphas, fold, ratios)
        # Only the features nonzero at some alpha enter the predictions: the
        # product with the whole (n_features, n_alphas) array would copy it
        # (Fortran-ordered, and upcast for float32 against float64 offsets).
        support = np.unique(np.concatenate(
            [np.flatnonzero(coefs[:, k]) for k in range(coefs.shape[1])]))
        active = coefs[support]
        # (the smaller selection first: a CSC X's columns, a CSR X's rows)
        if not sparse.issparse(X):
            test_X = X[np.ix_(test, support)]
        elif X.format == "csc":
            test_X = _rows(X[:, support], test)
        else:
            test_X = X[test][:, support]
        predictions = np.asarray(test_X @ active)
        intercepts = (y_offset - X_offset[support] @ active.astype(np.float64)
                      if X_offset is not None else 0.0)
        residuals = y[test][:, None] - predictions - intercepts
        sw_test = None if sample_weight is None else sample_weight[test]
        mse = np.average(residuals**2, axis=0, weights=sw_test)
        if progress is not None:
            progress()
        return mse, ratios

    try:
        # Threads whatever joblib backend is active (a parallel_config with
        # processes included): the kernels release the GIL, and the folds
        # share X, the stop event, the progress hook and the lists above.
        results = Parallel(n_jobs=n_jobs, require="sharedmem")(
            delayed(one_fold)(k, train, test) for k, (train, test) in enumerate(folds))
    except BaseException:
        stop.set()
        raise
    if unconverged is not None:
        unconverged.extend(r for _, ratios in results for r in ratios)
    return np.column_stack([mse for mse, _ in results])


def warn_unconverged(unconverged, n_fits):
    """One ConvergenceWarning for the fits of a CV estimator's folds that did
    not converge (their ratios gap / tolerance), raised in its ``fit``."""
    if unconverged:
        worst = max(unconverged)
        above = (f"duality gap up to {worst:.3g} times the tolerance" if np.isfinite(worst)
                 else "duality gap above the tolerance 0")
        warnings.warn(
            f"Objective did not converge on {len(unconverged)} of {n_fits} fits of the "
            f"cross-validation folds (alphas x folds): {above}. Increase max_iter, loosen "
            "tol, or scale the features.", ConvergenceWarning, stacklevel=caller_stacklevel())


def _increasing(index):
    """Whether integer indices are non-negative and strictly increasing (as
    signed integers: unsigned differences wrap around)."""
    index = index.astype(np.int64, copy=False)
    return index.size == 0 or (index[0] >= 0 and bool(np.all(np.diff(index) > 0)))


def _rows(X, index):
    """``X[index]``, keeping a dense X's Fortran order and a sparse X's CSC
    format: the kernels take them as they are, where a C-ordered or CSR fold
    (what indexing rows returns) would be copied once more. (X is never
    converted as a whole: a CSC X's folds are selected column by column.)"""
    index = np.asarray(index)
    if index.dtype == bool:  # (a mask, which take would read as 0 and 1)
        index = np.flatnonzero(index)
    if sparse.issparse(X) and X.format == "csc" and index.dtype.kind in "iu" \
            and _increasing(index):
        # (rows in increasing order, as folds have them: each column keeps
        # its entries of those rows, in their order, renumbered)
        kept = np.zeros(X.shape[0], dtype=bool)
        kept[index] = True
        # (one entry more: reduceat sums each column's entries up to the next
        # column's start, the last nonempty one's up to the end; it reads one
        # entry for an empty column, whose count is zeroed)
        mask = np.append(kept[X.indices], False)
        rank = (np.cumsum(kept) - 1).astype(X.indices.dtype)
        starts = X.indptr[:-1]
        counts = np.add.reduceat(mask, starts, dtype=np.int64)
        counts[starts == X.indptr[1:]] = 0
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(X.indptr.dtype)
        mask = mask[:-1]
        return sparse.csc_matrix((X.data[mask], rank[X.indices[mask]], indptr),
                                 shape=(index.size, X.shape[1]))
    if not sparse.issparse(X) and X.ndim == 2 and X.flags.f_contiguous:
        return np.take(X.T, index, axis=1).T  # (take allocates C order: X.T's)
    return X[index]


def best_alpha(alphas, mse_path):
    """The alpha of lowest mean held-out error (the largest one on ties)."""
    return np.float64(alphas[int(np.argmin(mse_path.mean(axis=1)))])


def split_params_of(estimator, sample_weight, params):
    """The parameters of ``estimator.cv``'s ``split`` among those given to a
    CV estimator's ``fit`` (scikit-learn's metadata routing: ``groups`` reaches
    the splitter only when routing is enabled, as in scikit-learn)."""
    if not _routing_enabled():
        if params:
            raise ValueError(
                f"{type(estimator).__name__}.fit got unexpected parameters "
                f"{sorted(params)}; passing them to the cross-validation splitter (e.g. "
                "groups) needs sklearn.set_config(enable_metadata_routing=True).")
        return {}
    routed = process_routing(estimator, "fit", sample_weight=sample_weight, **params)
    return routed.splitter.split


class CVRoutingMixin:
    """The metadata routing of the CV estimators (listed before BaseEstimator)."""

    def get_metadata_routing(self):
        """Get the metadata routing of this estimator.

        ``fit`` takes ``sample_weight`` and routes ``groups`` and the other
        parameters of ``cv``'s ``split`` to the splitter (see scikit-learn's
        user guide on metadata routing).

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        # (check_cv would draw a one-shot iterable of folds into a list, which
        # fit could not draw again; such folds take no split parameters)
        cv = self.cv
        splitter = check_cv(cv if cv is None or isinstance(cv, numbers.Integral)
                            or hasattr(cv, "split") else [])
        return (MetadataRouter(owner=self)
                .add_self_request(self)
                .add(splitter=splitter,
                     method_mapping=MethodMapping().add(caller="fit", callee="split")))
