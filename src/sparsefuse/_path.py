"""Data preparation, alpha grids and warm-started regularization paths.

Everything here works on the objective of scikit-learn's ``ElasticNet``::

    1 / (2 * sum(s)) * sum_i s_i (y_i - x_i . w - b)^2
        + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio) / 2 * ||w||_2^2

The Cython kernels minimise ``n_samples`` times this objective, with sample
weights folded into the rows (``s`` is rescaled to sum to ``n_samples``, then
rows of X and y are multiplied by ``sqrt(s)``). With an intercept, sparse X is
never centred in memory (the kernels centre it implicitly), nor is dense X
without sample weights in the Lasso, elastic-net and group kernels (see
:func:`make_design`); otherwise dense X is centred here.
"""

import numbers
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite, check_array, check_random_state

from sparsefuse import _cd
from sparsefuse._base import caller_stacklevel

try:  # scikit-learn's type for a bad parameter: a ValueError and a TypeError
    from sklearn.utils._param_validation import InvalidParameterError
except ImportError:  # pragma: no cover (private module of scikit-learn)
    class InvalidParameterError(ValueError, TypeError):
        """A parameter of the wrong type or out of its range."""

__all__ = ["lasso_path", "enet_path"]


@dataclass
class _Design:
    """A design matrix made ready for the kernels, with what undoes the prep.

    ``X`` is Fortran-ordered dense or CSC, rows scaled by ``sqrt_sw``. With
    ``fit_intercept`` the kernels centre it implicitly against the intercept
    column ``v`` (``sqrt_sw``, or ones): sparse X always, dense X when ``v``
    is not empty (see :func:`make_design`); otherwise dense X is centred in
    memory (``dense_offset`` holds the means).
    """

    X: object
    dense_offset: np.ndarray | None
    sqrt_sw: np.ndarray | None
    v: np.ndarray
    fit_intercept: bool
    # (norms, xv) of the columns (see _cd.column_stats), set by make_design,
    # whose input check they are. A constant column, centred, holds only
    # rounding residue: its norm is taken as 0 (the kernels then leave it out
    # of the fit), the centred sparse columns in the kernel, the dense ones in
    # _stats (the uncentred norm^2 is the centred one plus offset^2 times the
    # weights' sum, n).
    column_stats: tuple = None
    # (y_prepared, y_offset) of the target given to make_design, and X^T
    # y_prepared (1-D targets), computed in the same pass as the statistics:
    # the gradients at w = 0 (alpha grid, cold start).
    target: tuple = None
    xy: np.ndarray = None

    # Sparse X: the columns make_design stored centred (see
    # _centre_lopsided_columns) and the weighted means they had, or None.
    stored_means: tuple = None

    @property
    def X_offset(self):
        """Weighted column means of ``X`` as the kernels centre it (zeros
        without intercept): those of the original X, but for the sparse
        columns stored centred (:attr:`intercept_offset` has them all).

        For sparse X they are derived on demand from ``x_j . v / ||v||^2``, so
        no extra array of n_features lives through the solve.
        """
        if self.dense_offset is not None:
            return self.dense_offset
        if not self.fit_intercept:
            return np.zeros(self.X.shape[1])
        _, xv = self.column_stats
        v = self.v.astype(np.float64)
        if xv.size == 0:  # unit v: the kernels do not keep x_j . v
            xv = np.asarray(self.X.T @ v, dtype=np.float64)
        return xv / (v @ v)

    @property
    def intercept_offset(self):
        """Weighted column means of the original X: the intercept of
        coefficients ``coef`` is ``y_offset - intercept_offset . coef``."""
        offset = self.X_offset
        if self.stored_means is not None:
            columns, means = self.stored_means
            offset = offset.copy()
            offset[columns] += means
        return offset

    @property
    def implicit(self):
        """Whether the kernels centre X (sparse X, or dense X left uncentred
        by make_design) rather than X being centred in memory."""
        return self.fit_intercept and self.dense_offset is None

    @property
    def is_sparse(self):
        return sparse.issparse(self.X)

    @property
    def n_samples(self):
        return self.X.shape[0]

    def prepare_target(self, y):
        """Centre (weighted) and rescale a target like the design; return (y, y_offset)."""
        if self.fit_intercept:
            y_offset = _weighted_mean(y, self.sqrt_sw)
            y = y - y_offset  # (in float64, rounded once to X's dtype below)
        else:
            y_offset = np.zeros(y.shape[1:], dtype=y.dtype)
        if self.sqrt_sw is not None:
            y = y * (self.sqrt_sw if y.ndim == 1 else self.sqrt_sw[:, None])
        with np.errstate(over="ignore"):
            y = np.ascontiguousarray(y, dtype=self.X.dtype)
            if not np.all(np.isfinite(y)):
                raise ValueError(
                    f"y, centred and weighted as fitted, exceeds the range of X's dtype "
                    f"({self.X.dtype}): scale the target (or use float64 data).")
            # (the kernels measure tol against ||y||^2, in float64: an overflow
            # there would make every gap "converged")
            overflow = not np.isfinite(np.square(y, dtype=np.float64).sum())
        if overflow:
            raise ValueError(
                "The sum of squares of y (centred and weighted as fitted) overflows "
                "float64 (values of about 1e154 or more): scale the target.")
        return y, y_offset

    @property
    def buffers(self):
        """(dense, data, indices, indptr) as the kernels take them."""
        X = self.X
        if self.is_sparse:
            return np.empty((0, 0), dtype=X.dtype, order="F"), X.data, X.indices, X.indptr
        return X, np.empty(0, dtype=X.dtype), np.zeros(1, np.int32), np.zeros(1, np.int32)

    def _stats(self, y_prepared=None):
        norms, xv, xy, status = _cd.column_stats(*self.buffers, self.is_sparse,
                                                 self.n_samples, self.v, self.fit_intercept,
                                                 y_prepared)
        if self.dense_offset is not None and self.fit_intercept:
            raw = np.sqrt(norms ** 2 + self.n_samples * self.dense_offset ** 2)
            # (not where the squares overflow: that column is not constant)
            suspects = np.flatnonzero(
                (norms <= _cd.constant_column_rtol(self.n_samples) * raw)
                & np.isfinite(raw) & (norms > 0))
            for j in suspects:
                # (stored as (x_j - m_j) sqrt_sw: a constant column leaves a
                # multiple of the weights' column, not of ones)
                if self._constant_residue(self.X[:, j], self.sqrt_sw)[1] \
                        <= self._residue_tol(raw[j]):
                    norms[j] = 0.0
        elif self.implicit and self.is_sparse and status == _cd.IndexStatus.CANONICAL:
            # The kernel's test took these columns as constant; those with a
            # spread beyond rounding get their centred statistics back.
            X = self.X
            eps = np.finfo(X.dtype).eps
            for j in np.flatnonzero((norms == 0.0) & (np.diff(X.indptr) > 0)):
                rows = slice(X.indptr[j], X.indptr[j + 1])
                values = X.data[rows]
                if values.size == self.n_samples:
                    # (first, without building the column: a column of one
                    # value, each entry rounded once when weighted)
                    if self.sqrt_sw is not None:
                        # (canonical and full: its rows are 0, ..., n - 1;
                        # those of weight 0 hold 0)
                        weighted = self.v != 0
                        values = values[weighted] / self.v[weighted]
                    low, high = float(values.min()), float(values.max())
                    if high - low <= 4 * eps * max(abs(low), abs(high)):
                        continue
                column = np.zeros(self.n_samples)
                column[X.indices[rows]] = X.data[rows]
                centred, residue = self._constant_residue(column, self.v)
                if residue > self._residue_tol(np.linalg.norm(column)):
                    norms[j] = residue
                    if y_prepared is not None:
                        xy[j] = centred @ y_prepared
        if y_prepared is not None:
            xy[norms == 0.0] = 0.0  # (constant columns: rounding residue)
        return norms, xv, xy, status

    # A column is constant when, centred, it keeps no more than this many
    # ulps (of X's dtype) of its uncentred norm: the rounding of its entries
    # (weighted, each rounds once). The kernels' test, relative to
    # sqrt(n_samples) ulps (the error of a mean summed in one pass), also
    # took columns whose spread is a few hundred ulps of their mean (1e12 +
    # 0.1 z, timestamps in nanoseconds) for constant: those are read again
    # (rarely more than a few), with a mean refined twice.
    CONSTANT_ULPS = 8.0

    def _residue_tol(self, raw_norm):
        return self.CONSTANT_ULPS * np.finfo(self.X.dtype).eps * raw_norm

    @staticmethod
    def _constant_residue(column, v):
        """The column centred against ``v`` (ones if None) with its mean
        refined once, in float64, and its norm."""
        column = np.asarray(column, dtype=np.float64)
        v = np.ones(column.size) if v is None else np.asarray(v, dtype=np.float64)
        vv = v @ v
        centred = column - (column @ v / vv) * v
        centred -= (centred @ v / vv) * v
        return centred, float(np.linalg.norm(centred))

    def gradients_at_zero(self, y_prepared, take=False):
        """X^T y_prepared if computed with the statistics, else None; with
        ``take``, the array is handed over (a solver overwrites it)."""
        if self.target is None or y_prepared is not self.target[0]:
            return None
        xy = self.xy
        if take:
            self.xy = None
        return xy

    def centred_products(self, y_prepared, start=0):
        """``X_c^T y`` over the columns from ``start`` on, computed from X as
        stored: for an implicitly centred design ``X^T y - m (v . y)``, since
        v . y vanishes only up to rounding (times large means, it matters)."""
        X = self.X if start == 0 else self.X[:, start:]  # (a sparse slice is a copy)
        corr = np.asarray(X.T @ y_prepared, dtype=np.float64)
        if self.implicit:
            corr -= self.X_offset[start:] * float(self.v.astype(np.float64) @ y_prepared)
        return corr

    def correlation(self, y_prepared):
        """``X_c^T y`` for a prepared target (equal to ``X^T y``: y is orthogonal
        to v); 0 on constant columns (rounding residue otherwise)."""
        xy = self.gradients_at_zero(y_prepared)
        if xy is not None:
            return xy.copy()
        corr = np.asarray(self.X.T @ y_prepared, dtype=np.float64)
        if self.fit_intercept:
            corr[self.column_stats[0] == 0.0] = 0.0
        return corr


# Entries at a time when float32 columns are averaged with weights in float64.
MEAN_BLOCK_ENTRIES = 2**20


def _weighted_mean(a, sqrt_sw):
    """Column means (weighted by sqrt_sw squared) in float64, whatever a's
    dtype: a float32 mean of columns whose mean dwarfs their spread keeps
    too few of the digits that centring leaves."""
    if sqrt_sw is None:
        return a.mean(axis=0, dtype=np.float64)
    w = np.square(sqrt_sw, dtype=np.float64)
    if a.dtype == np.float64:
        return (w @ a) / w.sum()
    # (float32: in blocks of rows, not in a float64 copy of a)
    total = np.zeros(a.shape[1:])
    block = max(1, MEAN_BLOCK_ENTRIES // max(1, a[:1].size))
    for start in range(0, a.shape[0], block):
        rows = slice(start, start + block)
        total += w[rows] @ a[rows].astype(np.float64)
    return total / w.sum()


def target_as(y, dtype):
    """The (validated, finite) target in X's dtype; a ValueError, not an
    overflow warning and infinities, if it does not fit there (float32)."""
    y = np.asarray(y)
    if y.dtype == object:
        # (validation leaves an object y whose None became NaN unchecked)
        y = y.astype(np.float64)
    assert_all_finite(y, input_name="y")
    if np.dtype(dtype).itemsize < 8 and y.size:
        top = np.max(np.abs(y.astype(np.float64)))
        if top > np.finfo(dtype).max:
            raise ValueError(
                f"y has values up to {top:.3g}, beyond the range of X's dtype ({np.dtype(dtype)}): "
                "scale the target (or use float64 data).")
    return np.asarray(y, dtype=dtype)


def check_sample_weight(sample_weight, n_samples):
    """Validate sample weights; return ``None`` (uniform) or a float64 array.

    Scalars mean uniform weights, as in scikit-learn. The weights stay in
    float64 whatever X's dtype: :func:`make_design` scales them by the largest
    before it rounds them (a float32 cast first turned 1e-50 into 0 and 1e39
    into inf, and the scaling into NaN).
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        if not (np.isfinite(sample_weight) and sample_weight > 0):
            raise ValueError(f"a scalar sample_weight must be positive; got {sample_weight!r}.")
        return None  # uniform
    sw = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n_samples},)."
        )
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative.")
    if not np.any(sw > 0):
        raise ValueError("sample_weight must not be all zero: at least one weight must be positive.")
    return sw


def _in_place_safe(X, sqrt_sw):
    """Whether centring and weighting dense X cannot overflow: every centred,
    weighted entry and every column's sum of squares stay far inside the
    range of X's dtype (two passes over X, no temporary array)."""
    if X.size == 0:
        return True
    top = max(float(X.max()), -float(X.min()))
    bound = 2.0 * top * (float(sqrt_sw.max()) if sqrt_sw is not None else 1.0)
    return (bound < np.finfo(X.dtype).max / 4
            and bound * np.sqrt(X.shape[0]) < np.sqrt(np.finfo(np.float64).max) / 4)


# Samples and features are counted in C ints by the kernels (entries of X,
# and offsets into it, in wider types).
MAX_DIMENSION = 2**31 - 1


def make_design(X, fit_intercept, sample_weight=None, copy_X=True, y=None,
                implicit_dense=False):
    """Centre, reweight and reorder a validated X (float32/64 dense or sparse).

    Dense X is copied only when it must change (centring, weights, C order)
    and ``copy_X`` is set or the array is not ours to modify. With
    ``implicit_dense`` (for the enet and group kernels, whose intercept
    handling is the same for dense and sparse X) dense X without sample weights is not
    centred at all: the kernels centre it implicitly, which spares a copy of X
    and two passes over it, unless some column's mean dwarfs its spread
    (see ``IMPLICIT_CENTRING_MAX_RATIO``). Sparse X becomes
    CSC once (CSR -> CSC conversion allocates a new matrix, the caller's is
    untouched) with summed duplicate entries.

    This is also where X is checked for NaN, infinity and malformed sparse
    indices (callers validate it without the finite check): the pass that
    computes the column norms does it, so that the check reads X no extra time.
    With a target ``y``, ``design.target`` holds it prepared (as
    :meth:`_Design.prepare_target` returns it) and, for a 1-D target, the
    same pass computes ``X^T y`` (``design.xy``).
    """
    n_samples, n_features = X.shape
    if max(n_samples, n_features) > MAX_DIMENSION:
        raise ValueError(
            f"X has shape {X.shape}: the kernels index samples and features with 32-bit "
            f"integers, at most {MAX_DIMENSION:,} of each.")
    dtype = X.dtype
    X_in = X
    sqrt_sw = None
    if sample_weight is not None:
        # scale by the largest weight first, so that tiny or huge weights
        # neither underflow nor overflow
        sw = sample_weight / sample_weight.max()
        sw = sw * (n_samples / sw.sum())
        sqrt_sw = np.sqrt(sw).astype(dtype)

    if sparse.issparse(X):
        converted = X.format != "csc"
        if converted:
            # (scipy's conversion trusts the index arrays; CSC input is checked
            # by the column-norm pass below at no extra cost)
            check_sparse_structure(X)
        X = X.tocsc()
        if X.indptr[0] != 0 or X.indptr[-1] != X.data.size or X.indices.size != X.data.size:
            raise ValueError(_MALFORMED)
        # (the kernels take native int32 or int64; a converted X is ours to
        # change, the caller's is never altered)
        native = native_indices(X, copy=not converted)
        converted = converted or native is not X
        X = X_in = native
        if sqrt_sw is not None:
            try:  # (negative indices wrap here; column_stats rejects them below)
                data = sqrt_sw[X.indices]
            except IndexError:
                raise ValueError(_MALFORMED) from None
            with np.errstate(invalid="ignore"):  # (inf * 0: reported below)
                data *= X.data  # (in place: one array of the data's size, not two)
            # (new data; indices and indptr may still be the caller's)
            X = sparse.csc_matrix((data, X.indices, X.indptr), shape=X.shape)
        v = sqrt_sw if sqrt_sw is not None else np.ones(n_samples, dtype=dtype)
        design = _Design(X, None, sqrt_sw, np.ascontiguousarray(v), fit_intercept)
        y_prep = _prepare(design, y)
        # One pass computes the column norms and checks the input: finite
        # entries (finite norms), row indices in range, sorted and unique.
        stats = design._stats(y_prep)
        if stats[3] == _cd.IndexStatus.NOT_CANONICAL:
            # (never alter the caller's matrix, nor X_in, whose index arrays
            # the weighted matrix shares: columns are read from it again)
            X = X if converted and sqrt_sw is None else X.copy()
            X.sum_duplicates()  # (sorts the indices too)
            design = _Design(X, None, sqrt_sw, design.v, fit_intercept, target=design.target)
            stats = design._stats(y_prep)
        # (sorted and unique after sum_duplicates: what is left is out of range)
        if stats[3] != _cd.IndexStatus.CANONICAL:
            raise ValueError(_MALFORMED)
        design = _finish_design(design, stats, X_in)
        return _centre_lopsided_columns(design, y_prep, X_in) if fit_intercept else design

    own = False  # (whether X is a copy of ours, to centre in place)
    if implicit_dense and fit_intercept and sqrt_sw is None:
        design = _Design(np.asfortranarray(X), None, None, np.ones(n_samples, dtype=dtype),
                         True)
        design = _finish_design(design, design._stats(_prepare(design, y)), X_in)
        if _implicit_centring_ok(design):
            return design
        # (a C-ordered X was copied to Fortran order: centre that copy)
        own = design.X is not X_in
        X = design.X
        del design
    changes = fit_intercept or sqrt_sw is not None
    if changes and not own and (copy_X or not X.flags.writeable):
        X = np.array(X, dtype=dtype, order="F")
    else:
        X = np.asfortranarray(X)  # a copy only for C-ordered or strided input
        if changes and np.may_share_memory(X, X_in):
            # the caller's X changes in place (copy_X=False): check it first
            assert_all_finite(X, input_name="X")
            if not _in_place_safe(X, sqrt_sw):
                # (entries so large that centring or weighting may overflow,
                # which is reported only after them: on a copy, the caller's
                # X stays intact whatever comes)
                X = np.array(X, dtype=dtype, order="F")
    with np.errstate(invalid="ignore"):  # (inf - inf, inf * 0: reported below)
        if fit_intercept:
            X_offset = _weighted_mean(X, sqrt_sw)
            # (the difference in float64, rounded once: float32 means of
            # 1e7 would move every centred entry by up to 0.5)
            np.subtract(X, X_offset, out=X, casting="same_kind")
        else:
            X_offset = np.zeros(n_features, dtype=np.float64)
        if sqrt_sw is not None:
            X *= sqrt_sw[:, None]
    design = _Design(X, X_offset, sqrt_sw, np.empty(0, dtype=dtype), fit_intercept)
    y_prep = _prepare(design, y)
    stats = design._stats(y_prep)
    if fit_intercept and np.isfinite(stats[0]).all() and _recentre_lopsided(design, stats[0]):
        stats = design._stats(y_prep)
    return _finish_design(design, stats, X_in)


def _recentre_lopsided(design, norms):
    """Centre again, in place, the dense columns whose mean dwarfs their
    spread; return whether any was.

    The mean subtracted from such a column is a few ulps off (more with
    weights: 36 ulps at 1e12, summed in one pass), which leaves in the
    centred column a multiple of the intercept column (sqrt_sw, or ones) of
    up to a tenth of its spread: the kernels, which take X as centred, would
    solve another problem (0.5% above the optimum with a gap of 0). The
    second centring subtracts that multiple, computed from the centred
    values (small: no cancellation), and moves the mean with it.
    """
    X, offset = design.X, design.dense_offset
    n_samples = X.shape[0]
    with np.errstate(invalid="ignore", over="ignore"):
        columns = np.flatnonzero((norms > 0) & (np.abs(offset) * np.sqrt(n_samples)
                                                > IMPLICIT_CENTRING_MAX_RATIO * norms))
    if columns.size == 0:
        return False
    v = (np.ones(n_samples) if design.sqrt_sw is None
         else design.sqrt_sw.astype(np.float64))
    vv = v @ v
    for j in columns:
        c = float(X[:, j].astype(np.float64, copy=False) @ v) / vv
        X[:, j] = X[:, j] - c * v
        offset[j] += c
    return True


# Implicit centring of a dense column x_j (see _cd.enet_solve) takes its centred
# norm as ||x_j||^2 - n m_j^2, which loses digits like the square of the ratio
# R = ||m_j v|| / ||x_j - m_j v|| (the mean over the standard deviation; the
# products with the residual round as for centred X, see fold_intercept in
# _utils.pxd). Up to this ratio the norms keep 1e-14 or so; above it X is
# centred in memory.
IMPLICIT_CENTRING_MAX_RATIO = 10.0


def _implicit_centring_ok(design):
    """Whether no column's mean dwarfs its spread (see above).

    A column whose mean exceeds its spread a hundred million times can come
    out of ||x_j||^2 - n m_j^2 as zero, like a constant column: those taken
    as constant must really be constant (the few such columns are read
    again), else X is centred in memory.
    """
    norms, xv = design.column_stats
    # (v is all ones: no sample weights)
    if _lopsided(norms, xv, float(design.n_samples)).any():
        return False
    flat = np.flatnonzero(norms == 0)
    return flat.size == 0 or not np.ptp(design.X[:, flat], axis=0).any()


def _lopsided(norms, xv, vv):
    """Which columns (centred norms ``norms``, products ``xv`` with the
    intercept column v, ``vv = ||v||^2``) have a mean above
    ``IMPLICIT_CENTRING_MAX_RATIO`` times their spread."""
    with np.errstate(invalid="ignore"):  # (an infinite ratio times a zero norm)
        return (norms > 0) & (np.abs(xv) > IMPLICIT_CENTRING_MAX_RATIO * np.sqrt(vv) * norms)


def _prepare(design, y):
    """Prepare a target given to make_design; return it if 1-D (for X^T y)."""
    if y is None:
        return None
    design.target = design.prepare_target(y)
    return design.target[0] if design.target[0].ndim == 1 else None


_MALFORMED = ("X is a malformed sparse matrix: indices outside the matrix or "
              "inconsistent index pointers.")


_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


def native_indices(X, copy=True):
    """Sparse X with index arrays scipy's and the kernels' routines take
    (native int32 or int64): uint64, int16 or big-endian ones, set by hand,
    make scipy's slicing and products fail; converted to int64 in a copy
    (the caller's matrix is untouched), or in X itself without ``copy``."""
    if not sparse.issparse(X) or X.format not in ("csr", "csc"):
        return X
    if X.indices.dtype in _INDEX_DTYPES and X.indptr.dtype == X.indices.dtype:
        return X
    if copy:
        X = X.copy()
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    return X


def check_sparse_structure(X, name="X"):
    """Reject a CSR, CSC or COO matrix whose index arrays are inconsistent.

    scipy's conversions and slicing trust them (out-of-range indices can
    crash the process), so this runs before either touches X.
    """
    if X.format in ("csr", "csc"):
        major, minor = X.shape if X.format == "csr" else X.shape[::-1]
        indptr, indices = X.indptr, X.indices
        ok = (indptr.size == major + 1 and indices.size == X.data.size
              and indptr[0] == 0 and indptr[-1] == indices.size
              and not np.any(np.diff(indptr) < 0)
              and (indices.size == 0 or (indices.min() >= 0 and indices.max() < minor)))
    elif X.format == "coo":
        ok = (X.row.size == X.data.size and X.col.size == X.data.size
              and (X.data.size == 0 or (X.row.min() >= 0 and X.row.max() < X.shape[0]
                                         and X.col.min() >= 0 and X.col.max() < X.shape[1])))
    else:
        ok = True
    if not ok:
        raise ValueError(_MALFORMED.replace("X", name, 1))


def _centre_lopsided_columns(design, y_prep, X_in):
    """Store centred the sparse columns whose mean dwarfs their spread.

    The kernels centre sparse X implicitly, taking products with x_j and
    correcting them by m_j (x_j . v); when the mean m_j exceeds the spread
    more than ``IMPLICIT_CENTRING_MAX_RATIO`` times, the two terms cancel to
    few digits (at 1e5, the solver stalls short of the optimum and its gap
    loses its meaning). Such a column has almost no zeros (its zeros alone
    would spread it), so it is stored as ``x_j - m_j v`` over all rows, in a
    copy of X (the caller's matrix is untouched), at the cost of the few
    zeros it had. ``design.stored_means`` keeps the means for the intercept.
    The centred columns are computed in float64 from ``X_in``, the CSC matrix
    before its rows were weighted (weighted in float32, such a column would
    already have lost the digits its centring keeps).
    """
    norms, xv = design.column_stats
    X = design.X
    v = design.v.astype(np.float64)
    vv = float(v @ v)
    if vv == 0.0:
        return design
    # (the statistics keep no x_j . v only for v all ones, also given equal
    # weights)
    unit = design.sqrt_sw is None or xv.size == 0
    if unit:
        # Unit v: a column whose zeros are a share z of its entries has a
        # spread of at least sqrt(z / (1 - z)) times its mean, so only
        # columns more than half full can exceed the ratio (their sums are
        # read when the statistics did not keep x_j . v).
        candidates = np.flatnonzero(np.diff(X.indptr) > X.shape[0] // 2)
        xv = (xv[candidates] if xv.size else
              np.asarray(X[:, candidates].astype(np.float64).sum(axis=0)).ravel())
        norms = norms[candidates]
    columns = np.flatnonzero(_lopsided(norms, xv, vv))
    if unit:
        columns = candidates[columns]
    if columns.size == 0:
        return design
    n_samples, n_features = X.shape
    means = np.empty(columns.size)
    new_counts = np.diff(X.indptr)
    new_counts[columns] = n_samples
    indptr = np.zeros(n_features + 1, dtype=np.int64)
    np.cumsum(new_counts, out=indptr[1:])
    index_dtype = (X.indices.dtype if indptr[-1] <= np.iinfo(X.indices.dtype).max
                   else np.int64)
    data = np.empty(indptr[-1], dtype=X.dtype)
    indices = np.empty(indptr[-1], dtype=index_dtype)
    # the runs of other columns between them keep their entries, shifted
    for a, b in zip(np.r_[0, columns + 1], np.r_[columns, n_features]):
        if a < b:
            old, new = slice(X.indptr[a], X.indptr[b]), slice(indptr[a], indptr[b])
            data[new] = X.data[old]
            indices[new] = X.indices[old]
    for k, j in enumerate(columns):
        rows = slice(X_in.indptr[j], X_in.indptr[j + 1])
        # (bincount sums duplicate entries, as the design's matrix does)
        column = np.bincount(X_in.indices[rows], weights=X_in.data[rows].astype(np.float64),
                             minlength=n_samples)
        means[k] = (v * v) @ column / vv
        # (in float64, rounded once to X's dtype)
        data[indptr[j]:indptr[j + 1]] = v * (column - means[k])
        indices[indptr[j]:indptr[j + 1]] = np.arange(n_samples)
    X = sparse.csc_matrix((data, indices, indptr.astype(index_dtype)), shape=X.shape)
    centred = _Design(X, None, design.sqrt_sw, design.v, True, target=design.target,
                      stored_means=(columns, means))
    return _finish_design(centred, centred._stats(y_prep), X)


def _finish_design(design, stats, X_in):
    """Keep the column statistics; reject X if they show a NaN or infinity.

    A NaN or infinite entry makes its column's norm non-finite (centring
    spreads it over the column, weights keep it); finite entries can too,
    when their squares overflow, so the exact check of the input ``X_in``
    decides what the message says (and names what the caller's X holds):
    either way X is rejected, as no float64 solve could use such a column.
    """
    norms, xv, xy, _ = stats
    if not np.isfinite(norms).all():
        assert_all_finite(X_in, input_name="X")
        bad = np.flatnonzero(~np.isfinite(norms))
        raise ValueError(
            f"X has {bad.size} column(s) (the first: {bad[0]}) whose sum of squares "
            "overflows float64 (entries of about 1e154 or more): scale the features.")
    design.column_stats = (norms, xv)
    design.xy = xy if design.target is not None and design.target[0].ndim == 1 else None
    return design


def alpha_max(design, y_prepared, l1_ratio=1.0, positive=False):
    """Smallest alpha for which the all-zero coefficient vector is optimal."""
    corr = design.correlation(y_prepared)
    if positive:
        top = max(corr.max(initial=0.0), 0.0)
    else:
        top = np.abs(corr).max(initial=0.0)
    return top / (design.n_samples * l1_ratio)


def alpha_grid(design, y_prepared, l1_ratio=1.0, eps=1e-3, n_alphas=100, positive=False):
    """Geometric grid of ``n_alphas`` values from alpha_max down to ``eps * alpha_max``."""
    check_grid_l1_ratio(l1_ratio)
    # (a 1-D target itself, not a column view of it: the statistics pass
    # computed its X^T y, found by identity, and the grid needs no pass)
    targets = [y_prepared] if y_prepared.ndim == 1 else list(y_prepared.T)
    top = max(alpha_max(design, y, l1_ratio, positive) for y in targets)
    if top <= np.finfo(np.float64).resolution:
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    return np.geomspace(top, top * eps, num=n_alphas)


def check_grid_l1_ratio(l1_ratio):
    if l1_ratio == 0:
        raise InvalidParameterError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the "
            "appropriate `alphas=` argument."
        )


# precompute='auto' uses the Gram matrix when samples outnumber features by
# this factor: computing it costs as much as n_features epochs over X, and the
# working-set solver already makes epochs cheap when features are many.
GRAM_AUTO_RATIO = 10


def resolve_gram(design, precompute):
    """The Gram matrix ``X^T X`` of the prepared design to use, or None.

    Only dense float64 designs use one (for sparse X, as in scikit-learn, and
    for float32 X, precompute is ignored). A user-supplied matrix is checked
    against the prepared (centred, reweighted) design (:func:`gram_matches`)
    and recomputed, with a warning, if it does not match it.
    """
    if design.is_sparse or precompute is False or design.X.dtype != np.float64:
        # float32: a Gram matrix formed in float32 would certify a rounded
        # problem, so float32 data always use the residual updates
        return None
    X = design.X
    n_samples, n_features = X.shape
    # (X centred implicitly: X_c^T X_c = X^T X - n m m^T, v being all ones)
    offset = design.X_offset if design.implicit else None

    def centred_gram():
        gram = np.ascontiguousarray(X.T @ X)
        if offset is not None:
            for rows in row_chunks(n_features, n_features):
                gram[rows] -= n_samples * np.outer(offset[rows], offset)
        return gram

    if isinstance(precompute, str):
        if n_samples <= GRAM_AUTO_RATIO * n_features:
            return None
        precompute = True
    if precompute is True:
        return centred_gram()
    gram = np.ascontiguousarray(precompute, dtype=X.dtype)
    if not gram_matches(gram, design):
        done = (["centring"] if design.fit_intercept else []) + (
            ["reweighting"] if design.sqrt_sw is not None else [])
        warnings.warn(
            "The Gram matrix passed in precompute does not match X"
            + (" after " + " and ".join(done) if done else "") + "; recomputing it.",
            UserWarning, stacklevel=3)
        return centred_gram()
    return gram


def row_chunks(n_rows, n_cols, entries=1 << 18):
    """Slices of rows of about ``entries`` entries in all: temporaries of a
    p x p matrix (an outer product, a difference) taken a slice at a time
    need a few MB, not a few times the matrix."""
    step = max(1, entries // max(n_cols, 1))
    return [slice(a, min(a + step, n_rows)) for a in range(0, n_rows, step)]


# Entries of a given Gram matrix compared with products of X's columns, at
# random, besides its whole diagonal.
GRAM_CHECKED_ENTRIES = 32


def gram_matches(gram, design):
    """Whether a given Gram matrix is that of the prepared design, as far as
    checks cheaper than forming it tell: finite, symmetric, its diagonal the
    squared column norms (known), and GRAM_CHECKED_ENTRIES entries at random
    equal to the products of the columns (one column pair each). The solver
    certifies its gaps on this matrix: one that passes these checks and is
    still wrong elsewhere is trusted (as scikit-learn trusts it after one
    entry)."""
    X = design.X
    n_samples, n_features = X.shape
    norms, _ = design.column_stats
    # (centred products carry the rounding of the uncentred ones: with
    # columns nearly constant, or all of them at n <= 3 with weights, the
    # centred norms alone made the tolerance rounding-free, and a review saw
    # a correct Gram refused. Entry (i, j) is allowed the rounding of columns
    # i and j only: one column of large mean must not loosen the others.)
    raw = norms ** 2 + n_samples * np.square(design.intercept_offset) \
        if design.fit_intercept else norms ** 2
    root = np.sqrt(raw) * np.sqrt(64 * n_samples * np.finfo(np.float64).eps)
    scale = max(float(np.max(norms, initial=0.0)) ** 2, 1e-300)
    if not np.all(np.isfinite(gram)):
        return False
    for rows in row_chunks(n_features, n_features):
        transposed = gram[:, rows].T
        if not np.all(np.abs(gram[rows] - transposed) <= 1e-12 * scale
                      + np.outer(root[rows], root) + 1e-10 * np.abs(transposed)):
            return False
    if not np.allclose(np.diag(gram), norms ** 2, rtol=1e-6,
                       atol=1e-10 * scale + np.square(root)):
        return False
    offset = design.X_offset if design.implicit else None
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n_features, GRAM_CHECKED_ENTRIES)
    cols = rng.integers(0, n_features, GRAM_CHECKED_ENTRIES)
    expected = np.einsum("ij,ij->j", X[:, rows], X[:, cols])
    if offset is not None:
        expected -= n_samples * offset[rows] * offset[cols]
    return bool(np.allclose(gram[rows, cols], expected, rtol=1e-6,
                            atol=1e-10 * scale + root[rows] * root[cols]))


# float32 coefficients cannot certify gaps much below this share of ||y||^2 / n.
FLOAT32_CERTIFIABLE_TOL = 1e-6


def extrapolation_step(alphas, k, converged):
    """How far step k of a path may move its warm start along the last step,
    ``w + e (w - w_prev)``: the ratio of the penalty steps (at most 1), or 0
    before two converged steps of decreasing alphas (moving unconverged
    iterates along their difference can amplify it from step to step)."""
    if k < 2 or not converged[k - 2:k].all() or not alphas[k - 2] > alphas[k - 1] > alphas[k]:
        return 0.0
    return min(1.0, (alphas[k - 1] - alphas[k]) / (alphas[k - 2] - alphas[k - 1]))


def warn_not_converged(warn, gap, tol_abs, n_iter, alpha, tol, dtype, n_samples):
    """The ConvergenceWarning of a solve whose gap stayed above ``tol_abs``
    (both in the kernels' units, reported divided by ``n_samples``: the units
    of ``dual_gap_``), if ``warn``; a list ``warn`` gets the ratio
    gap / tol_abs appended instead (the CV folds report them at once)."""
    if isinstance(warn, list):
        warn.append(gap / tol_abs if tol_abs > 0 else np.inf)  # (tol=0: no ratio)
        return
    if not warn:
        return
    advice = "Increase max_iter, loosen tol, or scale the features."
    if dtype == np.float32 and tol < FLOAT32_CERTIFIABLE_TOL:
        advice = (f"float32 data cannot certify a tol much below {FLOAT32_CERTIFIABLE_TOL:g}: "
                  "use float64 data or a larger tol.")
    warnings.warn(
        f"Objective did not converge: duality gap {gap / n_samples:.3e} > tolerance "
        f"{tol_abs / n_samples:.3e} "
        f"after {n_iter} epochs (alpha={alpha:.4g}). {advice}",
        ConvergenceWarning,
        stacklevel=caller_stacklevel(),
    )


_SEED_MAX = np.iinfo(np.int32).max

# Along a path, a step takes the sequential strong rule (working_set="auto")
# when the previous alpha is less than this many times its own, working sets
# above: the rule's threshold 2 alpha - alpha_prev falls to zero at a ratio
# of 2, and it then keeps nearly every feature. Work (entries of X read,
# strong rules / working sets; ``python benchmarks/work_family.py --path
# --fractions 100 --points N --strong-max-ratio R`` with R = inf against
# R = 0, N = 5, 4, 3 for ratios 3.16, 4.64, 10): 0.66-0.93 on the sparse
# problems (news20, Zipf) and 1.2-2.3 on the dense ones (AR(1), leukemia) at
# 3.16; 0.82-1.0 and 1.5-2.9 at 4.64; 1.0-1.35 and 1.5-4.3 at 10.
STRONG_MAX_RATIO = 4.0

# Called with no argument after each alpha of solve_path when set (the command
# line sets it to advance its progress bar; the path functions take no
# callback of their own).
step_hook = None


def solve_path(design, y_prepared, alphas, *, l1_ratio, coef_init=None, tol=1e-4,
               max_iter=1000, random_state=None, selection="cyclic",
               positive=False, screening=True, working_set="auto", anderson=5,
               strong_rules=True, path_extrapolation=True, newton=True, gram=None, warn=True,
               stats=None):
    """Warm-started coordinate descent along ``alphas`` for one prepared target.

    Returns ``coefs`` (n_features, n_alphas), ``dual_gaps`` (normalised by the
    number of samples, as scikit-learn reports them) and the epochs per alpha.
    With ``gram`` (from :func:`resolve_gram`) the updates run on the Gram
    matrix. ``working_set="auto"`` uses working sets for a cold start and,
    along a path, the sequential strong rules instead (faster when warm
    starts are good, as measured by ``benchmarks/compare.py --ablation``),
    but for steps of more than ``STRONG_MAX_RATIO`` in alpha.
    With ``path_extrapolation`` a step without working sets starts from the
    last solution moved along the last step of the path, scaled by the ratio
    of the penalty steps (at most 1); with working sets the plain warm start
    measured faster, and the Gram solver does not take it. With
    ``screening``, each step without working sets takes its first strong set
    from the previous step's gradients, and along a Lasso path also starts by
    discarding the features that the previous step's dual point proves
    inactive (sequential Gap Safe screening). If ``stats`` is a list, the
    solver's work counters for each alpha are appended to it. ``warn``: a
    ConvergenceWarning for each alpha whose gap stays above the tolerance;
    given a list, their ratios gap / tolerance are appended to it instead.
    """
    X = design.X
    n_samples, n_features = X.shape
    dtype = X.dtype
    rng = check_random_state(random_state)
    random = selection == "random"
    # Each alpha is solved in place in its own (contiguous) column, warm-started
    # from the previous one: no other coefficient array is allocated. Every
    # column is written before it is read (zeroing the whole array first cost
    # 4% of a 20-step path over 100,000 features).
    coefs = np.empty((n_features, len(alphas)), dtype=dtype, order="F")
    if len(alphas):
        # (under positive=True a negative start is infeasible: the kernels
        # certify gaps of feasible points only)
        coefs[:, 0] = (0 if coef_init is None
                       else np.maximum(coef_init, 0) if positive else coef_init)
    gaps = np.empty(len(alphas))
    converged = np.zeros(len(alphas), dtype=bool)
    n_iters = []
    if gram is not None:
        xy = design.centred_products(y_prepared)
        y_norm2 = float(np.dot(y_prepared, y_prepared))
    else:
        buffers = design.buffers
        norms, xv = design.column_stats
        # (the gradients at w = 0 from the statistics' pass spare the first
        # solve of a cold start its first gradient pass)
        xy0 = design.gradients_at_zero(y_prepared, take=True) if coef_init is None else None
        # Along a path each solve hands its gradients (and, for the Lasso,
        # its dual point) to the next: first strong set, sequential screening.
        path = (_cd.PathState(n_samples, n_features)
                if l1_ratio > 0 and screening and len(alphas) > 1 else None)
    l1_prev = 0.0
    for k, alpha in enumerate(alphas):
        l1_reg = alpha * l1_ratio * n_samples
        l2_reg = alpha * (1.0 - l1_ratio) * n_samples
        # (the coordinate order's seed: drawn only when the order is random)
        seed = rng.randint(1, _SEED_MAX) if random else 1
        w = coefs[:, k]
        if k > 0:
            w[:] = coefs[:, k - 1]
        use_ws = working_set is True or (working_set == "auto" and not (
            strong_rules and k > 0 and alphas[k - 1] < STRONG_MAX_RATIO * alphas[k]))
        extrapolate = {}
        e = extrapolation_step(alphas, k, converged) if path_extrapolation and not use_ws else 0
        if e:
            extrapolate = dict(w_prev=coefs[:, k - 2], extrapolation=e)
        if gram is not None:
            w, gap, tol_abs, n_iter = _cd.enet_gram_solve(
                gram, xy, y_norm2, w, l1_reg, l2_reg, max_iter, tol, seed,
                random=random, positive=positive, newton=newton)
            info = {"gram": True}
        else:
            w, gap, tol_abs, n_iter, info = _cd.enet_solve(
                *buffers, design.is_sparse, y_prepared, w, design.v, design.fit_intercept,
                norms, xv, l1_reg, l2_reg, max_iter, tol, seed,
                random=random, positive=positive, screening=screening,
                working_set=use_ws, anderson=anderson,
                l1_reg_prev=l1_prev if strong_rules else 0.0, path=path,
                xy0=xy0 if k == 0 else None, newton=newton, **extrapolate)
        l1_prev = l1_reg
        converged[k] = gap <= tol_abs
        if gap > tol_abs:
            warn_not_converged(warn, gap, tol_abs, n_iter, alpha, tol, dtype, n_samples)
        gaps[k] = gap / n_samples
        n_iters.append(n_iter)
        if stats is not None:
            stats.append(dict(info, n_epochs=n_iter, alpha=alpha))
        if step_hook is not None:
            step_hook()
    return coefs, gaps, n_iters


class _DefaultGrid(int):
    """The path functions' default ``alphas`` (100), told apart from an
    explicit 100 only by the deprecated ``n_alphas``."""

    def __repr__(self):
        return int.__repr__(self)

    # (copies and pickles stay the marker)
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return "_DEFAULT_GRID"


_DEFAULT_GRID = _DefaultGrid(100)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, alphas=_DEFAULT_GRID, precompute="auto",
              Xy=None, copy_X=True, coef_init=None, verbose=False,
              return_n_iter=False, positive=False, check_input=True, **params):
    """Compute the elastic-net path with coordinate descent.

    A drop-in for :func:`sklearn.linear_model.enet_path`: the same objective
    (no intercept unless ``fit_intercept=True`` is passed in ``params``),
    the same alpha grid and the same return values::

        1 / (2 * n_samples) * ||y - X w||^2_2
            + alpha * l1_ratio * ||w||_1 + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data. Fortran-ordered float arrays are used without a copy;
        CSR input is converted to CSC once for the whole path.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Target values. A y of one column gives ``coefs`` of shape
        (1, n_features, n_alphas), as in scikit-learn; more columns, which
        scikit-learn treats as a multi-task problem, are refused.
    l1_ratio : float, default=0.5
        Mix of the L1 and L2 penalties, in [0, 1]; 1 is the Lasso.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int, array-like or None, default=100
        Number of alphas of the automatic grid, or the alphas themselves
        (sorted in decreasing order before use). None (deprecated in
        scikit-learn 1.9, with a ``FutureWarning``) means 100; so does the
        deprecated ``n_alphas`` in ``params``, which sets the number of
        alphas when ``alphas`` is left to its default.
    precompute : 'auto', bool or array-like, default='auto'
        Run coordinate descent on the Gram matrix ``X^T X`` (dense float64
        X only; sparse and float32 X ignore it):
        True computes it, an array is used as it is (after a consistency
        check), 'auto' computes it when samples outnumber features more than
        tenfold.
        The solution depends on it only within ``tol``.
    Xy : array-like of shape (n_features,), default=None
        Accepted for compatibility with scikit-learn; ``X^T y`` is always
        recomputed from the prepared data.
    copy_X : bool, default=True
        If False, a dense X may be centred (intercept) and reweighted (sample
        weights) in place.
    coef_init : array-like of shape (n_features,), default=None
        Initial coefficients (warm start for the first alpha); for a ``y`` of
        shape (n_samples, 1), also of shape (1, n_features), as scikit-learn
        returns them there. With ``positive=True`` negative entries start at 0.
    verbose : bool or int, default=False
        Print one line per alpha when positive.
    return_n_iter : bool, default=False
        Also return the number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    check_input : bool, default=True
        Validate X and y. Kept for compatibility; validation is cheap and is
        always done.
    **params : dict
        ``tol`` (default 1e-4), ``max_iter`` (1000), ``random_state``,
        ``selection`` ('cyclic' or 'random'), ``sample_weight`` (rescaled to
        sum to n_samples, as the estimators do; scikit-learn's path
        functions read it only for sparse X, as given),
        ``fit_intercept`` (default False), and the solver's devices, each
        on by default and none changing the answer: ``screening`` (Gap Safe
        rules; scikit-learn's ``do_screening`` is taken for it),
        ``working_set`` (True, False or 'auto': working sets for a
        cold start, strong rules along the path), ``anderson`` (number of
        iterates combined by Anderson extrapolation, 0 for none),
        ``strong_rules`` (sequential strong rules along the path, each
        followed by a KKT check), ``path_extrapolation`` (warm starts
        moved along the last step of the path) and ``newton`` (Newton steps
        on the support where coordinate descent crawls on an ill-conditioned
        one).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path.
    coefs : ndarray of shape (n_features, n_alphas) or (1, n_features, n_alphas)
        Coefficients along the path (the second shape for a 2-D y). Each
        alpha's coefficients are contiguous (Fortran order: the solver
        works on them in place), where scikit-learn's array is C-ordered;
        ``np.ascontiguousarray(coefs)`` if that matters.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap of the normalised objective at the end of each solve
        (for ``alpha = 0``, ``||X^T r||^2 / n_samples``: least squares has
        no dual bound).
    n_iters : list of int
        Epochs per alpha, only if ``return_n_iter``.
    """
    n_alphas = params.pop("n_alphas", None)
    tol = params.pop("tol", 1e-4)
    max_iter = params.pop("max_iter", 1000)
    random_state = params.pop("random_state", None)
    selection = params.pop("selection", "cyclic")
    sample_weight = params.pop("sample_weight", None)
    fit_intercept = params.pop("fit_intercept", False)
    if "do_screening" in params:  # (scikit-learn 1.9's name: its own Gap Safe rule)
        do_screening = params.pop("do_screening")
        if params.setdefault("screening", do_screening) != do_screening:
            raise InvalidParameterError(
                "do_screening and screening (the same switch) were both given, with "
                f"different values: {do_screening!r} and {params['screening']!r}.")
    devices = {name: params.pop(name) for name in ("screening", "working_set", "anderson",
                                                   "strong_rules", "path_extrapolation",
                                                   "newton")
               if name in params}
    offsets = sorted({"X_offset", "X_scale"} & set(params))
    if offsets:
        raise InvalidParameterError(
            f"{' and '.join(offsets)} (scikit-learn's way to centre sparse X in its path "
            f"functions) {'is' if len(offsets) == 1 else 'are'} not taken: pass "
            "fit_intercept=True, which centres X (implicitly, for sparse X) and y.")
    if params:
        raise InvalidParameterError(f"Unexpected parameters in params: {sorted(params)}")
    check_bools(copy_X=copy_X, return_n_iter=return_n_iter, positive=positive,
                check_input=check_input, fit_intercept=fit_intercept,
                **{name: devices[name] for name in ("screening", "strong_rules",
                                                    "path_extrapolation", "newton")
                   if name in devices})

    X, y = check_Xy(X, y, copy=False)
    # (scikit-learn's coefs for a target of shape (n, 1) are (1, n_features,
    # n_alphas): the multi-task path, here of one task, is the Lasso's)
    one_task = y.ndim == 2 and y.shape[1] == 1
    if one_task:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            "enet_path/lasso_path take a 1-D y. For a 2-D y scikit-learn solves the "
            "multi-task problem, which sparsefuse does not implement; call the path "
            "function once per column of y.")
    alphas = resolve_alphas(_deprecated_alphas(alphas, n_alphas))
    check_solver_params(l1_ratio=l1_ratio, tol=tol, max_iter=max_iter,
                        selection=selection, positive=positive, y=y,
                        anderson=devices.get("anderson", 5),
                        working_set=devices.get("working_set", "auto"),
                        random_state=random_state)
    check_precompute(precompute, X.shape[1])
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    # (every parameter is checked before make_design, which may centre X in
    # place with copy_X=False)
    grid = isinstance(alphas, int)
    if grid:
        check_eps(eps)
        check_grid_l1_ratio(l1_ratio)
    coef_init = check_coef_init(coef_init, X.shape[1], X.dtype, one_task)
    design = make_design(X, fit_intercept, sample_weight, copy_X=copy_X, y=y,
                         implicit_dense=True)
    y_prep, _ = design.target
    if grid:
        alphas = alpha_grid(design, y_prep, l1_ratio, eps, alphas, positive)
    gram = resolve_gram(design, precompute)
    coefs, gaps, n_iters = solve_path(
        design, y_prep, alphas, l1_ratio=l1_ratio, coef_init=coef_init, tol=tol,
        max_iter=max_iter, random_state=random_state, selection=selection,
        positive=positive, gram=gram, **devices)
    if verbose:
        for k, alpha in enumerate(alphas):
            print(f"alpha {k + 1:3d}/{len(alphas)}: {alpha:.4g}, gap {gaps[k]:.3e}")
    if one_task:
        coefs = coefs[None]
    if return_n_iter:
        return alphas, coefs, gaps, n_iters
    return alphas, coefs, gaps


def lasso_path(X, y, *, eps=1e-3, alphas=_DEFAULT_GRID, precompute="auto", Xy=None,
               copy_X=True, coef_init=None, verbose=False, return_n_iter=False,
               positive=False, **params):
    """Compute the Lasso path with coordinate descent.

    :func:`enet_path` with ``l1_ratio=1``; a drop-in for
    :func:`sklearn.linear_model.lasso_path`. The objective is::

        (1 / (2 * n_samples)) * ||y - Xw||^2_2 + alpha * ||w||_1

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Target values (see :func:`enet_path`).
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int, array-like or None, default=100
        Number of alphas of the automatic grid, or the alphas themselves
        (None and ``n_alphas`` are deprecated, see :func:`enet_path`).
    precompute : 'auto', bool or array-like, default='auto'
        Use the Gram matrix, see :func:`enet_path`.
    Xy : array-like of shape (n_features,), default=None
        Accepted for compatibility with scikit-learn; recomputed.
    copy_X : bool, default=True
        If False, a dense X may be reweighted (sample weights) and centred (an
        intercept with sample weights, or columns whose mean dwarfs their
        spread) in place.
    coef_init : array-like of shape (n_features,), default=None
        Initial coefficients; for a ``y`` of shape (n_samples, 1), also of
        shape (1, n_features). With ``positive=True`` negative entries start
        at 0.
    verbose : bool or int, default=False
        Print one line per alpha when positive.
    return_n_iter : bool, default=False
        Also return the number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    **params : dict
        Solver options, see :func:`enet_path`.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path.
    coefs : ndarray of shape (n_features, n_alphas) or (1, n_features, n_alphas)
        Coefficients along the path (the second shape for a 2-D y). Each
        alpha's coefficients are contiguous (Fortran order: the solver
        works on them in place), where scikit-learn's array is C-ordered;
        ``np.ascontiguousarray(coefs)`` if that matters.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap of the normalised objective at the end of each solve
        (for ``alpha = 0``, ``||X^T r||^2 / n_samples``: least squares has
        no dual bound).
    n_iters : list of int
        Epochs per alpha, only if ``return_n_iter``.
    """
    # (the deprecation warnings here, to point at the caller)
    alphas = _deprecated_alphas(alphas, params.pop("n_alphas", None))
    return enet_path(X, y, l1_ratio=1.0, eps=eps, alphas=alphas,
                     precompute=precompute, Xy=Xy, copy_X=copy_X,
                     coef_init=coef_init, verbose=verbose,
                     return_n_iter=return_n_iter, positive=positive, **params)


# --- validation shared by the path functions and the estimators -------------

def check_Xy(X, y, copy=False):
    """Validate X (dense float or sparse) and y as the kernels need them."""
    if not copy and _plain_float_arrays(X, y):
        # (what check_array would return unchanged, without its overhead:
        # 0.05-0.25 ms, 2-7% of a single fit of 500 x 5000 at alpha_max / 10)
        return X, y
    X = check_array(X, accept_sparse=["csr", "csc", "coo"], dtype=[np.float64, np.float32],
                    accept_large_sparse=True, copy=copy, input_name="X",
                    ensure_all_finite=False)  # (make_design checks X)
    y = check_array(y, ensure_2d=False, dtype=X.dtype, input_name="y")
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} and {y.shape[0]}."
        )
    return X, y


def _plain_float_arrays(X, y):
    """Whether X is a non-empty 2-D float32/64 ndarray and y a finite 1-D or
    2-D ndarray of its dtype and length: arrays check_array passes through
    as they are (X's finiteness is checked by make_design)."""
    return (type(X) is np.ndarray and type(y) is np.ndarray
            and X.dtype in (np.float64, np.float32) and y.dtype == X.dtype
            and X.ndim == 2 and X.shape[0] > 0 and X.shape[1] > 0
            and y.ndim in (1, 2) and y.shape[0] == X.shape[0] and y.size > 0
            and bool(np.isfinite(y).all()))


def check_eps(eps):
    if not (isinstance(eps, numbers.Real) and np.isfinite(eps) and 0 < eps <= 1):
        raise InvalidParameterError(f"eps must be a number in (0, 1]; got {eps!r}.")


def check_bools(**flags):
    """Each flag must be a bool: a string such as "False" is truthy."""
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidParameterError(f"{name} must be True or False; got {value!r}.")


def check_cv_params(n_jobs, verbose=False, cv=None):
    """n_jobs (None or an int), verbose (a bool or an int >= 0) and cv (None,
    an int >= 2, a splitter or an iterable of folds), as scikit-learn's CV
    estimators check them."""
    # (a string has a split method too)
    if isinstance(cv, str) or not (
            cv is None or hasattr(cv, "split") or isinstance(cv, Iterable)
            or (isinstance(cv, numbers.Integral) and not isinstance(cv, (bool, np.bool_))
                and cv >= 2)):
        raise InvalidParameterError(
            "cv must be an int >= 2 (the number of folds), a cross-validation splitter, an "
            f"iterable of (train, test) splits or None; got {cv!r}.")
    if not (n_jobs is None or isinstance(n_jobs, numbers.Integral)):
        raise InvalidParameterError(f"n_jobs must be an int or None; got {n_jobs!r}.")
    if not (isinstance(verbose, (bool, np.bool_))
            or (isinstance(verbose, numbers.Integral) and verbose >= 0)):
        raise InvalidParameterError(f"verbose must be a bool or an int >= 0; got {verbose!r}.")


def _deprecated_alphas(alphas, n_alphas):
    """scikit-learn 1.9's deprecations of the path functions' grid size:
    ``n_alphas`` (given, it warns and sets the size unless ``alphas`` is
    given too) and ``alphas=None`` (100 alphas, with a warning)."""
    if n_alphas is not None:
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11 (scikit-learn's "
            "versions, followed here): pass the number of alphas as 'alphas' instead.",
            FutureWarning, stacklevel=3)
        if alphas is None or alphas is _DEFAULT_GRID:
            return n_alphas
    elif alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11 (scikit-learn's "
            "versions, followed here): pass 'alphas=100' (the default) instead.",
            FutureWarning, stacklevel=3)
        return 100
    return alphas


def resolve_alphas(alphas):
    """The ``alphas`` parameter: an int, the size of the automatic grid
    (None, the default of older scikit-learn, means 100), or the alphas
    themselves, returned as an array in decreasing order."""
    if alphas is None:
        return 100
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, (bool, np.bool_)):
        if alphas < 1:
            raise InvalidParameterError(
                f"alphas must be a positive integer or an array; got {alphas}.")
        return int(alphas)
    if isinstance(alphas, (numbers.Number, np.bool_, str, bytes)):
        raise InvalidParameterError(
            f"alphas must be an int (the number of alphas of the automatic grid) "
            f"or an array of alphas; got {alphas!r}.")
    return np.sort(check_alphas(alphas))[::-1]


def check_coef_init(coef_init, n_features, dtype, one_task=False):
    """A finite 1-D warm start of the right length, or None. ``one_task``: y
    came as one column, for which scikit-learn's paths take (and return)
    coefficients of shape (1, n_features); that shape is accepted too."""
    if coef_init is None:
        return None
    coef_init = np.asarray(coef_init, dtype=np.float64)
    if one_task and coef_init.shape == (1, n_features):
        coef_init = coef_init[0]
    if coef_init.shape != (n_features,):
        raise ValueError(
            f"coef_init must have shape ({n_features},); got {coef_init.shape}.")
    if not np.all(np.isfinite(coef_init)):
        raise ValueError("coef_init contains NaN or infinity.")
    return coef_init.astype(dtype)


def check_alphas(alphas):
    raw = np.asarray(alphas)
    # (numbers only: a string would convert, "1" to 1.0)
    if raw.dtype.kind not in "biuf" and not (
            raw.dtype.kind == "O" and all(isinstance(a, numbers.Real) for a in raw.flat)):
        raise InvalidParameterError(f"alphas must be real numbers; got {alphas!r}.")
    alphas = np.atleast_1d(np.asarray(raw, dtype=np.float64))
    if alphas.ndim != 1 or alphas.size == 0:
        raise InvalidParameterError("alphas must be a positive integer or a non-empty 1-D array.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise InvalidParameterError(f"alphas must be finite and non-negative; got {alphas}.")
    return alphas


def check_solver_params(*, l1_ratio, tol, max_iter, selection, positive, y, anderson=5,
                        working_set="auto", random_state=None):
    if not (isinstance(l1_ratio, numbers.Real) and 0 <= l1_ratio <= 1):
        raise InvalidParameterError(f"l1_ratio must be a number in [0, 1]; got {l1_ratio!r}.")
    if not (isinstance(tol, numbers.Real) and tol >= 0 and np.isfinite(tol)):
        raise InvalidParameterError(f"tol must be a finite number >= 0; got {tol!r}.")
    if not (isinstance(max_iter, numbers.Integral) and 1 <= max_iter < 2**31):
        raise InvalidParameterError(
            f"max_iter must be an integer in [1, 2**31); got {max_iter!r}.")
    if selection not in ("cyclic", "random"):
        raise InvalidParameterError(f"selection must be 'cyclic' or 'random'; got {selection!r}.")
    # (True and False are ints here, as in scikit-learn)
    if not (random_state is None or isinstance(random_state, np.random.RandomState)
            or (isinstance(random_state, numbers.Integral) and 0 <= random_state < 2**32)):
        raise InvalidParameterError(
            "random_state must be None, an int in [0, 2**32) or a numpy RandomState; "
            f"got {random_state!r}.")
    if not (isinstance(anderson, numbers.Integral) and 0 <= anderson <= _cd.MAX_ANDERSON):
        raise InvalidParameterError(
            f"anderson must be an integer in [0, {_cd.MAX_ANDERSON}]; got {anderson!r}."
        )
    check_bools(positive=positive)
    if working_set not in (True, False, "auto"):
        raise InvalidParameterError(
            f"working_set must be True, False or 'auto'; got {working_set!r}.")


def check_precompute(precompute, n_features):
    if isinstance(precompute, str):
        if precompute != "auto":
            raise InvalidParameterError(
                f"precompute must be True, False, 'auto' or an array; got {precompute!r}."
            )
    elif precompute is None:
        raise InvalidParameterError(
            "precompute must be True, False, 'auto' or an array; got None.")
    elif sparse.issparse(precompute):
        # (np.asarray makes a 0-d object array of it)
        raise InvalidParameterError(
            f"precompute must be True, False, 'auto' or a dense array; got a sparse "
            f"{type(precompute).__name__}: pass the Gram matrix as precompute.toarray().")
    elif not isinstance(precompute, (bool, np.bool_)):
        gram = np.asarray(precompute)
        if gram.shape != (n_features, n_features):
            raise InvalidParameterError(
                f"precompute must be a Gram matrix of shape ({n_features}, "
                f"{n_features}); got shape {gram.shape}."
            )
