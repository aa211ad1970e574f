"""scikit-learn compatible Lasso and ElasticNet estimators."""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn import get_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state, metadata_routing
from sklearn.utils.validation import validate_data

from sparsefuse._base import LinearPredictMixin, keeps_state_on_failure
from sparsefuse._cv import (
    CVRoutingMixin,
    draw_folds,
    path_mse,
    split_params_of,
    warn_unconverged,
)
from sparsefuse._path import (
    InvalidParameterError,
    alpha_grid,
    check_bools,
    check_cv_params,
    check_eps,
    check_precompute,
    check_sample_weight,
    check_solver_params,
    enet_path,
    lasso_path,
    make_design,
    resolve_alphas,
    resolve_gram,
    solve_path,
    target_as,
)

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV"]


class ElasticNet(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 priors, by coordinate descent.

    A drop-in for :class:`sklearn.linear_model.ElasticNet`: same parameters,
    attributes and objective::

        1 / (2 * n_samples) * ||y - Xw - b||^2_2
            + alpha * l1_ratio * ||w||_1 + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2

    (with sample weights the squared loss is their weighted average). Sparse
    X, CSR or CSC, is never densified: the intercept is handled implicitly at
    O(nnz) cost per coordinate update (only a column whose mean exceeds ten
    times its spread, nearly full, is stored centred, in a copy of X).

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms; non-negative.
    l1_ratio : float, default=0.5
        Mix of the L1 and L2 penalties, in [0, 1]; 1 is the Lasso.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    precompute : bool, 'auto' or array-like, default=False
        Run coordinate descent on the Gram matrix ``X^T X`` (dense float64
        X only; sparse and float32 X ignore it):
        True computes it, an array of shape (n_features, n_features) is used
        after a consistency check, 'auto' computes it when samples outnumber
        features tenfold. The solution depends on it only within ``tol``.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the active features).
    copy_X : bool, default=True
        If False, a dense X may be centred and reweighted in place.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n_samples``
        (y centred when ``fit_intercept``: scikit-learn's meaning of ``tol``).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds the coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order, or draw one at random at each step.
    screening : bool, default=True
        Discard features with the Gap Safe rule while solving (sparsefuse
        only). Changes the work; the solution, only within ``tol``.
    working_set : bool or 'auto', default='auto'
        Run coordinate descent on a growing working set of features, certified
        on the full problem by the duality gap (sparsefuse only; 'auto' is
        True for a single fit). Changes the work; the solution, only within
        ``tol``.
    anderson : int, default=5
        Number of iterates combined by Anderson extrapolation, kept only when
        it lowers the objective; 0 switches it off (sparsefuse only).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept.
    n_iter_ : int or list of int
        Epochs run for each target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap of the (normalised) objective at the solution: a
        certificate that the objective is within ``dual_gap_`` of optimal.
        With ``alpha=0`` (least squares, which has no such bound) it is
        ``||X^T r||^2 / n_samples`` for the residual r, as in scikit-learn.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    Lasso : The special case ``l1_ratio=1``.
    enet_path : The regularization path.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefuse import ElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, y)
    >>> bool(model.dual_gap_ < 1e-4)
    True
    """

    # (fit's check_input is an option, not metadata to route: as scikit-learn)
    __metadata_request__fit = {"check_input": metadata_routing.UNUSED}

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True,
                 precompute=False, max_iter=1000, copy_X=True, tol=1e-4,
                 warm_start=False, positive=False, random_state=None,
                 selection="cyclic", screening=True, working_set="auto", anderson=5):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.screening = screening
        self.working_set = working_set
        self.anderson = anderson

    path = staticmethod(enet_path)

    @keeps_state_on_failure
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Float32 input is solved in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights; the loss is their weighted average.
        check_input : bool, default=True
            Kept for compatibility with scikit-learn; input is always validated.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        alpha = self.alpha
        if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
            raise InvalidParameterError(f"alpha must be a finite number >= 0; got {alpha!r}.")
        if alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well: the problem "
                "is ordinary least squares, on which coordinate descent is slow; "
                "prefer LinearRegression.",
                UserWarning,
                stacklevel=2,
            )
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32], multi_output=True, y_numeric=True,
            accept_large_sparse=True,
            ensure_all_finite=False,  # (make_design checks X)
        )
        if sparse.issparse(y):  # (multi_output lets it through validate_data)
            raise TypeError("Sparse data was passed for y, but dense data is required. "
                            "Use '.toarray()' to convert to a dense numpy array.")
        y = target_as(y, X.dtype)
        check_solver_params(l1_ratio=self.l1_ratio, tol=self.tol,
                            max_iter=self.max_iter, selection=self.selection,
                            positive=self.positive, y=y, anderson=self.anderson,
                            working_set=self.working_set, random_state=self.random_state)
        check_bools(fit_intercept=self.fit_intercept, copy_X=self.copy_X,
                    warm_start=self.warm_start, screening=self.screening)
        check_precompute(self.precompute, X.shape[1])
        sample_weight = check_sample_weight(sample_weight, X.shape[0])

        n_features = X.shape[1]
        design = make_design(X, self.fit_intercept, sample_weight, copy_X=self.copy_X, y=y,
                             implicit_dense=True)
        y_prep, y_offset = design.target
        gram = resolve_gram(design, self.precompute)
        Y = y_prep if y_prep.ndim == 2 else y_prep[:, None]
        n_targets = Y.shape[1]

        previous = None
        if self.warm_start and hasattr(self, "coef_"):
            previous = np.atleast_2d(self.coef_)
            if previous.shape != (n_targets, n_features):
                # (coef_'s shapes as the user sees them: 1-D for one target)
                needed = (n_features,) if n_targets == 1 else (n_targets, n_features)
                raise ValueError(
                    f"warm_start: the previous coef_ has shape {np.shape(self.coef_)}, "
                    f"this fit needs {needed}."
                )
        # One generator for all targets, as scikit-learn does.
        rng = check_random_state(self.random_state)
        columns, gaps, n_iters = [], np.empty(n_targets), []
        for k in range(n_targets):
            w, gap, n_iter = solve_path(
                design, y_prep if y_prep.ndim == 1 else np.ascontiguousarray(Y[:, k]), [alpha],
                l1_ratio=self.l1_ratio, coef_init=None if previous is None else previous[k],
                tol=self.tol, max_iter=self.max_iter, random_state=rng,
                selection=self.selection, positive=self.positive,
                screening=self.screening, working_set=self.working_set,
                anderson=self.anderson, gram=gram,
            )
            columns.append(w[:, 0])
            gaps[k] = gap[0]
            n_iters.append(n_iter[0])
        coef = columns[0][None, :] if n_targets == 1 else np.stack(columns)

        # scikit-learn's conventions: one target (y 1-D or (n, 1)) gives a 1-D
        # coef_, a float gap and an int n_iter_; no intercept gives 0.0.
        if self.fit_intercept:
            # (in float64, rounded once to X's dtype)
            intercept = (y_offset - coef.astype(np.float64) @ design.intercept_offset
                         ).astype(X.dtype)
            intercept = intercept[0] if y_prep.ndim == 1 else intercept
        else:
            intercept = 0.0
        if n_targets == 1:
            # (the gap stays float64 for float32 data: rounded to float32 it
            # could fall below the bound it certifies)
            self.coef_, self.dual_gap_, self.n_iter_ = coef[0], gaps[0], n_iters[0]
        else:
            self.coef_, self.dual_gap_, self.n_iter_ = coef, gaps, n_iters
        self.intercept_ = intercept
        if not (np.all(np.isfinite(self.coef_)) and np.all(np.isfinite(self.intercept_))):
            raise ValueError(
                "Coordinate descent produced non-finite coefficients; the input "
                "values are too large. Scale the features and the target."
            )
        return self

    @property
    def sparse_coef_(self):
        """Sparse (CSR) representation of ``coef_``, of shape (n_targets, n_features).

        A ``csr_array`` under scikit-learn's ``sparse_interface="sparray"``
        configuration, else a ``csr_matrix``.
        """
        coef = np.atleast_2d(self.coef_)
        if get_config().get("sparse_interface") == "sparray":
            return sparse.csr_array(coef)
        return sparse.csr_matrix(coef)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class Lasso(ElasticNet):
    """Linear model trained with an L1 prior (the Lasso), by coordinate descent.

    A drop-in for :class:`sklearn.linear_model.Lasso`. The objective is::

        (1 / (2 * n_samples)) * ||y - Xw - b||^2_2 + alpha * ||w||_1

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L1 term; non-negative.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    precompute : bool, 'auto' or array-like, default=False
        Run coordinate descent on the Gram matrix ``X^T X`` (dense float64
        X only; sparse and float32 X ignore it),
        see :class:`ElasticNet`. The solution depends on it only within ``tol``.
    copy_X : bool, default=True
        If False, a dense X may be centred and reweighted in place.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n_samples``
        (y centred when ``fit_intercept``).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds the coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order, or draw one at random at each step.
    screening : bool, default=True
        Discard features with the Gap Safe rule while solving (sparsefuse
        only). Changes the work; the solution, only within ``tol``.
    working_set : bool or 'auto', default='auto'
        Run coordinate descent on a growing working set of features, certified
        on the full problem by the duality gap (sparsefuse only; 'auto' is
        True for a single fit). Changes the work; the solution, only within
        ``tol``.
    anderson : int, default=5
        Number of iterates combined by Anderson extrapolation, kept only when
        it lowers the objective; 0 switches it off (sparsefuse only).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept.
    n_iter_ : int or list of int
        Epochs run for each target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap of the (normalised) objective at the solution (with
        ``alpha=0``, ``||X^T r||^2 / n_samples``, see :class:`ElasticNet`).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    ElasticNet : Adds an L2 term.
    lasso_path : The regularization path.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefuse import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10))
    >>> y = 3 * X[:, 0]
    >>> np.flatnonzero(Lasso(alpha=0.5).fit(X, y).coef_)
    array([0])
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False,
                 copy_X=True, max_iter=1000, tol=1e-4, warm_start=False,
                 positive=False, random_state=None, selection="cyclic",
                 screening=True, working_set="auto", anderson=5):
        super().__init__(
            alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
            precompute=precompute, max_iter=max_iter, copy_X=copy_X, tol=tol,
            warm_start=warm_start, positive=positive, random_state=random_state,
            selection=selection, screening=screening, working_set=working_set,
            anderson=anderson,
        )


class ElasticNetCV(CVRoutingMixin, LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Elastic net with alpha (and l1_ratio) chosen by cross-validation.

    A drop-in for :class:`sklearn.linear_model.ElasticNetCV`: every fold
    solves a warm-started path over one alpha grid (computed on all the data,
    per l1_ratio); the pair with the lowest mean held-out error is refitted on
    all the data. Folds run in parallel threads (the kernels release the GIL).

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mix of the L1 and L2 penalties, in [0, 1] (0, the ridge, only with
        given ``alphas``: the automatic grid starts where the L1 penalty
        zeroes every coefficient); a list is searched too.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=100
        Number of alphas of the automatic grid, or the alphas themselves.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : bool, 'auto' or array-like, default='auto'
        Gram-matrix updates, see :class:`ElasticNet`. A given Gram matrix (of
        all of X) serves the final refit; each fold computes its own.
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, as in :class:`ElasticNet`.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in scikit-learn (None: 5-fold).
    copy_X : bool, default=True
        If False, the refit may centre and reweight a dense X in place.
    verbose : bool or int, default=False
        Accepted for compatibility; unused.
    n_jobs : int, default=None
        Folds solved in parallel, in threads (the kernels release the GIL)
        whatever joblib backend is active.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds the coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Coordinate order.

    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    l1_ratio_ : float
        The chosen l1_ratio.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The alpha grid: one row per l1_ratio when several l1_ratio use the
        automatic grid (which depends on l1_ratio); given alphas are one grid
        for all, as in scikit-learn.
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error. As in scikit-learn, axes of length one
        are dropped (one fold, one alpha or one l1_ratio).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refit.
    intercept_ : float
        Intercept of the refit.
    dual_gap_ : float
        Duality gap of the refit.
    n_iter_ : int
        Epochs of the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    LassoCV : The case ``l1_ratio=1``.
    """

    path = staticmethod(enet_path)

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, cv=None, copy_X=True,
                 verbose=False, n_jobs=None, positive=False, random_state=None,
                 selection="cyclic"):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    # a single l1_ratio fixed by the class (LassoCV), or None: the parameter
    _fixed_l1_ratio = None

    def _l1_ratios(self):
        if self._fixed_l1_ratio is not None:
            return np.array([self._fixed_l1_ratio])
        values = np.atleast_1d(np.asarray(self.l1_ratio, dtype=object))
        # (None, strings, nested lists: not a list of numbers)
        if not (values.ndim == 1 and values.size
                and all(isinstance(v, numbers.Real) for v in values)):
            raise InvalidParameterError(
                "l1_ratio must be a number in [0, 1] or a non-empty 1-D list of them; "
                f"got {self.l1_ratio!r}.")
        return values.astype(np.float64)

    @keeps_state_on_failure
    def fit(self, X, y, sample_weight=None, **params):
        """Choose the regularization by cross-validation, then refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the fits and of the fold errors.
        **params : dict
            Parameters of the splitter's ``split``, such as ``groups``, routed
            to it by scikit-learn's metadata routing (which must be enabled:
            ``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc", "coo"],
                             dtype=[np.float64, np.float32], y_numeric=True,
                             accept_large_sparse=True,
                             ensure_all_finite=False)  # (make_design checks X)
        y = target_as(y, X.dtype)
        if y.ndim != 1:
            raise ValueError(f"{type(self).__name__} takes a 1-D target; got shape {y.shape}.")
        l1_ratios = self._l1_ratios()
        if self.alphas is None:  # (as scikit-learn 1.9's CV estimators)
            raise InvalidParameterError(
                f"The 'alphas' parameter of {type(self).__name__} must be an int in the "
                "range [1, inf) or an array-like. Got None instead.")
        alphas = resolve_alphas(self.alphas)
        check_eps(self.eps)
        # (before the folds run: the refit would find a bad value only after them)
        check_precompute(self.precompute, X.shape[1])
        check_bools(fit_intercept=self.fit_intercept, copy_X=self.copy_X)
        check_cv_params(self.n_jobs, self.verbose, self.cv)
        for l1_ratio in l1_ratios:
            check_solver_params(l1_ratio=float(l1_ratio), tol=self.tol,
                                max_iter=self.max_iter, selection=self.selection,
                                positive=self.positive, y=y, random_state=self.random_state)
        split_params = split_params_of(self, sample_weight, params)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        design = make_design(X, self.fit_intercept, sample_weight, copy_X=True, y=y,
                             implicit_dense=True)
        y_prep, _ = design.target
        if isinstance(alphas, int):
            grids = [alpha_grid(design, y_prep, l1, self.eps, alphas, self.positive)
                     for l1 in l1_ratios]
        else:
            grids = [alphas] * len(l1_ratios)
        # (the design may hold a copy of X, centred or reweighted: not kept
        # through the folds and the refit)
        del design, y_prep
        # one seed per fold, drawn up front: the same folds give the same paths
        # whatever the order in which threads run them
        seeds = check_random_state(self.random_state).randint(0, 2**31 - 1, size=1000)

        # (a given Gram matrix is X's: the folds compute their own, it serves
        # the refit)
        fold_precompute = (self.precompute
                           if isinstance(self.precompute, (str, bool, np.bool_)) else True)

        def fold_path_for(l1_ratio):
            def fold_path(X_train, y_train, sw_train, alphas, fold, unconverged):
                fold_design = make_design(X_train, self.fit_intercept, sw_train, y=y_train,
                                          implicit_dense=True)
                y_fold, y_offset = fold_design.target
                coefs, _, _ = solve_path(
                    fold_design, y_fold, alphas, l1_ratio=l1_ratio, tol=self.tol,
                    max_iter=self.max_iter, random_state=int(seeds[fold % 1000]),
                    selection=self.selection,
                    positive=self.positive, gram=resolve_gram(fold_design, fold_precompute),
                    warn=unconverged)
                if self.fit_intercept:
                    return coefs, y_offset, fold_design.intercept_offset
                return coefs, 0.0, None
            return fold_path

        unconverged = []
        folds = draw_folds(self.cv, X, y, split_params)
        mse = np.stack([path_mse(X, y, sample_weight, grid, folds, fold_path_for(l1),
                                 self.n_jobs, unconverged=unconverged)
                        for l1, grid in zip(l1_ratios, grids)])
        warn_unconverged(unconverged, mse.size)
        single = len(l1_ratios) == 1
        best = np.unravel_index(np.argmin(mse.mean(axis=2)), mse.shape[:2])
        l1_ratio = float(l1_ratios[best[0]])
        # (numpy floats, as scikit-learn's)
        if self._fixed_l1_ratio is None:
            self.l1_ratio_ = np.float64(l1_ratio)
        self.alpha_ = np.float64(grids[best[0]][best[1]])
        # (axes of length one dropped, as scikit-learn does: one fold, one
        # alpha or one l1_ratio)
        self.mse_path_ = np.squeeze(mse)
        # (one grid for every l1_ratio when the alphas are given, as scikit-learn)
        self.alphas_ = grids[0] if single or not isinstance(alphas, int) else np.stack(grids)
        model = ElasticNet(alpha=self.alpha_, l1_ratio=l1_ratio,
                           fit_intercept=self.fit_intercept, precompute=self.precompute,
                           max_iter=self.max_iter, copy_X=self.copy_X, tol=self.tol,
                           positive=self.positive, random_state=self.random_state,
                           selection=self.selection)
        model.fit(X, y, sample_weight=sample_weight)
        for attr in ("coef_", "intercept_", "dual_gap_", "n_iter_"):
            setattr(self, attr, getattr(model, attr))
        return self



class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by cross-validation.

    A drop-in for :class:`sklearn.linear_model.LassoCV`; see
    :class:`ElasticNetCV` for how folds are solved.

    Parameters
    ----------
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=100
        Number of alphas of the automatic grid, or the alphas themselves.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : bool, 'auto' or array-like, default='auto'
        Gram-matrix updates, see :class:`Lasso`. A given Gram matrix (of
        all of X) serves the final refit; each fold computes its own.
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance.
    copy_X : bool, default=True
        If False, the refit may centre and reweight a dense X in place.
    cv : int, cross-validation generator or iterable, default=None
        Folds (None: 5-fold).
    verbose : bool or int, default=False
        Accepted for compatibility; unused.
    n_jobs : int, default=None
        Folds solved in parallel, in threads (the kernels release the GIL)
        whatever joblib backend is active.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds the coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Coordinate order.

    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error. As in scikit-learn, axes of length one
        are dropped (one fold or one alpha).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refit.
    intercept_ : float
        Intercept of the refit.
    dual_gap_ : float
        Duality gap of the refit.
    n_iter_ : int
        Epochs of the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    ElasticNetCV : Adds an L2 term.
    """

    path = staticmethod(lasso_path)
    _fixed_l1_ratio = 1.0

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, copy_X=True, cv=None, verbose=False, n_jobs=None,
                 positive=False, random_state=None, selection="cyclic"):
        # (no l1_ratio: like scikit-learn's LassoCV, neither a parameter nor
        # an attribute)
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
