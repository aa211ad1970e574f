# Shared low-level helpers for the coordinate-descent kernels.
#
# Every helper is inline, ``noexcept nogil`` and generic over
# ``cython.floating`` so that one kernel source serves float32 and float64.
# Scalars that steer the algorithm (penalties, tolerances) are ``double``.

from cython cimport floating
from libc.math cimport fabs
from libc.stdint cimport uint32_t
from scipy.linalg.cython_blas cimport ddot, sdot, daxpy, saxpy, dscal, sscal


ctypedef fused index_t:
    int
    long long


cdef inline double dot(int n, const floating *x, const floating *y) noexcept nogil:
    """x . y through BLAS level 1 (unit strides)."""
    cdef int one = 1
    if floating is float:
        return sdot(&n, <float *> x, &one, <float *> y, &one)
    else:
        return ddot(&n, <double *> x, &one, <double *> y, &one)


cdef inline void axpy(int n, double a, const floating *x, floating *y) noexcept nogil:
    """y += a * x through BLAS level 1 (unit strides)."""
    cdef int one = 1
    cdef floating a_ = <floating> a
    if floating is float:
        saxpy(&n, &a_, <float *> x, &one, y, &one)
    else:
        daxpy(&n, &a_, <double *> x, &one, y, &one)


cdef inline double dot_acc(int n, const floating *x, const double *y) noexcept nogil:
    """x . y accumulated in double, whatever the precision of x."""
    cdef int one = 1, i
    cdef double out = 0.0
    if floating is double:
        return ddot(&n, <double *> x, &one, <double *> y, &one)
    for i in range(n):
        out += x[i] * y[i]
    return out


cdef inline void axpy_acc(int n, double a, const floating *x, double *y) noexcept nogil:
    """y += a * x with y in double, whatever the precision of x."""
    cdef int one = 1, i
    if floating is double:
        daxpy(&n, &a, <double *> x, &one, y, &one)
        return
    for i in range(n):
        y[i] += a * x[i]


cdef inline void scal(int n, double a, floating *x) noexcept nogil:
    """x *= a through BLAS level 1."""
    cdef int one = 1
    cdef floating a_ = <floating> a
    if floating is float:
        sscal(&n, &a_, x, &one)
    else:
        dscal(&n, &a_, x, &one)


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


cdef inline double l1_dual_norm(int n, const double *grad, bint positive) noexcept nogil:
    """Dual norm of the L1 penalty: max |g_j| (max g_j under a sign constraint)."""
    cdef double out = 0.0
    cdef int j
    for j in range(n):
        if positive:
            if grad[j] > out:
                out = grad[j]
        elif fabs(grad[j]) > out:
            out = fabs(grad[j])
    return out


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
