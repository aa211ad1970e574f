"""What every sparsefuse linear regressor shares: prediction and input tags,
and where its warnings point."""

import functools
import os
import sys

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted, validate_data

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel():
    """The ``stacklevel`` that makes a ``warnings.warn`` issued by the calling
    function point at the first frame outside sparsefuse (the user's call,
    however deep inside the package the warning arises: a CV estimator's
    refit, a path function's wrapper)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _fitted_state(estimator):
    # (scikit-learn's convention: what fit learns ends with "_", and does not
    # start with it)
    return {name: value for name, value in vars(estimator).items()
            if name.endswith("_") and not name.startswith("_")}


def keeps_state_on_failure(fit):
    """Decorate a ``fit`` method: when it raises (bad input, bad parameters,
    an interrupt), the estimator's fitted attributes are restored to what they
    were before the call. Input validation sets ``n_features_in_`` and
    ``feature_names_in_`` before the other checks run, and a fit that failed
    half-way would otherwise leave a model whose attributes describe two
    different fits (or a never-fitted one that ``check_is_fitted`` accepts).
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        before = _fitted_state(self)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            for name in _fitted_state(self):
                if name not in before:
                    delattr(self, name)
            for name, value in before.items():
                setattr(self, name, value)
            raise

    return wrapper


class LinearPredictMixin:
    """``predict`` from ``coef_`` and ``intercept_``, sparse input accepted."""

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        if sparse.issparse(X):
            # (as fit does: out-of-range indices would read out of bounds)
            from sparsefuse._path import check_sparse_structure, native_indices

            check_sparse_structure(X)
            X = native_indices(X)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False,
                          accept_large_sparse=True)
        return np.asarray(X @ np.asarray(self.coef_).T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
