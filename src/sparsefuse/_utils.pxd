# cython: cdivision=True
# Shared low-level helpers for the coordinate-descent kernels.
#
# Every helper is inline, ``noexcept nogil`` and generic over
# ``cython.floating`` so that one kernel source serves float32 and float64
# (but the pair that lets Ctrl-C stop a kernel: interrupted, reraise).
# Scalars that steer the algorithm (penalties, tolerances) are ``double``.

from cython cimport floating
from libc.math cimport fabs, sqrt, isfinite, INFINITY
from libc.float cimport DBL_EPSILON, FLT_EPSILON
from libc.stdint cimport uint32_t
from libc.string cimport memcpy
from cpython.mem cimport PyMem_RawMalloc, PyMem_RawFree
from scipy.linalg.cython_blas cimport ddot, daxpy


ctypedef fused index_t:
    int
    long long


cdef extern from "Python.h":
    int PyErr_CheckSignals()


cdef extern from *:
    """
    /* sparsefuse._stop's registry and check, looked up at the first check:
       one reference each per extension module, kept for its lifetime. */
    static PyObject *sparsefuse_stop_events = NULL;
    static PyObject *sparsefuse_stop_check = NULL;

    /* Whether the work of this thread was asked to stop (sparsefuse._stop),
       with the GIL: 0 to go on; -1 with an exception set to stop, the
       KeyboardInterrupt of a stopped thread or whatever the check raised (a
       signal handler can run inside it, and its exception must not be
       lost). Without any registered work (single fits) no Python code runs. */
    static int sparsefuse_stop_requested(void) {
        PyObject *module, *result;
        int stop;
        if (sparsefuse_stop_check == NULL) {
            module = PyImport_ImportModule("sparsefuse._stop");
            if (module == NULL)
                return -1;
            sparsefuse_stop_events = PyObject_GetAttrString(module, "_events");
            if (sparsefuse_stop_events != NULL)
                sparsefuse_stop_check = PyObject_GetAttrString(module, "stop_requested");
            Py_DECREF(module);
            if (sparsefuse_stop_events == NULL || sparsefuse_stop_check == NULL
                    || !PyDict_Check(sparsefuse_stop_events)) {
                Py_CLEAR(sparsefuse_stop_events);
                Py_CLEAR(sparsefuse_stop_check);
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "sparsefuse._stop._events is not a dict");
                return -1;
            }
        }
        if (PyDict_GET_SIZE(sparsefuse_stop_events) == 0)
            return 0;
        result = PyObject_CallNoArgs(sparsefuse_stop_check);
        if (result == NULL)
            return -1;
        stop = PyObject_IsTrue(result);
        Py_DECREF(result);
        if (stop == 1)
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        return stop == 0 ? 0 : -1;
    }
    """
    int sparsefuse_stop_requested()


# How often (seconds of a kernel's run) ``interrupted`` takes the GIL. Each
# time it may wait for it: next to a busy Python thread, up to the
# interpreter's switch interval (5 ms). Checked at every gap check, a path of
# 100 alphas on leukemia run in a worker thread took 8 s instead of 0.1 s (a
# review). A kernel also looks as it starts (first_check), with the GIL it
# holds then: a path of short solves looks at each.
cdef extern from *:
    """
    #define SPARSEFUSE_CHECK_SECONDS 0.02

    /* Seconds on a monotonic clock, without the GIL. */
    #ifdef _WIN32
    #include <windows.h>
    static double sparsefuse_seconds(void) { return 1e-3 * (double) GetTickCount64(); }
    #else
    #include <time.h>
    static double sparsefuse_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
    }
    #endif
    """
    double sparsefuse_seconds() nogil
    const double CHECK_SECONDS "SPARSEFUSE_CHECK_SECONDS"


cdef inline bint interrupted(double *next_check) noexcept nogil:
    """Whether a signal handler raised (Ctrl-C gives KeyboardInterrupt) or,
    in a worker thread, the work was stopped (KeyboardInterrupt too): asked
    of the interpreter (with the GIL) once ``next_check`` has come, then
    CHECK_SECONDS later, and so on. The exception stays set while a kernel
    frees what it holds; ``reraise`` then propagates it (with the GIL)."""
    cdef int status
    cdef double now = sparsefuse_seconds()
    if now < next_check[0]:
        return False
    next_check[0] = now + CHECK_SECONDS
    with gil:
        status = PyErr_CheckSignals()
        if status == 0:
            status = sparsefuse_stop_requested()
    return status != 0


cdef inline int reraise() except -1:
    """Propagate the exception a signal handler left set (see ``interrupted``)."""
    return -1


cdef inline double first_check() except? -1.0:
    """Look for Ctrl-C or a stop (see interrupted) as a kernel starts, with
    the GIL it holds then (no wait); raise what was found, else return when
    the kernel looks next. (A path or a fold is many kernel calls, most far
    shorter than CHECK_SECONDS: they look here.)"""
    cdef double next_check = 0.0
    if interrupted(&next_check):
        reraise()
    return next_check


cdef inline double dot_acc(int n, const floating *x, const double *y) noexcept nogil:
    """x . y accumulated in double, whatever the precision of x."""
    cdef int one = 1, i
    cdef double out = 0.0
    if floating is double:
        return ddot(&n, <double *> x, &one, <double *> y, &one)
    else:
        for i in range(n):
            out += x[i] * y[i]
        return out


cdef inline void axpy_acc(int n, double a, const floating *x, double *y) noexcept nogil:
    """y += a * x with y in double, whatever the precision of x."""
    cdef int one = 1, i
    if floating is double:
        daxpy(&n, &a, <double *> x, &one, y, &one)
    else:
        for i in range(n):
            y[i] += a * x[i]


cdef inline double sum_squares(const floating *x, int m) noexcept nogil:
    """sum of x[i]^2 over i < m (a dense column), accumulated in double.

    BLAS for float64; otherwise four partial sums, since one running sum
    waits on the latency of every addition.
    """
    cdef int one = 1, i = 0
    cdef double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    if floating is double:
        return ddot(&m, <double *> x, &one, <double *> x, &one)
    else:
        while i + 4 <= m:
            a0 += <double> x[i] * x[i]
            a1 += <double> x[i + 1] * x[i + 1]
            a2 += <double> x[i + 2] * x[i + 2]
            a3 += <double> x[i + 3] * x[i + 3]
            i += 4
        while i < m:
            a0 += <double> x[i] * x[i]
            i += 1
        return (a0 + a1) + (a2 + a3)


cdef inline double soft_threshold(double z, double threshold) noexcept nogil:
    """Proximal operator of ``threshold * |.|`` evaluated at ``z``."""
    if z > threshold:
        return z - threshold
    if z < -threshold:
        return z + threshold
    return 0.0


cdef inline double enet_update(double z, double l1_reg, double denom,
                               bint positive) noexcept nogil:
    """Exact minimiser of ``denom/2 w^2 - z w + l1_reg |w|`` (w >= 0 if positive)."""
    if positive:
        return (z - l1_reg) / denom if z > l1_reg else 0.0
    return soft_threshold(z, l1_reg) / denom


cdef inline uint32_t rand_step(uint32_t *state) noexcept nogil:
    """xorshift32: a small reproducible generator for random coordinate order."""
    cdef uint32_t x = state[0]
    x ^= x << 13
    x ^= x >> 17
    x ^= x << 5
    state[0] = x
    return x


cdef inline uint32_t rand_below(uint32_t n, uint32_t *state) noexcept nogil:
    """An integer in [0, n) (n is far below 2**32, so the modulo bias is negligible)."""
    return rand_step(state) % n


# --- column access, dense or CSC ---------------------------------------------

cdef inline double col_dot(
    int j, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, const double *r,
) noexcept nogil:
    """x_j . r."""
    cdef double acc = 0.0
    cdef index_t p
    if is_sparse:
        for p in range(indptr[j], indptr[j + 1]):
            acc += data[p] * r[indices[p]]
        return acc
    return dot_acc(n, X + <size_t> j * n, r)


cdef inline double centred_dot(
    int j, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, const double *q,
    bint implicit, const double *xv, double coef,
) noexcept nogil:
    """x_j . q, plus ``coef * (x_j . v)`` for an implicit intercept.

    ``xv`` holds x_j . v, or is NULL when v is all ones (see :func:`col_xv`).

    With r = q + c v and the centred column x_j - m_j v, the centred product
    is x_j . q + (c - (r . v) / ||v||^2) (x_j . v); callers pass that
    coefficient (just c where r . v = 0 is taken as exact).
    """
    cdef double g = 0.0, s = 0.0
    cdef index_t p
    if not implicit:
        return col_dot(j, n, is_sparse, X, data, indices, indptr, q)
    if xv != NULL:
        return col_dot(j, n, is_sparse, X, data, indices, indptr, q) + coef * xv[j]
    # unit v: x_j . v is the sum of the column, accumulated in the same pass
    for p in range(indptr[j], indptr[j + 1]):
        g += data[p] * q[indices[p]]
        s += data[p]
    return g + coef * s


cdef inline double col_xv(int j, const double *xv, const floating *data,
                          const index_t *indptr) noexcept nogil:
    """x_j . v for the implicit intercept (sparse X): stored, or for unit v
    (no sample weights) the column sum, which is not worth n_features doubles."""
    cdef double s = 0.0
    cdef index_t p
    if xv != NULL:
        return xv[j]
    for p in range(indptr[j], indptr[j + 1]):
        s += data[p]
    return s


cdef inline bint is_unit(const floating[::1] v) noexcept nogil:
    """Whether every entry of v is 1 (no sample weights)."""
    cdef int i
    for i in range(v.shape[0]):
        if v[i] != 1:
            return False
    return True


cdef inline bint xv_matches(const double[::1] xv, const floating[::1] v,
                            int n_features) noexcept nogil:
    """Whether ``xv`` may serve the implicit intercept: one entry per
    feature, or empty for a unit ``v`` (then :func:`col_xv` sums columns)."""
    return xv.shape[0] == n_features or (xv.shape[0] == 0 and is_unit(v))


cdef inline void col_axpy(
    int j, double a, int n, bint is_sparse, const floating *X,
    const floating *data, const index_t *indices, const index_t *indptr,
    double *r,
) noexcept nogil:
    """r += a x_j."""
    cdef index_t p
    if is_sparse:
        for p in range(indptr[j], indptr[j + 1]):
            r[indices[p]] += a * data[p]
    else:
        axpy_acc(n, a, X + <size_t> j * n, r)


cdef inline void move_residual(
    int j, double a, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, bint implicit, const double *xv,
    double inv_vv, double *q, double *c,
) noexcept nogil:
    """r += a (x_j - m_j v) for the residual r = q + c v (m_j = x_j . v / ||v||^2):
    q += a x_j, and with an implicit intercept c -= a m_j."""
    col_axpy(j, a, n, is_sparse, X, data, indices, indptr, q)
    if implicit:
        c[0] -= a * col_xv(j, xv, data, indptr) * inv_vv


cdef inline void exact_residual(
    const floating *y, const floating *w, const int *feats, int n_feats, int n,
    bint is_sparse, const floating *X, const floating *data, const index_t *indices,
    const index_t *indptr, bint implicit, const double *xv, double inv_vv, bint fold,
    const floating *v, double *q, double *c,
) noexcept nogil:
    """The residual r = q + c v of ``w`` recomputed from ``y`` (folded when
    ``fold``, see fold_intercept): over the features listed in ``feats``
    (those that can be nonzero), or the first ``n_feats`` when it is NULL.
    Inner solves refresh the residual they update incrementally with it."""
    cdef int i, k, j
    for i in range(n):
        q[i] = y[i]
    c[0] = 0.0
    for k in range(n_feats):
        j = feats[k] if feats != NULL else k
        if w[j] != 0:
            move_residual(j, -w[j], n, is_sparse, X, data, indices, indptr, implicit, xv,
                          inv_vv, q, c)
    if fold:
        fold_intercept(n, q, c, v)


cdef inline void fold_intercept(int n, double *q, double *c, const floating *v) noexcept nogil:
    """Move c v into q (r = q + c v unchanged; c = 0).

    For dense X with an implicit intercept, c sums the means of every step
    since the last fold, and q carries -c v: a large constant when columns
    have large means, whose products with the columns lose digits. Folded
    after each epoch, c only holds an epoch's steps, which vanish as the
    solver converges: products then round as with centred columns.
    """
    cdef int i
    for i in range(n):
        q[i] += c[0] * v[i]
    c[0] = 0.0


cdef inline double violation(double g, bint positive) noexcept nogil:
    """|g| (g under a sign constraint): compared with l1_reg by the KKT conditions."""
    return g if positive else fabs(g)


cdef inline void residual_stats(
    int n, const double *q, double c, const floating *v, const floating *y,
    bint fit_intercept, double *r_norm2, double *r_dot_y, double *r_dot_v,
) noexcept nogil:
    """||r||^2, r . y and r . v for r = q + c v."""
    cdef double a = 0.0, b = 0.0, d = 0.0, r_i
    cdef int i
    if fit_intercept:
        for i in range(n):
            r_i = q[i] + c * v[i]
            a += r_i * r_i
            b += r_i * y[i]
            d += r_i * v[i]
    else:
        for i in range(n):
            a += q[i] * q[i]
            b += q[i] * y[i]
    r_norm2[0] = a
    r_dot_y[0] = b
    r_dot_v[0] = d


cdef inline double max_d(double a, double b) noexcept nogil:
    """max(a, b) inlined (libm's fmax is a call, with NaN rules we do not need)."""
    return a if a > b else b


cdef inline double certified(double gap) noexcept nogil:
    """A computed duality gap as it may be reported: 0 for rounding below it,
    infinite for NaN (overflowed iterates certify nothing; max(NaN, 0) is 0)."""
    if gap != gap:
        return INFINITY
    return gap if gap > 0.0 else 0.0


cdef inline double ref_distance(
    int n, const double *q, double c, const floating *v, bint implicit,
    double scale, const double *theta_ref,
) noexcept nogil:
    """||r / scale - theta_ref|| for r = q + c v."""
    cdef double acc = 0.0, d
    cdef int i
    for i in range(n):
        d = (q[i] + c * v[i] if implicit else q[i]) / scale - theta_ref[i]
        acc += d * d
    return sqrt(acc)


cdef inline double resid(const double *q, double c, const floating *v, bint implicit,
                        int i) noexcept nogil:
    """Entry i of the residual r = q + c v (r = q without an implicit intercept)."""
    return q[i] + c * v[i] if implicit else q[i]


# --- working-set selection ----------------------------------------------------

cdef inline bint key_less(double a, int ia, double b, int ib) noexcept nogil:
    """(a, ia) < (b, ib): scores with their indices as tie-breaks, so that
    keys are distinct (a run of equal scores cannot stall a quickselect)."""
    return (a < b) | ((a == b) & (ia < ib))


cdef inline void quickselect(int *idx, int n, int k, const double *score) noexcept nogil:
    """Reorder idx[:n] so that idx[:k] holds the k entries of smallest
    (score, index). Median-of-three pivots; the partition swaps at every
    step and advances by the comparison, without a branch on it (which
    side an entry falls is unpredictable)."""
    cdef int lo = 0, hi = n - 1, i, store, mid, j, jp
    cdef double pivot
    cdef bint less
    if k <= 0 or k >= n:
        return
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if key_less(score[idx[mid]], idx[mid], score[idx[lo]], idx[lo]):
            idx[mid], idx[lo] = idx[lo], idx[mid]
        if key_less(score[idx[hi]], idx[hi], score[idx[lo]], idx[lo]):
            idx[hi], idx[lo] = idx[lo], idx[hi]
        if key_less(score[idx[mid]], idx[mid], score[idx[hi]], idx[hi]):
            idx[mid], idx[hi] = idx[hi], idx[mid]
        jp = idx[hi]
        pivot = score[jp]
        store = lo
        for i in range(lo, hi):
            j = idx[i]
            less = key_less(score[j], j, pivot, jp)
            idx[i] = idx[store]
            idx[store] = j
            store += less
        idx[store], idx[hi] = idx[hi], idx[store]
        if store == k - 1 or store == k:
            return
        if store < k:
            lo = store + 1
        else:
            hi = store - 1


cdef enum:
    # the sample select_smallest takes its threshold from
    SELECT_SAMPLE = 512


cdef inline void select_smallest(int *idx, int n, int k, const double *score) noexcept nogil:
    """Reorder idx[:n] so that idx[:k] holds the k entries of smallest score
    (ties broken by index).

    A working set is a few hundred of tens of thousands of candidates: when
    k <= n / 8, a threshold read from a strided sample (at about 1.5 times
    the sample's share k / n, plus a margin) first moves the entries at or
    below it to the front, and the selection runs on those only; if fewer
    than k pass (an unlucky sample), on all n. About 7x faster than a
    selection over all candidates on news20 (60,000 of them).
    """
    cdef int sample[SELECT_SAMPLE + 1]
    cdef double threshold
    cdef int step, i, j, m = 0, q, t
    if k <= 0 or k >= n:
        return
    if n >= 8 * SELECT_SAMPLE and k <= n // 8:
        step = n // SELECT_SAMPLE
        i = 0
        while i < n and m <= SELECT_SAMPLE:
            sample[m] = idx[i]
            m += 1
            i += step
        q = <int> (1.5 * k / n * m) + 8
        if q < m:
            # the threshold: the (q + 1)-th smallest score of the sample
            quickselect(sample, m, q + 1, score)
            threshold = -INFINITY
            for i in range(q + 1):
                threshold = max_d(threshold, score[sample[i]])
            t = 0
            for i in range(n):
                j = idx[i]
                idx[i] = idx[t]
                idx[t] = j
                t += score[j] <= threshold
            if t >= k:
                quickselect(idx, t, k, score)
                return
    quickselect(idx, n, k, score)


# --- Anderson extrapolation ---------------------------------------------------

cdef inline long long col_entries(int j, bint is_sparse, const index_t *indptr,
                                  int n) noexcept nogil:
    """Stored entries of column j: what a product with it reads."""
    return indptr[j + 1] - indptr[j] if is_sparse else n


cdef inline long long nonzero_column_nnz(const int *feats, int m, const floating *w,
                                         bint is_sparse, const index_t *indptr,
                                         int n) noexcept nogil:
    """Stored entries of the columns ``feats[:m]`` whose coefficient is nonzero:
    the cost of moving them all, to weigh against combining K residuals."""
    cdef long long total = 0
    cdef int k
    for k in range(m):
        if w[feats[k]] != 0:
            total += col_entries(feats[k], is_sparse, indptr, n)
    return total


cdef inline long long column_cost(const int *feats, int m, bint is_sparse,
                                  const index_t *indptr, int n) noexcept nogil:
    """Stored entries of the columns ``feats[:m]``: the cost of one pass over them."""
    cdef long long total = 0
    cdef int k
    if not is_sparse:
        return <long long> m * n
    for k in range(m):
        total += col_entries(feats[k], True, indptr, n)
    return total


cdef inline long long group_cost(const int *groups, int m, const int *group_ptr,
                                 bint is_sparse, const index_t *indptr, int n) noexcept nogil:
    """Stored entries of the columns of ``groups[:m]``: the cost of one pass over them."""
    cdef long long total = 0
    cdef int k, g
    for k in range(m):
        g = groups[k]
        if is_sparse:
            total += indptr[group_ptr[g + 1]] - indptr[group_ptr[g]]
        else:
            total += <long long> (group_ptr[g + 1] - group_ptr[g]) * n
    return total


# Coordinate descent on a working set smaller than the active features
# returns to the outer iteration once its passes have cost this many passes
# over the active features: its gap can stall above the target (float32
# rounding) or converge slowly while features outside it violate their
# constraints, which only the outer iteration (the KKT check) sees. A return
# costs more than its pass (the Anderson history restarts): 10 and 30 slowed
# the news20 and AR(1) paths of the benchmark by 10-20%, 100 never fires
# there. A working set of every active feature recomputes its residual
# (exact_residual) as often instead of returning.
cdef enum:
    INNER_PASSES = 100


cdef inline void combine_rows(double *out, const double *rows, const double *weights,
                              int K, size_t m) noexcept nogil:
    """out = sum_k weights[k] * rows[k + 1] over K rows of length m (row 0 unused).

    The Anderson combination of stored residuals: the residual is affine in w,
    so the extrapolated point's residual is the same combination of theirs.
    With weights summing to 1 it is computed as rows[K] plus weighted
    differences to it: the weights grow large as the iterates converge, and
    the differences, unlike the rows, carry no common rounding drift.
    """
    cdef size_t i
    cdef int k
    cdef double c
    cdef const double *last = rows + <size_t> K * m
    for i in range(m):
        out[i] = last[i]
    for k in range(K - 1):
        c = weights[k]
        for i in range(m):
            out[i] += c * (rows[(k + 1) * m + i] - last[i])


cdef inline double anderson_candidate(
    const double *hist, const double *weights, int K, const int *feats, int m,
    const floating *w, bint positive, bint sign_clip, double *w_acc,
    bint combine_q, const double *q_hist, const double *c_hist, const double *q, double c,
    double *q_alt,
    int n, bint is_sparse, const floating *X, const floating *data, const index_t *indices,
    const index_t *indptr, bint implicit, const double *xv, double inv_vv,
) noexcept nogil:
    """The Anderson candidate and its residual; returns its intercept scalar.

    ``w_acc[k] = sum_t weights[t] * hist[t + 1][k]`` for the features
    ``feats[:m]`` (0 where ``w`` is zero or of the opposite sign, if
    ``sign_clip``, or where it is negative under ``positive``; rounded to the
    precision of w). Its residual ``q_alt + c_alt v`` is the same combination
    of the stored residuals ``q_hist`` / ``c_hist`` when ``combine_q`` (see
    :func:`combine_rows`), otherwise the current residual ``q + c v`` moved
    column by column to the candidate.
    """
    cdef double acc, d, c_alt
    cdef int k, t, j
    if combine_q:
        combine_rows(q_alt, q_hist, weights, K, n)
        combine_rows(&c_alt, c_hist, weights, K, 1)
    else:
        memcpy(q_alt, q, n * sizeof(double))
        c_alt = c
    for k in range(m):
        j = feats[k]
        acc = 0.0
        for t in range(K):
            acc += weights[t] * hist[<size_t> (t + 1) * m + k]
        if (sign_clip and acc * w[j] <= 0) or (positive and acc < 0):
            # A coefficient extrapolated past zero or away from it (with
            # ``sign_clip``: one decaying to zero, which coordinate descent
            # approaches slowly on correlated columns, or one it has just
            # zeroed) or below zero under positive=True: the candidate takes 0.
            # The combined residual holds acc for it: move it back.
            if combine_q:
                move_residual(j, acc, n, is_sparse, X, data, indices, indptr, implicit, xv,
                              inv_vv, q_alt, &c_alt)
            acc = 0.0
        w_acc[k] = <floating> acc
        if combine_q:
            continue
        d = w_acc[k] - w[j]
        if d != 0:
            move_residual(j, -d, n, is_sparse, X, data, indices, indptr, implicit, xv,
                          inv_vv, q_alt, &c_alt)
    return c_alt


cdef inline bint anderson_weights(const double *hist, int m, int K, double *weights) noexcept nogil:
    """Weights c (sum 1) minimising ||sum_t c_t (w_{t+1} - w_t)|| over K differences.

    ``hist`` holds K + 1 iterates of length m, row-major. Solves
    (U U^T + ridge) z = 1 by Gaussian elimination; False if it is singular.
    """
    cdef double G[16 * 16]
    cdef double z[16]
    cdef double s, trace = 0.0, f
    cdef int a, b, k, col
    for a in range(K):
        for b in range(a, K):
            s = 0.0
            for k in range(m):
                s += ((hist[<size_t> (a + 1) * m + k] - hist[<size_t> a * m + k])
                      * (hist[<size_t> (b + 1) * m + k] - hist[<size_t> b * m + k]))
            G[a * K + b] = s
            G[b * K + a] = s
        trace += G[a * K + a]
        z[a] = 1.0
    if trace <= 0.0:
        return False
    for a in range(K):
        G[a * K + a] += 1e-10 * trace
    for col in range(K):
        if G[col * K + col] <= 0.0:
            return False
        for a in range(col + 1, K):
            f = G[a * K + col] / G[col * K + col]
            for b in range(col, K):
                G[a * K + b] -= f * G[col * K + b]
            z[a] -= f * z[col]
    for a in range(K - 1, -1, -1):
        s = z[a]
        for b in range(a + 1, K):
            s -= G[a * K + b] * z[b]
        z[a] = s / G[a * K + a]
    s = 0.0
    for a in range(K):
        s += z[a]
    if s == 0.0 or not isfinite(s):
        return False
    for a in range(K):
        weights[a] = z[a] / s
    return True


cdef inline void design_pointers(
    const floating[::1, :] X, const floating[::1] X_data,
    const index_t[::1] X_indices, const index_t[::1] X_indptr, bint is_sparse,
    const floating **Xp, const floating **data, const index_t **indices,
    const index_t **indptr,
) noexcept:
    """Raw pointers to the dense or CSC buffers (NULL where a buffer is empty)."""
    Xp[0] = NULL
    data[0] = NULL
    indices[0] = NULL
    indptr[0] = NULL
    if is_sparse:
        indptr[0] = &X_indptr[0]
        if X_data.shape[0] > 0:
            data[0] = &X_data[0]
            indices[0] = &X_indices[0]
    elif X.shape[0] > 0 and X.shape[1] > 0:
        Xp[0] = &X[0, 0]


# --- Newton steps on a settled support -----------------------------------------
# Coordinate descent converges linearly, at a rate set by the conditioning of
# the support's Gram matrix; both kernels take Newton steps on the support
# once it has settled (no coefficient changed sign, left or joined it for
# NEWTON_STABLE epochs), on supports of at most NEWTON_MAX features, while the
# steps' work stays below the coordinate updates' in the solve so far.

cdef enum:
    NEWTON_STABLE = 5
    NEWTON_MAX = 2000
    # drops in one step of active_set_newton (at most 32: its arrays)
    NEWTON_DROPS = 20


cdef extern from *:
    """
    /* relative to the largest diagonal entry: the ridge of a singular Newton system */
    #define SPARSEFUSE_NEWTON_RIDGE 1e-10
    """
    const double NEWTON_RIDGE "SPARSEFUSE_NEWTON_RIDGE"


cdef inline double rounding_margin(double objective, bint single) noexcept nogil:
    """A fall of P below which a Newton step is rounding, not progress (500
    such steps were taken at a tol float32 cannot reach)."""
    return 4.0 * (FLT_EPSILON if single else DBL_EPSILON) * objective


cdef inline double newton_work(long long entries, int m, double *factorisation) noexcept nogil:
    """The work of a Newton step on a support of m columns holding ``entries``
    stored entries of X, in stored entries: returns that of its products,
    (m + 3) / 2 passes over the support (the Gram matrix's take m / 2);
    ``factorisation`` receives a Cholesky factorisation's, counted as the
    larger of m^3 / 6 (for m^3 / 3 flops) and 2/3 of the Gram matrix's cost,
    which bounds it on dense columns with m <= n and scales with X's
    entries, as the epochs' work does: a fit with integer sample weights
    then takes the same steps as one on repeated rows (scikit-learn's
    check)."""
    cdef double cost = 0.5 * (m + 3) * <double> entries
    factorisation[0] = max_d(m * (<double> m * m) / 6.0, cost * 2.0 / 3.0)
    return cost


cdef inline bint cholesky_factor(double *H, int m) noexcept nogil:
    """Overwrite the lower triangle of H (symmetric positive definite, given
    row by row: ``H[i * m + j]``, j <= i) with its Cholesky factor L (H = L
    L^T); False if H is not numerically positive definite. (Row-oriented,
    each entry a dot product of two contiguous rows; LAPACK's dpotrf would
    start BLAS threads, whose start-up cost more than the factorisation on
    the small systems of the Newton steps.)
    """
    cdef int i, j, k
    cdef double s
    cdef double *Li
    cdef double *Lj
    for i in range(m):
        Li = H + <size_t> i * m
        for j in range(i + 1):
            Lj = H + <size_t> j * m
            s = Li[j]
            for k in range(j):
                s -= Li[k] * Lj[k]
            if j < i:
                Li[j] = s / Lj[j]
            elif s > 0 and isfinite(s):
                Li[i] = sqrt(s)
            else:
                return False
    return True


cdef inline void cholesky_apply(const double *L, int m, double *b) noexcept nogil:
    """b <- (L L^T)^{-1} b for the factor of :func:`cholesky_factor`."""
    cdef int i, k
    cdef double s
    cdef const double *Li
    for i in range(m):
        Li = L + <size_t> i * m
        s = b[i]
        for k in range(i):
            s -= Li[k] * b[k]
        b[i] = s / Li[i]
    for i in range(m - 1, -1, -1):
        Li = L + <size_t> i * m
        b[i] /= Li[i]
        for k in range(i):
            b[k] -= Li[k] * b[i]


cdef inline void spread_column(int j, int n, bint is_sparse, const floating *X,
                               const floating *data, const index_t *indices,
                               const index_t *indptr, double *buf) noexcept nogil:
    """Column j of X into ``buf`` (n, dense; for sparse X zero elsewhere,
    which :func:`clear_column` restores)."""
    cdef index_t p
    if is_sparse:
        for p in range(indptr[j], indptr[j + 1]):
            buf[indices[p]] = data[p]
    else:
        for p in range(n):
            buf[p] = X[<size_t> j * n + p]


cdef inline void clear_column(int j, bint is_sparse, const index_t *indices,
                              const index_t *indptr, double *buf) noexcept nogil:
    """Undo :func:`spread_column` of sparse column j (dense: overwritten next)."""
    cdef index_t p
    if is_sparse:
        for p in range(indptr[j], indptr[j + 1]):
            buf[indices[p]] = 0.0


cdef inline long long support_gram(
    const int *S, int m, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, bint implicit, const double *xv,
    double inv_vv, const double *q, double coef, double *Gx, double *grad, double *xvs,
    double *buf,
) noexcept nogil:
    """The Newton system's data on the columns ``S[:m]``: ``Gx`` (m x m, full,
    row-major) the Gram matrix of the centred columns and ``grad`` their
    centred products with the residual (``q`` and ``coef`` as for
    :func:`centred_dot`). Scratch: ``xvs`` (m) and ``buf`` (n, zero on entry
    and on return). Returns the stored entries read."""
    cdef int k, kk, j, jj
    cdef long long nread = 0
    cdef double g
    for k in range(m):
        j = S[k]
        xvs[k] = col_xv(j, xv, data, indptr) if implicit else 0.0
        grad[k] = centred_dot(j, n, is_sparse, X, data, indices, indptr, q, implicit, xv, coef)
        nread += col_entries(j, is_sparse, indptr, n)
    # column k of X spread into buf, then its products with the columns after it
    for k in range(m):
        j = S[k]
        spread_column(j, n, is_sparse, X, data, indices, indptr, buf)
        nread += col_entries(j, is_sparse, indptr, n)
        for kk in range(k, m):
            jj = S[kk]
            g = (col_dot(jj, n, is_sparse, X, data, indices, indptr, buf)
                 - xvs[k] * xvs[kk] * inv_vv)
            Gx[<size_t> k * m + kk] = g
            Gx[<size_t> kk * m + k] = g
            nread += col_entries(jj, is_sparse, indptr, n)
        clear_column(j, is_sparse, indices, indptr, buf)
    return nread


cdef inline void newton_rhs(
    const double *Gx, int m, const double *grad, const double *w_old, const double *w_cur,
    const double *sgn, const int *act, double l1_reg, const double *l1_vec, double l2_reg,
    double *rhs,
) noexcept nogil:
    """The Newton system's right-hand side at w_cur: the gradient there,
    grad - Gx (w_cur - w_old), minus the penalties', on the features still
    in the support (``act``), 0 on the others. The l1 weight of feature k
    is ``l1_vec[k]``, or ``l1_reg`` for all if ``l1_vec`` is NULL."""
    cdef int k, kk
    cdef double g
    for k in range(m):
        if not act[k]:
            rhs[k] = 0.0
            continue
        g = grad[k]
        for kk in range(m):
            if w_cur[kk] != w_old[kk]:
                g -= Gx[<size_t> k * m + kk] * (w_cur[kk] - w_old[kk])
        rhs[k] = g - l2_reg * w_cur[k] - (l1_reg if l1_vec == NULL else l1_vec[k]) * sgn[k]


cdef inline int cut_step(
    double *w_cur, const double *d, int *act, const double *sgn, int m, bint single,
    int *dropped,
) noexcept nogil:
    """w_cur += t d on the features still in the support (``act``), t <= 1
    the largest step that keeps every sign: the coefficient that sets t (and
    any other rounded past zero) is set to 0 and leaves the support, listed
    in ``dropped``. Returns how many left, or -1 (nothing moved) if d is
    not finite."""
    cdef int k, k_stop = -1, n_out = 0
    cdef double t = 1.0, wn
    for k in range(m):
        if not act[k]:
            continue
        if not isfinite(d[k]):
            return -1
        if (w_cur[k] + d[k]) * sgn[k] < 0 and -w_cur[k] / d[k] < t:
            t = -w_cur[k] / d[k]
            k_stop = k
    for k in range(m):
        if not act[k]:
            continue
        wn = w_cur[k] + t * d[k]
        if k == k_stop or wn * sgn[k] <= 0:
            wn = 0.0
            act[k] = 0
            dropped[n_out] = k
            n_out += 1
        w_cur[k] = <double> <float> wn if single else wn
    return n_out


cdef inline bint active_set_newton(
    const double *Gx, int m, const double *grad, const double *w_old, double l1_reg,
    const double *l1_vec, double l2_reg, int max_drops, bint single, double *w_cur,
    int *n_fact_out, bint *capped,
) noexcept nogil:
    """The Newton steps of the Lasso kernel's newton_step from ``w_old`` (all nonzero: the
    sign pattern) given the support's Gram matrix ``Gx`` (m x m, full) and
    gradient ``grad`` (X_S^T r there): the result in ``w_cur`` (rounded to
    float32 when ``single``), whether it moved returned (not without memory),
    the factorisations in ``n_fact_out``, whether it stopped at the drops'
    limit in ``capped``. The l1 weights as in :func:`newton_rhs` (the group
    kernel's supports of lone coefficients weigh each by its group's).

    H = Gx + l2_reg I is factorised once. With the dropped features D (at 0),
    the system on the others, H_AA x_A = b_A, is solved through the factor
    of H: x = u - Z lambda with u = H^{-1} b (b_D = 0), Z = H^{-1} E_D and
    (E_D^T Z) lambda = u_D, a |D| x |D| system (a Schur complement), so that
    a drop costs O(m^2) instead of a new factorisation; at most ``max_drops``
    (and NEWTON_DROPS) of them. Through the factor of H the solution loses
    digits where H is nearly singular in the dropped directions (a ridge,
    duplicate columns), and scikit-learn's sample-weight equivalence check
    saw it: after drops, one more step on the final support comes from a
    factorisation of its own system.
    """
    cdef int k, kk, a, b, n_out, n_drop = 0, n_fact = 0, attempt
    cdef double ridge = 0.0, diag_max = 0.0
    cdef int D[32]       # NEWTON_DROPS <= 32
    cdef double S[32 * 32]
    cdef double lam[32]
    n_fact_out[0] = 0
    capped[0] = False
    max_drops = min(max_drops, NEWTON_DROPS)
    # scratch: H (m x m, the factor), rhs, the signs, Z (max_drops x m); the
    # features still in the support (act) and those a step drops
    cdef double *H = <double *> PyMem_RawMalloc(
        (<size_t> m * (m + 2 + max(max_drops, 1))) * sizeof(double))
    cdef int *act = <int *> PyMem_RawMalloc(2 * <size_t> max(m, 1) * sizeof(int))
    if H == NULL or act == NULL:
        PyMem_RawFree(H)
        PyMem_RawFree(act)
        return False
    cdef double *rhs = H + <size_t> m * m
    cdef double *sgn = rhs + m
    cdef double *Z = sgn + m
    cdef int *dropped = act + m
    for k in range(m):
        diag_max = max_d(diag_max, Gx[<size_t> k * m + k])
        w_cur[k] = w_old[k]
        sgn[k] = 1.0 if w_old[k] > 0 else -1.0
        act[k] = 1
    while True:
        for k in range(m):
            for kk in range(k + 1):
                H[<size_t> k * m + kk] = Gx[<size_t> k * m + kk]
            H[<size_t> k * m + k] += l2_reg + ridge
        n_fact += 1
        if cholesky_factor(H, m):
            break
        # Collinear columns in S: then the step with a small ridge, whose
        # direction still lowers P (and P along it is least beyond the full
        # step), runs along the flat direction until a coefficient reaches 0.
        if ridge > 0 or diag_max <= 0:
            n_drop = -1  # (no factor: no step)
            break
        ridge = NEWTON_RIDGE * diag_max
    n_fact_out[0] = n_fact
    while n_drop >= 0:
        newton_rhs(Gx, m, grad, w_old, w_cur, sgn, act, l1_reg, l1_vec, l2_reg, rhs)
        cholesky_apply(H, m, rhs)
        if n_drop > 0:
            for a in range(n_drop):
                lam[a] = rhs[D[a]]
                for b in range(a + 1):
                    S[a * n_drop + b] = Z[<size_t> b * m + D[a]]
            if not cholesky_solve(S, n_drop, lam):
                break
            for b in range(n_drop):
                for k in range(m):
                    rhs[k] -= Z[<size_t> b * m + k] * lam[b]
        n_out = cut_step(w_cur, rhs, act, sgn, m, single, dropped)
        if n_out <= 0:
            break
        for a in range(n_out):
            if n_drop < max_drops:
                k = dropped[a]
                D[n_drop] = k
                for kk in range(m):
                    Z[<size_t> n_drop * m + kk] = 0.0
                Z[<size_t> n_drop * m + k] = 1.0
                cholesky_apply(H, m, Z + <size_t> n_drop * m)
            n_drop += 1
        if n_drop > max_drops:
            break
    capped[0] = n_drop > max_drops
    if n_drop > 0 or (n_drop == 0 and ridge > 0):
        newton_rhs(Gx, m, grad, w_old, w_cur, sgn, act, l1_reg, l1_vec, l2_reg, rhs)
        a = 0
        for k in range(m):
            if act[k]:
                rhs[a] = rhs[k]
                a += 1
        # H_AA, packed with stride a: no ridge first, unless it is singular
        for attempt in range(2 if a > 0 else 0):
            ridge = 0.0 if attempt == 0 else NEWTON_RIDGE * diag_max
            b = 0
            for k in range(m):
                if not act[k]:
                    continue
                n_out = 0
                for kk in range(k + 1):
                    if act[kk]:
                        H[<size_t> b * a + n_out] = Gx[<size_t> k * m + kk]
                        n_out += 1
                H[<size_t> b * a + b] += l2_reg + ridge
                b += 1
            n_fact += 1
            if cholesky_factor(H, a):
                cholesky_apply(H, a, rhs)
                # (spread back to the support's positions, from the end)
                for k in range(m - 1, -1, -1):
                    if act[k]:
                        a -= 1
                        rhs[k] = rhs[a]
                    else:
                        rhs[k] = 0.0
                cut_step(w_cur, rhs, act, sgn, m, single, dropped)
                break
        n_fact_out[0] = n_fact
    PyMem_RawFree(H)
    PyMem_RawFree(act)
    for k in range(m):
        if w_cur[k] != w_old[k]:
            return True
    return False


cdef inline bint cholesky_solve(double *H, int m, double *b) noexcept nogil:
    """Solve H x = b in place (x in b): :func:`cholesky_factor`, then
    :func:`cholesky_apply`; False if H is not positive definite."""
    if not cholesky_factor(H, m):
        return False
    cholesky_apply(H, m, b)
    return True
