"""Matrix products that pick how many BLAS threads to use from their size.

numpy hands ``a @ b`` to OpenBLAS, which splits it over all cores. For a large
product (a convolution over a batch) that nearly halves the time on 2 cores.
For a small one (a Dense layer, one tap of a small convolution) starting and
stopping the threads costs far more than the product: measured here, a
12544×16 by 16×8 product inside a training loop took 3 to 90 ms with 2
threads and a steady 0.3 ms with one. So products below ``SMALL_FLOPS`` run on
one thread.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

__all__ = ["SMALL_FLOPS", "matmul"]


SMALL_FLOPS = 5e7  # multiply-adds × 2 below which one thread is faster

_blas = None


def _controller():
    global _blas
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


def matmul(a, b):
    """``a @ b`` for 2D arrays, on one BLAS thread when the product is small."""
    if 2.0 * a.shape[0] * a.shape[1] * b.shape[1] >= SMALL_FLOPS:
        return a @ b
    with _controller().limit(limits=1):
        return a @ b
