"""How convolution is fast: the engine under ``cnnviz.conv`` and ``cnnviz.conv_transpose``.

The equations are in ``cnnviz.conv``'s docstring; this module computes them quickly and
says, function by function, why each way is fast. ``cnnviz.reference`` has the same sums as
plain loops, and the tests force every path here (``tests/_helpers.py``, ``CONV_PATHS``) and
compare it with them.

How it is fast: all windows are copied into a matrix with one row per output
cell and one column per (u, v, c) ("im2col", ``_windows.im2col``, stored
column by column when there are few channels), and the triple sum becomes one
matrix product with the kernels, which numpy hands to BLAS. With a bias the
matrix gets one more column, all ones, and the kernel matrix one more row, b:
the same product then adds the bias, and y is written once.

The batch goes a block of images at a time (a single image, a band of output
rows at a time): a block's im2col matrix is still in the CPU's cache when the
product reads it, where a matrix for the whole batch (KH·KW times larger than
x) would go out to memory and back, and it is made in a scratch buffer that the
next step reuses. Two threads share the blocks of a large batch
(``cnnviz._parallel``); in the backward pass a block's dw and its dx are
separate tasks, so that even one block keeps both threads busy. The backward
pass copies each block's windows again instead of keeping the matrix: the
cache holds x itself.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ._blas import matmul, one_thread
from ._checks import check_allocation
from ._parallel import for_blocks
from ._windows import channels_first, im2col, pad_spatial, padded_shape, scratch

__all__ = [
    "bytes_per_image",
    "correlate",
    "gather_input_gradient",
    "in_blocks",
    "input_gradient_method",
    "scatter",
    "summed_in_blocks",
]

TAP_PRODUCTS_UP_TO = 4  # col2im with few channels: one product per tap while F <= TAP_PRODUCTS_UP_TO · C
GATHER_UP_TO = 2  # stride-1 dx by gathering while F <= GATHER_UP_TO · C (see input_gradient_method)
BLOCK_BYTES = 2**22  # bytes per block of images (see in_blocks)


def correlate(x, w, b, pads, S, D, out_shape):
    """y[n,i,j,o] = b[o] + Σ_{u,v,c} w[u,v,c,o] · x_pad[n, i·S+u·D, j·S+v·D, c], block by block.

    For each block of images, one matrix product: its im2col matrix (with a column of ones
    when there is a bias) times the kernel matrix (with b as its last row), written
    straight into y. The bias is the product's last term, 1 · b[o], added to the sum of
    the others as ``y += b`` would add it. A single image is cut into bands of output
    rows instead, each with the input rows that its windows read.

    Returns ``y`` (N, H', W', F).
    """
    N = x.shape[0]
    KH, KW, _, F = w.shape
    w1 = w.reshape(-1, F) if b is None else np.concatenate([w.reshape(-1, F), b[None]])  # (KH·KW·C [+ 1], F)
    check_allocation(
        (N, *out_shape, F), x.dtype, what="the output", func="conv2d_forward"
    )  # before numpy tries
    y = np.empty((N, *out_shape, F), x.dtype)
    image_bytes = bytes_per_image(x, w.shape, pads, out_shape)

    def images(n):  # y[n] for the block n of images
        cols = im2col(x[n], (KH, KW), pads, S, D, out_shape, ones=b is not None)  # (n·H'·W', KH·KW·C [+ 1])
        matmul(cols, w1, out=y[n].reshape(-1, F))  # (n·H'·W', KH·KW·C [+ 1]) @ (KH·KW·C [+ 1], F)

    if N > 1:
        in_blocks(N, image_bytes, images)
        return y
    padded = scratch("image_pad", padded_shape(x.shape, pads), x.dtype)  # (1, Hp, Wp, C)
    x_pad = pad_spatial(x, pads, out=padded)  # x itself when there is no padding
    no_pads = ((0, 0), (0, 0))

    def rows(i):  # y[0, i] for the band i of output rows
        # the input rows that the band's windows read: i.start·S up to (i.stop − 1)·S + D·(KH − 1)
        x_rows = x_pad[:, i.start * S[0] : (i.stop - 1) * S[0] + D[0] * (KH - 1) + 1]  # (1, rows read, Wp, C)
        band = (i.stop - i.start, out_shape[1])
        cols = im2col(x_rows, (KH, KW), no_pads, S, D, band, ones=b is not None)  # (cells, KH·KW·C [+ 1])
        matmul(cols, w1, out=y[:, i].reshape(-1, F))  # (cells, KH·KW·C [+ 1]) @ (KH·KW·C [+ 1], F)

    in_blocks(out_shape[0], image_bytes // out_shape[0], rows)
    return y


def in_blocks(N, item_bytes, *works):
    """Call each ``work(n)`` for every block ``n`` (a slice) of range(N); the results that are not None.

    The N items are images (or, for a single image, rows of output). Blocks hold about
    ``BLOCK_BYTES``: few Python calls per image, and little enough to stay in the CPU's
    cache from the im2col copy to the product that reads it. The calls
    are independent tasks, listed block by block (the works of a block side by side), and
    ``cnnviz._parallel.for_blocks`` gives the second half of the list to a second thread
    when the bytes are many; so the number of blocks is made even, and with two works (dw
    and dx) even a single block is shared. Each thread runs its own matrix products, and
    BLAS is held to one thread meanwhile (its own threads would compete for the same two
    cores). A single task runs alone, and its products may use BLAS's threads.
    """
    blocks = min(N, max(1, round(N * item_bytes / BLOCK_BYTES)))
    if 1 < blocks < N and blocks % 2:
        blocks += 1  # an even number: two equal halves
    per_block = -(-N // blocks)  # ⌈N / blocks⌉ items
    tasks = [partial(work, slice(s, min(s + per_block, N))) for s in range(0, N, per_block) for work in works]
    if len(tasks) == 1:
        results = [tasks[0]()]
    else:
        task_bytes = per_block * item_bytes // len(works)
        with one_thread():
            parts = for_blocks(lambda some: [task() for task in tasks[some]], len(tasks), task_bytes)
        results = [result for part in parts for result in part]
    return [result for result in results if result is not None]


def summed_in_blocks(N, item_bytes, *works):
    """``in_blocks``, with the blocks' results added up: each block's share of one sum (dw)."""
    shares = in_blocks(N, item_bytes, *works)
    total = shares[0]
    for share in shares[1:]:
        total += share  # Σ over the blocks of images
    return total


def bytes_per_image(x, w_shape, pads, out_shape, dx_columns=None):
    """Bytes that one image's share of a block reads and writes: ``for_blocks``' row_bytes.

    Forward: x_pad, the im2col matrix and y. Backward (``dx_columns`` given), also dy, dx
    and the matrix that dx comes from, ``dx_columns`` values per output cell.
    """
    _, H, W, C = x.shape
    KH, KW, _, F = w_shape
    (pt, pb), (pl, pr) = pads
    cells = out_shape[0] * out_shape[1]  # H'·W'
    values = (pt + H + pb) * (pl + W + pr) * C + cells * (KH * KW * C + 1 + F)
    if dx_columns is not None:
        values += cells * F + H * W * C + cells * dx_columns
    return values * x.itemsize


def input_gradient_method(w, pads, S, D):
    """How ``conv2d_backward`` gets dx from a block of dy: a function ``(dy, out=dx)``, and
    the number of values per output cell in the matrix it computes dx from.

    By default col2im (``scatter``). With stride 1 and many input channels, the
    correlation of dy with the flipped kernel (``gather_input_gradient``) is faster: its
    im2col copy of dy moves KH·KW·F values per row where col2im adds KH·KW·C values into
    dx, and an addition reads and writes, so it wins up to about F = 2C
    (``GATHER_UP_TO``). The flipped kernel matrix is made here, once, not once per block.
    """
    KH, KW, C, F = w.shape
    if S == (1, 1) and not channels_first(C) and F <= GATHER_UP_TO * C:
        w_flip = w[::-1, ::-1].transpose(0, 1, 3, 2).reshape(-1, C)  # (KH·KW·F, C): flipped, in/out swapped
        return (lambda dy, out: gather_input_gradient(dy, w_flip, (KH, KW), pads, D, out)), KH * KW * F
    return (lambda dy, out: scatter(dy, w, pads, S, D, out)), KH * KW * C


def gather_input_gradient(dy, w_flip, kernel_size, pads, D, out):
    """dx for stride 1: correlate dy with the flipped kernel, in/out channels swapped.

    dx_pad[a, b] collects w[u, v] · dy[a − u·D, b − v·D]. Padding dy by the
    kernel's extent minus one and flipping the kernel (u → KH−1−u) turns that
    into the forward sum again; only the rows and columns of dx that belong to
    the unpadded input are computed. ``w_flip`` is that kernel as a
    (KH·KW·F, C) matrix; dx is written into ``out`` (N, H, W, C).
    """
    KH, KW = kernel_size
    spatial, C = out.shape[1:3], out.shape[3]
    extents = (D[0] * (KH - 1), D[1] * (KW - 1))
    # dy padded so that the correlation lands exactly on x's cells (negative amounts crop)
    adjust = [(e - p0, e - p1) for e, (p0, p1) in zip(extents, pads)]
    dy = dy[
        :,
        max(-adjust[0][0], 0) : dy.shape[1] - max(-adjust[0][1], 0),
        max(-adjust[1][0], 0) : dy.shape[2] - max(-adjust[1][1], 0),
    ]
    pos = tuple((max(a0, 0), max(a1, 0)) for a0, a1 in adjust)
    cols = im2col(dy, (KH, KW), pos, (1, 1), D, spatial)  # (N·H·W, KH·KW·F)
    # dx[n,a,b,c] = Σ_{u,v,o} w[KH−1−u, KW−1−v, c, o] · dy_pad[n, a + u·D, b + v·D, o]
    matmul(cols, w_flip, out=out.reshape(-1, C))  # (N·H·W, KH·KW·F) @ (KH·KW·F, C) -> (N·H·W, C)


def scatter(dy, w, pads, S, D, out):
    """col2im: dx_pad[n, i·S+u·D, j·S+v·D, c] += Σ_o w[u,v,c,o] · dy[n,i,j,o], cropped into ``out``.

    One product gives every window's share, ``dcols = dy · wᵀ`` (N·H'·W', KH·KW·C); then
    each tap (u, v) adds its columns into the cells of dx_pad that it read in the forward
    pass. With few channels (see ``im2col``) dx_pad is kept channel by channel in memory,
    so that each addition runs along W' cells, and dcols is needed transposed,
    (KH·KW·C, N·H'·W'). BLAS makes that shape of product about 2.5 times slower than
    dcols itself; so while there are few kernels (F ≤ ``TAP_PRODUCTS_UP_TO`` · C) each
    tap's share comes from a product of its own, (C, F) · dyᵀ, made just before it is
    added, while it is in cache. (Measured: 1×256×256×3 → 8 kernels 5×5, stride 2, a
    quarter faster; 64×28×28×1 → 32 kernels, where each of the 9 products would read
    all of dy again, a quarter slower, so it keeps the one product.) ``out`` (N, H, W, C)
    receives x's cells of dx_pad.

    With a stride S > 1 a tap's cells lie S apart, and additions into every S-th cell run
    about three times slower than into neighbouring cells. So dx_pad is kept as S_H·S_W
    "phases": phase (a, b) holds the cells whose row is a mod S_H and whose column is b mod S_W,
    side by side, and tap (u, v) adds into one phase, a block of neighbouring cells:
    row i·S + u·D of dx_pad is row i + ⌊u·D/S⌋ of phase u·D mod S. Each phase is copied into
    its cells of ``out`` at the end. (With S = 1 there is one phase: dx_pad itself.)
    """
    N, Ho, Wo, F = dy.shape
    KH, KW, C, _ = w.shape
    H, W = out.shape[1:3]
    (pt, pb), (pl, pr) = pads
    (SH, SW), (DH, DW) = S, D
    dy2, w2 = dy.reshape(-1, F), w.reshape(-1, F)  # (N·H'·W', F), (KH·KW·C, F)
    K, cells = KH * KW * C, N * Ho * Wo
    phase_shape = (-(-(pt + H + pb) // SH), -(-(pl + W + pr) // SW))  # ⌈Hp / S_H⌉, ⌈Wp / S_W⌉ cells
    if not channels_first(C):
        # one product for all taps: dcols[(n,i,j), (u,v,c)] = Σ_o dy[n,i,j,o] · w[u,v,c,o]
        dcols = matmul(dy2, w2.T, out=scratch("dcols", (cells, K), dy.dtype))  # (N·H'·W', F) @ (F, K)
        taps = dcols.reshape(N, Ho, Wo, KH, KW, C)

        def tap_share(u, v):  # (N, H', W', C)
            return taps[:, :, :, u, v]

        phases = scratch("dx_phases", (SH, SW, N, *phase_shape, C), dy.dtype)  # (S_H, S_W, N, Hq, Wq, C)
    elif F <= TAP_PRODUCTS_UP_TO * C:
        # tap by tap, a small product whose result stays in cache until it is added:
        # share[c, (n,i,j)] = Σ_o w[u,v,c,o] · dy[n,i,j,o], channel by channel in memory
        dy_t = scratch("dy_t", (F, cells), dy.dtype)
        dy_t[...] = dy2.T  # (F, N·H'·W'): a product into channel-by-channel rows is fastest from this

        def tap_share(u, v):  # (N, H', W', C), stored channel by channel
            share = matmul(
                w[u, v], dy_t, out=scratch("dx_tap", (C, cells), dy.dtype)
            )  # (C, F) @ (F, N·H'·W')
            return share.reshape(C, N, Ho, Wo).transpose(1, 2, 3, 0)

    else:  # many kernels: reading dyᵀ once per tap would cost more than one product
        # dcols as its transpose, dcols_t[(u,v,c), (n,i,j)] = Σ_o w[u,v,c,o] · dy[n,i,j,o]
        dcols_t = matmul(w2, dy2.T, out=scratch("dcols", (K, cells), dy.dtype))  # (K, F) @ (F, N·H'·W')
        taps_t = dcols_t.reshape(KH, KW, C, N, Ho, Wo).transpose(0, 1, 3, 4, 5, 2)  # (KH, KW, N, H', W', C)

        def tap_share(u, v):  # (N, H', W', C), stored channel by channel
            return taps_t[u, v]

    if channels_first(C):
        phases = scratch("dx_phases", (SH, SW, C, N, *phase_shape), dy.dtype).transpose(0, 1, 3, 4, 5, 2)
    phases.fill(0)
    for u in range(KH):
        a, i0 = (u * DH) % SH, (u * DH) // SH  # tap row u lands in phase row a, from its row i0 on
        for v in range(KW):
            b, j0 = (v * DW) % SW, (v * DW) // SW
            phases[a, b, :, i0 : i0 + Ho, j0 : j0 + Wo, :] += tap_share(u, v)  # += : overlapping windows add
    for a in range(SH):
        h0 = (a - pt) % SH  # out's first row in phase a: dx_pad row pt + h0 ≡ a (mod S_H)
        for b in range(SW):
            w0 = (b - pl) % SW
            rows, cols = len(range(h0, H, SH)), len(range(w0, W, SW))
            i1, j1 = (pt + h0) // SH, (pl + w0) // SW  # where those cells start in the phase
            inside = phases[a, b, :, i1 : i1 + rows, j1 : j1 + cols, :]  # (N, rows, cols, C)
            if channels_first(C):
                for c in range(C):  # channel by channel: both sides then run along W
                    out[:, h0::SH, w0::SW, c] = inside[..., c]
            else:
                out[:, h0::SH, w0::SW, :] = inside
