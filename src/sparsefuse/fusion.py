"""Multimodal fusion: named feature blocks in, selected modalities and features out.

A :class:`Blocks` container holds several modalities (blocks of features)
measured on the same samples; :class:`FusionRegressor` scales each block,
stacks them without densifying, derives groups from the blocks, fits an L1,
group or sparse-group model with alpha chosen by cross-validation, and reports
which modalities and which of their features were selected.
"""

import collections
import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from sparsefuse._base import keeps_state_on_failure
from sparsefuse._cv import CVRoutingMixin, split_params_of
from sparsefuse._path import (
    InvalidParameterError,
    check_cv_params,
    check_eps,
    check_sparse_structure,
    resolve_alphas,
)

__all__ = ["BlockStacker", "Blocks", "FusionRegressor"]

PENALTIES = ("l1", "group", "sparse_group")


class Blocks:
    """Named feature blocks (modalities) measured on the same samples.

    Behaves like a 2-D dataset for scikit-learn's splitters: it has a
    ``shape`` and row indexing (``blocks[rows]``), so it goes through
    ``cross_val_score``, ``GridSearchCV`` and ``Pipeline`` unchanged.
    ``blocks["name"]`` returns one block.

    Parameters
    ----------
    blocks : dict or list
        ``{name: 2-D array, sparse matrix or DataFrame}``, or a list of them.
    names : list of str, default=None
        Names of the blocks when ``blocks`` is a list (default ``block0``,
        ``block1``, ...); for a dict or a Blocks, if given, they must be the
        names it already has, in any order, which the blocks then take.
    feature_names : dict of {str: array-like of str}, default=None
        Column names of (some of) the blocks; DataFrame blocks bring their own.

    Attributes
    ----------
    names : list of str
        Block names, in order.
    data : list
        The blocks (sparse ones as CSR), in order.
    feature_names : dict of {str: ndarray of str}
        Column names per block: DataFrame columns, else ``name[j]``.
    has_feature_names : dict of {str: bool}
        Whether a block's column names came with it (``feature_names``, or
        DataFrame columns that are all strings, as scikit-learn requires)
        rather than being made up: only those are checked at predict time.
    shape : tuple of int
        ``(n_samples, total number of features)``.

    Raises
    ------
    ValueError
        If blocks have different numbers of rows, are not 2-D, have no
        columns, or names do not match the blocks (or are equal once read as
        strings, as ``1`` and ``"1"``).
    """

    def __init__(self, blocks, names=None, feature_names=None):
        if isinstance(blocks, Blocks):
            if names is not None:
                names = [str(n) for n in names]
                if sorted(names) != sorted(blocks.names):
                    raise ValueError(f"names {names} differ from the names of the given "
                                     f"Blocks {blocks.names}.")
                blocks = blocks.in_order(names)
            feature_names = {**{name: labels for name, labels in blocks.feature_names.items()
                                if blocks.has_feature_names[name]},
                             **(feature_names or {})}
            names, blocks = blocks.names, blocks.data
        elif isinstance(blocks, dict):
            if names is not None:
                # (compared as strings, as block names are: modality_names=[1, 2]
                # fits blocks named '1' and '2')
                names = [str(n) for n in names]
                keys = {str(key): key for key in blocks}
                if len(keys) != len(blocks) or sorted(names) != sorted(keys):
                    raise ValueError(f"names {names} are not the keys of the dict of blocks "
                                     f"{list(blocks)}.")
                blocks = {name: blocks[keys[name]] for name in names}
            names, blocks = list(blocks), list(blocks.values())
        elif isinstance(blocks, (list, tuple)):
            names = [f"block{k}" for k in range(len(blocks))] if names is None else list(names)
            if len(names) != len(blocks):
                raise ValueError(f"{len(names)} names for {len(blocks)} blocks.")
        else:
            raise ValueError(
                "blocks must be a dict {name: block}, a list of blocks or a Blocks; got "
                f"{type(blocks).__name__}.")
        if not blocks:
            raise ValueError("no blocks given.")
        if len(set(names)) != len(names):
            raise ValueError(f"block names must be unique; got {names}.")
        self.names = [str(n) for n in names]
        if len(set(self.names)) != len(self.names):
            first = {}
            for name, label in zip(names, self.names):
                if label in first:
                    raise ValueError(
                        f"block names {first[label]!r} and {name!r} are both named "
                        f"{label!r} as strings; block names must be unique as strings.")
                first[label] = name
        given = dict(feature_names or {})
        unknown = set(given) - set(self.names)
        if unknown:
            raise ValueError(f"feature_names for unknown block(s) {sorted(unknown)}.")
        self.data, self.feature_names, self.has_feature_names = [], {}, {}
        for name, block in zip(self.names, blocks):
            columns = getattr(block, "columns", None)
            if sparse.issparse(block):
                check_sparse_structure(block, f"block {name!r}")  # (before scipy converts it)
                block = sparse.csr_matrix(block)
            elif columns is not None:
                block = block.to_numpy()
            else:
                block = np.asarray(block)
            if block.ndim != 2:
                raise ValueError(f"block {name!r} must be 2-D; got shape {block.shape}.")
            if block.shape[1] == 0:
                raise ValueError(f"block {name!r} has 0 features (shape {block.shape}); "
                                 "every block needs at least one.")
            self.data.append(block)
            self.has_feature_names[name] = name in given or (
                columns is not None and all(isinstance(c, str) for c in columns))
            if name in given:
                labels = np.asarray(given[name]).astype(str)
            elif columns is not None:
                labels = np.asarray([str(c) for c in columns])
            else:
                labels = np.asarray([f"{name}[{j}]" for j in range(block.shape[1])])
            if labels.shape != (block.shape[1],):
                raise ValueError(f"block {name!r} has {block.shape[1]} columns but "
                                 f"{labels.size} feature names.")
            self.feature_names[name] = labels
        rows = {name: block.shape[0] for name, block in zip(self.names, self.data)}
        if len(set(rows.values())) != 1:
            raise ValueError(f"blocks have different numbers of samples: {rows}.")
        self.shape = (self.data[0].shape[0], sum(b.shape[1] for b in self.data))

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.names:
                raise KeyError(f"no block named {key!r}; the blocks are {self.names}.")
            return self.data[self.names.index(key)]
        if isinstance(key, tuple):  # scikit-learn indexes rows as X[rows, ...]
            key, *rest = key
            if any(r is not Ellipsis and r != slice(None) for r in rest):
                raise IndexError("Blocks are indexed by rows only.")
        if isinstance(key, slice):
            key = np.arange(self.shape[0])[key]
        rows = np.atleast_1d(np.asarray(key))
        if rows.ndim != 1:
            raise IndexError(
                f"Blocks are indexed by a 1-D array of rows; got shape {rows.shape}.")
        if rows.dtype == bool:
            if rows.size != self.shape[0]:
                raise IndexError(
                    "boolean index did not match the blocks along axis 0; size of axis "
                    f"is {self.shape[0]} but size of the boolean index is {rows.size}.")
            rows = np.flatnonzero(rows)
        subset = Blocks.__new__(Blocks)
        subset.names = self.names
        subset.feature_names = self.feature_names
        subset.has_feature_names = self.has_feature_names
        subset.data = [block[rows] for block in self.data]
        subset.shape = (len(rows), self.shape[1])
        return subset

    def in_order(self, names):
        """The same blocks, ordered as ``names`` (a permutation of ``self.names``).

        Parameters
        ----------
        names : list of str
            The block names in the order wanted.

        Returns
        -------
        blocks : Blocks
            The reordered blocks (the arrays are not copied).
        """
        if sorted(names) != sorted(self.names):
            raise ValueError(f"names {list(names)} are not an order of {self.names}.")
        ordered = Blocks.__new__(Blocks)
        ordered.names = list(names)
        ordered.feature_names = {n: self.feature_names[n] for n in names}
        ordered.has_feature_names = {n: self.has_feature_names[n] for n in names}
        ordered.data = [self[n] for n in names]
        ordered.shape = self.shape
        return ordered

    def __repr__(self):
        parts = ", ".join(f"{n}: {b.shape[1]}{' sparse' if sparse.issparse(b) else ''}"
                          for n, b in zip(self.names, self.data))
        return f"Blocks({self.shape[0]} samples; {parts})"


def _cut(text, limit=40):
    """``text``, cut to ``limit`` characters if longer: its start and its end
    with an ellipsis between (names that share a prefix, as two e-mail
    addresses of one team, often differ at the end)."""
    if len(text) <= limit:
        return text
    tail = (limit - 3) // 3
    return text[:limit - 3 - tail] + "..." + text[len(text) - tail:]


def _check_numeric(block, name, labels):
    """Name the first column of a block that holds something other than
    numbers (a DataFrame's text column, say), which check_array would report
    without saying where."""
    for j in range(block.shape[1]):
        try:
            np.asarray(block[:, j], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            if _numbers_but_missing(block[:, j]):
                raise ValueError(
                    f"block {name!r}, column {_cut(str(labels[j]))!r} has missing values "
                    "(None or pandas NA): impute or drop them first.") from None
            raise ValueError(
                f"block {name!r}, column {_cut(str(labels[j]))!r}: {exc}; every column must "
                "be numeric (encode categories first, with OneHotEncoder say).") from None


def _numbers_but_missing(column):
    """Whether a column of objects holds numbers apart from missing values
    (None, pandas NA)."""
    given = [v for v in column if not (v is None or type(v).__name__ == "NAType")]
    if len(given) == len(column):
        return False
    try:
        np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _block_input_tags(tags):
    """Blocks come as a dict (or a list, or a Blocks) of dense or sparse blocks."""
    tags.input_tags.dict = True
    tags.input_tags.sparse = True
    return tags


def as_blocks(X, names=None):
    """A :class:`Blocks` from a dict, a list (with ``names``) or a Blocks."""
    return X if isinstance(X, Blocks) and names is None else Blocks(X, names)


def _check_group_size(group_size):
    if group_size is not None and not (
            isinstance(group_size, numbers.Integral)
            and not isinstance(group_size, (bool, np.bool_)) and group_size >= 1):
        raise InvalidParameterError(
            f"group_size must be None or a positive int; got {group_size!r}.")


class BlockStacker(TransformerMixin, BaseEstimator):
    """Scale each modality block and stack them into one design matrix.

    Dense blocks are standardised; each column of a sparse block is divided by
    its maximum absolute value, which keeps it sparse. The output is sparse (CSR) if
    any block is sparse. The scaling learnt in ``fit`` is applied by
    ``transform``, which checks that the blocks have the same names (named
    blocks in another order are put back in fit's) and widths, and the same
    column names in the same order where the blocks carry column names (as
    scikit-learn checks ``feature_names_in_``).

    Parameters
    ----------
    modality_names : list of str, default=None
        Names of the blocks when they are passed as a list.

    Attributes
    ----------
    modality_names_ : list of str
        Block names, in order.
    modality_slices_ : dict of {str: slice}
        Columns of each block in the stacked output.
    feature_names_ : dict of {str: ndarray of str}
        Column names of each block.
    input_feature_names_ : dict of {str: ndarray of str or None}
        Column names each block came with in fit (see
        ``Blocks.has_feature_names``), None for blocks that came without.
    scalers_ : list of transformers
        The fitted scaler of each block.
    n_features_in_ : int
        Number of features of all blocks together.
    """

    def __init__(self, modality_names=None):
        self.modality_names = modality_names

    def __sklearn_tags__(self):
        return _block_input_tags(super().__sklearn_tags__())

    @keeps_state_on_failure
    def fit(self, X, y=None):
        """Learn each block's scaling.

        Parameters
        ----------
        X : Blocks, dict or list
            The modality blocks.
        y : None, default=None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self.fit_transform(X)
        return self

    @keeps_state_on_failure
    def fit_transform(self, X, y=None):
        """Learn each block's scaling and return the stacked, scaled design.

        Parameters
        ----------
        X : Blocks, dict or list
            The modality blocks.
        y : None, default=None
            Ignored.

        Returns
        -------
        Z : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The stacked design.
        """
        blocks = as_blocks(X, self.modality_names)
        self.n_features_in_ = blocks.shape[1]
        self.modality_names_ = blocks.names
        self.feature_names_ = blocks.feature_names
        self.input_feature_names_ = {
            name: blocks.feature_names[name] if blocks.has_feature_names[name] else None
            for name in blocks.names}
        self.modality_slices_, start = {}, 0
        for name, block in zip(blocks.names, blocks.data):
            self.modality_slices_[name] = slice(start, start + block.shape[1])
            start += block.shape[1]
        self.scalers_ = [MaxAbsScaler() if sparse.issparse(b) else StandardScaler()
                         for b in blocks.data]
        return self._stack(blocks, fit=True)

    def transform(self, X):
        """Scale and stack blocks with the names, widths and column names seen in fit.

        Parameters
        ----------
        X : Blocks, dict or list
            The modality blocks.

        Returns
        -------
        Z : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The stacked design.

        Raises
        ------
        ValueError
            If the blocks, their widths or their column names differ from fit.
        """
        return self._stack(self._checked(X), fit=False)

    def _checked(self, X):
        """The blocks as transform takes them: in fit's order, with fit's
        widths, column names and formats."""
        check_is_fitted(self)
        blocks = as_blocks(X, self.modality_names)
        if blocks.names != self.modality_names_:
            missing = [n for n in self.modality_names_ if n not in blocks.names]
            extra = [n for n in blocks.names if n not in self.modality_names_]
            if missing or extra:
                raise ValueError(
                    f"blocks {blocks.names} do not match the blocks seen in fit "
                    f"{self.modality_names_}: missing {missing}, unexpected {extra}.")
            # the same named blocks in another order (a dict's keys, say)
            blocks = blocks.in_order(self.modality_names_)
        for name, block in zip(blocks.names, blocks.data):
            sl = self.modality_slices_[name]
            if block.shape[1] != sl.stop - sl.start:
                raise ValueError(f"block {name!r} has {block.shape[1]} features; fit saw "
                                 f"{sl.stop - sl.start}.")
            self._check_feature_names(name, blocks)
        for name, block, scaler in zip(blocks.names, blocks.data, self.scalers_):
            if sparse.issparse(block) and isinstance(scaler, StandardScaler):
                # (centred in fit, as dense blocks are; a sparse block cannot be
                # centred without densifying it, which is the caller's call)
                raise ValueError(
                    f"block {name!r} was dense in fit and is sparse now; pass it dense, "
                    "as in fit (block.toarray()), or fit on the sparse block.")
        return blocks

    def _check_feature_names(self, name, blocks):
        """scikit-learn's rule, per block: column names given both in fit and
        now must be equal and in the same order; given only once, a warning."""
        seen = self.input_feature_names_[name]
        given = blocks.feature_names[name] if blocks.has_feature_names[name] else None
        if seen is None and given is None:
            return
        if given is None:
            warnings.warn(f"block {name!r} does not have valid feature names, but it was "
                          "fitted with feature names.", UserWarning)
            return
        if seen is None:
            warnings.warn(f"block {name!r} has feature names, but it was fitted without "
                          "feature names.", UserWarning)
            return
        if np.array_equal(seen, given):
            return
        seen, given = [str(f) for f in seen], [str(f) for f in given]
        seen_set, given_set = set(seen), set(given)
        unseen = [f for f in given if f not in seen_set]
        missing = [f for f in seen if f not in given_set]
        if unseen or missing:
            problem = (f"unseen at fit: {unseen[:5]}{' ...' if len(unseen) > 5 else ''}; "
                       f"seen at fit but missing: "
                       f"{missing[:5]}{' ...' if len(missing) > 5 else ''}")
        else:
            problem = f"same names in another order: fit saw {seen}, got {given}"
        raise ValueError(f"the feature names of block {name!r} must match those seen in "
                         f"fit, in the same order; {problem}.")

    @staticmethod
    def _numeric(name, block, blocks):
        """A block as a float array or CSR/CSC matrix, finite (checked)."""
        if not sparse.issparse(block) and block.dtype.kind in "OUS":
            _check_numeric(block, name, blocks.feature_names[name])
        return check_array(block, accept_sparse=["csr", "csc"],
                           dtype=[np.float64, np.float32], input_name=f"block {name!r}")

    def _stack(self, blocks, fit):
        scaled = []
        for name, scaler, block in zip(blocks.names, self.scalers_, blocks.data):
            block = self._numeric(name, block, blocks)
            scaled.append(scaler.fit_transform(block) if fit else scaler.transform(block))
        if any(sparse.issparse(b) for b in scaled):
            return sparse.csr_matrix(sparse.hstack([sparse.csr_matrix(b) for b in scaled]))
        return np.hstack(scaled)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the stacked columns.

        scikit-learn's ``set_output`` and pipelines take them. A block's
        default names (``modality[k]``, for an array) are kept; the columns of
        a block that came with its own names (a DataFrame's, or given to
        :class:`Blocks`) are named ``modality__column``, unique even where
        two blocks share a column name.

        Parameters
        ----------
        input_features : None, default=None
            Ignored: the names come from the blocks seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per column of :meth:`transform`'s output.
        """
        check_is_fitted(self)
        out = []
        for name in self.modality_names_:
            labels = [str(label) for label in self.feature_names_[name]]
            if labels != [f"{name}[{j}]" for j in range(len(labels))]:
                labels = [f"{name}__{label}" for label in labels]
            out.extend(labels)
        return np.asarray(out, dtype=object)

    def groups(self, group_size=None):
        """Return groups of stacked columns: one per modality, or finer ones inside each.

        Parameters
        ----------
        group_size : int, default=None
            None for one group per modality; else groups of that many
            consecutive features inside each modality, named ``modality/k``
            (the last one smaller when the size does not divide the
            modality's).

        Returns
        -------
        groups : dict of {str: ndarray of int}
            Column indices of each group in the stacked design.
        """
        check_is_fitted(self)
        _check_group_size(group_size)
        groups = {}
        for name, sl in self.modality_slices_.items():
            if group_size is None:
                groups[name] = np.arange(sl.start, sl.stop)
                continue
            for k, a in enumerate(range(sl.start, sl.stop, group_size)):
                groups[f"{name}/{k}"] = np.arange(a, min(a + group_size, sl.stop))
        return groups


class FusionRegressor(CVRoutingMixin, RegressorMixin, BaseEstimator):
    """Sparse regression on several modalities, selecting modalities and features.

    Each block is scaled column by column (dense blocks standardised; each
    column of a sparse block divided by its maximum absolute value, so it
    stays sparse), the blocks are stacked
    (sparse if any block is sparse), groups are derived from the blocks (one
    per modality, or finer groups of ``group_size`` consecutive features inside
    each), and the model below is fitted with alpha chosen by cross-validation
    over a warm-started path (unless ``alpha`` is given):

    - ``penalty="l1"``: the Lasso on the stacked features;
    - ``penalty="group"``: the group lasso, which keeps or drops whole groups;
    - ``penalty="sparse_group"``: the sparse-group lasso, which drops whole
      modalities and picks features inside the ones that stay.

    Parameters
    ----------
    penalty : {'sparse_group', 'group', 'l1'}, default='sparse_group'
        The penalty.
    l1_ratio : float in [0, 1], default=0.5
        L1 share of the sparse-group penalty (checked, but not used, with the
        other penalties).
    group_size : int, default=None
        None: one group per modality. An int: groups of that many consecutive
        features inside each modality (named ``modality/k``; the last one of a
        modality smaller when the size does not divide its features). Not
        used by ``penalty="l1"``, which has no groups.
    modality_names : list of str, default=None
        Names of the blocks when they are passed as a list.
    alpha : float, default=None
        Fixed regularization; None chooses it by cross-validation.
    alphas : int or array-like, default=30
        Size of the alpha grid searched by cross-validation, or the grid
        itself.
    eps : float, default=1e-2
        ``alpha_min / alpha_max`` of that grid.
    cv : int, cross-validation generator or iterable, default=3
        Folds.
    n_jobs : int, default=None
        Folds solved in parallel, in threads (the kernels release the GIL)
        whatever joblib backend is active.
    tol : float, default=1e-4
        Duality-gap tolerance of the solver.
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    unpenalized : list of str, default=None
        Modalities left out of the penalty (say, a few covariates that must
        stay in the model); their features are fitted by least squares
        jointly with the others. Only for the group penalties, and for a few
        features: their least-squares step keeps a dense pseudo-inverse of
        ``n ** 2`` floats for n such features (per fold in cross-validation).

    Attributes
    ----------
    stacker_ : BlockStacker
        The fitted scaling and stacking of the blocks.
    model_ : estimator
        The fitted sparsefuse estimator on the stacked, scaled blocks.
    alpha_ : float
        The regularization used.
    coef_ : ndarray of shape (n_features,)
        Coefficients on the scaled, stacked features.
    intercept_ : float
        Intercept.
    modality_names_ : list of str
        Block names, in order.
    modality_slices_ : dict of {str: slice}
        Columns of each block in the stacked design.
    feature_names_ : dict of {str: ndarray of str}
        Names of every feature of each modality (see :class:`Blocks`).
    selected_features_ : dict of {str: list of str}
        Names of the selected (nonzero) features of each modality.
    modality_importance_ : dict of {str: float}
        Euclidean norm of each modality's coefficients (on scaled features).
    dual_gap_ : float
        Duality gap of the final fit.
    n_features_in_ : int
        Number of features of all blocks together.

    See Also
    --------
    Blocks : The input container.
    sparsefuse.SparseGroupLasso : The underlying estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefuse.fusion import FusionRegressor
    >>> rng = np.random.default_rng(0)
    >>> blocks = {"signal": rng.standard_normal((200, 5)),
    ...           "noise": rng.standard_normal((200, 20))}
    >>> y = blocks["signal"] @ np.arange(1.0, 6.0)
    >>> model = FusionRegressor(cv=3).fit(blocks, y)
    >>> sorted(name for name, v in model.modality_importance_.items() if v > 0)
    ['signal']
    """

    def __init__(self, penalty="sparse_group", *, l1_ratio=0.5, group_size=None,
                 modality_names=None, alpha=None, alphas=30, eps=1e-2, cv=3, n_jobs=None,
                 tol=1e-4, max_iter=1000, unpenalized=None):
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.group_size = group_size
        self.modality_names = modality_names
        self.alpha = alpha
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.n_jobs = n_jobs
        self.tol = tol
        self.max_iter = max_iter
        self.unpenalized = unpenalized

    def __sklearn_tags__(self):
        return _block_input_tags(super().__sklearn_tags__())

    def _check_params(self):
        if not isinstance(self.penalty, str) or self.penalty not in PENALTIES:
            raise InvalidParameterError(
                f"penalty must be one of {PENALTIES}; got {self.penalty!r}.")
        _check_group_size(self.group_size)
        # (checked whatever the penalty: an l1_ratio of 5 is a mistake even
        # where it is not used)
        if not (isinstance(self.l1_ratio, numbers.Real) and not isinstance(self.l1_ratio, bool)
                and 0 <= self.l1_ratio <= 1):
            raise InvalidParameterError(
                f"l1_ratio must be a number in [0, 1]; got {self.l1_ratio!r}.")
        if self.alpha is not None and not (isinstance(self.alpha, numbers.Real)
                                           and np.isfinite(self.alpha) and self.alpha >= 0):
            raise InvalidParameterError(
                f"alpha must be None or a finite number >= 0; got {self.alpha!r}.")
        if self.alpha == 0 and self.penalty != "l1":
            raise InvalidParameterError(
                f"alpha=0 is least squares, which the {self.penalty} penalty does not "
                "fit: use penalty='l1' (the Lasso takes alpha=0) or a positive alpha.")
        # (the cross-validation's parameters too when alpha is given, as
        # scikit-learn checks every parameter whether it is used or not)
        resolve_alphas(self.alphas)
        check_eps(self.eps)
        check_cv_params(self.n_jobs, cv=self.cv)
        for name in ("modality_names", "unpenalized"):
            value = getattr(self, name)
            # (an ordered collection of names: a list, a tuple, a 1-D array, a
            # pandas Index, a dict's keys; unpenalized may also be a set, whose
            # order does not matter)
            ordered = (hasattr(value, "__len__") and hasattr(value, "__iter__")
                       and not isinstance(value, (str, bytes, dict, set, frozenset))
                       and np.ndim(value) <= 1 and not (isinstance(value, np.ndarray)
                                                        and value.ndim == 0))
            if not (value is None or ordered or (name == "unpenalized" and isinstance(
                    value, (str, set, frozenset)))):
                raise InvalidParameterError(
                    f"{name} must be None or a list of block names; got {value!r:.60}.")

    @keeps_state_on_failure
    def fit(self, X, y, sample_weight=None, **params):
        """Scale, stack and fit; choose alpha by cross-validation if not given.

        Parameters
        ----------
        X : Blocks, dict or list
            The modality blocks (a list needs ``modality_names``, or gets
            default names). scikit-learn's splitters (``cross_val_score``,
            ``GridSearchCV``, ``train_test_split``) slice samples of a
            :class:`Blocks` only: wrap a dict in ``Blocks(...)`` for them.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, for the model's loss; the blocks'
            standardisation (means and scales) is unweighted.
        **params : dict
            Parameters of the splitter's ``split``, such as ``groups`` for
            ``cv=GroupKFold(...)``, routed to it by scikit-learn's metadata
            routing (which must be enabled:
            ``sklearn.set_config(enable_metadata_routing=True)``); unused with
            a given ``alpha``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        from sparsefuse import Lasso, LassoCV
        from sparsefuse.group import GroupLassoCV, SparseGroupLasso

        self._check_params()
        split_params_of(self, sample_weight, params)  # (refuses them without routing)
        blocks = as_blocks(X, self.modality_names)
        y = check_array(y, ensure_2d=False, dtype=np.float64, ensure_all_finite=False,
                        input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # (as scikit-learn's single-target estimators)
        if y.ndim != 1 or y.shape[0] != blocks.shape[0]:
            raise ValueError(
                f"y must be 1-D with one value per sample ({blocks.shape[0]}); got shape "
                f"{y.shape}.")
        self.stacker_ = BlockStacker()
        Z = self.stacker_.fit_transform(blocks)
        self.n_features_in_ = self.stacker_.n_features_in_
        self.modality_names_ = self.stacker_.modality_names_
        self.modality_slices_ = self.stacker_.modality_slices_
        self.feature_names_ = self.stacker_.feature_names_
        groups = self.stacker_.groups(self.group_size)
        common = dict(tol=self.tol, max_iter=self.max_iter)
        # (len, not truth: a pandas Index has no truth value)
        if self.unpenalized is not None and len(self.unpenalized) > 0:
            # (names compared as strings, as the blocks' are: unpenalized=[2]
            # names the block of key 2)
            free = [self.unpenalized] if isinstance(self.unpenalized, str) else [
                str(name) for name in self.unpenalized]
            unknown = [name for name in free if name not in self.modality_slices_]
            if unknown:
                raise ValueError(
                    f"unpenalized names unknown modalities {unknown}; the modalities are "
                    f"{self.modality_names_}.")
            if self.penalty == "l1":
                raise ValueError("unpenalized modalities need penalty='group' or "
                                 "'sparse_group'.")
            kept = np.ones(Z.shape[1], dtype=bool)
            for name in free:
                kept[self.modality_slices_[name]] = False
            groups = {key: idx for key, idx in groups.items() if kept[idx[0]]}
            if not groups:
                raise ValueError(
                    f"unpenalized lists every modality ({self.modality_names_}): at least "
                    "one modality must stay penalised (with none, the model is plain least "
                    "squares: use sklearn.linear_model.LinearRegression).")
            common["ungrouped"] = "unpenalized"
        tau = 0.0 if self.penalty == "group" else self.l1_ratio
        if self.penalty == "l1":
            if self.alpha is None:
                model = LassoCV(alphas=self.alphas, eps=self.eps, cv=self.cv,
                                n_jobs=self.n_jobs, **common)
            else:
                model = Lasso(alpha=self.alpha, **common)
        elif self.alpha is None:
            model = GroupLassoCV(groups, l1_ratio=tau, alphas=self.alphas, eps=self.eps,
                                 cv=self.cv, n_jobs=self.n_jobs, **common)
        else:
            model = SparseGroupLasso(groups, self.alpha, l1_ratio=tau, **common)
        model.fit(Z, y, sample_weight=sample_weight, **(params if self.alpha is None else {}))
        self.model_ = model
        self.alpha_ = float(getattr(model, "alpha_", self.alpha))
        self.coef_ = np.asarray(model.coef_)
        self.intercept_ = float(model.intercept_)
        self.dual_gap_ = float(model.dual_gap_)
        self.selected_features_ = {
            name: [str(f) for f in self.feature_names_[name][self.coef_[sl] != 0]]
            for name, sl in self.modality_slices_.items()}
        self.modality_importance_ = {name: float(np.linalg.norm(self.coef_[sl]))
                                     for name, sl in self.modality_slices_.items()}
        return self

    def predict(self, X):
        """Predict from blocks with the same names as in fit.

        Parameters
        ----------
        X : Blocks, dict or list
            The modality blocks: the same modalities and widths as in fit,
            and the same column names in the same order where both carry
            column names (see :meth:`BlockStacker.transform`).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.

        Raises
        ------
        ValueError
            If the blocks, their widths or their column names differ from fit.
        """
        check_is_fitted(self)
        stacker = self.stacker_
        blocks = stacker._checked(as_blocks(X, self.modality_names))
        # Block by block: the stacked design would hold a scaled copy of every
        # block at once (and stacking sparse blocks copies them again). A
        # sparse block's scaling moves onto the coefficients, (B / scale) c =
        # B (c / scale): no copy of a float64 block at all.
        y_pred = np.full(blocks.shape[0], self.intercept_, dtype=np.float64)
        for name, scaler, block in zip(blocks.names, stacker.scalers_, blocks.data):
            block = stacker._numeric(name, block, blocks)
            coef = self.coef_[self.modality_slices_[name]]
            if isinstance(scaler, StandardScaler):
                # (dense blocks centred first, as in fit: moving the mean onto
                # the coefficients would cancel digits for columns of large mean)
                y_pred += scaler.transform(block) @ coef
                continue
            coef = coef / scaler.scale_
            if block.dtype == np.float64:
                y_pred += np.asarray(block @ coef).ravel()
                continue
            # (float32: the products in float64, as the stacked design's were,
            # a slice of rows at a time: no float64 copy of the whole block)
            entries = block.nnz if sparse.issparse(block) else block.size
            step = max(1, (block.shape[0] << 18) // max(entries, 1))
            for a in range(0, block.shape[0], step):
                y_pred[a:a + step] += np.asarray(
                    block[a:a + step].astype(np.float64) @ coef).ravel()
        return y_pred

    def report(self, top=5, file=None):
        """A table of modalities, their weight and top features, as text.

        Parameters
        ----------
        top : int or None, default=5
            Number of features listed per modality, by absolute coefficient
            (None: every selected one); names over 40 characters are cut
            in the middle (``feature_names_`` has them whole), unless two
            listed together would then read alike.
        file : file-like, default=None
            Also write the table there (``sys.stdout`` prints it); None only
            returns it: ``print(model.report())``.

        Returns
        -------
        text : str
            The table.
        """
        check_is_fitted(self)
        if top is not None and not (isinstance(top, numbers.Integral)
                                    and not isinstance(top, (bool, np.bool_)) and top >= 0):
            raise InvalidParameterError(f"top must be None (all) or an int >= 0; got {top!r}.")
        rows = [f"{'modality':<14} {'features':>9} {'selected':>9} {'importance':>11}  top features",
                "-" * 80]
        order = sorted(self.modality_names_, key=lambda n: -self.modality_importance_[n])
        for name in order:
            sl = self.modality_slices_[name]
            coef = self.coef_[sl]
            chosen = np.flatnonzero(coef)
            best = chosen[np.argsort(-np.abs(coef[chosen]))][:top]
            shown = [_cut(self.feature_names_[name][j]) for j in best]
            # (two names cut alike are shown whole)
            seen = collections.Counter(shown)
            names = ", ".join(
                f"{cut if seen[cut] == 1 else self.feature_names_[name][j]} ({coef[j]:+.3g})"
                for cut, j in zip(shown, best))
            rows.append(f"{name:<14} {coef.size:>9} {chosen.size:>9} "
                        f"{self.modality_importance_[name]:>11.4g}  {names}")
        rows.append("-" * 80)
        rows.append(f"alpha = {self.alpha_:.4g}, penalty = {self.penalty}, "
                    f"duality gap = {self.dual_gap_:.2e}")
        text = "\n".join(rows)
        if file is not None:
            print(text, file=file)
        return text
