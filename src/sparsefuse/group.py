"""Group lasso and sparse-group lasso over feature blocks (modalities).

The objective, with ``tau = l1_ratio`` and sample weights ``s``::

    1 / (2 sum s) * sum_i s_i (y_i - x_i . w - b)^2
        + alpha * (tau * ||w||_1 + (1 - tau) * sum_g weights_g * ||w_g||_2)

``tau = 0`` is the group lasso, ``0 < tau < 1`` the sparse-group lasso. By
default ``weights_g = sqrt(|g|)`` (Yuan and Lin, 2006); ``weights=np.ones(G)``
gives celer's and skglm's ``GroupLasso`` objective.
"""

import numbers

import numpy as np
from scipy import sparse
from scipy.sparse import linalg as splinalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import column_or_1d, validate_data

from sparsefuse import _group_cd
from sparsefuse._base import LinearPredictMixin, keeps_state_on_failure
from sparsefuse._cv import (
    CVRoutingMixin,
    best_alpha,
    draw_folds,
    path_mse,
    split_params_of,
    warn_unconverged,
)
from sparsefuse._path import (
    InvalidParameterError,
    _deprecated_alphas,
    check_bools,
    check_coef_init,
    check_cv_params,
    check_eps,
    check_sample_weight,
    check_solver_params,
    check_sparse_structure,
    check_Xy,
    extrapolation_step,
    make_design,
    resolve_alphas,
    target_as,
    warn_not_converged,
)

__all__ = ["GroupLasso", "GroupLassoCV", "SparseGroupLasso", "group_lasso_path",
           "check_groups"]


# --- groups ---------------------------------------------------------------------

UNGROUPED_OPTIONS = ("error", "unpenalized")


def check_groups(groups, n_features, feature_names=None, ungrouped="error"):
    """Normalise a group specification into a list of index arrays and names.

    Parameters
    ----------
    groups : int, list of int, list of array-like of int, or dict
        An int ``k``: contiguous blocks of ``k`` features (``n_features`` must
        be a multiple of ``k``). A list of ints: the sizes of contiguous
        blocks, in order (whole floats such as ``2.0`` are read as ints;
        booleans are refused), never one group label per feature. A list of
        index lists (or sets): the features of each group.
        A dict ``{name: indices}``: named groups (modalities); indices may be
        feature names when ``feature_names`` is given.
    n_features : int
        Number of features the groups must partition.
    feature_names : array-like of str, default=None
        Column names, to resolve string indices.
    ungrouped : {"error", "unpenalized"}, default="error"
        What a feature in no group means: an error, or a feature left
        unpenalised (fitted by least squares jointly with the penalised ones).

    Returns
    -------
    indices : list of ndarray of int
        The features of each group.
    names : list
        Group names (the dict keys, else the group numbers).

    Raises
    ------
    ValueError
        If a group is empty, an index is out of range or not an integer, a
        size is not a positive whole number, a group holds booleans, a
        feature is in two groups, or a feature is in no group (unless
        ``ungrouped="unpenalized"``).
    """
    _check_ungrouped(ungrouped, False)
    names = None
    if isinstance(groups, numbers.Real) and not isinstance(groups, (bool, np.bool_)):
        # (a whole float such as 3.0 is read as the int 3; a Python int may
        # exceed any float or int64)
        if not (groups >= 1 and (isinstance(groups, numbers.Integral)
                                 or float(groups).is_integer())) or n_features % int(groups):
            raise InvalidParameterError(
                f"groups={groups}: an int is the size of contiguous equal blocks; it must "
                f"be a positive whole number and must divide n_features={n_features}."
            )
        size = int(groups)
        # (rows of one array: a million groups of two take 0.1 s, not 1 s)
        indices = list(np.arange(n_features, dtype=np.int64).reshape(-1, size))
    elif isinstance(groups, dict):
        names = list(groups)
        indices = [_resolve(groups[name], name, feature_names, n_features)
                   for name in names]
    elif isinstance(groups, (list, tuple, np.ndarray)):
        if len(groups) == 0:
            raise ValueError("groups is empty.")
        # (isinstance first: np.ndim costs a microsecond per group)
        if all(isinstance(g, (numbers.Number, np.number, np.bool_))
               or (isinstance(g, np.ndarray) and g.ndim == 0) for g in groups):
            # a flat list of numbers: block sizes (never feature indices)
            # (one number per feature: perhaps meant as a group label each)
            labels_hint = (
                " A flat list of numbers holds block sizes, not one group label per "
                "feature: for labels, pass [np.flatnonzero(labels == g) for g in "
                "np.unique(labels)]." if len(groups) == n_features > 1 else "")
            sizes = _check_sizes(groups, labels_hint)
            if sizes.sum() > n_features or (
                    sizes.sum() < n_features and ungrouped == "error"):
                raise ValueError(
                    f"group sizes sum to {sizes.sum()}, but X has {n_features} features."
                    + labels_hint
                )
            indices = np.split(np.arange(sizes.sum(), dtype=np.int64), np.cumsum(sizes)[:-1])
        else:
            indices = [_resolve(g, k, feature_names, n_features)
                       for k, g in enumerate(groups)]
    else:
        raise InvalidParameterError(
            "groups must be an int, a list of group sizes, a list of index lists or a "
            f"dict of named index lists; got {type(groups).__name__}."
        )
    if not indices:
        raise ValueError("groups is empty.")
    owner = np.full(n_features, -1)
    flat = np.concatenate(indices)
    if (min(idx.size for idx in indices) == 0 or flat.min() < 0 or flat.max() >= n_features
            or np.bincount(flat, minlength=n_features).max() > 1):
        _explain_bad_groups(indices, names, n_features, feature_names)
    owner[flat] = np.repeat(np.arange(len(indices)), [idx.size for idx in indices])
    if np.any(owner < 0) and ungrouped == "error":
        missing = np.flatnonzero(owner < 0)
        raise ValueError(
            f"{missing.size} feature(s) belong to no group (first: "
            f"{_feature_label(missing[0], feature_names)}); every "
            "feature must be in exactly one group, or pass ungrouped='unpenalized' to "
            "leave them unpenalised."
        )
    return indices, (names if names is not None else list(range(len(indices))))


def _feature_label(j, feature_names):
    """Feature ``j`` as messages name it: its index, and its name if known."""
    if feature_names is None or not 0 <= j < len(feature_names):
        return f"{j}"
    return f"{j} ({str(feature_names[j])!r})"


def _explain_bad_groups(indices, names, n_features, feature_names=None):
    """Raise the ValueError that names the first empty, out-of-range,
    repeated or overlapping group."""
    owner = np.full(n_features, -1)
    for k, idx in enumerate(indices):
        label = names[k] if names else k
        if idx.size == 0:
            raise ValueError(f"group {label!r} is empty.")
        if idx.min() < 0 or idx.max() >= n_features:
            raise ValueError(
                f"group {label!r} has feature indices outside [0, {n_features}).")
        if np.unique(idx).size != idx.size:
            raise ValueError(f"group {label!r} lists a feature twice.")
        taken = owner[idx] >= 0
        if np.any(taken):
            j = idx[taken][0]
            other = names[owner[j]] if names else int(owner[j])
            raise ValueError(
                f"groups overlap: feature {_feature_label(j, feature_names)} is in group "
                f"{other!r} and in group {label!r}."
            )
        owner[idx] = k
    raise AssertionError("groups found invalid but no group is")  # pragma: no cover


def _check_sizes(sizes, hint=""):
    """Block sizes as int64: whole positive numbers (``2.0`` is 2), never
    booleans (``hint`` ends the messages of sizes that are not)."""
    sizes = [s.item() if isinstance(s, np.generic) else s for s in sizes]
    if any(isinstance(s, bool) for s in sizes):
        raise InvalidParameterError(
            f"group sizes must be positive integers, not booleans; got {sizes}.")
    if not all(isinstance(s, numbers.Real) for s in sizes):
        raise InvalidParameterError(
            f"group sizes must be positive integers; got {sizes}.")
    values = np.asarray(sizes, dtype=np.float64)
    if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        raise InvalidParameterError(
            f"group sizes must be whole numbers; got {sizes}.{hint}")
    if np.any(values < 1):
        raise InvalidParameterError(f"group sizes must be positive; got {sizes}.{hint}")
    if np.any(values > 2**53):  # (beyond int64 once summed, and beyond any X)
        raise InvalidParameterError(
            f"group sizes must be at most the number of features; got {sizes}.")
    return values.astype(np.int64)


def _nested_group(group, label):
    shown = group.tolist() if isinstance(group, np.ndarray) else group
    return ValueError(f"group {label!r} must be a flat (1-D) list of feature indices or "
                      f"names; got {str(shown)[:60]}.")


def _resolve(group, label, feature_names, n_features):
    if isinstance(group, np.ndarray) and group.ndim == 1 and group.dtype.kind in "iu":
        # (indices already: the folds of GroupLassoCV get them so, one group
        # after another, where the checks below cost microseconds each)
        return group.astype(np.int64)
    if isinstance(group, (set, frozenset)):
        try:
            group = sorted(group)
        except TypeError:  # (names mixed with indices: refused below)
            group = list(group)
    if not isinstance(group, np.ndarray):
        items = np.asarray(group, dtype=object).ravel()
        if any(isinstance(v, (list, tuple, set, frozenset, dict))
               or (isinstance(v, np.ndarray) and v.ndim > 0) for v in items):
            raise _nested_group(group, label)
        if any(isinstance(v, (bool, np.bool_)) for v in items):
            # (numpy reads [True, 2] as [1, 2])
            raise InvalidParameterError(
                f"group {label!r} holds booleans; give feature indices or names, not "
                "True/False.")
        if any(isinstance(v, str) for v in items) and not all(isinstance(v, str)
                                                              for v in items):
            # (numpy reads [0, "b"] as the names "0" and "b")
            raise ValueError(f"group {label!r} mixes feature names and indices; give one "
                             "or the other.")
    values = np.atleast_1d(np.asarray(group))
    if values.ndim > 1:
        raise _nested_group(group, label)
    if values.size and values.dtype == object:
        # (a pandas Index of column names, a Series, a list mixing types, or
        # Python ints beyond int64)
        items = list(values.ravel())
        if all(isinstance(v, str) for v in items):
            values = np.array(items, dtype=str)
        elif all(isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_, complex))
                 for v in items):  # (numbers.Number: Decimal too)
            if not all(float(v).is_integer() for v in items):
                raise ValueError(f"group {label!r} has non-integer feature indices.")
            if not all(-1 < v < n_features for v in items):
                raise ValueError(
                    f"group {label!r} has feature indices outside [0, {n_features}).")
            values = np.array([int(v) for v in items], dtype=np.int64)
        else:
            raise ValueError(
                f"group {label!r} must hold feature indices (ints) or feature names "
                f"(strings); got {items[:3]}.")
    if values.size and values.dtype.kind in "US":
        if feature_names is None:
            raise ValueError(
                f"group {label!r} names features, but X has no feature names.")
        position = {name: k for k, name in enumerate(feature_names)}
        unknown = [v for v in values if v not in position]
        if unknown:
            raise ValueError(f"group {label!r}: unknown feature name(s) {unknown[:3]}.")
        return np.array([position[v] for v in values], dtype=np.int64)
    if values.size and values.dtype.kind not in "iu":
        if values.dtype.kind == "b":
            raise ValueError(f"group {label!r}: give feature indices, not a boolean mask.")
        if not np.all(np.mod(values, 1) == 0):
            raise ValueError(f"group {label!r} has non-integer feature indices.")
    return values.astype(np.int64)


def check_weights(weights, sizes, names=None):
    """Group weights: sqrt(group size) by default; validated otherwise (a
    dict: keyed by the group names ``names``)."""
    if weights is None:
        return np.sqrt(np.asarray(sizes, dtype=np.float64))
    if hasattr(weights, "items") and hasattr(weights, "index"):
        weights = dict(weights.items())  # (a pandas Series: by its labels)
    if isinstance(weights, dict):
        names = list(range(len(sizes))) if names is None else list(names)
        if set(weights) != set(names):
            raise ValueError(
                "weights given as a dict must have one entry per group, keyed by the "
                f"group names {names[:5]}{' ...' if len(names) > 5 else ''}; got keys "
                f"{list(weights)[:5]}.")
        weights = [weights[name] for name in names]
    try:
        weights = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"weights must be None, numbers (one per group) or a dict of them by group "
            f"name; got {weights!r:.60}.") from None
    if weights.shape != (len(sizes),):
        raise ValueError(
            f"weights must have one entry per group ({len(sizes)}); got shape "
            f"{weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise ValueError(
            "weights must be finite and positive (unpenalised groups are not supported).")
    return weights


# --- prepared problem -------------------------------------------------------------

class _GroupProblem:
    """X reordered so that groups are contiguous, prepared for the kernel."""

    def __init__(self, X, groups, weights, fit_intercept, sample_weight, copy_X=True,
                 feature_names=None, ungrouped="error"):
        n_features = X.shape[1]
        self.indices, self.names = check_groups(groups, n_features, feature_names,
                                                ungrouped)
        sizes = [idx.size for idx in self.indices]
        self.weights = check_weights(weights, sizes, self.names)
        grouped = np.concatenate(self.indices)
        # unpenalised features go last, after every group
        in_group = np.zeros(n_features, dtype=bool)
        in_group[grouped] = True
        self.ungrouped = np.flatnonzero(~in_group)
        self.perm = np.concatenate([grouped, self.ungrouped])
        self.group_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intc)
        contiguous = np.array_equal(self.perm, np.arange(n_features))
        if sparse.issparse(X):
            check_sparse_structure(X)  # (before scipy converts or slices it)
            if X.format not in ("csr", "csc"):
                X = X.tocsc()
        if not contiguous:
            X = X[:, self.perm] if sparse.issparse(X) else np.asfortranarray(X[:, self.perm])
            copy_X = False  # already a copy of ours
        self.design = make_design(X, fit_intercept, sample_weight, copy_X=copy_X,
                                  implicit_dense=True)
        self.spectra = block_spectra(self.design, self.group_ptr)
        self.lipschitz = block_lipschitz(self.design, self.group_ptr, self.spectra[3])
        # Norms for the Gap Safe rule, which must bound the true ones (an
        # underestimate could screen a group active at the optimum, which
        # would never come back): the exact ones up to
        # EXACT_LIPSCHITZ_MAX_SIZE columns, a proven bound above it, where
        # Lanczos iteration only estimates the norm (the step sizes keep the
        # estimate where the bound is looser).
        proven = block_norm_bounds(self.design, self.group_ptr, self.lipschitz)
        self.lipschitz = np.minimum(self.lipschitz, proven)
        self.screen_norms = np.sqrt(proven)
        # Bounds on the blocks' spectral norms, for the kernel's skipped
        # products of screened groups: from the exact top eigenvalue up to
        # EXACT_LIPSCHITZ_MAX_SIZE columns, with a margin for the rounding of
        # the Gram matrix (entries off by about n_samples * eps times the
        # uncentred column norms, at most 101 times the centred ones for the
        # columns centred implicitly, over m columns); above that size the
        # proven bound of the Gap Safe rule.
        sizes = np.diff(self.group_ptr)
        margin = 1.0 + 128 * sizes * self.design.n_samples * np.finfo(np.float64).eps
        self.bound_norms = np.where(sizes <= EXACT_LIPSCHITZ_MAX_SIZE,
                                    np.sqrt(self.lipschitz * margin), self.screen_norms)
        self.free_inv = None
        if self.ungrouped.size:
            gram = centred_gram(self.design, self.group_ptr[-1], n_features)
            # Directions of the unpenalised block that the data cannot
            # resolve (dependent columns, such as one-hot fields beside the
            # intercept) have eigenvalues of the computed Gram matrix at its
            # rounding, about n_samples * eps times the columns' norms, not 0;
            # inverted, they sent coefficients to 1e6 along directions nearly
            # null on the training rows but not on new ones. They are cut off
            # there (the margin of bound_norms above), as exact zeros would
            # be, on the Gram matrix of the columns scaled to unit norm: the
            # rounding is relative to each entry, and a column in other units
            # (1e-6 of the others) must not fall below a cut relative to the
            # largest.
            rtol = 128 * self.design.n_samples * np.finfo(np.float64).eps
            diag = np.diag(gram)
            scale = np.sqrt(np.where(diag > 0, diag, 1.0))
            outer = np.outer(scale, scale)
            inv = np.linalg.pinv(gram / outer, rcond=rtol, hermitian=True)
            self.free_inv = np.ascontiguousarray(inv / outer)

    def free_residual(self, y_prepared):
        """y minus its least-squares fit on the unpenalised features."""
        if self.free_inv is None:
            return y_prepared
        design, a = self.design, self.group_ptr[-1]
        block = design.X[:, a:]
        beta = self.free_inv @ design.centred_products(y_prepared, a)
        fit = np.asarray(block @ beta, dtype=np.float64)
        if design.implicit:
            fit -= design.v * (design.X_offset[a:] @ beta)
        return y_prepared - fit

    def unpermute(self, coefs):
        out = np.empty_like(coefs)
        out[self.perm] = coefs
        return out


def centred_gram(design, a, b, c=None, d=None, offsets=None):
    """Gram matrix of the design's columns [a, b), centred like the kernels see them.

    With an implicit intercept (sparse X, or dense X not centred in memory),
    (X_g - v m^T)^T (X_g - v m^T) with m = X_g^T v / ||v||^2, without forming
    the centred block. With ``c, d``, the cross product of the columns [a, b)
    with the columns [c, d). ``offsets``: ``design.X_offset`` when the caller
    has it (for sparse X it costs a product with every column).
    """
    # (in float64 for float32 data too: the block norms taken from these
    # matrices must bound the kernels' products, see bound_norms)
    block = design.X[:, a:b].astype(np.float64, copy=False)
    other = block if c is None else design.X[:, c:d].astype(np.float64, copy=False)
    if design.implicit and offsets is None:
        offsets = design.X_offset
    if design.implicit and not design.is_sparse:
        # dense blocks are centred explicitly (a copy of the block only): the
        # subtraction below would lose digits to columns of large mean, and
        # exact block steps solve with these matrices
        block = block - offsets[a:b]
        other = block if c is None else other - offsets[c:d]
        return np.asarray(block.T @ other, dtype=np.float64)
    gram = block.T @ other
    gram = np.asarray(gram.toarray() if sparse.issparse(gram) else gram, dtype=np.float64)
    if design.implicit:
        v = design.v.astype(np.float64)
        gram -= np.outer(offsets[a:b], offsets[a:b] if c is None else offsets[c:d]) * (v @ v)
    return gram


# Blocks up to this many columns get their exact spectral norm from their
# Gram matrix; larger ones an estimate by Lanczos iteration for the steps and a
# proven bound for screening (block_norm_bounds).
EXACT_LIPSCHITZ_MAX_SIZE = 256

# Group lasso blocks of 2 to this many columns (from 64 columns on, the kernel
# updates groups coordinate-wise) are minimised exactly by the kernel, from
# the eigendecomposition of their Gram matrix, when applying that costs a
# fraction of the block's gradient (EXACT_BLOCK_COST m^2 <= nonzeros of the
# block; with 1, the Debian/50 path measured 16% slower) and when the
# block is coherent: its columns correlate with each other more than with the
# columns next to it (mean squared cross-correlation below
# EXACT_BLOCK_COUPLING times the mean squared correlation inside the block).
# Exact block minimisation halves the epochs when blocks are internally
# correlated and weakly coupled (AR(1) designs), but needs more when a common
# factor couples every block (gene expression in groups of consecutive
# genes, synthetic factor models): there the proximal step, short along the
# block's flat directions, does better. The threshold is set from those
# measurements (leukemia/10, ar1-dense/10, factor models).
EXACT_BLOCK_MAX_SIZE = 63
EXACT_BLOCK_COUPLING = 0.5
EXACT_BLOCK_COST = 4

# Dense Gram matrices are computed for stacks of equal-size blocks, reading
# at most this many entries of X at a time.
GRAM_CHUNK = 1 << 22


def _stacked_grams(design, starts, m, other=None):
    """Centred Gram matrices of the blocks ``[s, s + m)`` for ``s`` in ``starts``,
    shape ``(len(starts), m, m)``; with ``other``, the cross products with the
    blocks ``[o, o + m)``."""
    # (once: for sparse X each X_offset is a product with every column)
    offsets = design.X_offset if design.implicit else None
    if design.is_sparse:
        return _sparse_stacked_grams(design, starts, m, other, offsets)

    def stack(first):
        X = design.X
        if X.dtype == np.float64 and X.flags.f_contiguous and np.all(np.diff(first) == m):
            # consecutive blocks of a Fortran array: a view, no copy
            return X[:, first[0]:first[0] + first.size * m].T.reshape(first.size, m, -1)
        block = np.asarray(X[:, (first[:, None] + np.arange(m)).ravel()], dtype=np.float64)
        return np.ascontiguousarray(block.T).reshape(first.size, m, -1)

    def centred(first):
        # (X centred implicitly: the stacked blocks are centred here, a copy
        # of at most GRAM_CHUNK entries; see centred_gram)
        block = stack(first)
        if not design.implicit:
            return block
        return block - offsets[first[:, None] + np.arange(m)][:, :, None]

    a = centred(starts)
    b = a if other is None else centred(other)
    return a @ b.transpose(0, 2, 1)


def _sparse_stacked_grams(design, starts, m, other, offsets):
    """:func:`_stacked_grams` for CSC X, all blocks in one sparse product (a
    slice and a product per block cost about a millisecond each: 50,000
    groups took a minute). Block k's columns are moved to rows of their own,
    k * n_samples + i for row i, so that W^T W (or W^T W_other) is block
    diagonal, its k-th block the k-th Gram matrix."""
    X = design.X
    n = X.shape[0]
    starts = np.asarray(starts, dtype=np.int64)
    count = starts.size

    def spread(first):
        cols = (first[:, None] + np.arange(m)).ravel()
        block = X[:, cols]
        nnz = np.diff(block.indptr)
        keys = (block.indices.astype(np.int64)
                + np.repeat(np.arange(cols.size, dtype=np.int64) // m, nnz) * n)
        return block, keys

    blocks = [spread(starts)]
    if other is not None:
        blocks.append(spread(np.asarray(other, dtype=np.int64)))
    # (the rows k * n_samples + i that hold entries, numbered densely: at
    # most the nonzeros, where count * n_samples rows would not fit memory)
    _, rows = np.unique(np.concatenate([keys for _, keys in blocks]), return_inverse=True)
    n_rows = int(rows.max()) + 1 if rows.size else 0
    spread_out = []
    for block, keys in blocks:
        here, rows = rows[:keys.size], rows[keys.size:]
        spread_out.append(sparse.csc_matrix(
            (block.data.astype(np.float64), here, block.indptr),
            shape=(n_rows, block.shape[1])))
    a = spread_out[0]
    b = a if other is None else spread_out[1]
    product = (a.T @ b).tocoo()
    grams = np.zeros((count, m, m))
    grams[product.row // m, product.row % m, product.col % m] = product.data
    if design.implicit:
        v = design.v.astype(np.float64)
        mean_a = offsets[starts[:, None] + np.arange(m)]
        mean_b = mean_a if other is None else offsets[np.asarray(other)[:, None] + np.arange(m)]
        grams -= (v @ v) * mean_a[:, :, None] * mean_b[:, None, :]
    return grams


def block_spectra(design, group_ptr):
    """Spectra of the blocks' centred Gram matrices, for the kernel's block steps.

    Returns ``(eig_ptr, eig_vals, eig_vecs, top)``. ``top[g]`` is the largest
    eigenvalue of block g's Gram matrix for blocks of 2 to
    ``EXACT_LIPSCHITZ_MAX_SIZE`` columns (NaN otherwise). The blocks the
    kernel minimises exactly (see ``EXACT_BLOCK_COUPLING``) keep their whole
    eigendecomposition, in the layout of
    :func:`sparsefuse._group_cd.group_solve`: eigenvalues at
    ``eig_vals[group_ptr[g]:group_ptr[g + 1]]``, eigenvectors row-major at
    ``eig_vecs[eig_ptr[g]:eig_ptr[g + 1]]`` (empty for the other blocks).
    """
    X = design.X
    n_samples, n_features = X.shape
    norms, _ = design.column_stats
    sizes = np.diff(group_ptr)
    n_groups, n_grouped = len(sizes), int(group_ptr[-1])
    if design.is_sparse:
        block_nnz = np.add.reduceat(np.diff(X.indptr)[:n_grouped], group_ptr[:-1])
    else:
        block_nnz = sizes * n_samples
    top = np.full(n_groups, np.nan)
    eig_vals = np.zeros(n_features)
    vecs = {}
    for m in np.unique(sizes[(sizes >= 2) & (sizes <= EXACT_LIPSCHITZ_MAX_SIZE)]):
        members = np.flatnonzero(sizes == m)
        # (implicitly centred dense blocks are centred in a copy: smaller
        # chunks; sparse blocks in chunks of at most GRAM_CHUNK Gram entries,
        # and of at most an eighth of X's stored entries: a chunk's Gram
        # matrices take about 30 bytes per entry on their way, as a sparse
        # product then dense, and peaked at 10 times X's memory in groups of
        # 200 columns, a review found)
        if design.is_sparse:
            chunk_entries = min(GRAM_CHUNK, max(1 << 16, X.nnz // 8))
        else:
            chunk_entries = GRAM_CHUNK // 16 if design.implicit else GRAM_CHUNK
        step = max(1, chunk_entries // (m * (m if design.is_sparse else max(n_samples, 1))))
        for chunk in (members[i:i + step] for i in range(0, members.size, step)):
            starts = group_ptr[chunk]
            grams = _stacked_grams(design, starts, m)
            candidate = ((m <= EXACT_BLOCK_MAX_SIZE)
                         & (EXACT_BLOCK_COST * m * m <= block_nnz[chunk]))
            if not candidate.any():
                top[chunk] = np.linalg.eigvalsh(grams)[:, -1]
                continue
            # the m columns after the block (before it, for the last blocks)
            neighbour = np.where(starts + 2 * m <= n_grouped, starts + m, starts - m)
            # (columns of zero centred norm, constant ones, count as
            # uncorrelated: their Gram entries are rounding residue)
            scale = np.sqrt(np.maximum(np.diagonal(grams, axis1=1, axis2=2), 0.0))
            scale[norms[starts[:, None] + np.arange(m)] == 0] = np.inf
            corr = grams / (scale[:, :, None] * scale[:, None, :])
            within = ((np.sum(corr ** 2, axis=(1, 2))
                       - np.sum(np.diagonal(corr, axis1=1, axis2=2) ** 2, axis=1))
                      / (m * (m - 1)))
            between = np.zeros(chunk.size)
            near = candidate & (neighbour >= 0)
            if near.any():
                cross = _stacked_grams(design, starts[near], m, neighbour[near])
                other = norms[neighbour[near][:, None] + np.arange(m)]
                other = np.where(other > 0, other, np.inf)
                between[near] = np.mean(
                    (cross / (scale[near][:, :, None] * other[:, None, :])) ** 2, axis=(1, 2))
            # (not with a column of zero norm: the kernel keeps those at zero,
            # which the exact step, over the whole block, would not)
            exact = (candidate & (between < EXACT_BLOCK_COUPLING * within)
                     & np.all(np.isfinite(scale), axis=1))
            # whole eigendecompositions only for those (often a few blocks),
            # the top eigenvalue alone for the others
            if not exact.all():
                top[chunk[~exact]] = np.linalg.eigvalsh(grams[~exact])[:, -1]
            if not exact.any():
                continue
            lam, Q = np.linalg.eigh(grams[exact])
            top[chunk[exact]] = lam[:, -1]
            for i, g in enumerate(chunk[exact]):
                if lam[i, -1] > 0:
                    eig_vals[group_ptr[g]:group_ptr[g + 1]] = np.maximum(lam[i], 0.0)
                    vecs[g] = np.ascontiguousarray(Q[i]).ravel()
    eig_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    eig_ptr[1:] = np.cumsum([sizes[g] ** 2 if g in vecs else 0 for g in range(n_groups)])
    eig_vecs = (np.concatenate([vecs[g] for g in sorted(vecs)]) if vecs
                else np.zeros(0))
    return eig_ptr, eig_vals, eig_vecs, top


def block_lipschitz(design, group_ptr, known=None, n_iter=100, seed=0):
    """Squared spectral norm of each (centred) block: the block step size.

    Taken from ``known`` (``top`` of :func:`block_spectra`) where finite; exact
    for single columns and for blocks of up to
    ``EXACT_LIPSCHITZ_MAX_SIZE`` columns (largest eigenvalue of the block's
    Gram matrix, centred as the kernels see the block); Lanczos iteration
    (ARPACK; power iteration, ``n_iter`` steps, if it fails) otherwise, with
    a 2% margin: an estimate, not a bound (:func:`block_norm_bounds` gives
    one). Every value is capped by the squared Frobenius norm (both upper
    bounds keep the block steps monotone).
    """
    norms, _ = design.column_stats
    X = design.X
    rng = np.random.default_rng(seed)
    implicit = design.implicit
    if implicit:
        v = design.v.astype(np.float64)
        offsets = design.X_offset
    sizes = np.diff(group_ptr)
    frobenius = np.add.reduceat(np.square(norms[:group_ptr[-1]]), group_ptr[:-1]) \
        if sizes.size else np.zeros(0)
    # (single columns, and the blocks whose spectrum is known, at once)
    out = frobenius.copy()
    if known is not None:
        given = (sizes > 1) & np.isfinite(known)
        out[given] = np.minimum(known[given] * (1 + 1e-12), frobenius[given])
    else:
        given = np.zeros(sizes.size, dtype=bool)
    for g in np.flatnonzero((sizes > 1) & ~given):
        a, b = group_ptr[g], group_ptr[g + 1]
        block = X[:, a:b]
        means = offsets[a:b] if implicit else None
        if b - a <= EXACT_LIPSCHITZ_MAX_SIZE:
            top = np.linalg.eigvalsh(centred_gram(design, a, b,
                                                  offsets=offsets if implicit else None))[-1]
            out[g] = min(top * (1 + 1e-12), frobenius[g])
            continue

        def matvec(u):
            z = block @ u
            return z - v * (means @ u) if implicit else z

        def rmatvec(z):
            u = block.T @ z
            return u - means * (v @ z) if implicit else u

        u = rng.standard_normal(b - a)
        u /= np.linalg.norm(u)
        gram = splinalg.LinearOperator((b - a, b - a), matvec=lambda u: rmatvec(matvec(u)),
                                     dtype=np.float64)
        try:
            # (Lanczos: plain power iteration from a random start stopped 3.5%
            # below the norm of a 522-column block of the Debian data)
            estimate = float(splinalg.eigsh(gram, k=1, which="LA", v0=u, tol=1e-4,
                                          return_eigenvectors=False)[0])
        except splinalg.ArpackError:  # (no convergence, among others)
            estimate = 0.0
            for _ in range(n_iter):
                u = gram.matvec(u)
                norm = np.linalg.norm(u)
                if norm == 0:
                    break
                estimate, u = norm, u / norm
        out[g] = min(1.02 * estimate, frobenius[g])
    return out


def block_norm_bounds(design, group_ptr, lipschitz):
    """Proven upper bounds on the squared spectral norms of the (centred)
    blocks: ``lipschitz`` (exact) up to ``EXACT_LIPSCHITZ_MAX_SIZE`` columns;
    above, the smaller of the squared Frobenius norm and
    :func:`absolute_norm_bound` of the block as stored (centring against
    ``v`` is a projection, which does not increase the norm)."""
    norms, _ = design.column_stats
    sizes = np.diff(group_ptr)
    out = np.asarray(lipschitz, dtype=np.float64).copy()
    large = np.flatnonzero(sizes > EXACT_LIPSCHITZ_MAX_SIZE)
    if large.size == 0:
        return out
    # (an implicitly centred squared norm, ||x||^2 - n m^2, is off by the
    # rounding of the uncentred one)
    n = design.n_samples
    raw = np.square(norms)
    if design.implicit:
        raw = raw + n * np.square(design.X_offset)
    for g in large:
        a, b = group_ptr[g], group_ptr[g + 1]
        frobenius = float(np.sum(np.square(norms[a:b])) + 8 * (n + 1) * np.finfo(np.float64).eps
                          * np.sum(raw[a:b]))
        out[g] = min(frobenius, absolute_norm_bound(design.X, a, b))
    return out


def absolute_norm_bound(X, a, b, n_iter=100, rtol=1e-3):
    """A proven upper bound on the squared spectral norm of ``X[:, a:b]``.

    ``|B|^T |B|`` (entrywise absolute values) is a nonnegative symmetric
    matrix whose largest eigenvalue is at least ``||B||_2^2`` (the spectral
    radius of a matrix is at most that of its absolute values), and for any
    positive ``u`` the Collatz-Wielandt bound ``max_i (M u)_i / u_i`` is at
    least the spectral radius of a nonnegative ``M``. Power iteration on
    ``M`` from ``u = 1`` tightens it (the bound does not increase); it stops
    when the bound is within ``rtol`` of the Rayleigh quotient, a lower
    bound, or no longer falls by ``rtol / 10`` of itself. For nonnegative
    blocks (counts, TF-IDF, one-hot) the bound converges to the spectral
    norm itself; for blocks of mixed signs it can be much larger (the caller
    also takes the Frobenius norm). Sparse X (CSC) costs one float64 copy of
    the block's stored values; dense X is read in slices of columns.
    """
    n, m = X.shape[0], b - a
    if sparse.issparse(X):
        X = X if X.format == "csc" else X.tocsc()
        lo, hi = X.indptr[a], X.indptr[b]
        absolute = sparse.csc_matrix(
            (np.abs(X.data[lo:hi], dtype=np.float64), X.indices[lo:hi], X.indptr[a:b + 1] - lo),
            shape=(n, m))

        def parts():
            yield slice(0, m), absolute
    else:
        step = max(1, 2**20 // max(1, n))

        def parts():
            for start in range(0, m, step):
                cols = slice(start, min(start + step, m))
                yield cols, np.abs(X[:, a + cols.start:a + cols.stop], dtype=np.float64)

    def product(u):
        z = np.zeros(n)
        for cols, part in parts():
            z += part @ u[cols]
        out = np.empty(m)
        for cols, part in parts():
            out[cols] = part.T @ z
        return out

    u = np.ones(m)
    bound = np.inf
    for _ in range(n_iter):
        z = product(u)
        # (u > 0 everywhere: the bound holds for any positive u)
        previous, bound = bound, min(bound, float(np.max(z / u)))
        lower = float(u @ z) / float(u @ u)
        top = z.max()
        if (bound <= (1.0 + rtol) * lower or not top > 0
                or previous - bound <= 0.1 * rtol * bound):
            break
        u = np.maximum(z / top, 1e-150)
    # (sums of nonnegative terms, each rounded: a relative error of at most
    # about (n_samples + m) * eps)
    return bound * (1.0 + 4.0 * (n + m) * np.finfo(np.float64).eps)


def group_alpha_max(problem, y_prepared, l1_ratio=0.0, positive=False):
    """Smallest alpha at which every penalised coefficient is zero."""
    residual = problem.free_residual(y_prepared)
    corr = problem.design.correlation(residual) / problem.design.n_samples
    corr = corr[:problem.group_ptr[-1]]
    if positive:
        # w = 0 is optimal under w >= 0 iff corr lies in the subdifferential
        # of the penalty at 0 plus the normal cone {v <= 0} of the constraint:
        # negative correlations are absorbed by the cone, and the unit balls
        # of the penalty are sign-symmetric and monotone in |v|, so the
        # condition is the unconstrained one on max(corr, 0).
        corr = np.maximum(corr, 0.0)
    scales = _group_cd.group_dual_scales(
        np.ascontiguousarray(corr, dtype=np.float64), problem.group_ptr, float(l1_ratio),
        (1.0 - l1_ratio) * problem.weights)
    return float(scales.max(initial=0.0))


# Path extrapolation moves the coefficients of groups of at most this many
# columns (below the kernel's coordinate_min_size: updated as blocks, but for
# unevenly scaled ones in the sparse-group lasso or under positive=True);
# larger groups, updated one coordinate at a time, keep the last solution.
# Moved along the path's last step, the five Debian modalities (groups of 1,000 to 30,000 columns,
# nearly all nonzero once selected) started closer in objective to the next
# solution at every step, yet took up to ten times the epochs to certify
# it: 31-41 s for the path instead of 11. On groups of 10 to 50 columns the
# 20-alpha paths of the group benchmarks (solver time, A/B in one process,
# 2026-11-28) took 1.2-1.5x less time for the group lasso (leukemia/10,
# ar1-dense/10, news20/50, debian/50) and for the sparse-group lasso at
# l1_ratio 0.5 but on news20/50, 8-14% slower there (l1_ratio 0.5 and 0.9:
# more outer iterations, as many epochs).
EXTRAPOLATE_MAX_SIZE = 63


def solve_group_path(problem, y_prepared, alphas, *, l1_ratio, coef_init=None, tol=1e-4,
                     max_iter=1000, positive=False, screening=True, working_set=True,
                     anderson=5, strong_rules=True, path_extrapolation=True, newton=True,
                     warn=True, stats=None):
    """Warm-started block CD along ``alphas``; coefficients in X's column order.

    Without working sets, the warm-started steps of a path use the sequential
    strong rule (unless ``strong_rules=False``). Working sets are the default:
    they measured faster on the group benchmarks. With ``path_extrapolation``
    a step after two converged ones starts from ``w + e (w - w_prev)`` on the
    groups of at most ``EXTRAPOLATE_MAX_SIZE`` columns (``w`` and ``w_prev``
    the last two solutions, ``e`` the ratio of the penalty steps, at most 1),
    a coefficient whose sign would flip set to zero, as the Lasso path does:
    where the solution moves smoothly with alpha this predicts the next one.
    ``newton``: Newton steps on a settled support (see
    :func:`sparsefuse._group_cd.group_newton_step`). ``warn``: a
    ConvergenceWarning for each alpha whose gap stays above the tolerance;
    given a list, their ratios gap / tolerance are appended to it instead.
    """
    design = problem.design
    n_samples, n_features = design.X.shape
    norms, xv = design.column_stats
    w = np.zeros(n_features, dtype=design.X.dtype)
    coef_init = check_coef_init(coef_init, n_features, design.X.dtype)
    if coef_init is not None:
        # (under positive=True a negative start is infeasible: the kernel
        # certifies gaps of feasible points only)
        w[:] = np.maximum(coef_init[problem.perm], 0) if positive else coef_init[problem.perm]
    coefs = np.empty((n_features, len(alphas)), dtype=design.X.dtype, order="F")
    gaps = np.empty(len(alphas))
    n_iters = []
    converged = np.zeros(len(alphas), dtype=bool)
    n_grouped = problem.group_ptr[-1]
    sizes = np.diff(problem.group_ptr)
    movable = np.repeat(sizes <= EXTRAPOLATE_MAX_SIZE, sizes)
    for k, alpha in enumerate(alphas):
        e = extrapolation_step(alphas, k, converged) if path_extrapolation else 0
        if e:
            last = w[:n_grouped].astype(np.float64)
            moved = last + e * (last - coefs[:n_grouped, k - 2])
            moved[moved * last <= 0] = 0.0  # (sign flips, and zeros stay zero)
            w[:n_grouped] = np.where(movable, moved, last)
        w, gap, tol_abs, n_iter, info = _group_cd.group_solve(
            *design.buffers, design.is_sparse, y_prepared, w, design.v,
            design.fit_intercept, norms, xv, problem.group_ptr, problem.weights,
            problem.lipschitz, alpha * l1_ratio * n_samples,
            alpha * (1.0 - l1_ratio) * n_samples, max_iter, tol, positive=positive,
            screening=screening, working_set=working_set, anderson=anderson,
            strong_ratio=alphas[k - 1] / alpha if strong_rules and k > 0 and alpha > 0 else 0.0,
            free_inv=problem.free_inv, eig_ptr=problem.spectra[0],
            eig_vals=problem.spectra[1], eig_vecs=problem.spectra[2],
            bound_norms=problem.bound_norms if screening else None,
            screen_norms=problem.screen_norms, newton=newton)
        if gap > tol_abs:
            warn_not_converged(warn, gap, tol_abs, n_iter, alpha, tol, design.X.dtype,
                               n_samples)
        coefs[:, k] = w
        converged[k] = gap <= tol_abs
        gaps[k] = gap / n_samples
        n_iters.append(n_iter)
        if stats is not None:
            stats.append(dict(info, n_epochs=n_iter, alpha=alpha))
    return problem.unpermute(coefs), gaps, n_iters


_ALPHA_ZERO = ("alpha must be positive for the group lasso (alpha=0 is least squares: "
               "use LinearRegression).")


def _check_ungrouped(ungrouped, positive):
    if not isinstance(ungrouped, str) or ungrouped not in UNGROUPED_OPTIONS:
        raise InvalidParameterError(
            f"ungrouped must be one of {UNGROUPED_OPTIONS}; got {ungrouped!r}.")
    if ungrouped == "unpenalized" and positive:
        raise ValueError(
            "positive=True with ungrouped='unpenalized' is not supported: unpenalised "
            "features are fitted by unconstrained least squares.")


def _check_group_params(l1_ratio, tol, max_iter, positive, anderson, y):
    check_solver_params(l1_ratio=l1_ratio, tol=tol, max_iter=max_iter, selection="cyclic",
                        positive=positive, y=y, anderson=anderson)
    if y.ndim != 1:
        raise ValueError(
            f"the group lasso takes a 1-D target; got y of shape {y.shape}.")


def _column_names(X):
    """The column names of a DataFrame (pandas, polars) when all are strings,
    else None."""
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(columns, str):
        return None
    names = list(columns)
    return np.asarray(names, dtype=object) if all(isinstance(n, str) for n in names) else None


def group_lasso_path(X, y, groups, *, l1_ratio=0.0, weights=None, eps=1e-3, alphas=100,
                     fit_intercept=False, sample_weight=None, coef_init=None, tol=1e-4,
                     max_iter=1000, positive=False, return_n_iter=False,
                     screening=True, working_set=True, anderson=5, strong_rules=True,
                     path_extrapolation=True, newton=True, ungrouped="error"):
    """Compute the group (or sparse-group) lasso path by block coordinate descent.

    Same conventions as :func:`sparsefuse.lasso_path`: no intercept unless
    ``fit_intercept=True``, alphas sorted in decreasing order, warm starts.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    groups : int, list or dict
        The groups, see :func:`~sparsefuse.group.check_groups`; column names of a DataFrame X
        may stand for its features.
    l1_ratio : float, default=0.0
        ``tau``: 0 is the group lasso, in (0, 1) the sparse-group lasso.
    weights : array-like of shape (n_groups,) or dict, default=None
        Group weights, in the order of the groups, or keyed by group name (a
        dict or a pandas Series);
        ``sqrt(group size)`` by default.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=100
        Number of alphas of the automatic grid, or the alphas themselves.
    fit_intercept : bool, default=False
        Fit an unpenalised intercept (sparse X is centred implicitly, in a
        copy only for columns whose mean dwarfs their spread).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    coef_init : array-like of shape (n_features,), default=None
        Warm start for the first alpha. With ``positive=True`` negative
        entries start at 0.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n_samples``
        (y centred when ``fit_intercept``).
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    return_n_iter : bool, default=False
        Also return the epochs per alpha.
    screening : bool, default=True
        Gap Safe screening of groups and features.
    working_set : bool, default=True
        Solve on a growing working set of groups.
    anderson : int, default=5
        Iterates combined by Anderson extrapolation (0: none).
    strong_rules : bool, default=True
        Without working sets, the sequential strong rule on groups along the
        path, each followed by a KKT check.
    path_extrapolation : bool, default=True
        Start each step after two converged ones from the last solution
        moved along the path's last step, on the groups of at most 63
        columns (larger groups, updated coordinate-wise, keep the last
        solution). It changes the work; the answer, only within tol.
    newton : bool, default=True
        Newton steps on the support once its signs have settled, where block
        coordinate descent crawls on correlated columns. It changes the work;
        the answer, only within tol.
    ungrouped : {"error", "unpenalized"}, default="error"
        Features in no group: an error, or unpenalised (fitted jointly by
        least squares; not compatible with ``positive=True``). Meant for a
        few covariates: their least-squares step keeps the pseudo-inverse of
        their Gram matrix, dense, ``n_unpenalized ** 2`` floats (per fold in
        cross-validation).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path, in X's column order.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gaps of the normalised objective.
    n_iters : list of int
        Epochs per alpha, only if ``return_n_iter``.
    """
    check_bools(fit_intercept=fit_intercept, positive=positive, return_n_iter=return_n_iter,
                screening=screening, working_set=working_set, strong_rules=strong_rules,
                path_extrapolation=path_extrapolation, newton=newton)
    # (groups may name the columns of a DataFrame, as for the estimators)
    feature_names = _column_names(X)
    X, y = check_Xy(X, y)
    if y.ndim == 2 and y.shape[1] == 1:
        # (one column: raveled with scikit-learn's warning, as the estimators do)
        y = column_or_1d(y, warn=True)
    _check_group_params(l1_ratio, tol, max_iter, positive, anderson, y)
    alphas = resolve_alphas(_deprecated_alphas(alphas, None))
    check_eps(eps)
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    _check_ungrouped(ungrouped, positive)
    problem = _GroupProblem(X, groups, weights, fit_intercept, sample_weight,
                            feature_names=feature_names, ungrouped=ungrouped)
    y_prep, _ = problem.design.prepare_target(y)
    if isinstance(alphas, int):
        top = group_alpha_max(problem, y_prep, l1_ratio, positive)
        top = top if top > 0 else np.finfo(np.float64).resolution
        alphas = np.geomspace(top, top * eps, alphas)
    else:
        if np.any(alphas == 0):
            raise ValueError(_ALPHA_ZERO)
    coefs, gaps, n_iters = solve_group_path(
        problem, y_prep, alphas, l1_ratio=l1_ratio, coef_init=coef_init, tol=tol,
        max_iter=max_iter, positive=positive, screening=screening,
        working_set=working_set, anderson=anderson, strong_rules=strong_rules,
        path_extrapolation=path_extrapolation, newton=newton)
    if return_n_iter:
        return alphas, coefs, gaps, n_iters
    return alphas, coefs, gaps


# --- estimators -------------------------------------------------------------------

class SparseGroupLasso(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Sparse-group lasso: L1 plus group-L2 penalty over feature blocks.

    Minimises::

        1 / (2 * n_samples) * ||y - Xw - b||^2_2
            + alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) * sum_g weights_g ||w_g||_2)

    so that whole groups (modalities) and single features within the groups
    that stay can be selected. Block coordinate descent with exact block
    proximal steps, Gap Safe screening of groups and features, working sets
    and a certified duality gap.

    Parameters
    ----------
    groups : int, list or dict
        The groups: an int (contiguous blocks of that size), a list of block
        sizes (not of one group label per feature), a list of index lists, or
        a dict ``{name: indices}``. Every feature must be in exactly one group,
        unless ``ungrouped="unpenalized"``.
    alpha : float, default=1.0
        Regularization strength; positive.
    l1_ratio : float, default=0.5
        ``tau`` in [0, 1]: 0 is the group lasso, 1 the Lasso.
    weights : array-like of shape (n_groups,) or dict, default=None
        Group weights, in the order of the groups, or keyed by group name (a
        dict or a pandas Series);
        ``sqrt(group size)`` by default, ``np.ones(n_groups)`` for celer's
        and skglm's convention.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (sparse X is centred implicitly, in a
        copy only for columns whose mean dwarfs their spread).
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2 / n_samples``
        (y centred when ``fit_intercept``).
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    screening : bool, default=True
        Gap Safe screening of groups and features.
    working_set : bool, default=True
        Solve on a growing working set of groups.
    anderson : int, default=5
        Iterates combined by Anderson extrapolation (0: none).
    ungrouped : {"error", "unpenalized"}, default="error"
        Features in no group: an error, or unpenalised (fitted jointly by
        least squares; not compatible with ``positive=True``). Meant for a
        few covariates: their least-squares step keeps the pseudo-inverse of
        their Gram matrix, dense, ``n_unpenalized ** 2`` floats (per fold in
        cross-validation).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients, in X's column order.
    intercept_ : float
        Intercept.
    dual_gap_ : float
        Duality gap of the normalised objective at the solution.
    n_iter_ : int
        Epochs run.
    active_groups_ : list
        Names (dict keys) or numbers of the groups with a nonzero coefficient.
    group_names_ : list
        Names or numbers of all groups, in the order of ``groups_``.
    groups_ : list of ndarray
        Feature indices of each group.
    ungrouped_ : ndarray of int
        Indices of the unpenalised features (empty unless
        ``ungrouped="unpenalized"`` and some feature is in no group).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    GroupLasso : The case ``l1_ratio=0``.
    group_lasso_path : The regularization path.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefuse import SparseGroupLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 6))
    >>> y = X[:, 0] - X[:, 1]
    >>> model = SparseGroupLasso({"a": [0, 1, 2], "b": [3, 4, 5]}, alpha=0.05).fit(X, y)
    >>> model.active_groups_
    ['a']
    """

    def __init__(self, groups, alpha=1.0, *, l1_ratio=0.5, weights=None, fit_intercept=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False, screening=True,
                 working_set=True, anderson=5, ungrouped="error"):
        self.groups = groups
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.screening = screening
        self.working_set = working_set
        self.anderson = anderson
        self.ungrouped = ungrouped

    def _prepare(self, X, y, sample_weight):
        check_bools(fit_intercept=self.fit_intercept, warm_start=self.warm_start,
                    positive=self.positive, screening=self.screening,
                    working_set=self.working_set)
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc", "coo"],
                             dtype=[np.float64, np.float32], y_numeric=True,
                             accept_large_sparse=True,
                             ensure_all_finite=False)  # (make_design checks X)
        y = target_as(y, X.dtype)
        _check_group_params(self.l1_ratio, self.tol, self.max_iter, self.positive,
                            self.anderson, y)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        _check_ungrouped(self.ungrouped, self.positive)
        problem = _GroupProblem(X, self.groups, self.weights, self.fit_intercept,
                                sample_weight, feature_names=getattr(
                                    self, "feature_names_in_", None),
                                ungrouped=self.ungrouped)
        return X, y, problem

    @keeps_state_on_failure
    def fit(self, X, y, sample_weight=None):
        """Fit the model by block coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        alpha = self.alpha
        if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
            raise InvalidParameterError(f"alpha must be a finite number > 0; got {alpha!r}.")
        if alpha == 0:
            raise ValueError(_ALPHA_ZERO)
        X, y, problem = self._prepare(X, y, sample_weight)
        y_prep, y_offset = problem.design.prepare_target(y)
        coef_init = None
        if self.warm_start and hasattr(self, "coef_"):
            if np.shape(self.coef_) != (X.shape[1],):
                raise ValueError(
                    f"warm_start: the previous coef_ has shape {np.shape(self.coef_)}, this "
                    f"fit needs {(X.shape[1],)}.")
            coef_init = self.coef_
        coefs, gaps, n_iters = solve_group_path(
            problem, y_prep, [alpha], l1_ratio=self.l1_ratio, coef_init=coef_init,
            tol=self.tol, max_iter=self.max_iter, positive=self.positive,
            screening=self.screening, working_set=self.working_set, anderson=self.anderson)
        self._set_fitted(problem, coefs[:, 0], y_offset, gaps[0], n_iters[0])
        return self

    def _set_fitted(self, problem, coef, y_offset, gap, n_iter):
        self.coef_ = coef
        offset = problem.unpermute(problem.design.intercept_offset)
        # (as Lasso's: the intercept in X's dtype, computed in float64 and
        # rounded once; the gap in float64, which a float32 rounding could
        # bring below the bound it certifies)
        self.intercept_ = (coef.dtype.type(y_offset - coef.astype(np.float64) @ offset)
                           if problem.design.fit_intercept else 0.0)
        self.dual_gap_ = np.float64(gap)
        self.n_iter_ = n_iter
        self.groups_ = problem.indices
        self.ungrouped_ = problem.ungrouped
        self.group_names_ = problem.names
        # (one pass, not one per group: there may be a million small ones)
        active = np.logical_or.reduceat(coef[problem.perm[:problem.group_ptr[-1]]] != 0,
                                        problem.group_ptr[:-1])
        self.active_groups_ = [name for name, a in zip(problem.names, active) if a]
        if not (np.all(np.isfinite(self.coef_)) and np.isfinite(self.intercept_)):
            raise ValueError(
                "Block coordinate descent produced non-finite coefficients; scale the "
                "features and the target.")



class GroupLasso(SparseGroupLasso):
    """Group lasso: a group-L2 penalty that selects whole feature blocks.

    Minimises::

        1 / (2 * n_samples) * ||y - Xw - b||^2_2 + alpha * sum_g weights_g ||w_g||_2

    :class:`SparseGroupLasso` with ``l1_ratio=0``.

    Parameters
    ----------
    groups : int, list or dict
        The groups, see :class:`SparseGroupLasso`.
    alpha : float, default=1.0
        Regularization strength; positive.
    weights : array-like of shape (n_groups,) or dict, default=None
        Group weights, in the order of the groups, or keyed by group name (a
        dict or a pandas Series);
        ``sqrt(group size)`` by default.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Duality-gap tolerance, as in :class:`SparseGroupLasso`.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    screening : bool, default=True
        Gap Safe screening of groups.
    working_set : bool, default=True
        Solve on a growing working set of groups.
    anderson : int, default=5
        Iterates combined by Anderson extrapolation (0: none).
    ungrouped : {"error", "unpenalized"}, default="error"
        Features in no group: an error, or unpenalised (fitted jointly by
        least squares; not compatible with ``positive=True``). Meant for a
        few covariates: their least-squares step keeps the pseudo-inverse of
        their Gram matrix, dense, ``n_unpenalized ** 2`` floats (per fold in
        cross-validation).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept.
    dual_gap_ : float
        Duality gap at the solution.
    n_iter_ : int
        Epochs run.
    active_groups_ : list
        Names or numbers of the groups with a nonzero coefficient.
    group_names_ : list
        Names or numbers of all groups.
    groups_ : list of ndarray
        Feature indices of each group.
    ungrouped_ : ndarray of int
        Indices of the unpenalised features.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    SparseGroupLasso : Adds an L1 term inside the groups.
    """

    def __init__(self, groups, alpha=1.0, *, weights=None, fit_intercept=True, max_iter=1000,
                 tol=1e-4, warm_start=False, positive=False, screening=True,
                 working_set=True, anderson=5, ungrouped="error"):
        super().__init__(groups, alpha, l1_ratio=0.0, weights=weights,
                         fit_intercept=fit_intercept, max_iter=max_iter, tol=tol,
                         warm_start=warm_start, positive=positive, screening=screening,
                         working_set=working_set, anderson=anderson, ungrouped=ungrouped)


class GroupLassoCV(CVRoutingMixin, LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Group / sparse-group lasso with alpha chosen by cross-validation.

    Each fold solves a warm-started path over a common alpha grid (folds run
    in parallel with joblib); the alpha with the lowest mean squared error is
    refitted on all the data.

    Parameters
    ----------
    groups : int, list or dict
        The groups, see :class:`SparseGroupLasso`.
    l1_ratio : float, default=0.0
        0 for the group lasso, in (0, 1) for the sparse-group lasso (1 is
        the Lasso, every group's penalty gone).
    weights : array-like of shape (n_groups,) or dict, default=None
        Group weights, in the order of the groups, or keyed by group name (a
        dict or a pandas Series);
        ``sqrt(group size)`` by default.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=50
        Number of alphas of the automatic grid, or the alphas themselves.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in scikit-learn.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance.
    n_jobs : int, default=None
        Folds solved in parallel, in threads (the kernels release the GIL)
        whatever joblib backend is active.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    ungrouped : {"error", "unpenalized"}, default="error"
        Features in no group: an error, or unpenalised (fitted jointly by
        least squares; not compatible with ``positive=True``). Meant for a
        few covariates: their least-squares step keeps the pseudo-inverse of
        their Gram matrix, dense, ``n_unpenalized ** 2`` floats (per fold in
        cross-validation).

    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error of each alpha on each fold; axes of
        length one dropped (one fold or one alpha), as in LassoCV.
    coef_ : ndarray of shape (n_features,)
        Coefficients refitted at ``alpha_``.
    intercept_ : float
        Intercept.
    dual_gap_ : float
        Duality gap of the refit.
    n_iter_ : int
        Epochs of the refit.
    active_groups_ : list
        Groups selected by the refit.
    group_names_ : list
        Names or numbers of all groups, in the order of ``groups_``.
    groups_ : list of ndarray
        Feature indices of each group.
    ungrouped_ : ndarray of int
        Indices of the unpenalised features (empty unless
        ``ungrouped="unpenalized"`` and some feature is in no group).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    See Also
    --------
    SparseGroupLasso : The estimator refitted at the chosen alpha.
    """

    def __init__(self, groups, *, l1_ratio=0.0, weights=None, eps=1e-3, alphas=50, cv=5,
                 fit_intercept=True, max_iter=1000, tol=1e-4, n_jobs=None, positive=False,
                 ungrouped="error"):
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.eps = eps
        self.alphas = alphas
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.ungrouped = ungrouped

    @keeps_state_on_failure
    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation, then refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (used in the fits and in the fold MSEs).
        **params : dict
            Parameters of the splitter's ``split``, such as ``groups`` (of
            samples, not of features), routed to it by scikit-learn's metadata
            routing (``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        check_bools(fit_intercept=self.fit_intercept, positive=self.positive)
        check_cv_params(self.n_jobs, cv=self.cv)
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc", "coo"],
                             dtype=[np.float64, np.float32], y_numeric=True,
                             accept_large_sparse=True,
                             ensure_all_finite=False)  # (make_design checks X)
        y = target_as(y, X.dtype)
        if sparse.issparse(X):
            check_sparse_structure(X)  # (before the folds slice it)
        _check_group_params(self.l1_ratio, self.tol, self.max_iter, self.positive, 5, y)
        split_params = split_params_of(self, sample_weight, params)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        if self.alphas is None:  # (as LassoCV)
            raise InvalidParameterError(
                "The 'alphas' parameter of GroupLassoCV must be an int in the range [1, inf) "
                "or an array-like. Got None instead.")
        alphas = resolve_alphas(self.alphas)
        check_eps(self.eps)
        # Resolve the groups once, so that folds and refit need no column names.
        _check_ungrouped(self.ungrouped, self.positive)
        indices, group_names = check_groups(self.groups, X.shape[1],
                                            getattr(self, "feature_names_in_", None),
                                            self.ungrouped)
        groups = dict(zip(group_names, indices)) if isinstance(self.groups, dict) else indices
        if isinstance(alphas, int):
            problem = _GroupProblem(X, groups, self.weights, self.fit_intercept,
                                    sample_weight, ungrouped=self.ungrouped)
            y_prep, _ = problem.design.prepare_target(y)
            top = group_alpha_max(problem, y_prep, self.l1_ratio, self.positive)
            top = top if top > 0 else np.finfo(np.float64).resolution
            alphas = np.geomspace(top, top * self.eps, alphas)
            del problem, y_prep  # (a copy of X, maybe: not kept through the folds)
        else:
            if np.any(alphas == 0):
                raise ValueError(_ALPHA_ZERO)

        def fold_path(X_train, y_train, sw_train, alphas, fold, unconverged):
            problem = _GroupProblem(X_train, groups, self.weights, self.fit_intercept,
                                    sw_train, ungrouped=self.ungrouped)
            y_prep, y_offset = problem.design.prepare_target(y_train)
            coefs, _, _ = solve_group_path(problem, y_prep, alphas, l1_ratio=self.l1_ratio,
                                           tol=self.tol, max_iter=self.max_iter,
                                           positive=self.positive, warn=unconverged)
            if self.fit_intercept:
                return coefs, y_offset, problem.unpermute(problem.design.intercept_offset)
            return coefs, 0.0, None

        unconverged = []
        mse = path_mse(X, y, sample_weight, alphas, draw_folds(self.cv, X, y, split_params),
                       fold_path, self.n_jobs, unconverged=unconverged)
        warn_unconverged(unconverged, mse.size)
        self.mse_path_ = np.squeeze(mse)  # (as LassoCV's)
        self.alphas_ = alphas
        self.alpha_ = best_alpha(alphas, mse)
        model = SparseGroupLasso(groups, self.alpha_, l1_ratio=self.l1_ratio,
                                 weights=self.weights, fit_intercept=self.fit_intercept,
                                 max_iter=self.max_iter, tol=self.tol,
                                 positive=self.positive, ungrouped=self.ungrouped)
        model.fit(X, y, sample_weight=sample_weight)
        for attr in ("coef_", "intercept_", "dual_gap_", "n_iter_", "active_groups_",
                     "group_names_", "groups_", "ungrouped_"):
            setattr(self, attr, getattr(model, attr))
        return self

