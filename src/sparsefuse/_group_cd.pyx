# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Block coordinate descent for the group lasso and the sparse-group lasso.

The kernel minimises, in the same scaling as the Lasso kernels (``n_samples``
times the user's objective)::

    P(w) = 1/2 ||y - X w||^2 + l1_reg ||w||_1 + group_reg sum_g weights_g ||w_g||_2

over groups that are contiguous column ranges ``[group_ptr[g], group_ptr[g+1])``
(Python reorders the columns). ``l1_reg = 0`` is the group lasso.

Groups of fewer than ``coordinate_min_size`` features take one proximal
gradient step per epoch, with step ``1 / L_g``, ``L_g`` the squared spectral
norm of ``X_g`` (computed once per design): soft-thresholding then group
shrinkage, the exact proximal operator, which sets a whole group to zero at
once. Except groups whose columns are scaled unevenly (``L_g`` above
``UNEVEN_SCALE`` times the group's size times its smallest squared column
norm; ``UNEVEN_SCALE_GROUP_LASSO`` times in the group lasso without
``positive``): a step of ``1 / L_g`` barely moves their small columns there,
and they are updated like the big ones, below. Group lasso blocks for which Python passes the eigendecomposition of
the Gram matrix (coherent blocks, see ``sparsefuse.group.block_spectra``)
are minimised exactly instead (:func:`block_exact_step`). In bigger groups (whole modalities) such steps are too short, so inside
a nonzero group, where the group norm is smooth, coefficients are updated one
at a time by exact minimisation (a 1-D root found by safeguarded Newton); a
zero group leaves zero only when ``||S_l1(X_g^T r)|| > kappa_g``, by a block
step, and a shrinking group gets a block step too, since coordinate steps
alone never zero it. For a group of one feature every update is the exact
coordinate minimisation of the Lasso.

As in the Lasso kernel: outer iterations recompute the residual, certify the
full problem with the duality gap, discard groups (and, for the sparse-group
lasso, single features) with the Gap Safe rules of Ndiaye, Fercoq, Gramfort
and Salmon (2016), and pick a working set of groups; the inner solver runs
block CD with Anderson extrapolation on it, and Newton steps once the
support's signs have settled (:func:`group_newton_step`). The dual point is ``r / s`` with
``s`` the smallest factor that makes it feasible for every group, found from
the sparse-group dual norm (a root of ||S_t(c)|| = kappa t, found exactly
after sorting).
"""

import numpy as np

from libc.math cimport fabs, sqrt, fmin, fmax, isfinite, INFINITY
from libc.stdint cimport uint32_t
from libc.stdlib cimport qsort
from cpython.mem cimport PyMem_RawMalloc, PyMem_RawFree
from libc.string cimport memcpy, memset

from sparsefuse._utils cimport (
    floating, index_t, rand_below, centred_dot, xv_matches, move_residual, residual_stats,
    max_d, select_smallest, anderson_weights, anderson_candidate, nonzero_column_nnz,
    soft_threshold, design_pointers, column_cost, group_cost, INNER_PASSES, first_check,
    interrupted, reraise, fold_intercept, exact_residual, certified, col_entries,
    support_gram, cholesky_factor, cholesky_apply, rounding_margin, newton_work,
    NEWTON_STABLE, NEWTON_MAX, NEWTON_RIDGE, col_dot, col_xv, spread_column, clear_column,
    NEWTON_DROPS, active_set_newton,
)


# A small group goes by coordinates when L_g exceeds this many times its size
# times its smallest squared column norm (see group_solve); in the group lasso
# (no l1 term, not positive) only beyond the second, larger factor.
cdef double UNEVEN_SCALE = 4.0
cdef double UNEVEN_SCALE_GROUP_LASSO = 1000.0

# Gap Safe radii use gap + SCREEN_SLACK * (size of its terms), as in the Lasso
# kernel: rounding must not let a group active at the optimum be screened.
cdef double SCREEN_SLACK = 1e-12


cdef int descending(const void *a, const void *b) noexcept nogil:
    cdef double x = (<const double *> a)[0], y = (<const double *> b)[0]
    return (x < y) - (x > y)


cdef double robust_norm(const double *x, int m) noexcept nogil:
    """||x||_2 without overflow or underflow of the squares: the plain sum of
    squares when it lies well inside the range of doubles (no square
    overflowed, and squares lost to underflow weigh below 1e-300 of it),
    else scaled by max |x_i|."""
    cdef double top = 0.0, acc = 0.0, t
    cdef int i
    for i in range(m):
        acc += x[i] * x[i]
    if 1e-280 < acc < 1e280:
        return sqrt(acc)
    acc = 0.0
    for i in range(m):
        top = max_d(top, fabs(x[i]))
    if top == 0.0:
        return 0.0
    for i in range(m):
        t = x[i] / top
        acc += t * t
    return top * sqrt(acc)


cdef double sgl_dual_scale(const double *c, int m, double l1, double lg,
                           double *work) noexcept nogil:
    """Smallest s >= 0 with ||S_l1(c / s)||_2 <= lg: the group's dual norm.

    With t = l1 s and kappa = lg / l1 this is the root of
    ||S_t(c)||_2 = kappa t, a quadratic between consecutive sorted |c_i|.
    """
    cdef double top = 0.0, kappa, s1 = 0.0, s2 = 0.0, b1 = 0.0, b2 = 0.0, nxt, u, d, a
    cdef int i, k
    for i in range(m):
        top = max_d(top, fabs(c[i]))
    if top == 0.0:
        return 0.0
    if lg == 0.0:
        return top / l1 if l1 > 0 else INFINITY
    kappa = lg / l1 if l1 > 0.0 else INFINITY
    if kappa > 1e150:
        # (l1_ratio near 0: kappa^2 below would overflow, and inf * 0 at the
        # last step made every group's scale 0, certifying w = 0.) The root
        # t is below ||c|| / kappa by a share of at most sqrt(m) / kappa: the
        # group lasso's scale, a bound within rounding.
        return robust_norm(c, m) / lg
    # The root t is homogeneous in c: solve for c / max|c| (no overflow).
    for i in range(m):
        work[i] = fabs(c[i]) / top
    qsort(work, m, sizeof(double), descending)
    # The sums over the k largest entries are also kept as sums of their
    # distances b = 1 - a to the largest: with a small kappa (l1_ratio near
    # 1) the root lies within kappa of the top entries, which near the
    # optimum are all within kappa of each other, and the quadratic's terms
    # in a cancelled to rounding (the scale too large by 1e-9 for l1_ratio
    # 1 - 1e-9: the gap stuck there, to max_iter). (Exact: a >= 1/2 within
    # that reach, and 1 - a of such an a is exact.)
    for k in range(1, m + 1):
        a = work[k - 1]
        s1 += a
        s2 += a * a
        b1 += 1.0 - a
        b2 += (1.0 - a) * (1.0 - a)
        nxt = work[k] if k < m else 0.0
        u = 1.0 - nxt
        # ||S_t(c)||^2 at t = nxt, with the k largest entries above it:
        # sum (a_i - nxt)^2 = sum (u - b_i)^2
        if k * u * u - 2.0 * u * b1 + b2 >= kappa * kappa * nxt * nxt:
            # s1^2 - k s2 = b1^2 - k b2 (kappa^2 s2 apart: k - kappa^2 lost it)
            d = (b1 * b1 - k * b2) + kappa * kappa * s2
            return top * s2 / (s1 + sqrt(max_d(d, 0.0))) / l1
    return 0.0


cdef double sgl_coordinate(double z, double a, double l1, double kappa,
                           double rest) noexcept nogil:
    """argmin_t a/2 t^2 - z t + l1 |t| + kappa sqrt(t^2 + rest).

    ``rest`` is the squared norm of the other coefficients of the group. With
    rest = 0 this is soft-thresholding at l1 + kappa; otherwise t = 0 if
    |z| <= l1, else sign(z) tau with tau (a + kappa / sqrt(tau^2 + rest)) =
    |z| - l1, an increasing function of tau solved by safeguarded Newton.
    """
    cdef double m, lo, hi, tau, root, h, dh, nxt
    cdef int it
    if rest <= 0.0:
        return soft_threshold(z, l1 + kappa) / a
    m = fabs(z) - l1
    if m <= 0.0:
        return 0.0
    lo = 0.0
    hi = m / a
    tau = m / (a + kappa / sqrt(rest))
    for it in range(50):
        root = sqrt(tau * tau + rest)
        h = tau * (a + kappa / root) - m
        # h carries a rounding error of a few ulps of m: a smaller residual
        # is the root to working precision (a relative test on the step
        # alone may never pass when kappa / root dominates a)
        if fabs(h) <= 1e-15 * m:
            break
        if h > 0:
            hi = tau
        else:
            lo = tau
        dh = a + kappa * rest / (root * root * root)
        nxt = tau - h / dh
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        if fabs(nxt - tau) <= 1e-15 * nxt:
            tau = nxt
            break
        tau = nxt
    return tau if z > 0 else -tau


cdef inline double shrunk_norm(const double *c, int m, double scale, double l1,
                              double *work) noexcept nogil:
    """||S_l1(c * scale)||_2."""
    cdef int i
    for i in range(m):
        work[i] = soft_threshold(c[i] * scale, l1)
    return robust_norm(work, m)


cdef inline double set_block(
    int start, int end, const double *values, floating *w, int n, bint is_sparse,
    const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, double *q, bint implicit, const double *xvp, double inv_vv,
    double c,
) noexcept nogil:
    """w[start:end] = values (rounded to floating), updating the residual q;
    returns the new implicit-intercept scalar c."""
    cdef floating d
    cdef int j
    for j in range(start, end):
        d = <floating> values[j - start]
        if d != w[j]:
            move_residual(j, w[j] - d, n, is_sparse, Xp, data, indices, indptr,
                          implicit, xvp, inv_vv, q, &c)
            w[j] = d
    return c


cdef inline double block_prox_step(
    int start, int end, double L, double kappa, double l1_reg, bint positive,
    floating *w, const unsigned char *feat_off, double *block, int n, bint is_sparse,
    const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, double *q, bint implicit, const double *xvp, double inv_vv,
    double c, double rv,
) noexcept nogil:
    """One proximal gradient step on the block [start, end) with step 1 / L.

    Soft-thresholding then group shrinkage (the exact proximal operator of the
    sparse-group penalty); updates w, the residual q and returns the new
    implicit-intercept scalar c.
    """
    cdef double d, acc, factor
    cdef int j
    for j in range(start, end):
        d = 0.0
        if not feat_off[j]:
            d = w[j] + centred_dot(j, n, is_sparse, Xp, data, indices, indptr, q,
                                   implicit, xvp, c - rv) / L
            d = (d - l1_reg / L if d > l1_reg / L else 0.0) if positive \
                else soft_threshold(d, l1_reg / L)
        block[j - start] = d
    acc = robust_norm(block, end - start)
    factor = max_d(1.0 - kappa / (L * acc), 0.0) if acc > 0 else 0.0
    for j in range(start, end):
        block[j - start] *= factor
    return set_block(start, end, block, w, n, is_sparse, Xp, data, indices, indptr, q,
                     implicit, xvp, inv_vv, c)


cdef double group_radius(const double *cp, const double *lam, int m, double kappa,
                         double cnorm) noexcept nogil:
    """Norm rho of the group lasso block minimiser, in the eigenbasis of H_g.

    The minimiser of ``1/2 u^T H u - c^T u + kappa ||u||`` (``||c|| > kappa``)
    is ``u = (H + kappa / rho I)^{-1} c`` with ``rho = ||u||``: the root of
    ``F(rho) = S(rho)^{-1/2} - 1``, ``S(rho) = sum_k cp_k^2 / (lam_k rho + kappa)^2``
    (``cp = Q^T c``, ``H = Q diag(lam) Q^T``). F increases from
    ``kappa / ||c|| - 1 < 0``; the root lies between ``(||c|| - kappa) / lam_max``
    and ``(||c|| - kappa) / lam_min``. Newton's method, kept inside that bracket.
    """
    cdef double lam_min = INFINITY, lam_max = 0.0, lo, hi, rho, S, dS, t, a, F, nxt
    cdef int k, it
    for k in range(m):
        lam_min = min(lam_min, lam[k])
        lam_max = max(lam_max, lam[k])
    lo = (cnorm - kappa) / lam_max
    hi = (cnorm - kappa) / lam_min if lam_min > 0 else INFINITY
    rho = lo
    for it in range(100):
        S = 0.0
        dS = 0.0
        for k in range(m):
            t = 1.0 / (lam[k] * rho + kappa)
            a = cp[k] * cp[k] * t * t
            S += a
            dS -= 2.0 * a * lam[k] * t
        F = 1.0 / sqrt(S) - 1.0
        if F == 0.0:
            return rho
        if F < 0:
            lo = max_d(lo, rho)
        else:
            hi = min(hi, rho)
        # F'(rho) = -S'/(2 S^{3/2}) > 0
        nxt = rho + F * 2.0 * S * sqrt(S) / dS if dS < 0 else INFINITY
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi) if hi < INFINITY else 2.0 * max_d(rho, lo)
        if fabs(nxt - rho) <= 1e-14 * rho:
            return nxt
        rho = nxt
    return rho


cdef inline double block_exact_step(
    int start, int end, double kappa, const double *lam, const double *Q,
    floating *w, double *bvec, double *cp, int n, bint is_sparse,
    const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, double *q, bint implicit, const double *xvp, double inv_vv,
    double c, double rv,
) noexcept nogil:
    """Exact minimisation of the group lasso objective over the block [start, end).

    ``H_g = Q diag(lam) Q^T`` is the block's (centred) Gram matrix, ``Q``
    row-major. With ``c = X_g^T r + H_g w_g``, the block's new coefficients are
    0 when ``||c|| <= kappa`` and ``(H_g + kappa / rho I)^{-1} c`` otherwise
    (``rho`` from :func:`group_radius`). Costs the block's gradient and
    residual update, as a proximal step does, plus O(m^2). Updates w, q and
    returns the new implicit-intercept scalar c.
    """
    cdef int m = end - start, i, k
    cdef double acc_b, acc_w, cnorm2 = 0.0, rho
    for i in range(m):
        bvec[i] = centred_dot(start + i, n, is_sparse, Xp, data, indices, indptr, q,
                              implicit, xvp, c - rv)
    for k in range(m):
        acc_b = 0.0
        acc_w = 0.0
        for i in range(m):
            acc_b += Q[i * m + k] * bvec[i]
            acc_w += Q[i * m + k] * w[start + i]
        cp[k] = acc_b + lam[k] * acc_w
        cnorm2 += cp[k] * cp[k]
    if cnorm2 <= kappa * kappa:
        for i in range(m):
            bvec[i] = 0.0
    else:
        rho = group_radius(cp, lam, m, kappa, sqrt(cnorm2))
        for k in range(m):
            cp[k] *= rho / (lam[k] * rho + kappa)
        for i in range(m):
            acc_b = 0.0
            for k in range(m):
                acc_b += Q[i * m + k] * cp[k]
            bvec[i] = acc_b
    return set_block(start, end, bvec, w, n, is_sparse, Xp, data, indices, indptr, q,
                     implicit, xvp, inv_vv, c)


cdef inline void group_products(
    int start, int end, double *grad, int n, bint is_sparse, const floating *Xp,
    const floating *data, const index_t *indices, const index_t *indptr, const double *q,
    bint implicit, const double *xvp, double coef, bint positive, const double *norms,
) noexcept nogil:
    """The centred products of the columns [start, end) with the residual, in
    ``grad``, as the dual norm reads them: 0 where a sign constraint makes a
    negative one irrelevant (it never binds from below), and 0 for a zero
    column, constant once centred, whose product is rounding residue (it must
    not set the dual scale; its norm bound is 0)."""
    cdef int j
    for j in range(start, end):
        grad[j] = centred_dot(j, n, is_sparse, Xp, data, indices, indptr, q, implicit, xvp,
                              coef)
        if (positive and grad[j] < 0) or norms[j] == 0.0:
            grad[j] = 0.0


cdef inline void free_direction(
    int f0, int m, const double *inv, double *g_buf, double *d_buf, int n,
    bint is_sparse, const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, const double *q, bint implicit, const double *xvp, double coef,
) noexcept nogil:
    """``d_buf = inv X_U^T r`` for the unpenalised features [f0, f0 + m) (their
    products in ``g_buf``; ``coef`` as for :func:`centred_dot`): the step to
    their least-squares optimum given the other coefficients."""
    cdef int k, l
    cdef double acc
    for k in range(m):
        g_buf[k] = centred_dot(f0 + k, n, is_sparse, Xp, data, indices, indptr, q,
                               implicit, xvp, coef)
    for k in range(m):
        acc = 0.0
        for l in range(m):
            acc += inv[<size_t> k * m + l] * g_buf[l]
        d_buf[k] = acc


cdef inline double free_step(
    int f0, int m, const double *inv, double *g_buf, double *d_buf, floating *w, int n,
    bint is_sparse, const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, double *q, bint implicit, const double *xvp, double inv_vv,
    double c, double rv,
) noexcept nogil:
    """Exact minimisation over the unpenalised features [f0, f0 + m).

    ``inv`` is the pseudo-inverse of their (centred) Gram matrix, so the step
    ``delta = inv X_U^T r`` leaves the residual orthogonal to X_U: the dual
    point r / s then meets the constraint X_U^T theta = 0 of unpenalised
    features. Updates w and q; returns the new implicit-intercept scalar c.
    """
    cdef int k, j
    cdef double delta
    cdef floating w_new
    free_direction(f0, m, inv, g_buf, d_buf, n, is_sparse, Xp, data, indices, indptr, q,
                   implicit, xvp, c - rv)
    for k in range(m):
        j = f0 + k
        w_new = <floating> (w[j] + d_buf[k])
        delta = w_new - w[j]
        if delta != 0:
            move_residual(j, -delta, n, is_sparse, Xp, data, indices, indptr,
                          implicit, xvp, inv_vv, q, &c)
            w[j] = w_new
    return c


cdef inline bint group_nonzero(const floating *w, int start, int end) noexcept nogil:
    """Whether any coefficient of the block [start, end) is nonzero."""
    cdef int j
    for j in range(start, end):
        if w[j] != 0:
            return True
    return False


cdef inline double group_gap(double r_norm2, double r_dot_y, double penalty,
                             double s) noexcept nogil:
    """P(w) - D(r / s) with D(theta) = y . theta - ||theta||^2 / 2."""
    return certified(0.5 * r_norm2 * (1.0 + 1.0 / (s * s)) + penalty - r_dot_y / s)


cdef inline double group_penalty(const floating *w, int start, int end, double l1_reg,
                                 double lg) noexcept nogil:
    """l1_reg ||w_g||_1 + lg ||w_g||_2; 0 for w_g = 0 whatever the weights (an
    infinite l1_reg, alpha * n_samples beyond the doubles, times 0 is NaN)."""
    cdef double l1 = 0.0, sq = 0.0, top = 0.0, norm
    cdef int j
    for j in range(start, end):
        l1 += fabs(w[j])
        sq += <double> w[j] * w[j]
    if l1 == 0.0:
        return 0.0
    norm = sqrt(sq)
    if not isfinite(sq) and isfinite(l1):
        # (coefficients beyond 1e154: their squares overflow, not their norm)
        for j in range(start, end):
            top = fmax(top, fabs(w[j]))
        sq = 0.0
        for j in range(start, end):
            sq += (w[j] / top) * (w[j] / top)
        norm = top * sqrt(sq)
    return (l1_reg * l1 if l1_reg != 0.0 else 0.0) + lg * norm


cdef double group_step(
    int start, int end, double kappa, double L, bint small, bint prox, const double *lam,
    const double *Q, double l1_reg, bint positive, floating *w, const unsigned char *feat_off,
    const double *norms, double *block, double *work, int n, bint is_sparse,
    const floating *Xp, const floating *data, const index_t *indices,
    const index_t *indptr, double *q, bint implicit, const double *xvp, double inv_vv,
    double c, double rv,
) noexcept nogil:
    """One step of block coordinate descent on the group [start, end) (group
    penalty ``kappa``, ``L`` its block's squared spectral norm): updates w
    and the residual ``q + c v``, returns the new ``c``.

    A ``small`` block (fewer features than coordinate_min_size) is minimised
    exactly when its eigendecomposition is given (``lam``, ``Q``; the group
    lasso), else takes one proximal gradient step when ``prox``. A zero group
    leaves zero only by a proximal step; a nonzero one takes exact
    coordinate steps, the group norm being smooth there."""
    cdef double norm = 0.0, norm_before, norm2, z, rest, d, acc, factor
    cdef int j
    for j in range(start, end):
        norm += <double> w[j] * w[j]
    if lam != NULL:
        # Small group lasso block with a known spectrum: exact block
        # minimisation.
        return block_exact_step(start, end, kappa, lam, Q, w, block, work, n, is_sparse, Xp,
                                data, indices, indptr, q, implicit, xvp, inv_vv, c, rv)
    if prox:
        # Small group: one proximal gradient step on the block.
        return block_prox_step(start, end, L, kappa, l1_reg, positive, w, feat_off, block, n,
                               is_sparse, Xp, data, indices, indptr, q, implicit, xvp, inv_vv,
                               c, rv)
    if norm == 0.0 and kappa > 0:
        # A zero group moves only if ||S_l1(X_g^T r)|| > kappa; then a
        # proximal block step takes it off zero.
        if L == 0.0:
            return c
        for j in range(start, end):
            block[j - start] = 0.0
            if not feat_off[j]:
                d = centred_dot(j, n, is_sparse, Xp, data, indices, indptr, q, implicit, xvp,
                                c - rv)
                d = (d - l1_reg if d > l1_reg else 0.0) if positive \
                    else soft_threshold(d, l1_reg)
                block[j - start] = d
        acc = robust_norm(block, end - start)
        if acc <= kappa:
            return c
        factor = (1.0 - kappa / acc) / L
        for j in range(start, end):
            d = <floating> (factor * block[j - start])
            if d != 0:
                move_residual(j, -d, n, is_sparse, Xp, data, indices, indptr, implicit, xvp,
                              inv_vv, q, &c)
                w[j] = <floating> d
        return c
    # Exact coordinate minimisation inside a nonzero group: the group norm
    # is smooth there.
    norm_before = norm
    for j in range(start, end):
        if feat_off[j] or norms[j] == 0.0:
            continue
        norm2 = norms[j] * norms[j]
        z = (centred_dot(j, n, is_sparse, Xp, data, indices, indptr, q, implicit, xvp, c - rv)
             + w[j] * norm2)
        if positive and z < 0:
            z = 0.0
        rest = max_d(norm - <double> w[j] * w[j], 0.0)
        d = <floating> sgl_coordinate(z, norm2, l1_reg, kappa, rest)
        if d != w[j]:
            move_residual(j, w[j] - d, n, is_sparse, Xp, data, indices, indptr, implicit, xvp,
                          inv_vv, q, &c)
            w[j] = <floating> d
        norm = rest + d * d
    # Coordinate steps shrink a vanishing group only geometrically (no
    # single coordinate can zero it); a proximal block step can, so a
    # shrinking group gets one, and so does every small group taken by
    # coordinates (a review found unevenly scaled groups of 8 columns
    # correlated 0.99 shrinking too slowly without: 1,215 epochs instead of
    # 61, and three groups left at norms of 1e-15 to 3e-11 where the optimum
    # has them at zero).
    if kappa > 0 and 0 < norm and L > 0 and (norm < 0.81 * norm_before or small):
        c = block_prox_step(start, end, L, kappa, l1_reg, positive, w, feat_off, block, n,
                            is_sparse, Xp, data, indices, indptr, q, implicit, xvp, inv_vv,
                            c, rv)
    return c


# --- Newton steps on a settled support ------------------------------------------

# Damped Newton iterations in one step, each a factorisation: the group norms
# make P smooth but not quadratic on a support, unlike the Lasso's.
cdef int NEWTON_ITERS = 20
# ... of which this many whatever the work budget (each step's first
# factorisation is within it): with fewer, steps on near-duplicate columns
# stopped short and 8 of 12 such fits ran to max_iter, none with 20 (a
# review's benchmark); beyond them, only within the budget (a sparse-group
# support of 1,254 columns took 24 factorisations in two steps, and the fit
# twice as long as without them).
cdef int NEWTON_ITERS_FREE = 5


cdef int newton_support(
    const int *ws, int ws_size, const int *group_ptr, const double *weights, double group_reg,
    double l1_reg, bint positive, const unsigned char *feat_off, const floating *w, int *S,
    int *seg_ptr, double *seg_lam, int *n_seg,
) noexcept nogil:
    """The features of a Newton step (returns their number m; ``S`` holds
    them) in segments, one per nonzero group of the working set, at
    ``S[seg_ptr[s]:seg_ptr[s + 1]]`` with penalty weight ``seg_lam[s]``. With
    an l1 term or ``positive`` a group's zero coefficients sit at a kink and
    stay out; in the group lasso the group norm is smooth in each of them,
    and the whole group is in (but columns of zero norm), unless it has one
    column (its norm is |w_j|). The unpenalised features stay out: their
    least-squares step after each sweep takes the pseudo-inverse of their
    Gram matrix, which cuts off nearly dependent directions that a Newton
    system would fit (a review saw coefficients of 1e6 on two columns equal
    to 1e-7). ``S`` holds up to the working set's grouped features,
    ``seg_ptr`` ``ws_size + 1`` and ``seg_lam`` ``ws_size`` entries."""
    cdef bint smooth = l1_reg == 0 and not positive
    cdef int k, g, j, m = 0, ns = 0
    for k in range(ws_size):
        g = ws[k]
        if not group_nonzero(w, group_ptr[g], group_ptr[g + 1]):
            continue
        seg_ptr[ns] = m
        seg_lam[ns] = group_reg * weights[g]
        ns += 1
        for j in range(group_ptr[g], group_ptr[g + 1]):
            if w[j] != 0 or (smooth and group_ptr[g + 1] - group_ptr[g] > 1
                             and not feat_off[j]):
                S[m] = j
                m += 1
    seg_ptr[ns] = m
    n_seg[0] = ns
    return m


cdef double support_penalty(const double *u, const int *seg_ptr, const double *seg_lam,
                            int n_seg, double l1_reg) noexcept nogil:
    """The penalties of the coefficients ``u`` of a Newton step's support
    (segments as in :func:`newton_support`)."""
    cdef double total = 0.0, l1, sq
    cdef int t, k
    for t in range(n_seg):
        l1 = 0.0
        sq = 0.0
        for k in range(seg_ptr[t], seg_ptr[t + 1]):
            l1 += fabs(u[k])
            sq += u[k] * u[k]
        if l1 > 0:
            total += (l1_reg * l1 if l1_reg != 0.0 else 0.0) + seg_lam[t] * sqrt(sq)
    return total


cdef void newton_system(
    const double *G, int m, const double *u, const double *Gd, const double *grad0,
    const double *sgn, const int *act, const int *seg_ptr, const double *seg_lam, int n_seg,
    double l1_reg, double ridge, double *H, double *gF,
) noexcept nogil:
    """The gradient ``gF`` and the Hessian ``H`` (lower triangle, row-major) of
    P at ``u`` on the active coordinates (an identity row for the others):
    P(u) = ||r0 - X_S (u - u0)||^2 / 2 + the penalties, whose gradient is
    G (u - u0) - X_S^T r0 (``Gd - grad0``) plus l1_reg sign(u) and
    lambda u_g / ||u_g||, and whose Hessian is G plus lambda (I - u_g u_g^T /
    ||u_g||^2) / ||u_g|| for each nonzero group (plus ``ridge`` I)."""
    cdef int k, kk, t
    cdef double nrm, lam
    for k in range(m):
        gF[k] = 0.0
        if act[k]:
            gF[k] = Gd[k] - grad0[k]
            if sgn[k] != 0 and l1_reg != 0:
                gF[k] += l1_reg * sgn[k]
        for kk in range(k + 1):
            if act[k] and act[kk]:
                H[<size_t> k * m + kk] = G[<size_t> k * m + kk]
            else:
                H[<size_t> k * m + kk] = 1.0 if k == kk else 0.0
        H[<size_t> k * m + k] += ridge
    for t in range(n_seg):
        lam = seg_lam[t]
        if lam <= 0:
            continue
        nrm = 0.0
        for k in range(seg_ptr[t], seg_ptr[t + 1]):
            nrm += u[k] * u[k]
        nrm = sqrt(nrm)
        if nrm == 0.0:
            continue
        for k in range(seg_ptr[t], seg_ptr[t + 1]):
            if not act[k]:
                continue
            gF[k] += lam * u[k] / nrm
            for kk in range(seg_ptr[t], k + 1):
                if act[kk]:
                    H[<size_t> k * m + kk] += lam / nrm * (
                        (1.0 if k == kk else 0.0) - (u[k] / nrm) * (u[kk] / nrm))


cdef bint update_signs(signed char *pattern, const floating *w, const int *feats, int m,
                       bint write) noexcept nogil:
    """Whether the signs (-1, 0, 1) of ``w[feats[:m]]`` differ from
    ``pattern``; with ``write`` the pattern takes them."""
    cdef bint changed = False
    cdef signed char sg
    cdef int t
    for t in range(m):
        sg = (w[feats[t]] > 0) - (w[feats[t]] < 0)
        if sg != pattern[t]:
            changed = True
            if not write:
                break
            pattern[t] = sg
    return changed


cdef inline long long column_cost_range(int j0, int m, bint is_sparse, const index_t *indptr,
                                        int n) noexcept nogil:
    """Stored entries of the columns [j0, j0 + m)."""
    return indptr[j0 + m] - indptr[j0] if is_sparse else <long long> m * n


cdef bint minimise_out_free(
    const int *S, int m, int n, bint is_sparse, const floating *X, const floating *data,
    const index_t *indices, const index_t *indptr, bint implicit, const double *xv,
    double inv_vv, const double *q, double coef, int f0, int n_free, const double *inv,
    double *gu, const double *xvs, double *buf, double *G, double *grad, long long *reads,
) noexcept nogil:
    """The Newton system of the support ``S`` with the unpenalised features
    [f0, f0 + n_free) minimised out: with B = X_S^T X_U (centred) and C = B
    inv, G -= C B^T and grad -= C X_U^T r. ``buf`` (n) is zero on entry and
    on return, ``gu`` scratch of n_free; False if out of memory."""
    cdef double *B = <double *> PyMem_RawMalloc(2 * <size_t> m * n_free * sizeof(double))
    if B == NULL:
        return False
    cdef double *C = B + <size_t> m * n_free
    cdef int k, kk, l, t, j
    cdef double acc, xl
    for l in range(n_free):
        j = f0 + l
        spread_column(j, n, is_sparse, X, data, indices, indptr, buf)
        xl = col_xv(j, xv, data, indptr) if implicit else 0.0
        for k in range(m):
            B[<size_t> k * n_free + l] = (
                col_dot(S[k], n, is_sparse, X, data, indices, indptr, buf)
                - xvs[k] * xl * inv_vv)
            reads[0] += col_entries(S[k], is_sparse, indptr, n)
        clear_column(j, is_sparse, indices, indptr, buf)
        gu[l] = centred_dot(j, n, is_sparse, X, data, indices, indptr, q, implicit, xv, coef)
        reads[0] += 2 * col_entries(j, is_sparse, indptr, n)
    for k in range(m):
        for l in range(n_free):
            acc = 0.0
            for t in range(n_free):
                acc += B[<size_t> k * n_free + t] * inv[<size_t> t * n_free + l]
            C[<size_t> k * n_free + l] = acc
    for k in range(m):
        acc = 0.0
        for l in range(n_free):
            acc += C[<size_t> k * n_free + l] * gu[l]
        grad[k] -= acc
        for kk in range(k, m):
            acc = 0.0
            for l in range(n_free):
                acc += C[<size_t> k * n_free + l] * B[<size_t> kk * n_free + l]
            G[<size_t> k * m + kk] -= acc
            if kk != k:
                G[<size_t> kk * m + k] = G[<size_t> k * m + kk]
    PyMem_RawFree(B)
    return True


cdef inline bint smooth_segment(const int *seg_ptr, int sg, const double *sgn) noexcept nogil:
    """Whether segment ``sg`` of a Newton step is a group of two or more
    coefficients without kinks (their ``sgn`` 0: no l1 term, not positive)."""
    return seg_ptr[sg + 1] - seg_ptr[sg] > 1 and sgn[seg_ptr[sg]] == 0


cdef inline double segment_dot(const double *a, const double *b, const int *seg_ptr, int sg,
                               const int *act) noexcept nogil:
    """a . b over the active coefficients of segment ``sg``."""
    cdef double acc = 0.0
    cdef int k
    for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
        if act[k]:
            acc += a[k] * b[k]
    return acc


cdef double step_objective(
    const double *G, int m, const double *u0, const double *ut, const double *grad0,
    double r_norm2, const int *seg_ptr, const double *seg_lam, int n_seg, double l1_reg,
    double *D, double *GD,
) noexcept nogil:
    """P at the support's coefficients ``ut`` from the Gram matrix ``G`` of
    the support, exact for a step from ``u0`` (residual norm^2 ``r_norm2``,
    products ``grad0`` there): ||r0||^2 / 2 - D . grad0 + D^T G D / 2 plus the
    penalties, D = ut - u0 (into ``D``, and G D into ``GD``)."""
    cdef double f, dD
    cdef int k, kk
    for k in range(m):
        D[k] = ut[k] - u0[k]
    f = 0.5 * r_norm2 + support_penalty(ut, seg_ptr, seg_lam, n_seg, l1_reg)
    for k in range(m):
        dD = 0.0
        for kk in range(m):
            dD += G[<size_t> k * m + kk] * D[kk]
        GD[k] = dD
        f += D[k] * (0.5 * dD - grad0[k])
    return f


cdef int group_newton_step(
    const int *S, int m, const int *seg_ptr, const double *seg_lam, int n_seg,
    double l1_reg, bint positive, floating *w, int n, bint is_sparse, const floating *X,
    const floating *data, const index_t *indices, const index_t *indptr, bint implicit,
    const double *xv, double inv_vv, bint fold, const floating *v, const floating *y,
    double *q, double *c, double coef, double r_norm2, double *r_dot_v_out,
    double budget, double fact_cost, double *work_out, long long *reads,
    int f0, int n_free, const double *inv, double *free_g, double *free_d,
) noexcept nogil:
    """Move w towards the minimiser of P on the support ``S`` (see
    :func:`newton_support`), if that lowers P.

    There P is smooth as long as no coefficient with an l1 term (or under
    ``positive``) crosses zero and no group norm vanishes: damped Newton
    iterations (:func:`newton_system`) from w, each step cut where a
    coefficient would cross zero (it is set to 0 and leaves the support:
    an active-set method, as the Lasso kernel's) and halved until P falls
    by a share of the decrement (Armijo). P along the steps is exact from
    the Gram matrix of the support (X is read for it once); the residual
    moves once, at the end, and the result is kept only if P, recomputed
    from it, is lower by more than its rounding. Block coordinate descent
    converges linearly at a rate set by the support's conditioning (20,000
    epochs on correlated columns with large means under sample weights,
    where the Lasso kernel with its Newton steps took 200).

    ``coef`` and ``r_norm2`` as in the Lasso kernel's newton_step;
    With unpenalised features ``[f0, f0 + n_free)`` (``inv`` the
    pseudo-inverse of their Gram matrix, ``free_g`` and ``free_d`` scratch of
    n_free; w at their least-squares fit given the others, as at every gap
    check) the steps are on P with them minimised out, as the solver's own
    least-squares step does: the Gram matrix and gradient of the support are
    those of its columns projected off theirs, X_S^T X_U inv X_U^T X_S
    subtracted, and their step follows the support's.
    ``r_dot_v_out`` receives r . v of the new residual. Returns 1 if w (and
    the residual ``q + c v``) moved, 0 if not, -1 if not because w is the
    minimiser on its support to the rounding of P (the first Newton
    decrement is below it). ``work_out`` receives the work of its
    factorisations (``fact_cost`` each) and line-search trials (m^2 each);
    the iterations stop before that would exceed ``budget`` (the first
    factorisation is always made). ``reads`` gains the stored entries read."""
    cdef int k, kk, it, ls, k_stop, attempt, sg, sg_stop, n_fact = 0, rank
    cdef bint capped = False, lone_done = False
    cdef double radial
    cdef double nrm, g, thr
    cdef bint lone
    cdef double p_old, p_new, f, f_cur, dec, t, t_max, tk, diag_max = 0.0, margin
    cdef double c_old = c[0], r_dot_y, r_dot_v
    cdef bint ok, accepted, single = floating is float, settled = False, ridged = False
    cdef double work = 0.0
    work_out[0] = 0.0
    cdef double *G = <double *> PyMem_RawMalloc(
        (2 * <size_t> m * m + 11 * <size_t> m + 2 * <size_t> n + n_free) * sizeof(double))
    cdef int *act = <int *> PyMem_RawMalloc(max(m, 1) * sizeof(int))
    if G == NULL or act == NULL:
        PyMem_RawFree(G)
        PyMem_RawFree(act)
        return 0
    cdef double *H = G + <size_t> m * m
    cdef double *grad0 = H + <size_t> m * m
    cdef double *u0 = grad0 + m
    cdef double *u = u0 + m
    cdef double *ut = u + m
    cdef double *d = ut + m
    cdef double *gF = d + m
    cdef double *Gd = gF + m
    cdef double *Gt = Gd + m
    cdef double *sgn = Gt + m
    cdef double *xvs = sgn + m
    cdef double *D = xvs + m
    cdef double *buf = D + m
    cdef double *q_old = buf + n
    cdef double *wu_old = q_old + n
    memset(buf, 0, n * sizeof(double))
    reads[0] += support_gram(S, m, n, is_sparse, X, data, indices, indptr, implicit, xv,
                             inv_vv, q, coef, G, grad0, xvs, buf)
    if n_free > 0 and not minimise_out_free(
            S, m, n, is_sparse, X, data, indices, indptr, implicit, xv, inv_vv, q, coef,
            f0, n_free, inv, free_g, xvs, buf, G, grad0, reads):
        PyMem_RawFree(G)
        PyMem_RawFree(act)
        return 0
    for k in range(m):
        u0[k] = w[S[k]]
        u[k] = u0[k]
        Gd[k] = 0.0
        act[k] = 1
        diag_max = max_d(diag_max, G[<size_t> k * m + k])
    # the coefficients cut at zero: with an l1 term or under positive, and
    # alone in their segment (the group norm is |w_j| there)
    for sg in range(n_seg):
        for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
            sgn[k] = (1.0 if u0[k] > 0 else -1.0) if (
                l1_reg > 0 or positive or seg_ptr[sg + 1] - seg_ptr[sg] == 1) else 0.0
    p_old = 0.5 * r_norm2 + support_penalty(u0, seg_ptr, seg_lam, n_seg, l1_reg)
    margin = rounding_margin(p_old, single)
    f_cur = p_old
    if n_seg == m:
        # Every coefficient alone in its segment (groups of one, or one
        # nonzero coefficient per group with an l1 term): P on the support is
        # a quadratic plus weighted |w_j|, as the Lasso's, and so is its step:
        # the Lasso kernel's active-set method, whose cuts cost O(m^2) each
        # through one factorisation. (The damped iterations below factorise
        # again after each cut: on a singular support of near-duplicate
        # columns, one cut per iteration left fits at max_iter where the
        # Lasso kernel took a few hundred epochs.)
        for sg in range(n_seg):
            gF[sg] = l1_reg + seg_lam[sg]
        if active_set_newton(G, m, grad0, u0, 0.0, gF, 0.0, NEWTON_DROPS, single, ut,
                             &n_fact, &capped):
            f = step_objective(G, m, u0, ut, grad0, r_norm2, seg_ptr, seg_lam, n_seg, l1_reg,
                               D, Gt)
            # (a fall that P sees ends the step; otherwise (float32's
            # rounding of the result, a step stopped at the drops' limit)
            # the damped iterations below go on from w, as before this step)
            if f < f_cur - margin:
                f_cur = f
                lone_done = True
                for k in range(m):
                    u[k] = ut[k]
        work = n_fact * fact_cost + <double> (NEWTON_DROPS + 2) * m * m
    # The Hessian's rank is at most n (X_S^T X_S) plus, for each nonzero
    # segment of c >= 2 coefficients with a group term, c - 1 (its curvature
    # vanishes along w_g): below m, the system without a ridge is singular
    # and its factorisation (the step's largest cost) would only fail.
    rank = n
    for sg in range(n_seg):
        if seg_lam[sg] > 0 and seg_ptr[sg + 1] - seg_ptr[sg] > 1:
            rank += seg_ptr[sg + 1] - seg_ptr[sg] - 1
    ridged = rank < m
    for it in range(0 if lone_done else NEWTON_ITERS):
        if it >= NEWTON_ITERS_FREE and work + fact_cost > budget:
            break
        # A coefficient cut at zero whose constraint its new gradient violates
        # comes back, with the sign that lowers P, if its group is nonzero or
        # it is alone in its segment (a larger zero group's norm is not smooth
        # there; a lone one's is |w_j|, whose kink adds to the l1 term's): on
        # correlated columns the way to the minimiser changes many signs, each
        # a cut, and coordinate descent took hundreds of epochs to put them
        # back.
        for sg in range(n_seg):
            nrm = 0.0
            for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
                nrm += u[k] * u[k]
            lone = seg_ptr[sg + 1] - seg_ptr[sg] == 1
            if nrm == 0.0 and not lone:
                continue
            thr = l1_reg + (seg_lam[sg] if lone else 0.0)
            for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
                if act[k]:
                    continue
                g = Gd[k] - grad0[k]
                if g < -thr or (g > thr and not positive):
                    act[k] = 1
                    sgn[k] = 1.0 if g < 0 else -1.0
        # (a singular system, such as a support of more features than
        # samples, takes a small ridge, kept for the step's later iterations;
        # one whose rank is surely below m, see above, from the start)
        ok = False
        for attempt in range(2):
            if attempt == 1 and (ridged or not diag_max > 0):
                break
            ridged = ridged or attempt == 1
            newton_system(G, m, u, Gd, grad0, sgn, act, seg_ptr, seg_lam, n_seg, l1_reg,
                          NEWTON_RIDGE * diag_max if ridged else 0.0, H, gF)
            work += fact_cost
            if cholesky_factor(H, m):
                ok = True
                break
        if not ok:
            break
        for k in range(m):
            d[k] = -gF[k]
        cholesky_apply(H, m, d)
        dec = 0.0
        for k in range(m):
            if not act[k]:
                d[k] = 0.0
            dec -= gF[k] * d[k]
        # (NaN fails too)
        if not dec > 2.0 * margin:
            settled = it == 0 and dec <= 2.0 * margin
            break
        # The longest step that keeps every sign, and the coefficient that
        # sets it (a coefficient at zero, back in the support, whose step
        # points the other way does not count: it stays at zero). Longer
        # steps are tried first, projected (each coefficient that would
        # cross zero stays there, to come back with the other sign at the
        # next iteration if its gradient says so): on correlated columns the
        # Newton step changes many signs at once, and a cut at each took an
        # iteration each. Then the cut step, both halved until P falls by a
        # share of the decrement (Armijo).
        t_max = 1.0
        k_stop = -1
        for k in range(m):
            if act[k] and sgn[k] != 0 and u[k] != 0 and (u[k] + d[k]) * sgn[k] < 0:
                tk = -u[k] / d[k]
                if tk < t_max:
                    t_max = tk
                    k_stop = k
        # A group without kinks (the group lasso's, of two or more
        # coefficients) whose step points through the origin is cut there as
        # a coefficient is at its sign change: its radial coordinate
        # u_g . (u_g + t d_g) / ||u_g|| vanishes at t = ||u_g||^2 / -(u_g . d_g).
        # On the group norm, linear along the radius, the Newton model has no
        # curvature in that direction: the step went far past the origin
        # where the group's optimum was 0, and the line search took steps
        # of 1e-6 (columns nearly equal across groups: 20,000 epochs).
        sg_stop = -1
        for sg in range(n_seg):
            if smooth_segment(seg_ptr, sg, sgn):
                radial = segment_dot(u, d, seg_ptr, sg, act)
                nrm = segment_dot(u, u, seg_ptr, sg, act)
                if radial < 0 and nrm > 0 and nrm < -radial * t_max:
                    t_max = nrm / -radial
                    k_stop = -1
                    sg_stop = sg
        t = 1.0
        accepted = False
        for ls in range(60):
            for k in range(m):
                ut[k] = u[k] + t * d[k] if act[k] else 0.0
                if sgn[k] != 0 and act[k] and ((k == k_stop and t == t_max)
                                               or ut[k] * sgn[k] <= 0):
                    ut[k] = 0.0
            for sg in range(n_seg):
                if smooth_segment(seg_ptr, sg, sgn) and (
                        (sg == sg_stop and t == t_max)
                        or segment_dot(u, ut, seg_ptr, sg, act) <= 0):
                    for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
                        ut[k] = 0.0
            f = step_objective(G, m, u0, ut, grad0, r_norm2, seg_ptr, seg_lam, n_seg, l1_reg,
                               D, Gt)
            work += <double> m * m
            if f <= f_cur - 1e-4 * t * dec:
                accepted = True
                break
            t = t_max if t > t_max and 0.5 * t <= t_max else 0.5 * t
        if not accepted:
            break
        for k in range(m):
            u[k] = ut[k]
            Gd[k] = Gt[k]
            if sgn[k] != 0 and u[k] == 0.0:
                act[k] = 0
        for sg in range(n_seg):
            # (a group cut at the origin leaves the support as a whole)
            if smooth_segment(seg_ptr, sg, sgn) and segment_dot(u, u, seg_ptr, sg, act) == 0:
                for k in range(seg_ptr[sg], seg_ptr[sg + 1]):
                    act[k] = 0
        f_cur = f
    work_out[0] = work
    if not f_cur < p_old - margin:
        PyMem_RawFree(G)
        PyMem_RawFree(act)
        return -1 if settled else 0
    # the step, on the coefficients as stored (float32 rounds them), then the
    # unpenalised features' least-squares step, and P anew
    memcpy(q_old, q, n * sizeof(double))
    for k in range(m):
        w[S[k]] = <floating> u[k]
        ut[k] = <double> w[S[k]]
        if ut[k] != u0[k]:
            move_residual(S[k], u0[k] - ut[k], n, is_sparse, X, data, indices, indptr,
                          implicit, xv, inv_vv, q, c)
            reads[0] += col_entries(S[k], is_sparse, indptr, n)
    if fold:
        fold_intercept(n, q, c, v)
    if n_free > 0:
        residual_stats(n, q, c[0], v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
        for k in range(n_free):
            wu_old[k] = w[f0 + k]
        c[0] = free_step(f0, n_free, inv, free_g, free_d, w, n, is_sparse, X, data, indices,
                         indptr, q, implicit, xv, inv_vv, c[0],
                         inv_vv * r_dot_v if fold else 0.0)
        reads[0] += 2 * column_cost_range(f0, n_free, is_sparse, indptr, n)
        if fold:
            fold_intercept(n, q, c, v)
    residual_stats(n, q, c[0], v, y, implicit, &r_norm2, &r_dot_y, &r_dot_v)
    p_new = 0.5 * r_norm2 + support_penalty(ut, seg_ptr, seg_lam, n_seg, l1_reg)
    ok = p_new < p_old - margin
    if ok:
        r_dot_v_out[0] = r_dot_v
    else:
        for k in range(m):
            w[S[k]] = <floating> u0[k]
        for k in range(n_free):
            w[f0 + k] = <floating> wu_old[k]
        memcpy(q, q_old, n * sizeof(double))
        c[0] = c_old
    PyMem_RawFree(G)
    PyMem_RawFree(act)
    return 1 if ok else 0


def group_solve(
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
    const int[::1] group_ptr,
    const double[::1] weights,
    const double[::1] lipschitz,
    double l1_reg,
    double group_reg,
    int max_iter,
    double tol,
    bint positive=False,
    bint screening=True,
    bint working_set=True,
    int anderson=5,
    int ws_start=5,
    double inner_ratio=0.3,
    int coordinate_min_size=64,
    double strong_ratio=0.0,
    const double[:, ::1] free_inv=None,
    const long long[::1] eig_ptr=None,
    const double[::1] eig_vals=None,
    const double[::1] eig_vecs=None,
    int support_passes=5,
    const double[::1] bound_norms=None,
    const double[::1] screen_norms=None,
    bint newton=True,
):
    """Solve one sparse-group lasso problem; update ``w`` in place.

    Buffers as for :func:`sparsefuse._cd.enet_solve`; ``group_ptr`` has
    ``n_groups + 1`` entries, ``weights`` and ``lipschitz`` (squared spectral
    norm of each centred block) one per group. ``strong_ratio``, the previous
    alpha of a path over this one, enables the sequential strong rule when
    working sets are off. Features after the last group
    (``group_ptr[n_groups] <= j < n_features``) are unpenalised: they take an
    exact least-squares step with ``free_inv``, the pseudo-inverse of their
    centred Gram matrix, after every sweep and before every gap.
    ``eig_ptr`` / ``eig_vals`` / ``eig_vecs`` (optional) hold the
    eigendecomposition of some small blocks' centred Gram matrices: block g's
    eigenvalues at ``eig_vals[group_ptr[g]:group_ptr[g + 1]]`` and its
    eigenvectors, row-major, at ``eig_vecs[eig_ptr[g]:eig_ptr[g + 1]]`` (empty
    when not computed). In the group lasso (``l1_reg = 0``, not positive)
    those blocks are minimised exactly instead of taking a proximal step.
    ``bound_norms`` (optional, one per group): upper bounds on the spectral
    norms of the centred blocks (inf where none is known). With them, an
    outer pass after the first skips the products of a group Gap Safe
    screened while a bound proves it feasible at the new dual point: by
    Cauchy-Schwarz its products moved by at most its norm times the distance
    the centred residual moved since they were computed (summed over the
    passes between), and soft-thresholding is 1-Lipschitz, so the group's
    dual norm is at most that of its last products plus the movement. A
    group whose bound fails is evaluated again. ``screen_norms`` (optional,
    one per group): the spectral norms the Gap Safe rule screens with, which
    must not be below the true ones (``sqrt(lipschitz)`` without them).
    ``newton``: Newton steps on a settled support (see
    :func:`group_newton_step`), tried when no coefficient of the working set
    changed sign (or left or joined the support) between two gap checks
    NEWTON_STABLE epochs or more apart, while their work stays below the
    block updates' in the solve so far.

    Returns
    -------
    w, gap, tol_abs, n_epochs, stats
        ``stats`` has ``n_outer``, ``n_screened_groups``,
        ``n_screened_features``, ``ws_size`` (groups in the last working
        set), ``n_group_products`` (groups whose products the outer
        passes computed, over all passes), ``n_newton`` (Newton steps that
        moved w) and ``entries_newton`` (the stored entries they read).
    """
    cdef int n = y.shape[0], n_features = w.shape[0], n_groups = group_ptr.shape[0] - 1
    if is_sparse:
        # (the kernel trusts these shapes: a mismatch would read out of bounds)
        if X_indptr.shape[0] != n_features + 1 or X_indices.shape[0] != X_data.shape[0] \
                or X_indptr[n_features] > X_data.shape[0]:
            raise ValueError("inconsistent CSC buffers for the number of features")
    elif X.shape[0] != n or X.shape[1] != n_features:
        raise ValueError("dense X does not match y and w")
    if n_groups < 0:
        raise ValueError("group_ptr needs at least one entry")
    cdef int f0 = group_ptr[n_groups], n_free = n_features - group_ptr[n_groups]
    if (group_ptr[0] != 0 or n_free < 0
            or weights.shape[0] != n_groups or lipschitz.shape[0] != n_groups
            or norms.shape[0] != n_features
            or np.any(np.diff(np.asarray(group_ptr)) < 0)):
        raise ValueError("groups do not partition the features")
    if bound_norms is not None and bound_norms.shape[0] != n_groups:
        raise ValueError("bound_norms needs one entry per group")
    if screen_norms is not None and screen_norms.shape[0] != n_groups:
        raise ValueError("screen_norms needs one entry per group")
    if n_free and (free_inv is None or free_inv.shape[0] != n_free
                   or free_inv.shape[1] != n_free):
        raise ValueError("features outside the groups need free_inv of shape "
                         f"({n_free}, {n_free})")
    if n_free and positive:
        raise ValueError("positive=True does not apply to unpenalised features")
    cdef const double *inv = &free_inv[0, 0] if n_free else NULL
    cdef double[::1] free_g = np.zeros(max(n_free, 1))
    cdef double[::1] free_d = np.zeros(max(n_free, 1))
    # The intercept is implicit for sparse X, and for dense X given its
    # intercept column v (an empty v: dense X comes centred).
    cdef bint implicit = fit_intercept and (is_sparse or v.shape[0] == n)
    if implicit and (v.shape[0] != n or not xv_matches(xv, v, n_features)
                     or (not is_sparse and xv.shape[0] != n_features)):
        raise ValueError("column statistics do not match the design")
    if anderson > 16:
        raise ValueError("anderson must be at most 16")
    cdef const floating *Xp
    cdef const floating *data
    cdef const index_t *indices
    cdef const index_t *indptr
    design_pointers(X, X_data, X_indices, X_indptr, is_sparse, &Xp, &data, &indices, &indptr)
    cdef const floating *vp = &v[0] if implicit else NULL
    cdef const double *xvp = &xv[0] if implicit and xv.shape[0] else NULL
    # dense X with an implicit intercept: c folded into q after each epoch
    cdef bint fold = implicit and not is_sparse

    cdef double[::1] q_buf = np.empty(n)
    cdef double[::1] q_alt_buf = np.empty(n)
    cdef double *q = &q_buf[0]
    cdef double *q_alt = &q_alt_buf[0]
    cdef double *q_tmp
    cdef double[::1] grad = np.zeros(n_features)
    cdef double[::1] group_scale = np.zeros(n_groups)
    cdef double[::1] score = np.zeros(n_groups)
    cdef int[::1] active = np.arange(n_groups, dtype=np.intc)
    cdef int[::1] ws = np.arange(n_groups, dtype=np.intc)
    cdef unsigned char[::1] feat_off = np.zeros(n_features, dtype=np.uint8)
    # Screened groups' products are skipped while a bound proves them
    # feasible (bound_norms): the centred residual of the last outer pass,
    # the distance it has moved in all (summed over passes), and that sum
    # when each group's products were last computed.
    cdef bint skip_screened = bound_norms is not None and n_groups > 0
    cdef const double *bnorm = &bound_norms[0] if skip_screened else NULL
    cdef const double *snorm = (&screen_norms[0] if screen_norms is not None and n_groups > 0
                                else NULL)
    cdef double[::1] u_prev = np.zeros(n if skip_screened else 0)
    cdef double[::1] moved_at = np.zeros(n_groups if skip_screened else 0)
    cdef unsigned char[::1] screened = np.zeros(max(n_groups, 1), dtype=np.uint8)
    cdef double moved = 0.0, u
    cdef long long n_group_products = 0
    cdef int[::1] supp = np.zeros(max(n_groups, 1), dtype=np.intc)
    cdef int n_supp = 0, n_visit
    cdef bint full_pass, small, stop = False, warm = False
    cdef int max_size = 0, g, k, j, i, t, m, start, end
    for g in range(n_groups):
        max_size = max(max_size, group_ptr[g + 1] - group_ptr[g])
    # Groups updated one coefficient at a time (see the module docstring):
    # the big ones, and the small ones whose columns are scaled unevenly, on
    # which a block step of 1 / L_g barely moves the smallest columns (a
    # group of m columns of equal norms, however correlated, has L_g at most
    # m times their squared norm). In the group lasso only far more uneven
    # ones: there block steps converged in half the epochs of coordinates on
    # news20 in groups of 50 TF-IDF columns, whose ratios L_g / (m min
    # ||x_j||^2) reach 308 (median 4.2); a review found groups of columns
    # scaled 1e-3 to 1e3 (ratios of 1e9) or of lognormal counts (up to 1e4)
    # stalling at gaps of 1e-2 and 1e-4 after 10,000 epochs, which
    # coordinates certify in 20 and about 1,400.
    cdef double uneven_scale = (UNEVEN_SCALE if l1_reg > 0 or positive
                                else UNEVEN_SCALE_GROUP_LASSO)
    cdef unsigned char[::1] by_coordinates = np.zeros(max(n_groups, 1), dtype=np.uint8)
    cdef double min_norm2
    for g in range(n_groups):
        m = group_ptr[g + 1] - group_ptr[g]
        min_norm2 = INFINITY
        for j in range(group_ptr[g], group_ptr[g + 1]):
            if norms[j] > 0.0:
                min_norm2 = fmin(min_norm2, norms[j] * norms[j])
        by_coordinates[g] = m >= coordinate_min_size or (
            m > 1 and lipschitz[g] > uneven_scale * m * min_norm2)
    cdef double[::1] work = np.zeros(max(max_size, 1))
    cdef double[::1] block = np.zeros(max(max_size, 1))
    cdef bint has_eig = eig_ptr is not None
    if has_eig and (eig_ptr.shape[0] != n_groups + 1 or eig_ptr[0] != 0 or eig_vals is None
                    or eig_vals.shape[0] != n_features or eig_vecs is None
                    or eig_ptr[n_groups] > eig_vecs.shape[0]):
        raise ValueError("eig_ptr, eig_vals and eig_vecs do not match the groups")
    if has_eig:
        for g in range(n_groups):
            if not (eig_ptr[g + 1] == eig_ptr[g] or eig_ptr[g + 1] - eig_ptr[g]
                    == (<long long> (group_ptr[g + 1] - group_ptr[g])) ** 2):
                raise ValueError("eig_ptr does not match the group sizes")
    cdef bint exact_blocks = has_eig and l1_reg == 0 and not positive and group_reg > 0
    cdef const long long *eptr = &eig_ptr[0] if has_eig else NULL
    cdef const double *evals = &eig_vals[0] if has_eig and n_features else NULL
    cdef const double *evecs = &eig_vecs[0] if has_eig and eig_vecs.shape[0] else NULL

    cdef int n_active = n_groups, ws_size = 0, ws_prev = 0, nnz_groups, n_feat_off = 0
    cdef int epochs = 0, epochs_in, n_outer = 0, check_at, n_hist, ws_len, K
    cdef double inner_budget, inner_work, refresh_every, refresh_at
    cdef long long free_cost, ws_cost, supp_cost = 0
    cdef double tol_abs, tol_in, gap = INFINITY, gap_in, s, s_in, radius, acc
    cdef double r_norm2, r_dot_y, r_dot_v, penalty, coef, c = 0.0, c_alt, inv_vv = 0.0, rv = 0.0
    cdef double d, p_cur, p_alt, gnorm, p_norm2
    cdef bint exact
    cdef bint do_screen = screening and (l1_reg > 0 or group_reg > 0)
    cdef bint use_ws = working_set
    cdef int *ws_feat = NULL
    cdef double *hist = NULL
    cdef double *w_acc = NULL
    cdef double *q_hist = NULL
    cdef double *w_last = NULL
    cdef bint still, watch, fixed_last = False, stalled = False
    cdef int fixed_size = 0
    cdef double c_hist[17]
    cdef bint combine_q
    cdef double weights_k[16]
    K = anderson if anderson >= 2 else 0
    # Newton steps (see group_newton_step): the working set's sign pattern at
    # the last gap check and the epoch it last changed, their work and the
    # block updates' (solve_work: the inner solves before this one)
    cdef signed char *pattern = NULL
    cdef int *nsup = NULL
    cdef double *nlam = NULL
    cdef int n_newton = 0, newton_wait = NEWTON_STABLE, sign_epoch = 0, m_newton, n_seg
    cdef int status
    cdef double newton_total = 0.0, solve_work = 0.0, fact_newton, cost_newton, r_dot_v_new
    cdef double work_newton
    cdef long long read_newton = 0
    cdef bint moved_newton, newton_settled = False

    cdef double next_check = first_check()  # (Ctrl-C, see interrupted)
    with nogil:
        for j in range(n_features):
            if norms[j] == 0.0:
                # A zero column (constant, centred) cannot move: drop a warm
                # start on it, and keep block steps off it (its products are
                # rounding residue; not counted as screened)
                w[j] = 0
                feat_off[j] = 1
            elif w[j] != 0:
                warm = True
        acc = 0.0
        for i in range(n):
            acc += <double> y[i] * y[i]
        tol_abs = tol * acc
        if implicit:
            acc = 0.0
            rv = 0.0
            for i in range(n):
                acc += <double> vp[i] * vp[i]
                rv += <double> y[i] * vp[i]
            inv_vv = 1.0 / acc if acc > 0 else 0.0
            # rv: (r . v) / ||v||^2 in the updates of dense X (see
            # _cd.enet_solve), measured at each gap; before the first, y . v
            # (r . v for every w): the free step at the first outer start
            # needs it, and a certificate met there is not checked again.
            rv = rv * inv_vv if fold else 0.0
        # (read only where written, after combine_q; gcc cannot tell)
        memset(c_hist, 0, sizeof(c_hist))

        while True:
            # (Ctrl-C, at each outer iteration, where the working set's buffers
            # are freed, and at each gap check of the inner loop, which stops
            # there)
            if stop or interrupted(&next_check):
                with gil:
                    reraise()
            # ---- outer: exact residual, every group's dual scale, the gap ---
            # (folded after the free step)
            exact_residual(&y[0], &w[0], NULL, n_features, n, is_sparse, Xp, data, indices,
                           indptr, implicit, xvp, inv_vv, False, vp, q, &c)
            if n_free:
                c = free_step(f0, n_free, inv, &free_g[0], &free_d[0], &w[0], n, is_sparse, Xp,
                              data, indices, indptr, q, implicit, xvp, inv_vv, c, rv)
            if fold:
                fold_intercept(n, q, &c, vp)
            residual_stats(n, q, c, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
            p_norm2 = r_norm2
            if floating is float:
                if n_free:
                    # float32 coefficients: the free step's rounding leaves
                    # X_U^T r at float32 precision, and r / s would miss the
                    # constraint X_U^T theta = 0 of the unpenalised features
                    # (a review found certificates 2% short). The dual point
                    # is the residual of the unrounded free coefficients
                    # w_U + beta, beta = inv X_U^T r, moved to in double for
                    # the products and the dual objective, and back after
                    # the gap; the primal keeps the rounded w's ||r||^2.
                    free_direction(f0, n_free, inv, &free_g[0], &free_d[0], n, is_sparse,
                                   Xp, data, indices, indptr, q, implicit, xvp,
                                   c - inv_vv * r_dot_v)
                    for k in range(n_free):
                        if free_d[k] != 0:
                            move_residual(f0 + k, -free_d[k], n, is_sparse, Xp, data, indices,
                                          indptr, implicit, xvp, inv_vv, q, &c)
                    residual_stats(n, q, c, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
            rv = inv_vv * r_dot_v if fold else 0.0
            coef = c - inv_vv * r_dot_v
            if skip_screened:
                # the centred residual u = q + coef v (the products are
                # X^T u) and how far it moved since the last pass
                acc = 0.0
                for i in range(n):
                    u = q[i] + coef * vp[i] if implicit else q[i]
                    d = u - u_prev[i]
                    acc += d * d
                    u_prev[i] = u
                if n_outer > 0:
                    moved += sqrt(acc)
            penalty = 0.0
            s = 1.0
            for g in range(n_groups):
                if screened[g]:
                    continue  # (w = 0 there; its bound is checked below)
                start = group_ptr[g]
                end = group_ptr[g + 1]
                group_products(start, end, &grad[0], n, is_sparse, Xp, data, indices, indptr,
                               q, implicit, xvp, coef, positive, &norms[0])
                penalty += group_penalty(&w[0], start, end, l1_reg, group_reg * weights[g])
                group_scale[g] = sgl_dual_scale(&grad[start], end - start, l1_reg,
                                                group_reg * weights[g], &work[0])
                s = max_d(s, group_scale[g])
                n_group_products += 1
            if skip_screened and n_active < n_groups:
                # Screened groups: feasible at the dual point u / s if
                # ||S_l1(c_ref / s)|| + ||X_g|| ||u - u_ref|| / s <= lambda_g
                # (c_ref their last products, at u_ref); else evaluated (which
                # can only raise s, and a larger s keeps the others feasible).
                # A NaN bound (an infinite norm that did not move) fails.
                for g in range(n_groups):
                    if not screened[g]:
                        continue
                    start = group_ptr[g]
                    end = group_ptr[g + 1]
                    if shrunk_norm(&grad[start], end - start, 1.0 / s, l1_reg, &work[0]) \
                            + bnorm[g] * (moved - moved_at[g]) / s \
                            <= group_reg * weights[g]:
                        continue
                    group_products(start, end, &grad[0], n, is_sparse, Xp, data, indices,
                                   indptr, q, implicit, xvp, coef, positive, &norms[0])
                    moved_at[g] = moved
                    n_group_products += 1
                    group_scale[g] = sgl_dual_scale(&grad[start], end - start, l1_reg,
                                                    group_reg * weights[g], &work[0])
                    s = max_d(s, group_scale[g])
            gap = certified(group_gap(r_norm2, r_dot_y, penalty, s) + 0.5 * (p_norm2 - r_norm2))
            if floating is float:
                if n_free:
                    for k in range(n_free):
                        if free_d[k] != 0:
                            move_residual(f0 + k, free_d[k], n, is_sparse, Xp, data, indices,
                                          indptr, implicit, xvp, inv_vv, q, &c)
            n_outer += 1
            # A warm start that already meets tol still takes one inner solve
            # (one epoch or more; scikit-learn's solvers take at least one):
            # along a path at a loose tol, steps would otherwise return the
            # last solution unchanged, and cross-validation curves go flat.
            # (stalled: the last inner solve, over every active group, found
            # its start a fixed point of block coordinate descent: so was
            # the one before, and this gap is that one's; no epoch can lower
            # it, which float32 at a tol beyond its reach met once per outer
            # iteration, one epoch each, to max_iter)
            if (gap <= tol_abs and (epochs > 0 or not warm)) or epochs >= max_iter or stalled:
                break

            # ---- Gap Safe screening of groups, then of features -------------
            if do_screen:
                # (the gap plus SCREEN_SLACK times the size of its terms: at a
                # start on the optimum the gap is rounding, and a zero radius
                # would screen a group active there, whose dual norm is 1 up
                # to rounding; it could never come back)
                radius = sqrt(2.0 * (gap + SCREEN_SLACK * (
                    r_norm2 + penalty + fabs(r_dot_y))))
                t = 0
                for k in range(n_active):
                    g = active[k]
                    start = group_ptr[g]
                    end = group_ptr[g + 1]
                    gnorm = snorm[g] if snorm != NULL else sqrt(lipschitz[g])
                    if (group_reg * weights[g] > 0 and shrunk_norm(
                            &grad[start], end - start, 1.0 / s, l1_reg, &work[0])
                            + radius * gnorm < group_reg * weights[g]):
                        for j in range(start, end):
                            if w[j] != 0:
                                move_residual(j, w[j], n, is_sparse, Xp, data, indices, indptr,
                                              implicit, xvp, inv_vv, q, &c)
                                w[j] = 0
                        if skip_screened:
                            screened[g] = 1
                            moved_at[g] = moved
                        continue
                    if l1_reg > 0:
                        for j in range(start, end):
                            if not feat_off[j] and fabs(grad[j]) / s + radius * norms[j] < l1_reg:
                                feat_off[j] = 1
                                n_feat_off += 1
                                if w[j] != 0:
                                    move_residual(j, w[j], n, is_sparse, Xp, data, indices, indptr,
                                                  implicit, xvp, inv_vv, q, &c)
                                    w[j] = 0
                    active[t] = g
                    t += 1
                n_active = t

            # ---- working set of groups --------------------------------------
            if use_ws:
                nnz_groups = 0
                for k in range(n_active):
                    g = active[k]
                    if group_nonzero(&w[0], group_ptr[g], group_ptr[g + 1]):
                        nnz_groups += 1
                        score[g] = -INFINITY
                    else:
                        score[g] = -group_scale[g] / s
                    ws[k] = g
                # (at least twice the last set after it stopped at a fixed point)
                ws_size = min(max(ws_start, 2 * nnz_groups,
                                  2 * ws_prev if fixed_last else ws_prev), n_active)
                select_smallest(&ws[0], n_active, ws_size, &score[0])
                ws_prev = ws_size
                fixed_last = False
                # (a warm start that met tol goes on to one inner solve: its
                # gap may be rounding, so the inner target is tol's share)
                tol_in = inner_ratio * max_d(gap, tol_abs)
                if ws_size == n_active:
                    # the working set is the whole (unscreened) problem, whose
                    # inner gap need not go below tol: close to the precision
                    # of the products, inner_ratio * gap may not be reachable
                    tol_in = max_d(tol_in, tol_abs)
            elif strong_ratio > 1.0:
                # Sequential strong rule along a path: group g stays inactive
                # at this alpha if its activation alpha, alpha * s_g, is below
                # 2 alpha - alpha_prev, i.e. s_g < 2 - alpha_prev / alpha. The
                # outer gap is the KKT check; violators (s_g > 1) rejoin.
                ws_size = 0
                for k in range(n_active):
                    g = active[k]
                    if (group_nonzero(&w[0], group_ptr[g], group_ptr[g + 1])
                            or group_scale[g] / s >= 2.0 - strong_ratio):
                        ws[ws_size] = g
                        ws_size += 1
                tol_in = tol_abs
            else:
                for k in range(n_active):
                    ws[k] = active[k]
                ws_size = n_active
                tol_in = tol_abs

            # ---- inner: block CD on the working set -------------------------
            ws_len = n_free  # the unpenalised features are always in
            for k in range(ws_size):
                ws_len += group_ptr[ws[k] + 1] - group_ptr[ws[k]]
            # (PyMem_Raw: the allocations show in tracemalloc's accounting)
            ws_feat = <int *> PyMem_RawMalloc(max(ws_len, 1) * sizeof(int))
            if K > 0:
                hist = <double *> PyMem_RawMalloc(<size_t> (K + 1) * max(ws_len, 1) * sizeof(double))
                w_acc = <double *> PyMem_RawMalloc(max(ws_len, 1) * sizeof(double))
            # (whether a fixed point ends this solve: see below)
            watch = ws_size >= n_active or ws_size != fixed_size
            if watch:
                w_last = <double *> PyMem_RawMalloc(max(ws_len, 1) * sizeof(double))
            if newton:
                pattern = <signed char *> PyMem_RawMalloc(max(ws_len, 1))
            if ws_feat == NULL or (K > 0 and (hist == NULL or w_acc == NULL)) \
                    or (watch and w_last == NULL) or (newton and pattern == NULL):
                PyMem_RawFree(ws_feat)
                PyMem_RawFree(hist)
                PyMem_RawFree(w_acc)
                PyMem_RawFree(w_last)
                PyMem_RawFree(pattern)
                with gil:
                    raise MemoryError("no memory for the working set of the solver")
            t = 0
            for k in range(ws_size):
                for j in range(group_ptr[ws[k]], group_ptr[ws[k] + 1]):
                    ws_feat[t] = j
                    t += 1
            for j in range(f0, n_features):
                ws_feat[t] = j
                t += 1
            # The residual is affine in w: the extrapolated residual is the
            # same combination of the last K residuals, at about 2 K n
            # operations with the copies, instead of one column update per
            # moved feature (estimated by the nonzeros of the nonzero
            # working-set columns). Used when cheaper, and when the
            # extrapolated w is exactly that combination (float64, no sign
            # clipping).
            combine_q = (K > 0 and floating is double and not positive
                         and <long long> K * n < nonzero_column_nnz(
                             ws_feat, ws_len, &w[0], is_sparse, indptr, n))
            if combine_q:
                q_hist = <double *> PyMem_RawMalloc(<size_t> (K + 1) * n * sizeof(double))
                if q_hist == NULL:
                    PyMem_RawFree(ws_feat)
                    PyMem_RawFree(hist)
                    PyMem_RawFree(w_acc)
                    PyMem_RawFree(w_last)
                    PyMem_RawFree(pattern)
                    with gil:
                        raise MemoryError("no memory for the working set of the solver")
            n_hist = 0
            epochs_in = 0
            check_at = 1
            # (the unpenalised features are visited at every pass; a working
            # set of every active group sees them all, has no budget and
            # recomputes its residual as often instead, as in the Lasso
            # kernel: at tol 1e-12 it drifted until max_iter)
            free_cost = column_cost(ws_feat + ws_len - n_free, n_free, is_sparse, indptr, n)
            ws_cost = column_cost(ws_feat, ws_len, is_sparse, indptr, n)
            refresh_every = INNER_PASSES * <double> (free_cost + group_cost(
                &active[0], n_active, &group_ptr[0], is_sparse, indptr, n))
            inner_budget = refresh_every if ws_size < n_active else INFINITY
            refresh_at = refresh_every
            inner_work = 0.0
            newton_settled = False
            if newton:
                update_signs(pattern, &w[0], ws_feat, ws_len, True)
                sign_epoch = 0
                newton_wait = NEWTON_STABLE
            while True:
                # Active-set cycling, as in the Lasso kernel: a pass over the
                # whole working set, then passes over its nonzero groups.
                # (after a settled Newton step, a pass over the whole set)
                full_pass = (newton_settled or support_passes <= 0
                             or epochs_in % (support_passes + 1) == 0)
                n_visit = ws_size if full_pass else n_supp
                if full_pass and w_last != NULL:
                    for t in range(ws_len):
                        w_last[t] = w[ws_feat[t]]
                for k in range(n_visit):
                    g = ws[k] if full_pass else supp[k]
                    start = group_ptr[g]
                    end = group_ptr[g + 1]
                    small = end - start < coordinate_min_size and lipschitz[g] > 0
                    exact = small and exact_blocks and eptr[g + 1] > eptr[g]
                    c = group_step(start, end, group_reg * weights[g], lipschitz[g], small,
                                   small and not by_coordinates[g],
                                   evals + start if exact else NULL,
                                   evecs + eptr[g] if exact else NULL, l1_reg, positive,
                                   &w[0], &feat_off[0], &norms[0], &block[0], &work[0], n,
                                   is_sparse, Xp, data, indices, indptr, q, implicit, xvp,
                                   inv_vv, c, rv)
                if n_free:
                    c = free_step(f0, n_free, inv, &free_g[0], &free_d[0], &w[0], n, is_sparse, Xp,
                                  data, indices, indptr, q, implicit, xvp, inv_vv, c, rv)
                if fold:
                    fold_intercept(n, q, &c, vp)
                inner_work += ws_cost if full_pass else supp_cost
                if inner_budget == INFINITY and refresh_every > 0 and inner_work >= refresh_at:
                    refresh_at += refresh_every
                    exact_residual(&y[0], &w[0], NULL, n_features, n, is_sparse, Xp, data,
                                   indices, indptr, implicit, xvp, inv_vv, fold, vp, q, &c)
                if full_pass:
                    n_supp = 0
                    for k in range(ws_size):
                        if group_nonzero(&w[0], group_ptr[ws[k]], group_ptr[ws[k] + 1]):
                            supp[n_supp] = ws[k]
                            n_supp += 1
                    supp_cost = group_cost(&supp[0], n_supp, &group_ptr[0], is_sparse, indptr,
                                           n) + free_cost
                epochs += 1
                epochs_in += 1
                if epochs >= max_iter:
                    break
                # A pass over the whole working set that moved no coefficient
                # is a fixed point of block coordinate descent: its gap will
                # not fall. The outer loop evaluates the full problem (its gap
                # may meet tol where the inner target is out of reach) and
                # grows the set at least twofold; a set with a work budget of
                # the size of the last one stopped this way goes on with its
                # epochs, as before. (See the Lasso kernel: float32
                # coefficients of columns with norms of 1e6 stopped moving and
                # ran to the work budget, past max_iter.)
                # A settled Newton step (below) and a pass over the whole set
                # after it that changed no sign: ended as at a fixed point.
                if newton_settled:
                    newton_settled = False
                    if not update_signs(pattern, &w[0], ws_feat, ws_len, False):
                        if ws_size < n_active:
                            fixed_size = ws_size
                            fixed_last = True
                        break
                if full_pass and w_last != NULL:
                    still = True
                    for t in range(ws_len):
                        if w[ws_feat[t]] != w_last[t]:
                            still = False
                            break
                    if still:
                        if ws_size < n_active:
                            fixed_size = ws_size
                            fixed_last = True
                        stalled = ws_size >= n_active and epochs_in == 1
                        break

                if K > 0:
                    for t in range(ws_len):
                        hist[<size_t> n_hist * ws_len + t] = w[ws_feat[t]]
                    if combine_q:
                        memcpy(&q_hist[<size_t> n_hist * n], q, n * sizeof(double))
                        c_hist[n_hist] = c
                    n_hist += 1
                    if n_hist == K + 1:
                        n_hist = 0
                        if anderson_weights(hist, ws_len, K, weights_k):
                            c_alt = anderson_candidate(
                                hist, weights_k, K, ws_feat, ws_len, &w[0], positive, False,
                                w_acc, combine_q, q_hist, c_hist, q, c, q_alt, n, is_sparse, Xp,
                                data, indices, indptr, implicit, xvp, inv_vv)
                            p_cur = 0.0
                            p_alt = 0.0
                            t = 0
                            for k in range(ws_size):
                                g = ws[k]
                                start = group_ptr[g]
                                end = group_ptr[g + 1]
                                # (w_acc holds the working set's groups in turn)
                                p_cur += group_penalty(&w[0], start, end, l1_reg,
                                                       group_reg * weights[g])
                                p_alt += group_penalty(w_acc, t, t + end - start, l1_reg,
                                                       group_reg * weights[g])
                                t += end - start
                            residual_stats(n, q, c, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
                            p_cur += 0.5 * r_norm2
                            residual_stats(n, q_alt, c_alt, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
                            p_alt += 0.5 * r_norm2
                            if p_alt < p_cur:
                                for t in range(ws_len):
                                    w[ws_feat[t]] = <floating> w_acc[t]
                                q_tmp = q
                                q = q_alt
                                q_alt = q_tmp
                                c = c_alt

                if epochs_in < check_at:
                    continue
                check_at += min(check_at, K + 1 if K > 0 else 10)
                if interrupted(&next_check):
                    stop = True
                    break
                # Gap of the working-set subproblem.
                if n_free:
                    c = free_step(f0, n_free, inv, &free_g[0], &free_d[0], &w[0], n, is_sparse, Xp,
                                  data, indices, indptr, q, implicit, xvp, inv_vv, c, rv)
                residual_stats(n, q, c, vp, &y[0], implicit, &r_norm2, &r_dot_y, &r_dot_v)
                rv = inv_vv * r_dot_v if fold else 0.0
                coef = c - inv_vv * r_dot_v
                penalty = 0.0
                s_in = 1.0
                for k in range(ws_size):
                    g = ws[k]
                    start = group_ptr[g]
                    end = group_ptr[g + 1]
                    group_products(start, end, &grad[0], n, is_sparse, Xp, data, indices,
                                   indptr, q, implicit, xvp, coef, positive, &norms[0])
                    penalty += group_penalty(&w[0], start, end, l1_reg, group_reg * weights[g])
                    s_in = max_d(s_in, sgl_dual_scale(&grad[start], end - start, l1_reg,
                                                      group_reg * weights[g], &work[0]))
                gap_in = group_gap(r_norm2, r_dot_y, penalty, s_in)
                if gap_in <= tol_in:
                    break
                if inner_work >= inner_budget:
                    break
                if newton:
                    # Block coordinate descent is slow on a settled but
                    # ill-conditioned support: a Newton step there, when its
                    # work keeps the steps' total below the epochs' of this
                    # solve (as in the Lasso kernel).
                    if update_signs(pattern, &w[0], ws_feat, ws_len, True):
                        sign_epoch = epochs_in
                    elif epochs_in - sign_epoch >= newton_wait:
                        status = 0
                        nsup = <int *> PyMem_RawMalloc((<size_t> ws_len + ws_size + 2) * sizeof(int))
                        nlam = <double *> PyMem_RawMalloc((<size_t> ws_size + 1) * sizeof(double))
                        if nsup != NULL and nlam != NULL:
                            m_newton = newton_support(
                                &ws[0], ws_size, &group_ptr[0], &weights[0], group_reg, l1_reg,
                                positive, &feat_off[0], &w[0], nsup, nsup + ws_len, nlam,
                                &n_seg)
                            cost_newton = newton_work(
                                column_cost(nsup, m_newton, is_sparse, indptr, n), m_newton,
                                &fact_newton)
                            # (supports of up to twice as many columns as
                            # samples: near-duplicate columns need them, but
                            # on easy dense fits with supports of 2.7 to 8
                            # times n_samples, where the steps save few
                            # epochs, a review measured fits 2 to 2.7 times
                            # slower: the Gram matrix and the row-oriented
                            # factorisation cost more per counted unit than
                            # the epochs)
                            if 0 < m_newton <= min(NEWTON_MAX, 2 * n) \
                                    and newton_total + cost_newton + fact_newton \
                                    <= solve_work + inner_work:
                                status = group_newton_step(
                                    nsup, m_newton, nsup + ws_len, nlam, n_seg, l1_reg, positive,
                                    &w[0], n, is_sparse, Xp, data, indices, indptr, implicit,
                                    xvp, inv_vv, fold, vp, &y[0], q, &c, coef, r_norm2,
                                    &r_dot_v_new,
                                    solve_work + inner_work - newton_total - cost_newton,
                                    fact_newton, &work_newton, &read_newton, f0, n_free, inv,
                                    &free_g[0], &free_d[0])
                                moved_newton = status > 0
                                newton_total += cost_newton + work_newton
                                # (a step that failed waits twice as long for the next)
                                newton_wait = NEWTON_STABLE if moved_newton else 2 * newton_wait
                                sign_epoch = epochs_in
                                if moved_newton:
                                    n_newton += 1
                                    n_hist = 0
                                    rv = inv_vv * r_dot_v_new if fold else 0.0
                                    update_signs(pattern, &w[0], ws_feat, ws_len, True)
                        PyMem_RawFree(nsup)
                        PyMem_RawFree(nlam)
                        nsup = NULL
                        nlam = NULL
                        # float32: settled signs and w the minimiser on its
                        # support to the rounding of P, the gap still above
                        # the target. If a pass over the whole set (the passes
                        # since the last may have been over the nonzero groups
                        # only) changes no sign either, the gap left is the
                        # coefficients' rounding (with columns of norm 1e6 it
                        # kept the set's gap at P itself), or features the
                        # outer loop must add: the solve ends as at a fixed
                        # point. (Not in float64, as in the Lasso kernel.)
                        newton_settled = floating is float and status < 0 and watch
            solve_work += inner_work
            PyMem_RawFree(ws_feat)
            PyMem_RawFree(w_last)
            PyMem_RawFree(pattern)
            w_last = NULL
            pattern = NULL
            if K > 0:
                PyMem_RawFree(hist)
                PyMem_RawFree(w_acc)
                PyMem_RawFree(q_hist)
                hist = w_acc = q_hist = NULL

    stats = {"n_outer": n_outer, "n_screened_groups": n_groups - n_active,
             "n_screened_features": n_feat_off, "ws_size": ws_size,
             "n_group_products": n_group_products, "n_newton": n_newton,
             "entries_newton": read_newton}
    return np.asarray(w), gap, tol_abs, epochs, stats


def group_dual_scales(const double[::1] corr, const int[::1] group_ptr, double l1,
                      const double[::1] group_l2):
    """Per group, the smallest s with ||S_l1(corr_g / s)||_2 <= group_l2[g].

    With ``corr = X^T y / n``, ``l1 = l1_ratio`` and
    ``group_l2 = (1 - l1_ratio) * weights`` this is each group's alpha_max.
    """
    cdef int n_groups = group_ptr.shape[0] - 1, g, size = 1
    for g in range(n_groups):
        size = max(size, group_ptr[g + 1] - group_ptr[g])
    cdef double[::1] work = np.zeros(size)
    cdef double[::1] out = np.zeros(n_groups)
    with nogil:
        for g in range(n_groups):
            out[g] = sgl_dual_scale(&corr[group_ptr[g]], group_ptr[g + 1] - group_ptr[g],
                                    l1, group_l2[g], &work[0])
    return np.asarray(out)
