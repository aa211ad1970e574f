# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Coordinate-descent solver for the Lasso and the elastic net.

One kernel, generic over float32/float64 data and int32/int64 sparse indices,
serves dense (Fortran-ordered) and sparse (CSC) designs. It minimises, in the
scaling of scikit-learn's ``_cd_fast``::

    P(w) = 1/2 ||y - X w||^2 + l1_reg ||w||_1 + l2_reg/2 ||w||^2

and stops when the duality gap falls below ``tol * ||y||^2``. Validation,
centring of dense X, sample weights and alpha grids live in Python.

The solve is organised in outer iterations. Each one recomputes the residual
exactly, evaluates the gradient on every feature and the duality gap of the
full problem (the certificate), discards features with the Gap Safe rule
(Fercoq, Gramfort and Salmon, 2015), and picks a working set: the current
support plus the features whose dual constraint is closest to being violated
(as in celer and skglm). Coordinate descent then runs on the working set until
its own gap is a fraction of the outer one, with Anderson extrapolation of the
primal iterates every few epochs, kept only when it lowers the objective
(Bertrand and Massias, 2021), and Newton steps on the support once its signs
have settled (an active-set method), where coordinate descent alone would
crawl on an ill-conditioned support. Along a path, the first working set is the
sequential strong set (Tibshirani et al., 2012); the outer gap is the KKT check
that makes it safe. Each step also hands the next its gradients, from which
the next strong set is computed, moved along the path with the coefficients,
so that the step's only gradient pass is the KKT check; on a Lasso path also
its dual point, from which the next warm start is screened (sequential Gap
Safe screening). The features a step screens keep, instead of a bound, the
distance from its dual point within which they stay feasible: the next step
reads only those within its screening radius, so that on wide sparse data
most rare features cost nothing per step.

The dual point is the rescaled residual of the elastic net seen as a Lasso on
the augmented design ``[X; sqrt(l2_reg) I]``.
"""

import numpy as np

from libc.math cimport fabs, sqrt, fmax, INFINITY, isfinite
from libc.float cimport DBL_EPSILON, FLT_EPSILON
from libc.stdint cimport uint32_t
from cpython.mem cimport PyMem_RawMalloc, PyMem_RawFree
from libc.string cimport memcpy, memset

from sparsefuse._utils cimport (
    floating, index_t, enet_update, rand_below, centred_dot, is_unit,
    xv_matches, violation, residual_stats, max_d, ref_distance, resid, select_smallest,
    anderson_weights, anderson_candidate, nonzero_column_nnz, column_cost, col_entries,
    design_pointers, sum_squares, dot_acc, INNER_PASSES, first_check, interrupted, reraise,
    move_residual, fold_intercept, exact_residual, certified, col_dot, col_xv,
    NEWTON_STABLE, NEWTON_MAX, NEWTON_RIDGE, rounding_margin, newton_work, cholesky_factor,
    cholesky_apply, support_gram, NEWTON_DROPS, active_set_newton,
)


# --- certificate --------------------------------------------------------------

cdef inline double enet_gap(
    double r_norm2, double r_dot_y, double w_l1, double w_l2, double dual_norm,
    double l1_reg, double l2_reg, double xr_norm2=0.0,
) noexcept nogil:
    """P(w) - D(scale * r_aug) with r_aug = [r; -sqrt(l2_reg) w].

    Without an L1 term (ridge) no rescaling makes r_aug feasible; the dual of
    the non-augmented problem, D(theta) = theta . y - ||theta||^2 / 2 -
    ||X^T theta||^2 / (2 l2_reg), is used at theta = r instead
    (``xr_norm2 = ||X^T r||^2``; under positive=True the sum of
    max(x_j . r, 0)^2, see :func:`ridge_share`).

    Without any penalty (least squares) there is no dual bound on the
    objective: the stopping quantity is then ``||X^T r||^2``, the squared
    gradient, as scikit-learn takes it (it is 0 exactly at a minimiser).
    """
    cdef double gap, scale
    # (w = 0 adds no penalty, even with a weight infinite: alpha * n_samples
    # beyond the doubles, where inf * 0 made the gap NaN, then infinite; nor
    # does a zero l2_reg when ||w||^2 overflows, coefficients beyond 1e154)
    cdef double l2_term = l2_reg * w_l2 if w_l2 != 0.0 and l2_reg != 0.0 else 0.0
    cdef double l1_term = l1_reg * w_l1 if w_l1 != 0.0 else 0.0
    if l1_reg == 0.0 and l2_reg == 0.0:
        gap = xr_norm2
    elif l1_reg == 0.0:
        gap = (0.5 * r_norm2 + 0.5 * l2_term
               - (r_dot_y - 0.5 * r_norm2 - 0.5 * xr_norm2 / l2_reg))
    else:
        scale = l1_reg / dual_norm if dual_norm > l1_reg else 1.0
        gap = (0.5 * (r_norm2 + l2_term) * (1.0 + scale * scale)
               + l1_term - scale * r_dot_y)
    return certified(gap)


cdef inline double ridge_share(double xr, double w, bint positive,
                               bint least_squares) noexcept nogil:
    """Feature j's term of ``xr_norm2`` (see :func:`enet_gap`), xr = x_j . r.

    (x_j . r)^2; under positive=True the conjugate of the constrained
    quadratic reads max(x_j . r, 0)^2 (with (x_j . r)^2 the gap of a
    nonnegative ridge stayed far above tol at its solution, as
    scikit-learn's does), and least squares' stopping quantity is the
    projected gradient: (x_j . r)^2 where w_j > 0, max(x_j . r, 0)^2 at 0.
    """
    if positive and xr < 0 and (w == 0 or not least_squares):
        return 0.0
    return xr * xr


cdef inline double max_dual_norm(
    double r_norm2, double r_dot_y, double w_l1, double w_l2, double l1_reg,
    double l2_reg, double tol,
) noexcept nogil:
    """With s = l1_reg / dual_norm, :func:`enet_gap` (l1_reg > 0) is
    a (1 + s^2) + b - s c, at most ``tol`` for s between the roots of
    a s^2 - c s + (a + b - tol): this returns l1_reg over the smaller root,
    the largest dual norm meeting ``tol`` (at least l1_reg; l1_reg when no s
    meets it, infinity when the smaller root is not positive). Dual norms
    below it meet ``tol`` only down to l1_reg over the larger root; after
    coordinate descent epochs that root is at least 1, but the caller
    computes the gap again anyway."""
    cdef double a = 0.5 * (r_norm2 + (l2_reg * w_l2 if l2_reg != 0.0 else 0.0))
    cdef double b = l1_reg * w_l1 - tol
    cdef double disc = r_dot_y * r_dot_y - 4.0 * a * (a + b)
    if a + b <= 0.0:
        return INFINITY  # (no upper limit)
    if disc < 0.0 or r_dot_y + sqrt(disc) <= 0.0:
        return l1_reg
    # (the root as 2 (a + b) / (c + sqrt(disc)): no cancellation)
    return max_d(l1_reg, l1_reg * (r_dot_y + sqrt(disc)) / (2.0 * (a + b)))


MAX_ANDERSON = 16
# Sparse columns with fewer nonzeros than this on average have x_j . v summed
# on the fly rather than stored (see column_stats).
SUM_XV_BELOW_NNZ_PER_COLUMN = 4

# One pass over a dense float64 column for the statistics: ||x||^2, x . y
# and sum(x). Per-column BLAS ddots read the column once per product and
# cost 2.5-3.6 times one X.T @ y in all (500 x 5000); with AVX2 and FMA
# (checked at run time) one fused pass reads it once. Elsewhere the
# statistics keep the ddots.
cdef extern from *:
    """
    #if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    #include <immintrin.h>
    __attribute__((target("avx2,fma")))
    static void sf_column_sums(const double *x, const double *y, int n, double *out)
    {
        /* four independent chains for the squares and for the products
           (one chain waits on the FMA's latency, 4 cycles, for every 4
           entries), two for the plain sum (additions, another port) */
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
        __m256d p0 = _mm256_setzero_pd(), p1 = _mm256_setzero_pd();
        __m256d p2 = _mm256_setzero_pd(), p3 = _mm256_setzero_pd();
        __m256d t0 = _mm256_setzero_pd(), t1 = _mm256_setzero_pd();
        double b[4], sq, xy, sx;
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            __m256d x0 = _mm256_loadu_pd(x + i), x1 = _mm256_loadu_pd(x + i + 4);
            __m256d x2 = _mm256_loadu_pd(x + i + 8), x3 = _mm256_loadu_pd(x + i + 12);
            s0 = _mm256_fmadd_pd(x0, x0, s0);
            s1 = _mm256_fmadd_pd(x1, x1, s1);
            s2 = _mm256_fmadd_pd(x2, x2, s2);
            s3 = _mm256_fmadd_pd(x3, x3, s3);
            p0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(y + i), p0);
            p1 = _mm256_fmadd_pd(x1, _mm256_loadu_pd(y + i + 4), p1);
            p2 = _mm256_fmadd_pd(x2, _mm256_loadu_pd(y + i + 8), p2);
            p3 = _mm256_fmadd_pd(x3, _mm256_loadu_pd(y + i + 12), p3);
            t0 = _mm256_add_pd(t0, _mm256_add_pd(x0, x1));
            t1 = _mm256_add_pd(t1, _mm256_add_pd(x2, x3));
        }
        for (; i + 4 <= n; i += 4) {
            __m256d x0 = _mm256_loadu_pd(x + i);
            s0 = _mm256_fmadd_pd(x0, x0, s0);
            p0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(y + i), p0);
            t0 = _mm256_add_pd(t0, x0);
        }
        _mm256_storeu_pd(b, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
        sq = (b[0] + b[1]) + (b[2] + b[3]);
        _mm256_storeu_pd(b, _mm256_add_pd(_mm256_add_pd(p0, p1), _mm256_add_pd(p2, p3)));
        xy = (b[0] + b[1]) + (b[2] + b[3]);
        _mm256_storeu_pd(b, _mm256_add_pd(t0, t1));
        sx = (b[0] + b[1]) + (b[2] + b[3]);
        for (; i < n; i++) {
            sq += x[i] * x[i];
            xy += x[i] * y[i];
            sx += x[i];
        }
        out[0] = sq;
        out[1] = xy;
        out[2] = sx;
    }
    static int sf_fused_sums_available(void)
    {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    #else
    static void sf_column_sums(const double *x, const double *y, int n, double *out)
    {
        (void) x; (void) y; (void) n; out[0] = out[1] = out[2] = 0.0;
    }
    static int sf_fused_sums_available(void) { return 0; }
    #endif
    """
    void sf_column_sums(const double *x, const double *y, int n, double *out) nogil
    int sf_fused_sums_available() nogil


# (run-time switch for the tests, which check both paths)
_FUSED_DENSE_STATS = bool(sf_fused_sums_available())


# Per-feature state bits of the solver.
cdef enum:
    IN_WS = 1        # in the current working set
    EVALUATED = 2    # gradient computed exactly in this outer iteration
    SCREENED = 4     # discarded for good by the Gap Safe rule


cdef inline char *carve(char *block, size_t *at, bint wanted, size_t count,
                        size_t size) noexcept nogil:
    """The next ``count`` items of ``size`` bytes of ``block`` (NULL unless
    ``wanted``, and while ``block`` is NULL: then ``at`` only counts)."""
    cdef char *p = NULL
    if wanted:
        if block != NULL:
            p = block + at[0]
        at[0] += count * size
    return p


cdef inline double distance(int n, const double *a, const double *b) noexcept nogil:
    cdef double acc = 0.0
    cdef int i
    for i in range(n):
        acc += (a[i] - b[i]) * (a[i] - b[i])
    return sqrt(acc)


cdef void release_pool(
    int n_features, double *slack, double pool_thr, double offset, double dist,
    double d0, const double *col_norm, int *screened, int *n_screened, int *n_pool,
    int *n_unpooled, double *gb, unsigned char *state, double *max_bound,
    double *max_norm, double *pool_min,
) noexcept nogil:
    """If ``dist`` (the distance of the dual point to the pool's theta)
    passes the pool's least slack, list the pool's features whose slack it
    passes after the ``n_screened`` screened ones, with their bounds relative
    to a reference ``d0`` away from that theta. The pool's features are those
    with slack above ``pool_thr`` (a released one gets -inf: it is listed
    from now on)."""
    cdef int j, m = 0
    cdef double s, low = INFINITY
    cdef int *out = screened + n_screened[0]
    if n_pool[0] == 0 or dist <= pool_min[0]:
        return
    for j in range(n_features):
        s = slack[j]
        if s <= pool_thr:
            continue
        if s - offset < dist:
            out[m] = j
            m += 1
            gb[j] = 1.0 - col_norm[j] * (s - offset - d0)
            state[j] = SCREENED
            slack[j] = -INFINITY
            max_bound[0] = max_d(max_bound[0], gb[j])
            max_norm[0] = max_d(max_norm[0], col_norm[j])
        elif s < low:
            low = s
    pool_min[0] = low - offset
    n_screened[0] += m
    n_pool[0] -= m
    n_unpooled[0] += m


cdef inline double pool_slack(double bound, double norm, double offset) noexcept nogil:
    """The slack a feature enters the path's pool with: the distance from
    theta within which its product, at most ``bound`` at theta, stays below 1
    (see PathState), plus the pool's ``offset``; +inf for a zero column."""
    return (1.0 - bound) / norm + offset if norm > 0 else INFINITY


# column_stats' verdict on sparse indices
cpdef enum IndexStatus:
    CANONICAL = 0
    NOT_CANONICAL = 1
    MALFORMED = 2


cdef inline bint row_in_order(index_t row, index_t prev, int n) noexcept nogil:
    """A row index read after ``prev`` in a column of ``n`` rows is in
    [0, n) and above ``prev`` (one test, without a branch between them)."""
    return (<size_t> row < <size_t> n) & (row > prev)


cdef inline int index_fault(index_t row, int n) noexcept nogil:
    """What a row index failing row_in_order shows about the matrix."""
    return MALFORMED if <size_t> row >= <size_t> n else NOT_CANONICAL


cdef int sparse_column_xy(
    const floating *data, const index_t *indices, index_t start, index_t end, int n,
    const double *y, double *sq, double *xy,
) noexcept nogil:
    """The squared norm and the product with ``y`` of one CSC column, its row
    indices checked as they are read (the status, as in column_stats)."""
    cdef double acc = 0.0, axy = 0.0
    cdef index_t p, row, prev = -1
    for p in range(start, end):
        row = indices[p]
        if not row_in_order(row, prev, n):
            return index_fault(row, n)
        prev = row
        acc += <double> data[p] * data[p]
        axy += data[p] * y[row]
    sq[0] = acc
    xy[0] = axy
    return CANONICAL


cdef int sparse_column_xvy(
    const floating *data, const index_t *indices, index_t start, index_t end, int n,
    const floating *v, const double *y, double *xv, double *sq, double *xy,
) noexcept nogil:
    """x_j . v, ||x_j||^2 and (unless ``y`` is NULL) x_j . y of one CSC
    column, its row indices checked as in :func:`sparse_column_xy`."""
    cdef double a = 0.0, b = 0.0, c = 0.0
    cdef index_t p, row, prev = -1
    for p in range(start, end):
        row = indices[p]
        if not row_in_order(row, prev, n):
            return index_fault(row, n)
        prev = row
        a += <double> data[p] * v[row]
        b += <double> data[p] * data[p]
    if y != NULL:
        for p in range(start, end):
            c += data[p] * y[indices[p]]
    xv[0] = a
    sq[0] = b
    xy[0] = c
    return CANONICAL


cdef double centred_sum_squares(
    const floating *data, const index_t *indices, index_t start, index_t end,
    const floating *v, double mean, double vv,
) noexcept nogil:
    """||x_j - mean v||^2 of a CSC column (checked indices), ``vv = ||v||^2``:
    a second pass once the mean is known, free of cancellation."""
    cdef double acc = 0.0, nnz_v2 = 0.0
    cdef index_t p
    for p in range(start, end):
        acc += (data[p] - mean * v[indices[p]]) ** 2
        nnz_v2 += <double> v[indices[p]] * v[indices[p]]
    return acc + mean * mean * fmax(vv - nnz_v2, 0.0)


cdef int sparse_column_sums(
    const floating *data, const index_t *indices, index_t start, index_t end, int n,
    const double *y, double *xv, double *sq, double *xy,
) noexcept nogil:
    """:func:`sparse_column_xvy` for v all ones (no sample weights): the
    column's sum, no gather of v; the product with ``y`` in the same loop."""
    cdef double a = 0.0, b = 0.0, c = 0.0, d
    cdef index_t p, row, prev = -1
    for p in range(start, end):
        row = indices[p]
        if not row_in_order(row, prev, n):
            return index_fault(row, n)
        prev = row
        d = data[p]
        a += d
        b += d * d
        if y != NULL:
            c += d * y[row]
    xv[0] = a
    sq[0] = b
    xy[0] = c
    return CANONICAL


cdef double centred_sum_squares_unit(
    const floating *data, index_t start, index_t end, double mean, int n,
) noexcept nogil:
    """:func:`centred_sum_squares` for v all ones (``vv = n``)."""
    cdef double acc = 0.0
    cdef index_t p
    for p in range(start, end):
        acc += (data[p] - mean) ** 2
    return acc + mean * mean * fmax(n - (end - start), 0)


cdef int sparse_stats_xy(
    const floating *data, const index_t *indices, const index_t *indptr, int n_features,
    int n, const double *y, double *norms, double *xy,
) noexcept nogil:
    """:func:`sparse_stats` without intercept, with ``y``: the case of a
    loop of its own (see there)."""
    cdef double sq, axy
    cdef int j, status
    for j in range(n_features):
        status = sparse_column_xy(data, indices, indptr[j], indptr[j + 1], n, y, &sq, &axy)
        if status != CANONICAL:
            return status
        norms[j] = sqrt(sq)
        xy[j] = axy
    return CANONICAL


cdef int sparse_stats(
    const floating *data, const index_t *indices, const index_t *indptr, int n_features,
    int n, const floating *v, bint unit_v, double vv, const double *y, double yv,
    double const_rtol, double *norms, double *xv, double *xy,
) noexcept nogil:
    """column_stats' pass over CSC columns: ``norms`` and (unless ``y`` is
    NULL) ``xy``, centred against ``v`` unless it is NULL, then also ``xv``
    unless that is NULL; the status of the row indices. A function of its
    own: inside column_stats' loop, which also serves dense X, the compiler
    kept this loop's state on the stack and the pass took 1.7 times one
    X.T @ y instead of 1.1 (news20, AMD EPYC). ``unit_v``: v is all ones.
    The commonest cases have loops of their own for the same reason."""
    cdef double acc, axy = 0.0, raw, mean
    cdef int j, status = CANONICAL
    cdef index_t p, start, end, row, prev
    if v == NULL and y != NULL:
        return sparse_stats_xy(data, indices, indptr, n_features, n, y, norms, xy)
    for j in range(n_features):
        start = indptr[j]
        end = indptr[j + 1]
        # The first loop over a column checks each row index before
        # anything reads v or y there: below n (else MALFORMED), above the
        # previous one (else NOT_CANONICAL: the caller sums duplicates,
        # which sorts the indices, then computes again).
        if v != NULL:
            if unit_v:
                status = sparse_column_sums(data, indices, start, end, n, y, &acc, &raw, &axy)
            else:
                status = sparse_column_xvy(data, indices, start, end, n, v, y, &acc, &raw, &axy)
            if status != CANONICAL:
                return status
            if xv != NULL:
                xv[j] = acc
            mean = acc / vv
            # the centred column's product: y . v vanishes only up to
            # rounding (as the kernels take it, for exact certificates)
            axy -= mean * yv
            # ||x_j - m_j v||^2: for v all ones and at most n / 2 entries,
            # ||x_j||^2 - (sum x_j)^2 / n is at least half of ||x_j||^2 (by
            # Cauchy-Schwarz, (sum x_j)^2 <= nnz ||x_j||^2), so that one pass
            # loses a few ulps at most; otherwise two passes, free of
            # cancellation.
            if unit_v and 2 * (end - start) <= n:
                acc = raw - mean * acc
            elif unit_v:
                acc = centred_sum_squares_unit(data, start, end, mean, n)
            else:
                acc = centred_sum_squares(data, indices, start, end, v, mean, vv)
            # (a column whose squares overflow is not constant: its norm stays
            # non-finite, for the caller's check)
            if isfinite(raw) and acc <= const_rtol * const_rtol * raw:
                acc = 0.0  # a constant column: what is left is rounding
        elif y != NULL:
            status = sparse_column_xy(data, indices, start, end, n, y, &acc, &axy)
            if status != CANONICAL:
                return status
        else:
            acc = 0.0
            prev = -1
            for p in range(start, end):
                row = indices[p]
                if not row_in_order(row, prev, n):
                    return index_fault(row, n)
                prev = row
                acc += <double> data[p] * data[p]
        norms[j] = sqrt(acc)
        if y != NULL:
            xy[j] = axy
    return CANONICAL


def column_stats(
    const floating[::1, :] X,
    const floating[::1] X_data,
    const index_t[::1] X_indices,
    const index_t[::1] X_indptr,
    bint is_sparse,
    int n_samples,
    const floating[::1] v,
    bint fit_intercept,
    const floating[::1] y=None,
):
    """Per-column quantities the solver needs, computed once per design.

    With ``fit_intercept`` and an intercept column ``v`` (always for sparse
    X; for dense X, ``v`` of length n_samples asks for it, an empty ``v``
    means X comes centred) the intercept is implicit: the columns are
    centred against ``v`` in the statistics, never in memory.

    Returns ``norms`` (Euclidean norms of the columns, centred implicitly for
    an implicit intercept), ``xv`` (x_j . v, for the implicit intercept; empty
    otherwise, and also empty for very sparse columns without sample weights,
    where v is all ones and the kernels sum the column instead), ``xy`` (x_j . y for a
    prepared target ``y``, in the same pass: the gradients at w = 0, which
    an alpha grid and a cold start need; empty without ``y``) and ``status``.

    The pass doubles as the check of the input, so that validation costs no
    pass of its own: a NaN or infinite entry makes its column's norm
    non-finite (the caller checks the norms), and for sparse X ``status`` is
    ``MALFORMED`` (a row index outside [0, n_samples) or decreasing index
    pointers), ``NOT_CANONICAL`` (row indices unsorted or repeated within a
    column: sum the duplicates, then compute again) or ``CANONICAL``. The
    pass stops at the first column that is not canonical: the statistics
    are then meaningless.
    """
    cdef int n = n_samples, n_features
    cdef const floating *Xp
    cdef const floating *data
    cdef const index_t *indices
    cdef const index_t *indptr
    design_pointers(X, X_data, X_indices, X_indptr, is_sparse, &Xp, &data, &indices, &indptr)
    n_features = X_indptr.shape[0] - 1 if is_sparse else X.shape[1]
    if fit_intercept and is_sparse and v.shape[0] != n:
        raise ValueError("sparse X with an intercept needs v of length n_samples")
    cdef bint implicit = fit_intercept and v.shape[0] == n and n > 0
    cdef const floating *vp = &v[0] if implicit else NULL
    # (dense columns take x_j . v from BLAS, which wants v in double)
    cdef const double[::1] vd_buf = (np.asarray(v, dtype=np.float64) if implicit and not is_sparse
                               else np.zeros(0))
    cdef const double *vd = &vd_buf[0] if implicit and not is_sparse else NULL
    # Without sample weights (v all ones) x_j . v is the column sum; on very
    # sparse columns summing them again costs little and saves n_features
    # doubles, a large share of memory when columns hold few nonzeros.
    cdef bint unit = implicit and is_sparse and is_unit(v) and (
        X_indptr[n_features] < SUM_XV_BELOW_NNZ_PER_COLUMN * n_features)
    cdef double[::1] norms = np.zeros(n_features)
    cdef double[::1] xv_buf = np.zeros(n_features if implicit and not unit else 0)
    cdef double *xv = &xv_buf[0] if implicit and not unit else NULL
    cdef double vv = 0.0, yv = 0.0, acc, mean, raw, axy
    cdef bint with_y = y is not None
    cdef const double[::1] yd_buf = np.asarray(y, dtype=np.float64) if with_y else np.zeros(0)
    cdef const double *yd = &yd_buf[0] if with_y and n > 0 else NULL
    cdef double[::1] xy_buf = np.zeros(n_features if with_y else 0)
    cdef double const_rtol = constant_column_rtol(n)
    # (one fused pass per dense float64 column, where the CPU allows it)
    cdef bint fused = not is_sparse and _FUSED_DENSE_STATS and n > 0
    cdef bint unit_v = implicit and is_unit(v)
    cdef double sums[3]
    cdef int i, j, status = CANONICAL
    with nogil:
        if implicit:
            for i in range(n):
                vv += <double> vp[i] * vp[i]
                if with_y:
                    yv += yd[i] * vp[i]
        if is_sparse:
            # the index pointers first: sorting the indices (NOT_CANONICAL
            # below) needs them consistent
            for j in range(n_features):
                if indptr[j + 1] < indptr[j] or indptr[j] < 0 \
                        or indptr[j + 1] > indptr[n_features]:
                    status = MALFORMED
                    break
        if is_sparse and status == CANONICAL:
            status = sparse_stats(data, indices, indptr, n_features, n,
                                  vp if implicit and vv > 0 else NULL, unit_v, vv, yd, yv,
                                  const_rtol, &norms[0] if n_features else NULL, xv,
                                  &xy_buf[0] if with_y and n_features else NULL)
        for j in range(0 if is_sparse else n_features):
            acc = 0.0
            axy = 0.0
            if floating is double and fused:
                # (without y, the column itself stands in for it: no
                # other memory is read, and the product is dropped)
                sf_column_sums(<const double *> Xp + <size_t> j * n,
                               yd if with_y else <const double *> Xp + <size_t> j * n,
                               n, sums)
                acc = sums[0]
                if with_y:
                    axy = sums[1]
            else:
                acc = sum_squares(Xp + <size_t> j * n, n)
                if with_y:
                    axy = dot_acc(n, Xp + <size_t> j * n, yd)
            if implicit and vv > 0:
                # ||x_j - m_j v||^2 = ||x_j||^2 - (x_j . v)^2 / ||v||^2:
                # one pass, exact enough while the mean does not dwarf the
                # spread (the caller centres X in memory otherwise)
                raw = acc
                xv[j] = (sums[2] if floating is double and fused and unit_v
                         else dot_acc(n, Xp + <size_t> j * n, vd))
                mean = xv[j] / vv
                axy -= mean * yv
                acc = raw - mean * xv[j]
                if acc < 0.0:
                    acc = 0.0  # (rounding; a NaN stays, for the caller's check)
                if isfinite(raw) and acc <= const_rtol * const_rtol * raw:
                    acc = 0.0  # a constant column: what is left is rounding
            norms[j] = sqrt(acc)
            if with_y:
                xy_buf[j] = axy
    return np.asarray(norms), np.asarray(xv_buf), np.asarray(xy_buf), status


def _select_smallest(const double[::1] score, int k):
    """The indices of the ``k`` smallest scores, ties broken by index, as the
    working-set selection (``select_smallest``) picks them (for tests)."""
    cdef int n = score.shape[0]
    cdef int[::1] idx = np.arange(n, dtype=np.intc)
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, {n}]; got {k}.")
    if n:
        select_smallest(&idx[0], n, k, &score[0])
    return np.sort(np.asarray(idx[:k]))


def constant_column_rtol(int n_samples):
    """Centred column norms at most this share of the uncentred ones are
    rounding residue: the column is constant (its centred norm is taken as 0,
    so that it takes no part in the fit). The residue of a weighted mean is
    a few ulps times up to sqrt(n) for a sum of n terms."""
    return 64.0 * DBL_EPSILON * sqrt(max(n_samples, 1))


# Gap Safe radii use gap + SCREEN_SLACK * (size of its terms): rounding must not
# let a feature active at the optimum (product 1 up to rounding) be screened.
cdef double SCREEN_SLACK = 1e-12

# The error allowed to a gradient predicted along the path, as a share of the
# penalty step (the strong rule allows a whole step to an unpredicted one).
cdef double STRONG_PREDICTED = 0.25

# Without working sets, on a set whose epoch costs at most SETTLE_COST of a pass
# over X, coordinate descent also waits, before it stops, for an epoch that
# moves no coefficient by more than max(tol, floor) * max|w_j| (scikit-learn's
# condition to evaluate a gap); the floor keeps it reachable when tol is below
# rounding.
cdef double SETTLE_COST = 0.1
cdef double COEF_TOL_FLOOR_DOUBLE = 1e-13
cdef double COEF_TOL_FLOOR_FLOAT = 1e-6


# Newton steps on the support (see newton_step): tried when no coefficient has
# changed sign (or left or joined the support) for NEWTON_STABLE epochs and the
# gap is still not met, on supports of at most NEWTON_MAX features, while the
# steps' work stays below the coordinate updates' in the solve so far (the
# constants, the Cholesky factorisation, the support's Gram matrix and the
# active-set step are in _utils.pxd, shared with the group kernel's Newton
# steps).


cdef inline bint sign_changed(double a, double b) noexcept nogil:
    """Whether a and b differ in sign (positive, zero, negative): the sign
    pattern whose stability triggers the Newton steps."""
    return (a > 0) != (b > 0) or (a < 0) != (b < 0)


cdef int newton_step(
    const int *feats, int m_all, floating *w, int n, bint is_sparse, const floating *X,
    const floating *data, const index_t *indices, const index_t *indptr,
    bint implicit, const double *xv, double inv_vv, bint fold, const floating *v,
    const floating *y, double *q, double *c, double coef, double r_norm2,
    double l1_reg, double l2_reg, int max_drops, int *n_fact_out, bint *capped,
    long long *reads,
) noexcept nogil:
    """Move w towards the minimiser of P on its sign pattern, if that lowers P.

    On the features ``feats[:m_all]`` whose coefficient is nonzero (the
    support S, signs s), P is the quadratic 1/2 ||r||^2 + l1_reg s . w_S +
    l2_reg/2 ||w_S||^2 as long as no sign changes: its minimiser is one Newton
    step, ``(G_SS + l2_reg I) d = X_S^T r - l2_reg w_S - l1_reg s`` with G the
    Gram matrix of the (centred) columns. A step that would carry a
    coefficient past zero stops there (a convex quadratic along d, least at
    the full step, so P still falls), that coefficient leaves S at zero, and
    the step is taken again on the smaller S from the new point, at most
    ``max_drops`` times (an active-set method). The result is kept only if
    P, recomputed from the new residual, is lower by more than its
    rounding. Coordinate descent converges linearly at a rate set by the
    conditioning of G_SS (thousands of epochs with large column means and no
    intercept, or with nearly collinear columns); these steps end that phase
    once the signs are right. (The drops go through one factorisation, see
    :func:`active_set_newton`.)

    ``coef`` is the residual's coefficient for centred products (as in the gap
    checks); ``r_norm2`` is ||r||^2 now. Returns 1 if w (and the residual
    ``q + c v``) moved, 0 if not (a singular G_SS, no decrease, or no
    memory: the step is optional), -1 if not because w is the minimiser on
    its sign pattern to the rounding of P (a full step, without drops or a
    ridge, that P does not see). ``n_fact_out`` receives the number of
    factorisations, ``capped`` whether the drops reached their limit,
    ``reads`` gains the stored entries read.
    """
    cdef int m = 0, k, j
    cdef double d, p_old, p_new, c_old = c[0], r_dot_y, r_dot_v, margin
    cdef bint moved
    cdef int *S = <int *> PyMem_RawMalloc(max(m_all, 1) * sizeof(int))
    n_fact_out[0] = 0
    capped[0] = False
    if S == NULL:
        return False
    for k in range(m_all):
        if w[feats[k]] != 0:
            S[m] = feats[k]
            m += 1
    if m == 0:
        PyMem_RawFree(S)
        return False
    # Gx: the full Gram matrix of the centred columns of S (m x m)
    cdef double *Gx = <double *> PyMem_RawMalloc(
        (<size_t> m * m + 4 * <size_t> m + 2 * <size_t> n) * sizeof(double))
    if Gx == NULL:
        PyMem_RawFree(S)
        return False
    cdef double *grad = Gx + <size_t> m * m
    cdef double *w_old = grad + m
    cdef double *w_cur = w_old + m
    cdef double *xvs = w_cur + m
    cdef double *buf = xvs + m
    cdef double *q_old = buf + n
    memset(buf, 0, n * sizeof(double))
    p_old = 0.5 * r_norm2
    for k in range(m):
        j = S[k]
        w_old[k] = w[j]
        p_old += l1_reg * fabs(w[j]) + 0.5 * l2_reg * w[j] * w[j]
    reads[0] += support_gram(S, m, n, is_sparse, X, data, indices, indptr, implicit, xv,
                             inv_vv, q, coef, Gx, grad, xvs, buf)
    moved = active_set_newton(Gx, m, grad, w_old, l1_reg, NULL, l2_reg, max_drops,
                              floating is float, w_cur, n_fact_out, capped)
    if not moved:
        PyMem_RawFree(Gx)
        PyMem_RawFree(S)
        return 0
    memcpy(q_old, q, n * sizeof(double))
    for k in range(m):
        j = S[k]
        w[j] = <floating> w_cur[k]
        d = <double> w[j] - w_old[k]
        if d != 0:
            move_residual(j, -d, n, is_sparse, X, data, indices, indptr, implicit, xv,
                          inv_vv, q, c)
            reads[0] += col_entries(j, is_sparse, indptr, n)
    if fold:
        fold_intercept(n, q, c, v)
    residual_stats(n, q, c[0], v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
    p_new = 0.5 * r_norm2
    for k in range(m):
        j = S[k]
        p_new += l1_reg * fabs(w[j]) + 0.5 * l2_reg * w[j] * w[j]
    margin = rounding_margin(p_old, floating is float)
    moved = p_new < p_old - margin
    if not moved:
        for k in range(m):
            w[S[k]] = <floating> w_old[k]
        memcpy(q, q_old, n * sizeof(double))
        c[0] = c_old
    PyMem_RawFree(Gx)
    PyMem_RawFree(S)
    return 1 if moved else (-1 if n_fact_out[0] == 1 and not capped[0] else 0)


cdef bint gram_newton_step(
    const floating *Q, int p, floating *w, double *h, double l1_reg, double l2_reg,
    double p_now, int max_drops, int *n_fact_out, bint *capped,
) noexcept nogil:
    """:func:`newton_step` for the Gram solver: ``Q`` (p x p, row-major) is
    X^T X and ``h`` = X^T r, updated if w moves. The change of P is exact
    from the quadratic: -d . h_S + d^T Q_SS d / 2 plus the penalties'; it
    must exceed the rounding of P (``p_now``), as in newton_step."""
    cdef int m = 0, k, kk, j
    cdef double d, dp = 0.0, qd, margin
    cdef bint moved
    n_fact_out[0] = 0
    capped[0] = False
    for j in range(p):
        if w[j] != 0:
            m += 1
    if m == 0:
        return False
    cdef int *S = <int *> PyMem_RawMalloc(<size_t> m * sizeof(int))
    cdef double *Gx = <double *> PyMem_RawMalloc((<size_t> m * m + 3 * <size_t> m)
                                                  * sizeof(double))
    if S == NULL or Gx == NULL:
        PyMem_RawFree(S)
        PyMem_RawFree(Gx)
        return False
    cdef double *grad = Gx + <size_t> m * m
    cdef double *w_old = grad + m
    cdef double *w_cur = w_old + m
    m = 0
    for j in range(p):
        if w[j] != 0:
            S[m] = j
            m += 1
    for k in range(m):
        j = S[k]
        w_old[k] = w[j]
        grad[k] = h[j]
        for kk in range(m):
            Gx[<size_t> k * m + kk] = Q[<size_t> j * p + S[kk]]
    moved = active_set_newton(Gx, m, grad, w_old, l1_reg, NULL, l2_reg, max_drops,
                              floating is float, w_cur, n_fact_out, capped)
    if moved:
        for k in range(m):
            d = w_cur[k] - w_old[k]
            if d == 0:
                continue
            qd = 0.0
            for kk in range(m):
                qd += Gx[<size_t> k * m + kk] * (w_cur[kk] - w_old[kk])
            dp += d * (0.5 * qd - grad[k])
            dp += (l1_reg * (fabs(w_cur[k]) - fabs(w_old[k]))
                   + 0.5 * l2_reg * (w_cur[k] * w_cur[k] - w_old[k] * w_old[k]))
        margin = rounding_margin(p_now, floating is float)
        moved = dp < -margin
    if moved:
        for k in range(m):
            d = w_cur[k] - w_old[k]
            if d == 0:
                continue
            w[S[k]] = <floating> w_cur[k]
            for j in range(p):
                h[j] -= d * Q[<size_t> S[k] * p + j]
    PyMem_RawFree(S)
    PyMem_RawFree(Gx)
    return moved


cdef class PathState:
    """What one step of a path leaves for the next (see :func:`enet_solve`).

    ``theta``: the final dual point (n_samples; read by Lasso steps only);
    ``grad``: the gradients over ``scale`` (for the Lasso the products
    ``x_j . theta``) of the features evaluated exactly, the active ones at
    the end of the step; ``scale``: the factor from theta to the residual
    (``r = scale * theta``). The same for the step before (``*_prev``), to
    predict the gradients. ``streak[j]``: the number of last steps (0 to 2)
    whose gradient of feature j is stored. ``n_valid`` counts the steps
    stored (0 to 2); a step that cannot store its state resets it.

    The features at zero form a pool that a Lasso step only reads where it
    must: ``slack[j] - offset`` is the distance from theta within which
    feature j is provably feasible (its constraint |x_j . theta'| <= 1 holds
    for every theta' closer to theta, by Cauchy-Schwarz; from its exact
    product if the step evaluated it, else from its bound), -inf for the
    support. A step whose screening radius (or whose dual point's distance
    to theta) stays below a feature's slack never touches it; moving theta
    lowers every slack by the same distance, which goes to ``offset``
    instead. ``support`` lists the nonzero coefficients.
    """
    cdef readonly double[::1] theta, grad, grad_prev, slack
    cdef readonly unsigned char[::1] streak
    cdef readonly int[::1] support
    cdef readonly double scale, scale_prev, offset
    cdef readonly int n_valid, n_support

    def __init__(self, int n_samples, int n_features):
        self.theta = np.empty(n_samples)
        self.grad = np.empty(n_features)
        self.grad_prev = np.empty(n_features)
        self.slack = np.empty(n_features)
        self.streak = np.zeros(n_features, dtype=np.uint8)
        self.support = np.empty(n_features, dtype=np.intc)
        self.scale = self.scale_prev = self.offset = 0.0
        self.n_valid = self.n_support = 0

    cdef void push(self, double scale, double offset, int n_support):
        # the new gradients were written to grad_prev: swap them in
        self.grad, self.grad_prev = self.grad_prev, self.grad
        self.scale_prev = self.scale
        self.scale = scale
        self.offset = offset
        self.n_support = n_support
        self.n_valid = min(self.n_valid + 1, 2)


cdef void products_into(
    const int *feats, int m, int n, bint is_sparse, const floating *X,
    const floating *data, const index_t *indices, const index_t *indptr,
    const double *q, bint implicit, const double *xv, double coef, double *out,
) noexcept nogil:
    """``out[j]`` = :func:`centred_dot` of each listed feature j: the loop of
    a gradient pass, in a function of its own. Inside enet_solve's loops,
    among their bookkeeping, each product was a call whose arguments and
    the loop's state went through the stack: the pass took 1.35 times one
    X.T @ r (news20)."""
    cdef int k
    for k in range(m):
        out[feats[k]] = centred_dot(feats[k], n, is_sparse, X, data, indices, indptr, q,
                                    implicit, xv, coef)


cdef bint cd_epoch(
    const int *feats, int m, bint random, uint32_t *rng_state, int n, bint is_sparse,
    const floating *X, const floating *data, const index_t *indices, const index_t *indptr,
    bint implicit, const double *xv, double inv_vv, double rv, double *q, double *c,
    floating *w, const double *col_norm, double l1_reg, double l2_reg, bint positive,
    double *g_post, double *move_at, int *visit, const int *pos, int epoch,
    double *out, long long *read_cd, long long *read_update,
) noexcept nogil:
    """One pass of coordinate descent over the listed features (in random
    order with ``random``), updating ``w``, the residual ``q + c v`` and the
    counts of entries read; returns whether a coefficient changed sign.

    ``out`` receives the largest step, the largest coefficient and the
    residual's movement bound (the sum of |dw_j| ||x_j||). Unless
    ``g_post`` is NULL, the epoch's bounds for the inner gap checks go to
    the positions ``pos[k]`` of the working set (``k`` when ``pos`` is
    NULL): each feature's product right after its update, the movement up
    to then, and ``epoch``. (A function of its own, as products_into.)"""
    cdef double dw_max = 0.0, w_max = 0.0, moved = 0.0, cc = c[0]
    cdef double w_old, w_new, norm2, z
    cdef bint flipped = False
    cdef int k, idx, j, kk
    for k in range(m):
        idx = rand_below(m, rng_state) if random else k
        j = feats[idx]
        if col_norm[j] == 0.0:
            continue
        w_old = w[j]
        norm2 = col_norm[j] * col_norm[j]
        read_cd[0] += col_entries(j, is_sparse, indptr, n)
        z = centred_dot(j, n, is_sparse, X, data, indices, indptr, q, implicit,
                        xv, cc - rv) + w_old * norm2
        w_new = <floating> enet_update(z, l1_reg, norm2 + l2_reg, positive)
        w_max = max_d(w_max, fabs(w_new))
        if g_post != NULL:
            # the product after the update: x_j . r moves by
            # -(w_new - w_old) ||x_j||^2
            kk = idx if pos == NULL else pos[idx]
            g_post[kk] = z - w_new * (norm2 + l2_reg)
            moved += fabs(w_new - w_old) * col_norm[j]
            move_at[kk] = moved
            visit[kk] = epoch
        if w_new != w_old:
            flipped = flipped or sign_changed(w_new, w_old)
            dw_max = max_d(dw_max, fabs(w_new - w_old))
            read_update[0] += col_entries(j, is_sparse, indptr, n)
            move_residual(j, w_old - w_new, n, is_sparse, X, data, indices,
                          indptr, implicit, xv, inv_vv, q, &cc)
            w[j] = <floating> w_new
    c[0] = cc
    out[0] = dw_max
    out[1] = w_max
    out[2] = moved
    return flipped


cdef double inner_gap(
    const int *ws, int ws_size, const floating *w, const floating *y, int n, bint is_sparse,
    const floating *X, const floating *data, const index_t *indices, const index_t *indptr,
    bint implicit, const double *xv, double inv_vv, const floating *v, const double *q,
    double c, const double *col_norm, double l1_reg, double l2_reg, bint positive,
    bint ridge, double tol_in, double *r_snap, double *v_snap, bint snap_ok,
    double *g_post, const double *move_at, int *visit, int bound_epoch, double moved,
    double *r_stats, long long *read,
) noexcept nogil:
    """A duality gap of the working-set subproblem at the residual ``q + c v``
    (an upper bound on it: some products are bounded, not computed); its
    ``||r||^2``, ``r . y`` and ``r . v`` go to ``r_stats``.

    A feature at zero whose bound (its product at the last check plus
    ||x_j|| times the distance the residual moved since) stays below l1_reg
    cannot raise the dual norm: it is not evaluated, and its bound moves to
    the current residual. ``r_snap`` (NULL for the ridge, whose certificate
    reads ||X^T r||^2) holds the residual of the last check, valid with
    ``snap_ok``, and ``v_snap`` those bounds; both move to this check. With
    ``g_post`` (the epoch bounds of :func:`cd_epoch`, else NULL) a feature
    updated in epoch ``bound_epoch`` takes its product then plus ||x_j||
    times the residual's movement since; those bounds are replaced by exact
    products where they alone keep the gap above ``tol_in``."""
    cdef double r_norm2, r_dot_y, r_dot_v, dist, z, g, rad, limit, gap_in
    cdef double w_l1 = 0.0, w_l2 = 0.0, dual_norm = 0.0, dual_opt = 0.0, dual_exact = 0.0
    cdef double xr_norm2 = 0.0
    cdef int n_deferred = 0, i, k, j
    cdef bint bounds = g_post != NULL
    residual_stats(n, q, c, v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
    r_stats[0] = r_norm2
    r_stats[1] = r_dot_y
    r_stats[2] = r_dot_v
    # (the residual does not change during the check: the snapshot
    # moves to it in the same pass)
    dist = 0.0
    if r_snap != NULL:
        for i in range(n):
            z = resid(q, c, v, implicit, i)
            if snap_ok:
                dist += (z - r_snap[i]) * (z - r_snap[i])
            r_snap[i] = z
        dist = sqrt(dist)
    for k in range(ws_size):
        j = ws[k]
        if snap_ok and w[j] == 0 and v_snap[k] + col_norm[j] * dist <= l1_reg:
            v_snap[k] += col_norm[j] * dist
            continue
        w_l1 += fabs(w[j])
        w_l2 += <double> w[j] * w[j]
        if bounds and visit[k] == bound_epoch and bound_epoch >= 0:
            # Updated in the last epoch: its product then, and since then
            # at most ||x_j|| times the residual's movement (r moved by
            # (w_old - w_new) times centred columns; x_j . (x_k - m_k v) is
            # x_j's centred column's product with x_k's), corrected as the
            # exact product below for r . v (rounding). (Bounds from
            # earlier epochs, summing more movement, were measured looser
            # than the snapshot's: they are not used.)
            g = g_post[k] - (inv_vv * r_dot_v * xv[j] if implicit else 0.0)
            rad = col_norm[j] * (moved - move_at[k])
            dual_opt = max_d(dual_opt, violation(g, positive))
            # (r_snap and v_snap are there: no bounds for the ridge)
            v_snap[k] = violation(g + l2_reg * w[j], positive) + rad
            # g_post[k] now holds the bound on violation(g), for the
            # second phase below
            g_post[k] = violation(g, positive) + rad
            dual_norm = max_d(dual_norm, g_post[k])
            visit[k] = -3 - bound_epoch  # (bounded at this check)
            n_deferred += 1
            continue
        read[0] += col_entries(j, is_sparse, indptr, n)
        g = centred_dot(j, n, is_sparse, X, data, indices, indptr, q, implicit,
                        xv, c - inv_vv * r_dot_v) - l2_reg * w[j]
        if ridge:
            xr_norm2 += ridge_share(g + l2_reg * w[j], w[j], positive, l2_reg == 0)
        elif r_snap != NULL:
            v_snap[k] = violation(g + l2_reg * w[j], positive)
        dual_norm = max_d(dual_norm, violation(g, positive))
        dual_opt = max_d(dual_opt, violation(g, positive))
        dual_exact = max_d(dual_exact, violation(g, positive))
    # (a bound on the dual norm: theta = r / max(l1_reg, bound) is
    # feasible, so the gap is an upper bound too)
    gap_in = enet_gap(r_norm2, r_dot_y, w_l1, w_l2, dual_norm, l1_reg, l2_reg, xr_norm2)
    if gap_in > tol_in and n_deferred > 0 and enet_gap(
            r_norm2, r_dot_y, w_l1, w_l2, dual_opt, l1_reg, l2_reg, xr_norm2) <= tol_in:
        # The bounds fail where the products might not: the bounded
        # features whose bound exceeds the largest dual norm that meets
        # tol_in are evaluated after all.
        limit = max_dual_norm(r_norm2, r_dot_y, w_l1, w_l2, l1_reg, l2_reg, tol_in)
        dual_norm = dual_exact
        for k in range(ws_size):
            if visit[k] != -3 - bound_epoch:
                continue
            j = ws[k]
            rad = g_post[k]  # (the bound, set above)
            if rad > limit:
                read[0] += col_entries(j, is_sparse, indptr, n)
                g = centred_dot(j, n, is_sparse, X, data, indices, indptr, q,
                                implicit, xv, c - inv_vv * r_dot_v) - l2_reg * w[j]
                v_snap[k] = violation(g + l2_reg * w[j], positive)
                rad = violation(g, positive)
            dual_norm = max_d(dual_norm, rad)
        gap_in = enet_gap(r_norm2, r_dot_y, w_l1, w_l2, dual_norm, l1_reg, l2_reg, xr_norm2)
    return gap_in


cdef int screen_gap_safe(
    int *active, int n_active, double radius, double scale, double dist_ref,
    unsigned char *state, double *gb, floating *w, const double *col_norm,
    const double *aug_norm, double l2_reg, bint positive, double *max_bound,
    double *max_norm, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, bint implicit, const double *xv,
    double inv_vv, double *q, double *c,
) noexcept nogil:
    """Gap Safe screening of the active features, ``|x_j . theta| + radius
    ||x_j|| < 1`` at ``theta = r / scale``: an evaluated feature (``gb`` its
    gradient) by its exact product, the others by their bound (``gb``, at
    the reference, ``dist_ref`` away). Returns how many stay active: those
    keep their order at the front of ``active``, the screened ones follow,
    marked SCREENED, with a bound relative to the reference in ``gb``
    (raising ``max_bound`` and ``max_norm``), their coefficients zeroed and
    the residual ``q + c v`` moved accordingly."""
    cdef int k, j, t = 0
    cdef double ub, inv_scale = 1.0 / scale
    for k in range(n_active):
        j = active[k]
        if state[j] & EVALUATED:
            ub = violation(gb[j], positive) * inv_scale
        else:
            ub = gb[j] + col_norm[j] * dist_ref
        if ub + radius * aug_norm[j] < 1.0:
            if state[j] & EVALUATED:
                # x_j . r / scale before w_j is zeroed
                gb[j] = (violation(gb[j] + l2_reg * w[j], positive) * inv_scale
                         + col_norm[j] * dist_ref)
            max_bound[0] = max_d(max_bound[0], gb[j])
            max_norm[0] = max_d(max_norm[0], col_norm[j])
            state[j] = SCREENED
        else:
            active[k] = active[t]
            active[t] = j
            t += 1
    for k in range(t, n_active):
        j = active[k]
        if w[j] != 0:
            move_residual(j, w[j], n, is_sparse, X, data, indices, indptr, implicit, xv,
                          inv_vv, q, c)
            w[j] = 0
    return t


cdef int choose_working_set(
    int *ws, const int *cand, int n_cand, unsigned char *state, const floating *w,
    double *gb, const double *col_norm, const double *aug_norm, double l1_reg,
    bint positive, int ws_start, int ws_prev, int ws_fast_growth, bint stalled,
    double ws_budget, const int *active, int n_active, bint is_sparse,
    const index_t *indptr, int n, double conv_scale, double conv_dist,
) noexcept nogil:
    """The next working set, into ``ws`` (which may be ``cand`` itself);
    returns its size. Its features are marked IN_WS.

    Candidates: the features of ``cand`` evaluated exactly and not screened
    (the others are proven feasible with a margin). Score: the distance of
    the dual point to constraint j; the support always stays. The score
    replaces g_j in ``gb`` (an invertible map where w_j = 0); the candidates
    left out get their bound back from it (relative to the reference at
    ``conv_dist``, over ``conv_scale``)."""
    cdef int k, j, t = 0, nnz_w = 0, growth, ws_size, t_sel, m
    cdef double cost, budget
    for k in range(n_cand):
        j = cand[k]
        if state[j] & SCREENED:
            continue
        if w[j] != 0:
            nnz_w += 1
            gb[j] = -INFINITY
        elif col_norm[j] == 0.0:
            gb[j] = INFINITY
        else:
            gb[j] = (l1_reg - violation(gb[j], positive)) / aug_norm[j]
        ws[t] = j
        t += 1
    # The working set doubles (at least twice the support), or grows by
    # ws_fast_growth when the support filled 90% of the last one while the
    # gap ``stalled``: that set was far too small, and each outer iteration
    # costs a gradient pass.
    growth = ws_fast_growth if nnz_w >= 0.9 * ws_prev and stalled else 2
    ws_size = <int> min(max(<long long> ws_start, <long long> growth * nnz_w,
                            <long long> ws_prev), <long long> t)
    # The first working set of a solve is sized to about a share ws_budget
    # of one gradient pass (ws_budget of the active columns for dense X; for
    # sparse X the best-scored of them holding about ws_budget of their
    # stored entries), when that is more than ws_start: growing it by
    # doubling from ws_start would cost a pass per doubling, each worth many
    # epochs on a set that small.
    t_sel = t
    m = min(t, <int> (ws_budget * n_active)) if ws_prev == 0 else 0
    if m > ws_size:
        select_smallest(ws, t, m, gb)
        t_sel = m
        if is_sparse:
            cost = column_cost(ws, m, is_sparse, indptr, n)
            budget = ws_budget * column_cost(active, n_active, is_sparse, indptr, n)
            # the best-scored columns are often the densest
            if cost > budget:
                m = max(ws_size, <int> (m * budget / cost))
        ws_size = m
    select_smallest(ws, t_sel, ws_size, gb)
    for k in range(ws_size):
        state[ws[k]] |= IN_WS
    # The candidates left out (w_j = 0, finite score) get their bound back
    # from the score: violation(x_j . r) is l1_reg - score aug_norm; 1e-12
    # absorbs rounding.
    for k in range(ws_size, t):
        j = ws[k]
        if col_norm[j] == 0.0:
            gb[j] = 0.0
        else:
            gb[j] = ((l1_reg - gb[j] * aug_norm[j]) / conv_scale
                     + col_norm[j] * conv_dist + 1e-12)
    return ws_size


cdef int store_step(
    int n, const double *theta, double *theta_out, const int *active, int n_active,
    const int *screened, int n_screened, const double *gb, double scale,
    const floating *w, const double *col_norm, bint positive, bint seq_in,
    double offset, double *grad_out, unsigned char *streak, double *slack, int *support,
) noexcept nogil:
    """What a step of a path leaves for the next (see :class:`PathState`):
    the dual point ``theta`` (r / scale, the reference of the screened
    features' bounds) into ``theta_out``, the active features' gradients
    (``gb``, exact) over ``scale`` into ``grad_out`` with their ``streak``,
    the pool's slacks (the screened features' from their bounds, ``gb``)
    and the support; returns the support's size."""
    cdef int i, k, j, n_support = 0
    cdef double g, inv_scale = 1.0 / scale
    for i in range(n):
        theta_out[i] = theta[i]
    for k in range(n_active):
        j = active[k]
        g = gb[j] * inv_scale
        grad_out[j] = g
        streak[j] = 2 if seq_in and streak[j] else 1
        # (a feature at zero goes to the pool with the slack of its exact
        # product: the next step lists it only if its radius passes that
        # slack, as its sequential rule would screen it otherwise)
        if w[j] != 0:
            slack[j] = -INFINITY
            support[n_support] = j
            n_support += 1
        else:
            slack[j] = pool_slack(violation(g, positive), col_norm[j], offset)
    for k in range(n_screened):
        j = screened[k]
        streak[j] = 0
        slack[j] = pool_slack(gb[j], col_norm[j], offset)
    return n_support


cdef int list_unscreened(
    int n, const double *theta, const floating *y, double r_norm2, double w_l1,
    double l1_reg, int n_features, const double *slack, double offset, int *active,
    unsigned char *streak, double *threshold, double *least,
) noexcept nogil:
    """Sequential Gap Safe screening at the previous step's dual point
    ``theta``: lists in ``active`` the features the rule does not screen
    (their slack, less ``offset``, within the screening radius; the support's
    is -inf) and returns how many. The others stay in the pool: their least
    slack (less ``offset``) goes to ``least``, the slack threshold to
    ``threshold``; the gradients stored for them go stale (``streak``).

    The gap there needs no product with X: D(theta) = l1 theta.y -
    l1^2 ||theta||^2 / 2, P(w) from the residual (``r_norm2``, ``w_l1``)."""
    cdef double ty = 0.0, tt = 0.0, gap, radius, thr, s_j, pool_min = INFINITY
    cdef int i, j, t = 0
    cdef bint listed
    for i in range(n):
        ty += theta[i] * y[i]
        tt += theta[i] * theta[i]
    gap = 0.5 * r_norm2 + l1_reg * w_l1 - l1_reg * ty + 0.5 * l1_reg * l1_reg * tt
    # A gap at rounding level (a repeated penalty, an exact warm start) must
    # not give a zero radius: a feature active at the optimum has a product
    # of 1 up to rounding.
    gap = fmax(gap, 0.0) + SCREEN_SLACK * (
        0.5 * r_norm2 + l1_reg * w_l1 + l1_reg * fabs(ty) + 0.5 * l1_reg * l1_reg * tt)
    radius = sqrt(2.0 * gap) / l1_reg
    thr = radius + offset
    for j in range(n_features):
        # (without branches: which features stay is unpredictable)
        s_j = slack[j]
        active[t] = j
        listed = s_j <= thr
        t += listed
        # a gradient stored for a feature left in the pool is stale from
        # the next step on
        streak[j] *= listed
        s_j = s_j if s_j > thr else INFINITY
        pool_min = s_j if s_j < pool_min else pool_min
    threshold[0] = thr
    least[0] = pool_min - offset
    return t


cdef bint candidate_lower(
    const int *ws, int m, const floating *w, const double *w_acc, double l1_reg,
    double l2_reg, int n, const floating *y, const floating *v, bint implicit,
    const double *q, double c, const double *q_alt, double c_alt,
) noexcept nogil:
    """Whether the candidate (``w_acc`` on the working set ``ws``, residual
    ``q_alt + c_alt v``) has a lower objective than the current point (``w``,
    ``q + c v``); the features outside the set are the same in both."""
    cdef double p_cur = 0.0, p_alt = 0.0, r_norm2, r_dot_y, r_dot_v
    cdef int k, j
    for k in range(m):
        j = ws[k]
        p_cur += l1_reg * fabs(w[j]) + 0.5 * l2_reg * w[j] * w[j]
        p_alt += l1_reg * fabs(w_acc[k]) + 0.5 * l2_reg * w_acc[k] * w_acc[k]
    residual_stats(n, q, c, v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
    p_cur += 0.5 * r_norm2
    residual_stats(n, q_alt, c_alt, v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
    p_alt += 0.5 * r_norm2
    return p_alt < p_cur


cdef double newton_cost(
    const int *ws, int ws_size, const floating *w, bint is_sparse, const index_t *indptr,
    int n, int *m, double *factorisation,
) noexcept nogil:
    """The work of a Newton step on the support within ``ws`` (its size goes
    to ``m``), in stored entries of X (see :func:`newton_work`; the drops,
    O(m^2) each, are not counted)."""
    cdef int k, m_s = 0
    cdef long long entries = 0
    for k in range(ws_size):
        if w[ws[k]] != 0:
            m_s += 1
            entries += col_entries(ws[k], is_sparse, indptr, n)
    m[0] = m_s
    return newton_work(entries, m_s, factorisation)


cdef double evaluate_listed(
    const int *feats, int m, int n, bint is_sparse, const floating *X,
    const floating *data, const index_t *indices, const index_t *indptr,
    const double *q, bint implicit, const double *xv, double coef, const floating *w,
    double l2_reg, bint positive, unsigned char *state, double *gb, long long *read,
    double dual_norm,
) noexcept nogil:
    """The gradients of the listed features into ``gb`` (products minus
    l2_reg w_j), marked EVALUATED and counted in ``read``; returns
    ``dual_norm`` raised to their largest violation."""
    cdef int k, j
    cdef double g
    products_into(feats, m, n, is_sparse, X, data, indices, indptr, q, implicit, xv, coef, gb)
    for k in range(m):
        j = feats[k]
        read[0] += col_entries(j, is_sparse, indptr, n)
        g = gb[j] - l2_reg * w[j]
        gb[j] = g
        dual_norm = max_d(dual_norm, violation(g, positive))
        state[j] |= EVALUATED
    return dual_norm


def enet_solve(
    const floating[::1, :] X,
    const floating[::1] X_data,
    const index_t[::1] X_indices,
    const index_t[::1] X_indptr,
    bint is_sparse,
    const floating[::1] y,
    floating[::1] w,
    const floating[::1] v,
    bint fit_intercept,
    const double[::1] norms,
    const double[::1] xv,
    double l1_reg,
    double l2_reg,
    int max_iter,
    double tol,
    uint32_t seed,
    bint random=False,
    bint positive=False,
    bint screening=True,
    bint working_set=True,
    int anderson=5,
    double l1_reg_prev=0.0,
    int ws_start=10,
    int support_passes=5,
    double inner_ratio=0.3,
    double full_frac=0.5,
    double ws_budget=0.02,
    int ws_fast_growth=4,
    int ws_first_check=2,
    bint anderson_clip=True,
    double inner_final=1.0,
    int cd_first_check=2,
    bint cd_bounds=True,
    const floating[::1] w_prev=None,
    double extrapolation=0.0,
    PathState path=None,
    double[::1] xy0=None,
    bint newton=True,
):
    """Solve one elastic-net problem; update ``w`` in place.

    ``X`` is the dense design (Fortran-ordered) or empty when ``is_sparse``;
    then ``X_data``, ``X_indices`` and ``X_indptr`` hold the CSC design. With
    ``fit_intercept`` the intercept column ``v`` (ones, or sqrt(sample_weight)
    once rows are rescaled) is projected out implicitly, and ``y`` must
    already be orthogonal to ``v``: always for sparse X, for dense X when
    ``v`` is given (an empty ``v``: the caller centred X).
    ``norms`` and ``xv`` come from :func:`column_stats`.

    The devices can be switched off one by one for ablation: ``screening``
    (Gap Safe), ``working_set`` (off: coordinate descent on every feature not
    screened), ``anderson`` (the number of iterates combined, 0 for none),
    ``newton`` (Newton steps on a settled support, see :func:`newton_step`),
    ``l1_reg_prev`` (the previous penalty of a path, enabling the strong rule;
    0 for none). None of them changes the answer, only the work. Nor do the
    tuning knobs (``ws_start``, ``ws_budget``, ``ws_fast_growth``,
    ``ws_first_check``, ``cd_first_check``, ``cd_bounds``, ``inner_ratio``,
    ``inner_final`` (0 switches it off), ``support_passes``, ``full_frac``,
    ``anderson_clip``; see the comments where they act), whose defaults
    ``benchmarks/work_family.py`` compares with other values.

    Along a path, ``w_prev`` (the solution two penalties back, ``w`` holding
    the last one) with ``extrapolation > 0`` moves the warm start to
    ``w + extrapolation * (w - w_prev)`` on the support of ``w``, a
    coefficient whose sign would flip set to zero: on a fixed support the
    Lasso path is linear in the penalty, so with ``extrapolation`` the ratio
    of the two penalty steps this predicts the next solution.

    ``xy0`` (optional): the gradients at w = 0, ``X^T y`` (see
    :func:`column_stats`); a solve starting from w = 0 takes them instead of
    its first gradient pass. The solver keeps its gradients in this array
    (overwriting it), which then costs no memory of its own.

    ``path`` (a :class:`PathState`) carries what a step without working sets
    leaves for the next: its gradients and dual point. With the strong rule
    the next step takes its first strong set from those gradients, moved
    along the path like ``w`` when two steps are known, instead of a
    gradient pass at the warm start. A Lasso step (``l2_reg = 0``) first
    runs sequential Gap Safe screening: the features that dual point proves
    inactive at the new penalty are discarded before any pass over X (the
    elastic net's dual point depends on the penalty through the augmented
    design, so its steps do not screen this way). Only the features within
    reach of the screening radius are listed at all (see :class:`PathState`):
    the others stay out of every loop, and the certificate checks them at
    once, by the distance the dual point moved against their least slack.
    The caller passes as ``w`` the last step's solution.

    Returns
    -------
    w, gap, tol_abs, n_epochs, stats
        ``stats`` has ``n_outer`` (gap evaluations on the full problem),
        ``n_screened`` (features discarded by Gap Safe, ``n_seq_screened``
        of them before the first pass), ``n_unpooled`` (features the last
        step left at zero, in its pool, that were read only to check the
        certificate),
        ``start_gradients_given`` (whether ``xy0`` spared the first pass),
        ``n_full`` (outer iterations after the first that evaluated every
        feature), ``n_inner_final`` (working-set inner solves that aimed at
        ``tol``, see ``inner_final``), ``ws_size`` (size of the
        last working set), ``path_strong_set`` (whether the first strong
        set came from ``path``, without a gradient pass) and the entries of X
        read by products with its columns: ``entries_gradient`` (gradient
        evaluations of the outer loop: certificates, KKT checks),
        ``entries_cd`` (the products of coordinate updates),
        ``entries_update`` (the residual updates of those that moved their
        coefficient), ``entries_check`` (the inner gap checks) and
        ``entries_newton`` (the Newton steps: their gradients, Gram matrices
        and residual updates); ``n_newton``, the Newton steps that moved w.

    Notes
    -----
    Intercept on sparse X, without centring X: minimising over the intercept
    replaces each column x_j by ``x_j - m_j v`` with ``m_j = x_j . v / ||v||^2``;
    centring would fill in every zero, so the residual is stored as
    ``r = q + c v`` with ``q = y - X w`` (updated on nonzeros) and
    ``c = sum_j m_j w_j`` (a scalar). Because ``r`` is orthogonal to ``v``, the
    coordinate gradient is ``(x_j - m_j v) . r = x_j . q + c (x_j . v)``: a
    sum over the nonzeros of column j plus a precomputed scalar, and a step
    ``delta`` on w_j updates q on those nonzeros and ``c += delta m_j``.
    Every update thus costs O(nnz of the column), never O(n_samples).

    Certificates without full passes: the gap needs a dual point feasible for
    every feature, but computing every gradient costs a pass over all of X.
    Instead every feature outside the working set (screened or not) keeps a
    bound ``b_j >= |x_j . theta_ref|`` at a reference dual point; by
    Cauchy-Schwarz ``|x_j . theta| <= b_j + ||x_j|| ||theta - theta_ref||``.
    Each outer iteration evaluates exactly only the working set and the
    features whose bound no longer proves them feasible; when those are many
    (or a screened feature's bound fails), it evaluates everything and moves
    the reference, which tightens all bounds. Gap Safe screening uses the same
    bounds, so it never needs an exact product either.
    """
    cdef int n = y.shape[0], n_features = w.shape[0]
    cdef const floating *Xp
    cdef const floating *data
    cdef const index_t *indices
    cdef const index_t *indptr
    # The kernel trusts these shapes; a mismatch would read out of bounds.
    if is_sparse:
        if X_indptr.shape[0] != n_features + 1 or X_indices.shape[0] != X_data.shape[0] \
                or X_indptr[n_features] > X_data.shape[0]:
            raise ValueError("inconsistent CSC buffers for the number of features")
    elif X.shape[0] != n or X.shape[1] != n_features:
        raise ValueError("dense X does not match y and w")
    # The intercept is implicit for sparse X, and for dense X given its
    # intercept column v (an empty v: dense X comes centred).
    cdef bint implicit = fit_intercept and (is_sparse or v.shape[0] == n)
    if norms.shape[0] != n_features or (implicit and (
            v.shape[0] != n or not xv_matches(xv, v, n_features)
            or (not is_sparse and xv.shape[0] != n_features))):
        raise ValueError("column statistics do not match the design")
    design_pointers(X, X_data, X_indices, X_indptr, is_sparse, &Xp, &data, &indices, &indptr)
    if anderson > MAX_ANDERSON:
        raise ValueError(f"anderson must be at most {MAX_ANDERSON}; got {anderson}.")
    if not 0.0 <= ws_budget <= 1.0:
        raise ValueError(f"ws_budget must be in [0, 1]; got {ws_budget}.")
    if ws_fast_growth < 2:
        raise ValueError(f"ws_fast_growth must be at least 2; got {ws_fast_growth}.")
    if ws_first_check < 1:
        raise ValueError(f"ws_first_check must be at least 1; got {ws_first_check}.")
    if support_passes < 0:
        raise ValueError(f"support_passes must be at least 0; got {support_passes}.")
    if cd_first_check < 1:
        raise ValueError(f"cd_first_check must be at least 1; got {cd_first_check}.")
    if not inner_final >= 0:
        raise ValueError(f"inner_final must be at least 0; got {inner_final}.")
    cdef const floating *vp = &v[0] if implicit else NULL
    cdef const double *xvp = &xv[0] if implicit and xv.shape[0] else NULL
    # Dense X with an implicit intercept folds c into q after each epoch (see
    # fold_intercept); sparse X keeps q's zeros untouched.
    cdef bint fold = implicit and not is_sparse

    cdef double[::1] q_buf = np.empty(n)
    cdef double[::1] q_alt_buf = np.empty(n)
    cdef double[::1] theta_ref = np.zeros(n)
    cdef double *q = &q_buf[0]
    cdef double *q_alt = &q_alt_buf[0]
    cdef double *q_tmp
    # One number per feature: while the feature is EVALUATED in an outer
    # iteration, its exact gradient g_j (= x_j . r - l2_reg w_j); otherwise
    # its bound b_j >= |x_j . theta_ref| (meaningful outside the working set).
    # (set to 0, as the permutation below to the identity, unless the step
    # reads the pool: then only the features it lists are read)
    if xy0 is not None and xy0.shape[0] != n_features:
        raise ValueError("xy0 does not match w")
    cdef double[::1] gb_buf = xy0 if xy0 is not None else np.empty(n_features)
    cdef double *gb = &gb_buf[0]
    cdef double conv_scale = 1.0, conv_dist = 0.0
    # Column norms ||x_j|| (kept as norms, not squares: every bound of every
    # outer iteration reads them) and, for the screening radius and the
    # working-set score, sqrt(||x_j||^2 + l2_reg) (an array only with l2_reg).
    cdef double[::1] aug_norm_buf = (np.sqrt(np.square(norms) + l2_reg) if l2_reg > 0
                                     else norms)
    cdef const double *col_norm = &norms[0] if n_features else NULL
    cdef const double *aug_norm = &aug_norm_buf[0] if n_features else NULL
    # One permutation of the features: the active ones first, the screened
    # ones after them (screened = active + n_active).
    cdef int[::1] order = np.empty(n_features, dtype=np.intc)
    cdef int *active = &order[0]
    cdef int *screened = active + n_features
    # The working-set buffer first lists the features evaluated exactly in an
    # outer iteration (the candidates), then the working set chosen among
    # them; without a working set the inner loop sweeps `active` directly and
    # the buffer holds the support instead.
    cdef int[::1] ws_buf = np.empty(n_features, dtype=np.intc)
    cdef int *cand = &ws_buf[0]
    cdef int *ws = &ws_buf[0]
    cdef int *supp = NULL
    cdef bint own_supp
    cdef unsigned char[::1] state = np.zeros(n_features, dtype=np.uint8)
    cdef int n_cand = 0, n_unsure
    cdef bint has_ref = False, need_full, need_screened
    cdef double coef, radius
    cdef int *cur
    cdef int cur_size, n_supp = 0, check_at
    cdef bint full_pass

    cdef int n_active = n_features, n_screened = 0, ws_size = 0, ws_prev = 0
    cdef int epochs = 0, epochs_in, n_outer = 0, n_full = 0, k, j, i, t, n_hist
    cdef uint32_t rng_state = seed if seed != 0 else 1
    cdef double tol_abs, tol_in, gap = INFINITY, gap_in, dual_norm, threshold
    cdef double gap_ws_prev = INFINITY, out_max
    cdef int n_inner_final = 0
    cdef double dw_max = 0.0, w_max = 0.0, dw_tol
    # work counters: entries of X read by gradient evaluations (the outer
    # loop's certificates and KKT checks), by coordinate updates (their
    # products, then their residual updates) and by the inner gap checks
    cdef long long read_grad = 0, read_cd = 0, read_update = 0, read_check = 0
    cdef bint gap_met, settle, stop = False, fixed_last = False, stalled = False
    cdef int settle_end = 0
    cdef double w_new, g, scale, dist_ref
    cdef double max_bound = -INFINITY, max_norm = 0.0
    cdef double r_norm2, r_dot_y, r_dot_v, w_l1, w_l2
    cdef double c = 0.0, c_alt, acc, inv_vv = 0.0, xr_norm2 = 0.0, rv = 0.0
    cdef bint do_screen = screening and l1_reg > 0
    # (only the ridge certificate reads ||X^T r||^2)
    cdef bint ridge = l1_reg == 0.0
    cdef bint use_ws = working_set and l1_reg > 0
    cdef int K = anderson if anderson >= 2 else 0
    cdef double *hist = NULL
    cdef double *w_acc = NULL
    cdef double *weights = NULL
    cdef double *q_hist = NULL
    # the inner gap checks' bounds: the residual at the last check and, per
    # working-set feature, a bound on violation(x_j . r) there
    cdef double *r_snap = NULL
    cdef double *v_snap = NULL
    cdef bint snap_ok = False
    # ... and bounds on the products from the epochs themselves (cd_bounds):
    # per working-set position, x_j . r - l2_reg w_j right after its last
    # update (g_post; a check that bounds the feature overwrites it with the
    # bound, as it marks the feature in visit), the residual's movement in
    # that epoch up to then (move_at, a running sum of |dw_k| ||x_k||, in
    # ``moved``) and the epoch (visit); those of epoch ``bound_epoch`` are
    # used (the last one, unless an Anderson step moved w and r since);
    # supp_pos maps the support's positions to the working set's (written
    # by cd_epoch, read by inner_gap)
    cdef double *g_post = NULL
    cdef double *move_at = NULL
    cdef int *visit = NULL
    cdef int *supp_pos = NULL
    cdef bint bounds
    cdef int bound_epoch
    cdef double moved
    cdef double c_hist[17]  # MAX_ANDERSON + 1
    cdef char *block = NULL
    cdef size_t at
    cdef int rnd
    cdef double epoch_out[3]
    cdef double r_stats[3]
    cdef bint combine_q
    cdef int m
    cdef double inner_budget, inner_work, refresh_every, refresh_at
    # Newton steps (see newton_step): the epoch of the last change of sign
    # pattern, the steps' work and the epochs' before this inner solve (in
    # stored entries, as inner_work), how many moved w
    cdef int sign_epoch, n_newton = 0, m_newton, n_fact, newton_wait, still, fixed_size = 0
    cdef bint moved_newton, newton_settled
    cdef int status
    cdef double newton_spent = 0.0, solve_work = 0.0, fact_newton
    cdef bint capped_newton
    cdef long long read_newton = 0
    cdef long long ws_cost, supp_cost
    cdef double cost
    cdef const floating *wpp = NULL
    # What the previous step of a path left (strong set; sequential screening
    # for the Lasso): read only by steps without working sets. A step with
    # working sets leaves its state when its last outer iteration evaluated
    # every feature (as a cold start at alpha_max does).
    cdef bint keep = path is not None and screening and l1_reg > 0
    cdef bint seq = keep and not use_ws
    cdef bint ref_full = False, saved = False
    # the gradients at w = 0 (in gb), read by the first outer iteration of a
    # cold start
    cdef bint xy0_first = False, xy0_used = False
    cdef bint has_xy0 = xy0 is not None
    cdef bint seq_screen = seq and l2_reg == 0
    cdef bint seq_in = False, seq_grad_prev = False, check_deferred = False
    cdef bint skip_first = False, strong_first
    cdef int n_seq = 0
    cdef double *seqt = NULL
    cdef double *seqg = NULL
    cdef double *seqg_prev = NULL
    cdef unsigned char *streak = NULL
    cdef double seq_scale = 0.0, seq_scale_prev = 0.0
    # The pool of features the previous step left at zero (see PathState): a
    # Lasso step reads only those within its screening radius, and checks the
    # others (by their slack against the distance of the dual point to theta)
    # where the screened ones are checked.
    cdef bint pool = False
    cdef int n_pool = 0, n_supp_path = 0, n_unpooled = 0
    cdef double *slack = NULL
    cdef int *supp_path = NULL
    cdef double offset = 0.0, pool_min = INFINITY, pool_d0 = 0.0, pool_thr = -INFINITY
    if path is not None:
        if path.theta.shape[0] != n or path.grad.shape[0] != n_features:
            raise ValueError("the path state does not match the design")
        if not seq:
            path.n_valid = 0
    if keep:
        seq_in = path.n_valid > 0
        seqt = &path.theta[0]
        seqg = &path.grad[0]
        streak = &path.streak[0]
        seq_scale = path.scale
        # the output goes to the other buffer (the step before last's),
        # which then becomes the last step's
        seqg_prev = &path.grad_prev[0]
        seq_grad_prev = path.n_valid > 1
        slack = &path.slack[0]
        supp_path = &path.support[0]
        n_supp_path = path.n_support
        offset = path.offset
        pool = seq_in and seq_screen
        seq_scale_prev = path.scale_prev
        skip_first = seq_in and l1_reg_prev > l1_reg
    if w_prev is not None and extrapolation != 0.0:
        if w_prev.shape[0] != n_features:
            raise ValueError("w_prev does not match w")
        if not extrapolation > 0.0:
            raise ValueError(f"extrapolation must be positive; got {extrapolation}.")
        wpp = &w_prev[0]

    cdef double next_check = first_check()  # (Ctrl-C, see interrupted)
    with nogil:
        if not pool:
            for j in range(n_features):
                active[j] = j
            if not has_xy0:
                for j in range(n_features):
                    gb[j] = 0.0
        acc = 0.0
        for i in range(n):
            acc += <double> y[i] * y[i]
        tol_abs = tol * acc
        dw_tol = max_d(tol, COEF_TOL_FLOOR_DOUBLE if floating is double else COEF_TOL_FLOOR_FLOAT)
        if implicit:
            acc = 0.0
            for i in range(n):
                acc += <double> vp[i] * vp[i]
            inv_vv = 1.0 / acc if acc > 0 else 0.0
            # rv: (r . v) / ||v||^2, zero but for rounding (y comes centred,
            # w moves r along centred columns), measured with the residual.
            # Dense X centred implicitly takes it into account in the
            # coordinate updates, as the gap does (coef = c - rv): with
            # columns of large mean, leaving it out would bias every update.
            # (Sparse X leaves it out: on float32 data with weights, a
            # constant column keeps a centred norm of float32 rounding, along
            # which the corrected updates would fit y's rounding with a huge
            # coefficient; see test_gradients_at_zero_keep_the_rounding_of_y_dot_v.)

        while True:
            # ---- outer: exact residual ---------------------------------------
            # (Ctrl-C: checked here, where the solver holds no buffer of its
            # own, and at each gap check of the inner loop, which stops there)
            if stop or interrupted(&next_check):
                with gil:
                    reraise()
            for i in range(n):
                q[i] = y[i]
            c = 0.0
            w_l1 = 0.0
            w_l2 = 0.0
            # (a step reading the pool starts from the last step's solution:
            # its support was stored, the pool's features are not yet listed)
            cur = supp_path if pool and n_outer == 0 else active
            cur_size = n_supp_path if pool and n_outer == 0 else n_active
            for k in range(cur_size):
                j = cur[k]
                if w[j] != 0 and n_outer == 0:
                    # The warm start (every feature is active at the first
                    # iteration): a column of zero (centred) norm takes no part
                    # in the fit, its coefficient is dropped (it could not move
                    # otherwise); the others move along the path's last step
                    # when asked.
                    if col_norm[j] == 0.0:
                        w[j] = 0
                    elif wpp != NULL:
                        w_new = w[j] + extrapolation * (w[j] - wpp[j])
                        w[j] = <floating> (w_new if w_new * w[j] > 0 else 0.0)
                if w[j] != 0:
                    move_residual(j, -w[j], n, is_sparse, Xp, data, indices, indptr,
                                  implicit, xvp, inv_vv, q, &c)
                    w_l1 += fabs(w[j])
                    w_l2 += <double> w[j] * w[j]
            if fold:
                fold_intercept(n, q, &c, vp)
            residual_stats(n, q, c, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
            rv = inv_vv * r_dot_v if fold else 0.0
            # (x_j - m_j v) . r = x_j . q + coef (x_j . v); r . v vanishes up
            # to rounding and is kept so that the certificate is exact.
            coef = c - inv_vv * r_dot_v
            n_outer += 1
            xy0_first = has_xy0 and n_outer == 1 and w_l1 == 0.0
            xy0_used = xy0_used or xy0_first

            if pool and n_outer == 1:
                # ---- sequential Gap Safe screening at the previous dual point:
                # D(theta) = l1 theta.y - l1^2 ||theta||^2 / 2, its products
                # from path.grad, bounds on them from the pool's slacks; theta
                # becomes the reference of the screened features' bounds.
                # The rule screens feature j iff its slack exceeds the radius
                # (every feature at zero has its slack from the last step,
                # from its exact product or its bound): those stay in the
                # pool, unread until the certificate, and the others are
                # listed, none of which the rule would screen.
                t = list_unscreened(n, seqt, &y[0], r_norm2, w_l1, l1_reg, n_features,
                                    slack, offset, active, streak, &pool_thr, &pool_min)
                n_pool = n_features - t
                n_active = t
                n_screened = 0
                n_seq = n_pool
                screened = active + n_active
                for i in range(n):
                    theta_ref[i] = seqt[i]
                has_ref = True
                # The dual point at the warm start can lie far enough from
                # theta for the screened features' bounds to fail. At this
                # first iteration the gap of the problem reduced to the other
                # features serves (as safe for screening: both problems have
                # the same solution); the screened ones are checked only
                # before stopping, and theta stays their reference.
                pool_d0 = 0.0
                check_deferred = n_pool > 0

            if skip_first:
                # ---- first strong set from the previous step's gradients ----
                # The sequential strong rule keeps |g_j| >= l1 - (l1_prev - l1),
                # allowing g_j to move by a whole step. Where w moved along the
                # path, g_j moved with it (it is affine in w): that prediction
                # leaves only its error, allowed a quarter step (measured on
                # the benchmark's paths). Features the previous step screened
                # have bounds, not gradients: they wait for the KKT check.
                skip_first = False
                ws = &ws_buf[0]
                ws_size = 0
                for k in range(n_active):
                    j = active[k]
                    if w[j] != 0:
                        ws[ws_size] = j
                        ws_size += 1
                    elif streak[j]:
                        g = seqg[j] * seq_scale
                        threshold = 2.0 * l1_reg - l1_reg_prev
                        if wpp != NULL and seq_grad_prev and streak[j] > 1:
                            g += extrapolation * (g - seqg_prev[j] * seq_scale_prev)
                            threshold = l1_reg - STRONG_PREDICTED * (l1_reg_prev - l1_reg)
                        if violation(g, positive) >= threshold:
                            ws[ws_size] = j
                            ws_size += 1
                # (an empty strong set: w = 0 is predicted optimal, which the
                # gradients below certify without an epoch)
                strong_first = ws_size > 0
            else:
                strong_first = False
            if strong_first:
                tol_in = tol_abs
                check_deferred = False
            else:
                # ---- gradients: exact on the working set, bounds elsewhere -------
                need_full = not has_ref or not use_ws
                n_cand = 0
                dual_norm = 0.0
                xr_norm2 = 0.0  # ||X^T r||^2, used by the ridge certificate (l1_reg = 0)
                for k in range(n_active):
                    j = active[k]
                    if need_full or state[j] & IN_WS:
                        cand[n_cand] = j
                        n_cand += 1
                if not xy0_first:  # (else gb holds them: w = 0, r = y)
                    products_into(cand, n_cand, n, is_sparse, Xp, data, indices, indptr, q,
                                  implicit, xvp, coef, gb)
                for k in range(n_cand):
                    j = cand[k]
                    g = gb[j]
                    if not xy0_first:
                        read_grad += col_entries(j, is_sparse, indptr, n)
                        g -= l2_reg * w[j]
                    if ridge:
                        xr_norm2 += ridge_share(g + l2_reg * w[j], w[j], positive, l2_reg == 0)
                    gb[j] = g
                    dual_norm = max_d(dual_norm, violation(g, positive))
                    state[j] |= EVALUATED
                scale = max_d(l1_reg, dual_norm)
                need_screened = False
                dist_ref = 0.0
                if has_ref:
                    dist_ref = ref_distance(n, q, c, vp, implicit, scale, &theta_ref[0])
                    if not check_deferred:
                        # pool features whose slack fails join the screened ones
                        release_pool(n_features, slack, pool_thr, offset, dist_ref + pool_d0,
                                     pool_d0, col_norm, screened, &n_screened, &n_pool,
                                     &n_unpooled, gb, &state[0], &max_bound, &max_norm,
                                     &pool_min)
                    if n_screened > 0 and not check_deferred \
                            and max_bound + max_norm * dist_ref > 1.0:
                        for k in range(n_screened):
                            j = screened[k]
                            if gb[j] + col_norm[j] * dist_ref > 1.0:
                                need_screened = True
                                break
                    if not need_full:
                        n_unsure = 0
                        for k in range(n_active):
                            j = active[k]
                            if not state[j] & IN_WS and gb[j] + col_norm[j] * dist_ref > 1.0:
                                n_unsure += 1
                        # Many features to evaluate: as well do them all and move
                        # the reference, which tightens every bound.
                        need_full = n_unsure > (n_active - n_cand) * full_frac + 16
                if need_full or need_screened:
                    n_full += n_outer > 1
                    m = n_cand
                    for k in range(n_active):
                        j = active[k]
                        if not state[j] & EVALUATED:
                            cand[n_cand] = j
                            n_cand += 1
                    dual_norm = evaluate_listed(cand + m, n_cand - m, n, is_sparse, Xp, data,
                                                indices, indptr, q, implicit, xvp, coef,
                                                &w[0], l2_reg, positive, &state[0], gb,
                                                &read_grad, dual_norm)
                    if need_screened:
                        # only the screened features whose bound fails (at the
                        # scale and distance above, so the others stay feasible
                        # at any larger scale) are evaluated
                        for k in range(n_screened):
                            j = screened[k]
                            if gb[j] + col_norm[j] * dist_ref > 1.0:
                                read_grad += col_entries(j, is_sparse, indptr, n)
                                gb[j] = centred_dot(j, n, is_sparse, Xp, data, indices, indptr, q,
                                                    implicit, xvp, coef)
                                dual_norm = max_d(dual_norm, violation(gb[j], positive))
                                state[j] |= EVALUATED
                    scale = max_d(l1_reg, dual_norm)
                    # New reference at the current dual point: exact bounds for
                    # every feature evaluated, the others' bounds moved along
                    # (unless their check is deferred: the reference stays).
                    if has_ref:
                        dist_ref = ref_distance(n, q, c, vp, implicit, scale, &theta_ref[0])
                    if has_ref and not check_deferred:
                        if need_screened:
                            max_bound = -INFINITY
                            for k in range(n_screened):
                                j = screened[k]
                                if state[j] & EVALUATED:
                                    gb[j] = violation(gb[j], positive) / scale
                                    state[j] = SCREENED
                                else:
                                    gb[j] += col_norm[j] * dist_ref
                                max_bound = max_d(max_bound, gb[j])
                        else:
                            max_bound += max_norm * dist_ref
                            for k in range(n_screened):
                                j = screened[k]
                                gb[j] += col_norm[j] * dist_ref
                    if not check_deferred:
                        for i in range(n):
                            theta_ref[i] = resid(q, c, vp, implicit, i) / scale
                        dist_ref = 0.0
                        if n_pool > 0:
                            pool_d0 = distance(n, &theta_ref[0], seqt)
                    has_ref = True
                    ref_full = not check_deferred
                    # the candidates' new bounds: violation(x_j . r) / conv_scale
                    # + ||x_j|| conv_dist (set once their gradients are used)
                    conv_scale = scale
                    conv_dist = 0.0
                else:
                    ref_full = False
                    # Evaluate only the features whose bound no longer proves them
                    # feasible; their new bounds stay relative to the reference.
                    conv_scale = scale
                    conv_dist = dist_ref
                    m = n_cand
                    for k in range(n_active):
                        j = active[k]
                        if not state[j] & IN_WS and gb[j] + col_norm[j] * dist_ref > 1.0:
                            cand[n_cand] = j
                            n_cand += 1
                    dual_norm = evaluate_listed(cand + m, n_cand - m, n, is_sparse, Xp, data,
                                                indices, indptr, q, implicit, xvp, coef,
                                                &w[0], l2_reg, positive, &state[0], gb,
                                                &read_grad, dual_norm)
                    scale = max_d(l1_reg, dual_norm)
                    if scale != conv_scale:
                        dist_ref = ref_distance(n, q, c, vp, implicit, scale, &theta_ref[0])
                # Every feature is now proven feasible at theta = r / scale (every
                # one not screened while their check is deferred).
                gap = enet_gap(r_norm2, r_dot_y, w_l1, w_l2, dual_norm, l1_reg, l2_reg, xr_norm2)
                if check_deferred:
                    check_deferred = False
                    if gap <= tol_abs or epochs >= max_iter:
                        # Stopping: the screened features must be feasible too.
                        # Those whose bound fails are evaluated (the pool's
                        # first join them), the others' bounds moved (at this
                        # scale, hence valid at any larger one), and the
                        # reference moves to r / scale.
                        release_pool(n_features, slack, pool_thr, offset, dist_ref + pool_d0,
                                     pool_d0, col_norm, screened, &n_screened, &n_pool,
                                     &n_unpooled, gb, &state[0], &max_bound, &max_norm,
                                     &pool_min)
                        for k in range(n_screened):
                            j = screened[k]
                            if gb[j] + col_norm[j] * dist_ref > 1.0:
                                read_grad += col_entries(j, is_sparse, indptr, n)
                                gb[j] = violation(centred_dot(j, n, is_sparse, Xp, data, indices,
                                                              indptr, q, implicit, xvp, coef),
                                                  positive)
                                dual_norm = max_d(dual_norm, gb[j])
                                state[j] |= EVALUATED
                            else:
                                # (>= 0: then it also bounds the product at a
                                # larger scale when that is negative, positive=True)
                                gb[j] = max_d(gb[j] + col_norm[j] * dist_ref, 0.0)
                        scale = max_d(l1_reg, dual_norm)
                        max_bound = -INFINITY
                        for k in range(n_screened):
                            j = screened[k]
                            if state[j] & EVALUATED:
                                gb[j] /= scale
                                state[j] = SCREENED
                            max_bound = max_d(max_bound, gb[j])
                        for i in range(n):
                            theta_ref[i] = resid(q, c, vp, implicit, i) / scale
                        dist_ref = 0.0
                        if n_pool > 0:
                            pool_d0 = distance(n, &theta_ref[0], seqt)
                        conv_scale = scale
                        gap = enet_gap(r_norm2, r_dot_y, w_l1, w_l2, dual_norm, l1_reg, l2_reg,
                                       xr_norm2)
                # (stalled: the last inner solve, over every active feature,
                # found its start a fixed point of coordinate descent: so was
                # the one before, and unless features joined from the pool
                # this gap is that one's; no epoch can lower it, which
                # float32 at a tol beyond its reach met once per outer
                # iteration, one epoch each, to max_iter)
                if gap <= tol_abs or epochs >= max_iter or (stalled and ws_size >= n_active):
                    saved = seq or (keep and ref_full)
                    if saved:
                        # theta = r / scale, the reference of the screened
                        # bounds (without working sets every outer iteration
                        # ends with a full pass that moves the reference
                        # there), becomes the pool's: the slacks of the
                        # features left in it fall by the distance it moved.
                        # The gradients are exact but for the screened.
                        offset = offset + pool_d0 if n_pool > 0 else 0.0
                        n_supp_path = store_step(n, &theta_ref[0], seqt, active, n_active,
                                                 screened, n_screened, gb, scale, &w[0],
                                                 col_norm, positive, seq_in, offset,
                                                 seqg_prev, streak, slack, supp_path)
                        seq_scale = scale
                    break

                # ---- Gap Safe screening: |x_j . theta| + radius ||x_j|| < 1 -------
                # Evaluated features use their exact product, the others their
                # bound; a screened feature keeps a bound relative to theta_ref.
                if do_screen:
                    radius = sqrt(2.0 * (gap + SCREEN_SLACK * (
                        r_norm2 + l1_reg * w_l1 + fabs(r_dot_y)))) / l1_reg
                    t = screen_gap_safe(active, n_active, radius, scale, dist_ref, &state[0],
                                        gb, &w[0], col_norm, aug_norm, l2_reg, positive,
                                        &max_bound, &max_norm, n, is_sparse, Xp, data, indices,
                                        indptr, implicit, xvp, inv_vv, q, &c)
                    n_screened += n_active - t
                    n_active = t
                    screened = active + n_active
                # (every feature of the last working set was evaluated, hence is
                # a candidate, unless screened, which clears its bits)
                # (and, for the working set's inner_final rule, the largest
                # violation among the features evaluated outside the last
                # working set: none above l1_reg means that no evaluated
                # feature outside it violates its constraint; the others are
                # within their bounds at this scale)
                out_max = 0.0
                for k in range(n_cand):
                    j = cand[k]
                    if use_ws and not state[j] & (IN_WS | SCREENED):
                        out_max = max_d(out_max, violation(gb[j], positive))
                    state[j] &= ~(EVALUATED | IN_WS)

                # ---- working set ------------------------------------------------
                ws = &ws_buf[0]
                if use_ws:
                    # (the gap fell by less than 60%: a sign that the last set
                    # was far too small)
                    ws_size = choose_working_set(ws, cand, n_cand, &state[0], &w[0], gb,
                                                 col_norm, aug_norm, l1_reg, positive,
                                                 ws_start,
                                                 2 * ws_prev if fixed_last else ws_prev,
                                                 ws_fast_growth,
                                                 gap > 0.4 * gap_ws_prev, ws_budget, active,
                                                 n_active, is_sparse, indptr, n, conv_scale,
                                                 conv_dist)
                    fixed_last = False
                    gap_ws_prev = gap
                    # The inner solve reduces the gap by inner_ratio, leaving
                    # the next outer iteration to find new violators. When no
                    # feature evaluated outside the last working set violated
                    # its constraint, the gap left was mostly the inner
                    # solve's own: this one aims at tol (times inner_final),
                    # sparing the gradient passes of the iterations between.
                    # Not when the set holds every active feature: there an
                    # outer iteration costs no more than a check while it
                    # also screens (an ill-conditioned 45 x 30 problem at tol
                    # 1e-12 took 1,390 epochs in all in 17 outer iterations,
                    # and 56,000 in one inner solve aiming at tol).
                    tol_in = inner_ratio * gap
                    if ws_prev > 0 and out_max <= l1_reg and inner_final > 0 \
                            and ws_size < n_active:
                        tol_in = min(tol_in, inner_final * tol_abs)
                        n_inner_final += 1
                    ws_prev = ws_size
                elif l1_reg_prev > l1_reg:
                    # Sequential strong rule (glmnet's way, without working sets):
                    # coordinate descent on the support and on the features with
                    # |g_j| >= 2 l1 - l1_prev. The outer gap is the KKT check: a
                    # violator has |g_j| > l1 and joins at the next outer iteration.
                    threshold = 2.0 * l1_reg - l1_reg_prev
                    ws_size = 0
                    for k in range(n_active):
                        j = active[k]
                        if w[j] != 0 or violation(gb[j], positive) >= threshold:
                            ws[ws_size] = j
                            ws_size += 1
                    tol_in = tol_abs
                else:
                    ws = active
                    ws_size = n_active
                    tol_in = tol_abs
                # (without working sets every active feature is evaluated at each
                # outer iteration: their entries of gb are not read as bounds)

            # ---- inner: coordinate descent on the working set ---------------
            # Anderson candidates get their residual as the same combination
            # of the last K residuals (it is affine in w) when that is cheaper
            # than updating it column by column (see the group kernel).
            combine_q = (K > 0 and floating is double and not positive
                         and <long long> K * n < nonzero_column_nnz(
                             ws, ws_size, &w[0], is_sparse, indptr, n))
            own_supp = ws != active
            snap_ok = False
            # Bounds from the epochs: not for the ridge (its certificate reads
            # ||X^T r||^2), for dense X centred implicitly (its updates take
            # r . v as of the last check, see residual_stats) nor for sparse X
            # centred implicitly without stored x_j . v (the correction for
            # r . v would read the column).
            bounds = cd_bounds and not ridge and not fold and (not implicit or xvp != NULL)
            # The inner solve's arrays, in one block (PyMem_Raw: it shows in
            # tracemalloc's accounting): the first round measures it, the
            # second carves it (doubles first, then ints; NULL where unused).
            block = NULL
            for rnd in range(2):
                at = 0
                hist = <double *> carve(block, &at, K > 0, (K + 1) * <size_t> ws_size,
                                        sizeof(double))
                w_acc = <double *> carve(block, &at, K > 0, ws_size, sizeof(double))
                weights = <double *> carve(block, &at, K > 0, K, sizeof(double))
                q_hist = <double *> carve(block, &at, combine_q, (K + 1) * <size_t> n,
                                          sizeof(double))
                r_snap = <double *> carve(block, &at, not ridge, n, sizeof(double))
                v_snap = <double *> carve(block, &at, not ridge, ws_size, sizeof(double))
                g_post = <double *> carve(block, &at, bounds, ws_size, sizeof(double))
                move_at = <double *> carve(block, &at, bounds, ws_size, sizeof(double))
                visit = <int *> carve(block, &at, bounds, ws_size, sizeof(int))
                supp_pos = <int *> carve(block, &at, bounds, ws_size, sizeof(int))
                supp = <int *> carve(block, &at, own_supp, ws_size, sizeof(int))
                if rnd == 0:
                    block = <char *> PyMem_RawMalloc(max(at, <size_t> 1))
                    if block == NULL:
                        with gil:
                            raise MemoryError("no memory for the working set of the solver")
            if not own_supp:
                supp = &ws_buf[0]
            n_hist = 0
            epochs_in = 0
            gap_met = False
            bound_epoch = -1
            if bounds:
                for k in range(ws_size):
                    visit[k] = -1
            ws_cost = column_cost(ws, ws_size, is_sparse, indptr, n)
            settle = not use_ws and ws_cost <= SETTLE_COST * (
                <double> indptr[n_features] if is_sparse else <double> n * n_features)
            # New features join the working set at every outer iteration and
            # need a few epochs: its first gap check comes after
            # ws_first_check epochs. Without working sets (a strong set along
            # a path, warm-started near its solution, or every active
            # feature), after cd_first_check: a check reads about what an
            # epoch does, and along the benchmark's paths most strong sets
            # take two epochs or more.
            check_at = ws_first_check if use_ws else cd_first_check
            # The work is counted (in stored entries, the support's cost taken
            # when the support is rebuilt) against a budget (INNER_PASSES)
            # when the working set is smaller than the active features. A set
            # of every active feature sees them all and has no budget (its
            # returns would restart the Anderson history and the check
            # schedule: twice the epochs on ill-conditioned problems at tol
            # 1e-12); every as many passes its residual, updated
            # incrementally, is recomputed from w instead: it drifted there,
            # and the solve with it, never meeting its target until max_iter
            # (the gap 1.3 times tol after 1,000 epochs, 29 times after
            # 10,000, on sparse problems where scikit-learn converges).
            refresh_every = INNER_PASSES * <double> column_cost(active, n_active, is_sparse,
                                                                indptr, n)
            inner_budget = refresh_every if own_supp and ws_size < n_active else INFINITY
            refresh_at = refresh_every
            inner_work = 0.0
            supp_cost = 0
            sign_epoch = 0
            newton_wait = NEWTON_STABLE
            newton_settled = False
            still = 0
            while True:
                # Active-set cycling (as glmnet): a pass over the whole working
                # set, then a few cheaper passes over its nonzero coefficients.
                # (after a settled Newton step, a pass over the whole set)
                full_pass = newton_settled or epochs_in % (support_passes + 1) == 0
                if cd_epoch(ws if full_pass else supp, ws_size if full_pass else n_supp,
                            random, &rng_state, n, is_sparse, Xp, data, indices, indptr,
                            implicit, xvp, inv_vv, rv, q, &c, &w[0], col_norm, l1_reg,
                            l2_reg, positive, g_post if bounds else NULL, move_at, visit,
                            NULL if full_pass else supp_pos, epochs_in, epoch_out,
                            &read_cd, &read_update):
                    sign_epoch = epochs_in
                    newton_settled = False
                dw_max = epoch_out[0]
                w_max = epoch_out[1]
                moved = epoch_out[2]
                if fold:
                    fold_intercept(n, q, &c, vp)
                inner_work += ws_cost if full_pass else supp_cost
                if inner_budget == INFINITY and refresh_every > 0 and inner_work >= refresh_at:
                    refresh_at += refresh_every
                    exact_residual(&y[0], &w[0], active, n_active, n, is_sparse, Xp, data,
                                   indices, indptr, implicit, xvp, inv_vv, fold, vp, q, &c)
                if full_pass:
                    n_supp = 0
                    for k in range(ws_size):
                        if w[ws[k]] != 0:
                            supp[n_supp] = ws[k]
                            if bounds:
                                supp_pos[n_supp] = k
                            n_supp += 1
                    supp_cost = column_cost(supp, n_supp, is_sparse, indptr, n)
                bound_epoch = epochs_in
                epochs += 1
                epochs_in += 1
                if epochs >= max_iter:
                    break

                if K > 0:
                    for k in range(ws_size):
                        hist[<size_t> n_hist * ws_size + k] = w[ws[k]]
                    if combine_q:
                        memcpy(&q_hist[<size_t> n_hist * n], q, n * sizeof(double))
                        c_hist[n_hist] = c
                    n_hist += 1
                    if n_hist == K + 1:
                        n_hist = 0
                        if anderson_weights(hist, ws_size, K, weights):
                            c_alt = anderson_candidate(
                                hist, weights, K, ws, ws_size, &w[0], positive, anderson_clip,
                                w_acc,
                                combine_q, q_hist, c_hist, q, c, q_alt, n, is_sparse, Xp,
                                data, indices, indptr, implicit, xvp, inv_vv)
                            if candidate_lower(ws, ws_size, &w[0], w_acc, l1_reg, l2_reg, n,
                                               &y[0], vp, implicit, q, c, q_alt, c_alt):
                                for k in range(ws_size):
                                    if sign_changed(w_acc[k], w[ws[k]]):
                                        sign_epoch = epochs_in
                                        newton_settled = False
                                    w[ws[k]] = <floating> w_acc[k]
                                q_tmp = q
                                q = q_alt
                                q_alt = q_tmp
                                c = c_alt
                                bound_epoch = -1  # (the epoch's products are stale)

                if gap_met and (dw_max <= dw_tol * w_max or epochs_in >= settle_end):
                    break
                # A pass over the whole working set that moved no coefficient
                # is a fixed point of coordinate descent: its gap will not fall
                # (float32 coefficients of columns with norms of 1e6 stopped
                # moving 13 epochs into a working set of 10, the gap 7% above
                # the inner target, and ran 1,800 epochs to the work budget,
                # past max_iter). The outer loop then evaluates the full
                # problem, whose gap may meet tol where the inner target (a
                # share of the last gap) is out of reach (float32 fits whose set
                # held every active feature ran to max_iter with their gap below
                # tol, silently), and grows the set at least twofold. A set with
                # a work budget of the size of the last one stopped this way (it
                # could not grow: every candidate is in) goes on with its epochs
                # to its budget, as before (the outer iterations spun, one epoch
                # each, to max_iter). (Only an exact fixed point: a threshold of
                # 64 ulps of the largest coefficient fired on float64 problems
                # still converging, and on float32 ones whose target was below
                # float32's reach. Random order may miss a coordinate in a pass:
                # three such passes.)
                # A settled Newton step (below) and a pass over the whole set
                # after it that changed no sign: ended as at a fixed point.
                if newton_settled:
                    if inner_budget < INFINITY:
                        fixed_size = ws_size
                        fixed_last = True
                    break
                if full_pass and (inner_budget == INFINITY or ws_size != fixed_size):
                    still = still + 1 if dw_max == 0.0 else 0
                    if still >= (3 if random else 1):
                        if inner_budget < INFINITY:
                            fixed_size = ws_size
                            fixed_last = True
                        stalled = ws_size >= n_active and epochs_in == still
                        break
                # Gap checks after check_at epochs (ws_first_check or
                # cd_first_check), then twice as many, and so on, then every
                # few epochs.
                # (a solve over its work budget checks now, then stops)
                if epochs_in < check_at and inner_work < inner_budget:
                    continue
                check_at += min(check_at, K + 1 if K > 0 else 10)
                if interrupted(&next_check):
                    stop = True
                    break
                # Gap of the working-set subproblem (see inner_gap).
                gap_in = inner_gap(ws, ws_size, &w[0], &y[0], n, is_sparse, Xp, data, indices,
                                   indptr, implicit, xvp, inv_vv, vp, q, c, col_norm, l1_reg,
                                   l2_reg, positive, ridge, tol_in, r_snap, v_snap, snap_ok,
                                   g_post if bounds else NULL, move_at, visit, bound_epoch,
                                   moved, r_stats, &read_check)
                r_norm2 = r_stats[0]
                r_dot_y = r_stats[1]
                r_dot_v = r_stats[2]
                rv = inv_vv * r_dot_v if fold else 0.0
                snap_ok = r_snap != NULL
                # Along a path (strong sets) a gap is tight where the support
                # is small, near alpha_max, and there it can meet tol while
                # coefficients still move; the later steps' gaps are loose (their
                # primal is far closer than tol). When its epochs are cheap, a
                # set is therefore solved on until an epoch moves no coefficient
                # by more than dw_tol max|w_j| (tested after every epoch from
                # then on): cheap steps become as accurate as the others. With
                # working sets the outer loop sets the accuracy (tol_in).
                if gap_in <= tol_in:
                    if not settle or dw_max <= dw_tol * w_max:
                        break
                    if not gap_met:
                        # Rounding can keep moving a coefficient by more than
                        # that (one barely off zero above all, where dw_tol
                        # max|w_j| is below the rounding of its update): the
                        # settling stops after as many epochs again as the gap
                        # took, and ten (it ran to max_iter, 100,000 epochs
                        # on a step just below alpha_max at tol 1e-12).
                        settle_end = 2 * epochs_in + 10
                    gap_met = True
                if inner_work >= inner_budget:
                    break
                # Coordinate descent is slow to converge on a settled but
                # ill-conditioned support: a Newton step there, when its work
                # (the support's Gram matrix and its Cholesky factor) keeps
                # the steps' total below the epochs' of this solve.
                if newton and not ridge and gap_in > tol_in \
                        and epochs_in - sign_epoch >= newton_wait:
                    cost = newton_cost(ws, ws_size, &w[0], is_sparse, indptr, n, &m_newton,
                                       &fact_newton)
                    if 0 < m_newton <= NEWTON_MAX \
                            and newton_spent + cost + fact_newton <= solve_work + inner_work:
                        status = newton_step(
                            ws, ws_size, &w[0], n, is_sparse, Xp, data, indices, indptr,
                            implicit, xvp, inv_vv, fold, vp, &y[0], q, &c,
                            c - inv_vv * r_dot_v, r_norm2, l1_reg, l2_reg,
                            NEWTON_DROPS, &n_fact, &capped_newton, &read_newton)
                        moved_newton = status > 0
                        newton_spent += cost + n_fact * fact_newton
                        # (a step that failed, or stopped at the drops' limit
                        # (coordinate descent then often puts them back),
                        # waits twice as long for the next)
                        newton_wait = (NEWTON_STABLE if moved_newton and not capped_newton
                                       else 2 * newton_wait)
                        sign_epoch = epochs_in
                        if moved_newton:
                            n_newton += 1
                            n_hist = 0
                            bound_epoch = -1
                        # float32: settled signs and w the minimiser on them
                        # to the rounding of P, the gap still above the
                        # target. If a pass over the whole set (the passes
                        # since the last may have been over the support only)
                        # changes no sign either, the gap left is the
                        # coefficients' rounding (with columns of norm 1e6 it
                        # kept the set's gap at P itself, and the solve ran
                        # to max_iter where float64 took 140 epochs), or
                        # features the outer loop must add: the solve ends as
                        # at a fixed point. (Not in float64: on an
                        # ill-conditioned support a step that P does not see
                        # can still lower the gradients, and the gap, far above
                        # rounding; coordinate descent goes on there.)
                        newton_settled = (floating is float and status < 0
                                          and (inner_budget == INFINITY
                                               or ws_size != fixed_size))
            solve_work += inner_work
            PyMem_RawFree(block)
            block = NULL

    if saved:
        path.push(seq_scale, offset, n_supp_path)
    stats = {"n_outer": n_outer, "n_screened": n_screened + n_pool, "n_seq_screened": n_seq,
             "n_full": n_full, "ws_size": ws_size, "n_unpooled": n_unpooled,
             "n_inner_final": n_inner_final,
             "start_gradients_given": xy0_used,
             "path_strong_set": seq_in and l1_reg_prev > l1_reg,
             "entries_gradient": read_grad, "entries_cd": read_cd,
             "entries_update": read_update, "entries_check": read_check,
             "n_newton": n_newton, "entries_newton": read_newton}
    return np.asarray(w), gap, tol_abs, epochs, stats


def enet_gram_solve(
    const floating[:, ::1] Q,
    const double[::1] q,
    double y_norm2,
    floating[::1] w,
    double l1_reg,
    double l2_reg,
    int max_iter,
    double tol,
    uint32_t seed,
    bint random=False,
    bint positive=False,
    bint newton=True,
):
    """Coordinate descent on the Gram matrix ``Q = X^T X`` and ``q = X^T y``.

    Each update costs O(n_features) instead of O(n_samples): the solver keeps
    ``h = X^T r = q - Q w`` instead of the residual. The certificate uses
    ``||r||^2 = ||y||^2 - w . q - w . h`` and ``r . y = ||y||^2 - w . q``;
    ``h`` is recomputed exactly at every gap evaluation so updates cannot drift.
    With ``newton``, Newton steps on a settled support as in
    :func:`enet_solve` (see :func:`gram_newton_step`), their work (the Gram
    block read, m^3 / 6 for a factorisation, p m for h) kept below the
    updates' (p per coefficient moved).
    Returns ``(w, gap, tol_abs, n_epochs)``.
    """
    cdef int n_features = w.shape[0], epochs = 0, check_at = 1, k, j, i
    if Q.shape[0] != n_features or Q.shape[1] != n_features or q.shape[0] != n_features:
        raise ValueError("Gram matrix and X^T y do not match the coefficients")
    cdef double[::1] h = np.empty(n_features)
    cdef uint32_t rng_state = seed if seed != 0 else 1
    cdef double tol_abs = tol * y_norm2, gap = INFINITY, dual_norm, z, w_old, w_new
    cdef double w_dot_q, w_dot_h, w_l1, w_l2, r_norm2, acc
    cdef int sign_epoch = 0, newton_wait = NEWTON_STABLE, m_newton, n_fact
    cdef double work = 0.0, newton_spent = 0.0, cost, fact
    cdef bint moved, capped

    cdef double next_check = first_check()  # (Ctrl-C, see interrupted)
    with nogil:
        for j in range(n_features):
            if Q[j, j] == 0.0:
                w[j] = 0  # a zero column cannot move: drop a warm start on it
        while True:
            # (Ctrl-C, at each gap evaluation: nothing to free here)
            if interrupted(&next_check):
                with gil:
                    reraise()
            for j in range(n_features):
                h[j] = q[j]
            for k in range(n_features):
                if w[k] != 0:
                    for j in range(n_features):
                        h[j] -= w[k] * Q[k, j]
            w_dot_q = 0.0
            w_dot_h = 0.0
            w_l1 = 0.0
            w_l2 = 0.0
            dual_norm = 0.0
            for j in range(n_features):
                w_dot_q += w[j] * q[j]
                w_dot_h += w[j] * h[j]
                w_l1 += fabs(w[j])
                w_l2 += <double> w[j] * w[j]
                dual_norm = max_d(dual_norm, violation(h[j] - l2_reg * w[j], positive))
            r_norm2 = max_d(y_norm2 - w_dot_q - w_dot_h, 0.0)
            acc = 0.0
            if l1_reg == 0.0:
                for j in range(n_features):
                    acc += ridge_share(h[j], w[j], positive, l2_reg == 0)
            gap = enet_gap(r_norm2, y_norm2 - w_dot_q, w_l1, w_l2, dual_norm, l1_reg, l2_reg,
                           acc)
            if gap <= tol_abs or epochs >= max_iter:
                break
            # Newton steps (see enet_solve): work in entries of Q read, a
            # factorisation's m^3 / 3 flops counted as m^3 / 6
            if newton and l1_reg > 0 and epochs - sign_epoch >= newton_wait:
                m_newton = 0
                for j in range(n_features):
                    m_newton += w[j] != 0
                fact = m_newton * (<double> m_newton * m_newton) / 6.0
                cost = m_newton * (m_newton + <double> n_features)
                if 0 < m_newton <= NEWTON_MAX and newton_spent + cost + fact <= work:
                    moved = gram_newton_step(
                        &Q[0, 0], n_features, &w[0], &h[0], l1_reg, l2_reg,
                        0.5 * r_norm2 + l1_reg * w_l1 + 0.5 * l2_reg * w_l2, NEWTON_DROPS,
                        &n_fact, &capped)
                    newton_spent += cost + n_fact * fact
                    newton_wait = NEWTON_STABLE if moved and not capped else 2 * newton_wait
                    sign_epoch = epochs
            while True:
                for k in range(n_features):
                    j = rand_below(n_features, &rng_state) if random else k
                    if Q[j, j] == 0.0:
                        continue
                    w_old = w[j]
                    z = h[j] + w_old * Q[j, j]
                    w_new = <floating> enet_update(z, l1_reg, Q[j, j] + l2_reg, positive)
                    if w_new != w_old:
                        if sign_changed(w_new, w_old):
                            sign_epoch = epochs
                        for i in range(n_features):
                            h[i] -= (w_new - w_old) * Q[j, i]
                        w[j] = <floating> w_new
                        work += n_features
                epochs += 1
                if epochs >= max_iter or epochs >= check_at:
                    check_at = epochs + min(check_at, 10)
                    break
    return np.asarray(w), gap, tol_abs, epochs
