# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Coordinate-descent kernels for the Lasso and the elastic net.

Both kernels minimise, in the scaling of scikit-learn's ``_cd_fast``::

    P(w) = 1/2 ||y - X w||^2 + l1_reg ||w||_1 + l2_reg/2 ||w||^2

and stop when the duality gap falls below ``tol * ||y||^2``. Validation,
centring, sample weights and alpha grids live in Python; a kernel receives raw
buffers, updates ``w`` in place and returns ``(w, gap, tol_abs, n_epochs,
n_active)``, where ``n_active`` is the number of features still in play after
Gap Safe screening.

The dual point used for the gap is the rescaled residual (Fercoq, Gramfort and
Salmon, 2015): ``theta = r / max(l1_reg, ||X^T r - l2_reg w||_inf)``, on the
elastic net seen as a Lasso on the augmented design ``[X; sqrt(l2_reg) I]``.
"""

import numpy as np

from libc.math cimport fabs, sqrt, fmax
from libc.stdint cimport uint32_t

from sparsefuse._utils cimport (
    floating, index_t, dot, dot_acc, axpy, axpy_acc, enet_update, l1_dual_norm,
    rand_below,
)


cdef inline double enet_gap(
    int n_features, const double *grad, const floating *w,
    double r_norm2, double r_dot_y, double l1_reg, double l2_reg, bint positive,
    double *dual_norm,
) noexcept nogil:
    """Duality gap given ``grad = X^T r - l2_reg w``, ``||r||^2`` and ``r . y``."""
    cdef double w_l1 = 0.0, w_l2 = 0.0, scale, gap
    cdef int j
    for j in range(n_features):
        w_l1 += fabs(w[j])
        w_l2 += w[j] * w[j]
    dual_norm[0] = l1_dual_norm(n_features, grad, positive)
    scale = l1_reg / dual_norm[0] if dual_norm[0] > l1_reg else 1.0
    # P(w) - D(scale * r_aug), r_aug = [r; -sqrt(l2_reg) w]
    gap = (0.5 * (r_norm2 + l2_reg * w_l2) * (1.0 + scale * scale)
           + l1_reg * w_l1 - scale * r_dot_y)
    return fmax(gap, 0.0)


cdef inline int gap_safe_screen(
    int n_features, const double *grad, const double *norms2, double dual_norm,
    double gap, double l1_reg, double l2_reg, bint positive,
    int *active, int n_active, unsigned char *discarded,
) noexcept nogil:
    """Drop from ``active`` the features the Gap Safe sphere certifies inactive.

    In the normalised dual (``|x_j^T theta| <= 1``) the optimum lies in a ball
    of radius ``sqrt(2 gap) / l1_reg`` around the current dual point, so
    feature j is zero at the optimum when ``|x_j^T theta| + radius ||x_j|| < 1``
    (one-sided for positive coefficients). Returns the new active count.
    """
    cdef double radius = sqrt(2.0 * gap) / l1_reg
    cdef double inv = 1.0 / fmax(l1_reg, dual_norm)
    cdef double corr
    cdef int k, j, kept = 0
    for k in range(n_active):
        j = active[k]
        corr = grad[j] * inv if positive else fabs(grad[j]) * inv
        if corr + radius * sqrt(norms2[j] + l2_reg) < 1.0:
            discarded[j] = 1
        else:
            active[kept] = j
            kept += 1
    return kept


def enet_cd_dense(
    const floating[::1, :] X,
    const floating[::1] y,
    floating[::1] w,
    double l1_reg,
    double l2_reg,
    int max_iter,
    double tol,
    uint32_t seed,
    bint random=False,
    bint positive=False,
    bint screening=True,
    int gap_freq=10,
):
    """Coordinate descent on a Fortran-ordered dense design (centred by the caller)."""
    cdef int n_samples = X.shape[0], n_features = X.shape[1]
    dtype = np.float32 if floating is float else np.float64
    cdef floating[::1] R = np.empty(n_samples, dtype=dtype)
    cdef double[::1] R64 = np.empty(n_samples)
    cdef double[::1] norms2 = np.empty(n_features)
    cdef double[::1] grad = np.zeros(n_features)
    cdef int[::1] active = np.arange(n_features, dtype=np.intc)
    cdef unsigned char[::1] discarded = np.zeros(n_features, dtype=np.uint8)
    cdef int n_active = n_features, epoch = 0, k, j, i
    cdef uint32_t rng_state = seed if seed != 0 else 1
    cdef double tol_abs, gap = np.inf, dual_norm, z, w_old, w_new, dw_max, w_max
    cdef double r_norm2, r_dot_y
    cdef bint do_screen = screening and l1_reg > 0

    with nogil:
        for j in range(n_features):
            norms2[j] = dot(n_samples, &X[0, j], &X[0, j])
        tol_abs = tol * dot(n_samples, &y[0], &y[0])

        while True:
            # Certificate: the gap of the current iterate, from a residual
            # recomputed in double (updates drift, in float32 visibly), which
            # also refreshes the working residual. Then screening with it.
            r_norm2 = 0.0
            r_dot_y = 0.0
            for i in range(n_samples):
                R64[i] = y[i]
            for j in range(n_features):
                if w[j] != 0:
                    axpy_acc(n_samples, -w[j], &X[0, j], &R64[0])
            for i in range(n_samples):
                R[i] = <floating> R64[i]
                r_norm2 += R64[i] * R64[i]
                r_dot_y += R64[i] * y[i]
            for j in range(n_features):
                grad[j] = dot_acc(n_samples, &X[0, j], &R64[0]) - l2_reg * w[j]
            gap = enet_gap(n_features, &grad[0], &w[0], r_norm2, r_dot_y,
                           l1_reg, l2_reg, positive, &dual_norm)
            if gap <= tol_abs or epoch >= max_iter:
                break
            if do_screen:
                n_active = gap_safe_screen(
                    n_features, &grad[0], &norms2[0], dual_norm, gap, l1_reg,
                    l2_reg, positive, &active[0], n_active, &discarded[0])
                for j in range(n_features):
                    if discarded[j] and w[j] != 0:
                        axpy(n_samples, w[j], &X[0, j], &R[0])
                        w[j] = 0

            # Epochs until the iterate stalls, gap_freq epochs pass or the
            # budget runs out; then the gap is evaluated again.
            while True:
                dw_max = 0.0
                w_max = 0.0
                for k in range(n_active):
                    j = active[rand_below(n_active, &rng_state)] if random else active[k]
                    if norms2[j] == 0.0:
                        continue
                    w_old = w[j]
                    z = dot(n_samples, &X[0, j], &R[0]) + w_old * norms2[j]
                    w_new = <floating> enet_update(z, l1_reg, norms2[j] + l2_reg, positive)
                    if w_new != w_old:
                        axpy(n_samples, w_old - w_new, &X[0, j], &R[0])
                        w[j] = w_new
                    dw_max = fmax(dw_max, fabs(w_new - w_old))
                    w_max = fmax(w_max, fabs(w_new))
                epoch += 1
                if (w_max == 0.0 or dw_max <= tol * w_max or epoch % gap_freq == 0
                        or epoch >= max_iter):
                    break

    return np.asarray(w), gap, tol_abs, epoch, n_active


def enet_cd_sparse(
    const floating[::1] X_data,
    const index_t[::1] X_indices,
    const index_t[::1] X_indptr,
    int n_samples,
    const floating[::1] y,
    floating[::1] w,
    const floating[::1] v,
    bint fit_intercept,
    double l1_reg,
    double l2_reg,
    int max_iter,
    double tol,
    uint32_t seed,
    bint random=False,
    bint positive=False,
    bint screening=True,
    int gap_freq=10,
):
    """Coordinate descent on a CSC design, with an implicitly centred intercept.

    With ``fit_intercept`` the model is ``X w + b v`` where ``v`` is the
    intercept column (ones, or sqrt(sample_weight) once rows are rescaled) and
    ``y`` has already been made orthogonal to ``v``. Minimising over ``b``
    replaces each column x_j by its centred version ``x_j - m_j v`` with
    ``m_j = x_j . v / ||v||^2``; centring X would fill in every zero, so
    instead the residual is stored as ``r = q + c v`` with::

        q = y - X w   (sparse updates)    c = sum_j m_j w_j   (a scalar)

    Since ``r`` is orthogonal to ``v``, the coordinate gradient is
    ``(x_j - m_j v) . r = x_j . q + c (x_j . v)``: a sum over the nonzeros of
    column j plus a precomputed scalar. A step ``delta`` on w_j updates q on
    those same nonzeros and ``c += delta m_j``, so every update costs
    O(nnz of the column), never O(n_samples).
    """
    cdef int n_features = X_indptr.shape[0] - 1
    # q is kept in double: with an intercept it carries the uncentred part
    # c v, which cancels in r = q + c v and would eat float32's digits.
    cdef double[::1] q = np.empty(n_samples)
    cdef double[::1] norms2 = np.zeros(n_features)
    cdef double[::1] xv = np.zeros(n_features)      # x_j . v
    cdef double[::1] means = np.zeros(n_features)   # m_j = x_j . v / ||v||^2
    cdef double[::1] grad = np.zeros(n_features)
    cdef int[::1] active = np.arange(n_features, dtype=np.intc)
    cdef unsigned char[::1] discarded = np.zeros(n_features, dtype=np.uint8)
    cdef int n_active = n_features, epoch = 0, k, j, i
    cdef index_t p, start, end
    cdef uint32_t rng_state = seed if seed != 0 else 1
    cdef double tol_abs, gap = np.inf, dual_norm, z, w_old, w_new, delta
    cdef double dw_max, w_max, r_norm2, r_dot_y, r_dot_v, vv = 0.0, c = 0.0
    cdef double acc, nnz_v2, r_i
    cdef bint do_screen = screening and l1_reg > 0

    with nogil:
        if fit_intercept:
            for i in range(n_samples):
                vv += v[i] * v[i]
        for j in range(n_features):
            start = X_indptr[j]
            end = X_indptr[j + 1]
            if fit_intercept and vv > 0:
                acc = 0.0
                nnz_v2 = 0.0
                for p in range(start, end):
                    acc += X_data[p] * v[X_indices[p]]
                xv[j] = acc
                means[j] = acc / vv
                # ||x_j - m_j v||^2 in two passes, free of cancellation.
                acc = 0.0
                for p in range(start, end):
                    i = X_indices[p]
                    acc += (X_data[p] - means[j] * v[i]) ** 2
                    nnz_v2 += v[i] * v[i]
                norms2[j] = acc + means[j] * means[j] * fmax(vv - nnz_v2, 0.0)
            else:
                acc = 0.0
                for p in range(start, end):
                    acc += X_data[p] * X_data[p]
                norms2[j] = acc

        tol_abs = tol * dot(n_samples, &y[0], &y[0])

        while True:
            # Certificate: q and c recomputed from scratch (updates drift),
            # then the gap of r = q + c v.
            for i in range(n_samples):
                q[i] = y[i]
            c = 0.0
            for j in range(n_features):
                if w[j] != 0:
                    for p in range(X_indptr[j], X_indptr[j + 1]):
                        q[X_indices[p]] -= w[j] * X_data[p]
                    c += means[j] * w[j]
            r_norm2 = 0.0
            r_dot_y = 0.0
            r_dot_v = 0.0
            for i in range(n_samples):
                r_i = q[i] + c * v[i] if fit_intercept else q[i]
                r_norm2 += r_i * r_i
                r_dot_y += r_i * y[i]
                if fit_intercept:
                    r_dot_v += r_i * v[i]
            for j in range(n_features):
                acc = 0.0
                for p in range(X_indptr[j], X_indptr[j + 1]):
                    acc += X_data[p] * q[X_indices[p]]
                # (x_j - m_j v) . r; the r . v term is zero up to rounding and
                # is kept so that the certificate is exact.
                grad[j] = (acc + c * xv[j] - means[j] * r_dot_v) - l2_reg * w[j]
            gap = enet_gap(n_features, &grad[0], &w[0], r_norm2, r_dot_y,
                           l1_reg, l2_reg, positive, &dual_norm)
            if gap <= tol_abs or epoch >= max_iter:
                break
            if do_screen:
                n_active = gap_safe_screen(
                    n_features, &grad[0], &norms2[0], dual_norm, gap, l1_reg,
                    l2_reg, positive, &active[0], n_active, &discarded[0])
                for j in range(n_features):
                    if discarded[j] and w[j] != 0:
                        for p in range(X_indptr[j], X_indptr[j + 1]):
                            q[X_indices[p]] += w[j] * X_data[p]
                        c -= means[j] * w[j]
                        w[j] = 0

            while True:
                dw_max = 0.0
                w_max = 0.0
                for k in range(n_active):
                    j = active[rand_below(n_active, &rng_state)] if random else active[k]
                    if norms2[j] == 0.0:
                        continue
                    start = X_indptr[j]
                    end = X_indptr[j + 1]
                    w_old = w[j]
                    acc = 0.0
                    for p in range(start, end):
                        acc += X_data[p] * q[X_indices[p]]
                    z = acc + c * xv[j] + w_old * norms2[j]
                    w_new = <floating> enet_update(z, l1_reg, norms2[j] + l2_reg, positive)
                    if w_new != w_old:
                        delta = w_new - w_old
                        for p in range(start, end):
                            q[X_indices[p]] -= delta * X_data[p]
                        c += delta * means[j]
                        w[j] = w_new
                    dw_max = fmax(dw_max, fabs(w_new - w_old))
                    w_max = fmax(w_max, fabs(w_new))
                epoch += 1
                if (w_max == 0.0 or dw_max <= tol * w_max or epoch % gap_freq == 0
                        or epoch >= max_iter):
                    break

    return np.asarray(w), gap, tol_abs, epoch, n_active
