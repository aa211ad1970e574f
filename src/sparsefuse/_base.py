"""What every sparsefuse linear regressor shares: prediction and input tags,
and where its warnings point."""

import os
import sys

import numpy as np
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
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False,
                          accept_large_sparse=True)
        return np.asarray(X @ np.asarray(self.coef_).T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
