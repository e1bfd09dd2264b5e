"""The notes' equations as plain loops: slow, obvious, and the oracle for the fast code.

Each function is a direct transcription of one corrected equation from the
notes (see ERRATA.md), in the notes' symbols: L (input length), K (kernel
length), P (padding), S (stride), k (number of kernels), w (weights), x (input),
y (output). Indices are 0-based, as in Python; the notes count from 1, so the
notes' x_{i+j−1} is ``x[i + j]`` here. No batch axis: one example at a time,
exactly as the notes write it. Nothing here is vectorized on purpose; the
tests check that ``cnnviz.ops`` computes the same numbers.

The padding argument ``P`` is an int (the same on both sides) or, per axis,
a pair ``(before, after)``; the stride ``S`` and dilation ``D`` are ints (one
per axis in 2D, or one for both).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "add",
    "add_backward",
    "average",
    "average_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool_with_members",
    "batchnorm",
    "batchnorm_backward",
    "batchnorm_inference",
    "batchnorm_inference_backward",
    "concatenate",
    "concatenate_backward",
    "conv1d_case1",
    "conv1d_case2",
    "conv1d_case3",
    "conv1d_case3_backward",
    "conv2d_case4",
    "conv2d_case4_backward",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "cropping2d",
    "cropping2d_backward",
    "global_average_pool2d",
    "global_average_pool2d_backward",
    "global_max_pool2d",
    "global_max_pool2d_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool_with_winners",
    "maximum",
    "maximum_backward",
    "multiply",
    "multiply_backward",
    "output_length",
    "pad_2d",
    "pool_windows",
    "subtract",
    "subtract_backward",
    "upsampling2d",
    "upsampling2d_backward",
    "zero_padding2d",
    "zero_padding2d_backward",
]


def output_length(L, K, P_before, P_after, S, D=1):
    """L' = ⌊(L + P_before + P_after − E) / S⌋ + 1 with E = D·(K − 1) + 1 (ERRATA 3)."""
    E = D * (K - 1) + 1
    return math.floor((L + P_before + P_after - E) / S) + 1


def conv1d_case1(x, w, S=1, P=0):
    """Case 1, one channel and one kernel: y_i = Σ_j w_j · x_{i·S + j}.

    With S = 1 and P = 0 this is the notes' y_i = Σ_{j=1}^{K} w_j x_{i+j−1},
    i = 1..L' and L' = L − K + 1 (here 0-based).

    x : (L,), w : (K,) -> y : (L',)
    """
    x = _pad_1d(np.asarray(x, dtype=float)[:, None], P)[:, 0]
    K = len(w)
    L_out = (len(x) - K) // S + 1
    y = np.zeros(L_out)
    for i in range(L_out):
        for j in range(K):
            y[i] += w[j] * x[i * S + j]
    return y


def conv1d_case2(x, w, S=1, P=0):
    """Case 2, several channels and one kernel: the sum runs over the channels too.

    y_i = Σ_{j2 < L_depth} Σ_{j1 < K} w[j1, j2] · x[i·S + j1, j2]; the kernel's
    depth equals the input's depth (K_depth = L_depth).

    x : (L, C), w : (K, C) -> y : (L',)
    """
    x = _pad_1d(np.asarray(x, dtype=float), P)
    K, C = np.shape(w)
    L_out = (x.shape[0] - K) // S + 1
    y = np.zeros(L_out)
    for i in range(L_out):
        for j2 in range(C):
            for j1 in range(K):
                y[i] += w[j1, j2] * x[i * S + j1, j2]
    return y


def conv1d_case3(x, w, b=None, S=1, P=0, D=1):
    """Case 3, several channels and k kernels: one output channel per kernel.

    y[i1, i2] = b[i2] + Σ_{j2 < L_depth} Σ_{j1 < K} w[j1, j2, i2] · x[i1·S + j1·D, j2]
    for i1 < L' and i2 < k (ERRATA 6, 7: the bias, and x_{i1+j1−1, j2}).

    x : (L, C), w : (K, C, k), b : (k,) or None -> y : (L', k)
    """
    x = _pad_1d(np.asarray(x, dtype=float), P)
    K, C, k = np.shape(w)
    L_out = output_length(x.shape[0], K, 0, 0, S, D)
    y = np.zeros((L_out, k))
    for i1 in range(L_out):
        for i2 in range(k):
            y[i1, i2] = 0.0 if b is None else b[i2]
            for j2 in range(C):
                for j1 in range(K):
                    y[i1, i2] += w[j1, j2, i2] * x[i1 * S + j1 * D, j2]
    return y


def conv1d_case3_backward(dy, x, w, S=1, P=0, D=1):
    """Gradients of case 3 by the chain rule, one product at a time.

    Every term w[j1, j2, i2] · x_pad[i1·S + j1·D, j2] of y[i1, i2] sends
    dy[i1, i2] · x_pad[...] to dw[j1, j2, i2] and dy[i1, i2] · w[...] to
    dx_pad[i1·S + j1·D, j2].

    Returns dx (L, C), dw (K, C, k), db (k,).
    """
    L = np.shape(x)[0]
    (P0, _), x_pad = _pad_pair(P), _pad_1d(np.asarray(x, dtype=float), P)
    K, C, k = np.shape(w)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros((K, C, k))
    db = np.zeros(k)
    for i1 in range(np.shape(dy)[0]):
        for i2 in range(k):
            db[i2] += dy[i1, i2]
            for j2 in range(C):
                for j1 in range(K):
                    dw[j1, j2, i2] += dy[i1, i2] * x_pad[i1 * S + j1 * D, j2]
                    dx_pad[i1 * S + j1 * D, j2] += dy[i1, i2] * w[j1, j2, i2]
    return dx_pad[P0 : P0 + L], dw, db


def conv2d_case4(x, w, b=None, S=1, P=0, D=1):
    """Case 4, an image with several channels and k kernels (ERRATA 8).

    y[i, j, o] = b[o] + Σ_{u < K_height} Σ_{v < K_width} Σ_{c < L_depth} w[u, v, c, o] · x[i·S + u·D, j·S + v·D, c]

    for i < L'_height, j < L'_width, o < k, with x zero-padded first. The
    kernel's depth equals the input's (K_depth = L_depth); the output's depth
    is the number of kernels (L'_depth = k).

    x : (H, W, C), w : (KH, KW, C, k), b : (k,) or None -> y : (H', W', k)
    """
    (Sh, Sw), (Dh, Dw) = _two(S), _two(D)
    x = pad_2d(np.asarray(x, dtype=float), P)
    KH, KW, C, k = np.shape(w)
    H_out = output_length(x.shape[0], KH, 0, 0, Sh, Dh)
    W_out = output_length(x.shape[1], KW, 0, 0, Sw, Dw)
    y = np.zeros((H_out, W_out, k))
    for i in range(H_out):
        for j in range(W_out):
            for o in range(k):
                y[i, j, o] = 0.0 if b is None else b[o]
                for u in range(KH):
                    for v in range(KW):
                        for c in range(C):
                            y[i, j, o] += w[u, v, c, o] * x[i * Sh + u * Dh, j * Sw + v * Dw, c]
    return y


def conv2d_case4_backward(dy, x, w, S=1, P=0, D=1):
    """Gradients of case 4, term by term. Returns dx (H, W, C), dw (KH, KW, C, k), db (k,)."""
    (Sh, Sw), (Dh, Dw) = _two(S), _two(D)
    H, W = np.shape(x)[:2]
    ((Pt, _), (Pl, _)), x_pad = _pads_2d(P), pad_2d(np.asarray(x, dtype=float), P)
    KH, KW, C, k = np.shape(w)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros((KH, KW, C, k))
    db = np.zeros(k)
    H_out, W_out = np.shape(dy)[:2]
    for i in range(H_out):
        for j in range(W_out):
            for o in range(k):
                db[o] += dy[i, j, o]
                for u in range(KH):
                    for v in range(KW):
                        for c in range(C):
                            r, s = i * Sh + u * Dh, j * Sw + v * Dw
                            dw[u, v, c, o] += dy[i, j, o] * x_pad[r, s, c]
                            dx_pad[r, s, c] += dy[i, j, o] * w[u, v, c, o]
    return dx_pad[Pt : Pt + H, Pl : Pl + W], dw, db


def max_pool2d(x, K=2, S=None, P=0):
    """Max-pooling of each channel on its own (ERRATA 9).

    y[i, j, c] = max_{u < K_height, v < K_width} x[i·S + u, j·S + v, c], with
    padded cells counting as −∞ (they never win). S defaults to K.

    x : (H, W, C) -> y : (H', W', C)
    """
    y, _ = max_pool_with_winners(x, K, S, P)
    return y


def max_pool2d_backward(dy, x, K=2, S=None, P=0):
    """Each dy[i, j, c] goes to the cell that won window (i, j); the first in row-major order on a tie."""
    H, W = np.shape(x)[:2]
    (Pt, _), (Pl, _) = _pads_2d(P)
    _, winners = max_pool_with_winners(x, K, S, P)
    dx_pad = np.zeros((H + sum(_pads_2d(P)[0]), W + sum(_pads_2d(P)[1]), np.shape(x)[2]))
    for (i, j, c), (r, s) in winners.items():
        dx_pad[r, s, c] += dy[i, j, c]
    return dx_pad[Pt : Pt + H, Pl : Pl + W]


def avg_pool2d(x, K=2, S=None, P=0):
    """Average pooling: the mean of the window's real (unpadded) cells, per channel."""
    y, _ = avg_pool_with_members(x, K, S, P)
    return y


def avg_pool2d_backward(dy, x, K=2, S=None, P=0):
    """Each dy[i, j, c] is shared equally by the real cells of window (i, j)."""
    H, W, C = np.shape(x)
    (Pt, Pb), (Pl, Pr) = _pads_2d(P)
    _, members = avg_pool_with_members(x, K, S, P)
    dx_pad = np.zeros((H + Pt + Pb, W + Pl + Pr, C))
    for (i, j), cells in members.items():
        for c in range(C):
            for r, s in cells:
                dx_pad[r, s, c] += dy[i, j, c] / len(cells)
    return dx_pad[Pt : Pt + H, Pl : Pl + W]


def batchnorm(x, gamma, beta, epsilon=1e-3):
    """Batch normalization in training mode, per feature c over the m rows of x.

    μ_B[c] = (1/m) Σ_k x[k, c];  σ²_B[c] = (1/m) Σ_k (x[k, c] − μ_B[c])²;
    x̂[k, c] = (x[k, c] − μ_B[c]) / √(σ²_B[c] + ε);  y[k, c] = γ[c] · x̂[k, c] + β[c].

    x : (m, C) (flatten batch, height and width of feature maps into m)
    Returns y (m, C), μ_B (C,), σ²_B (C,).
    """
    m, C = np.shape(x)
    y = np.zeros((m, C))
    mean, var = np.zeros(C), np.zeros(C)
    for c in range(C):
        for k in range(m):
            mean[c] += x[k, c] / m
        for k in range(m):
            var[c] += (x[k, c] - mean[c]) ** 2 / m
        for k in range(m):
            x_hat = (x[k, c] - mean[c]) / math.sqrt(var[c] + epsilon)
            y[k, c] = gamma[c] * x_hat + beta[c]
    return y, mean, var


def batchnorm_backward(dy, x, gamma, epsilon=1e-3):
    """Gradients of ``batchnorm`` by the chain rule through μ_B and σ²_B (Ioffe & Szegedy, 2015).

    dx̂ = dy·γ;  dσ² = Σ_k dx̂_k (x_k − μ) · (−½)(σ² + ε)^(−3/2);
    dμ = −Σ_k dx̂_k / √(σ² + ε);  dx_k = dx̂_k / √(σ² + ε) + dσ² · 2(x_k − μ)/m + dμ/m;
    dγ = Σ_k dy_k x̂_k;  dβ = Σ_k dy_k.

    Returns dx (m, C), dγ (C,), dβ (C,).
    """
    m, C = np.shape(x)
    _, mean, var = batchnorm(x, gamma, np.zeros(C), epsilon)
    dx = np.zeros((m, C))
    dgamma, dbeta = np.zeros(C), np.zeros(C)
    for c in range(C):
        std = math.sqrt(var[c] + epsilon)
        dvar, dmean = 0.0, 0.0
        for k in range(m):
            dx_hat = dy[k, c] * gamma[c]
            dvar += dx_hat * (x[k, c] - mean[c]) * -0.5 * std**-3
            dmean += -dx_hat / std
            dgamma[c] += dy[k, c] * (x[k, c] - mean[c]) / std
            dbeta[c] += dy[k, c]
        for k in range(m):
            dx[k, c] = dy[k, c] * gamma[c] / std + dvar * 2 * (x[k, c] - mean[c]) / m + dmean / m
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Batch normalization in inference mode: the moving statistics instead of the batch's.

    y[k, c] = γ[c] · (x[k, c] − moving_mean[c]) / √(moving_variance[c] + ε) + β[c].
    x : (m, C). Returns y (m, C).
    """
    m, C = np.shape(x)
    y = np.zeros((m, C))
    for c in range(C):
        std = math.sqrt(moving_variance[c] + epsilon)
        for k in range(m):
            y[k, c] = gamma[c] * (x[k, c] - moving_mean[c]) / std + beta[c]
    return y


def batchnorm_inference_backward(dy, x, gamma, moving_mean, moving_variance, epsilon=1e-3):
    """Gradients of ``batchnorm_inference``: the statistics are constants, so each y[k, c] reads x[k, c] alone.

    dx[k, c] = dy[k, c] · γ[c] / √(moving_variance[c] + ε);  dγ = Σ_k dy_k x̂_k;  dβ = Σ_k dy_k.
    Returns dx (m, C), dγ (C,), dβ (C,).
    """
    m, C = np.shape(x)
    dx = np.zeros((m, C))
    dgamma, dbeta = np.zeros(C), np.zeros(C)
    for c in range(C):
        std = math.sqrt(moving_variance[c] + epsilon)
        for k in range(m):
            dx[k, c] = dy[k, c] * gamma[c] / std
            dgamma[c] += dy[k, c] * (x[k, c] - moving_mean[c]) / std
            dbeta[c] += dy[k, c]
    return dx, dgamma, dbeta


def conv_transpose2d(x, w, b=None, S=1, padding="valid"):
    """Transposed convolution (Keras' Conv2DTranspose): every input cell stamps the kernel.

    y_full[i·S + u, j·S + v, f] += w[u, v, f, c] · x[i, j, c]   for every i, j, u, v, f, c;
    y[r, s, f] = b[f] + y_full[P_top + r, P_left + s, f]        for r < H', s < W'.

    Per axis, "valid" keeps H' = (H − 1)·S + max(K, S) cells from P_top = 0;
    "same" keeps H' = H·S from P_top = ⌊max(K − S, 0)/2⌋ (the padding that a
    "same" convolution would put on top of an input of H·S rows).

    x : (H, W, C), w : (KH, KW, F, C), b : (F,) or None -> y : (H', W', F)
    """
    Sh, Sw = _two(S)
    H, W, C = np.shape(x)
    KH, KW, F, _ = np.shape(w)
    H_out, Pt = _transposed_geometry(H, KH, Sh, padding)
    W_out, Pl = _transposed_geometry(W, KW, Sw, padding)
    # y_full is long enough for every stamp and for the cells that are kept
    y_full = np.zeros((max((H - 1) * Sh + KH, Pt + H_out), max((W - 1) * Sw + KW, Pl + W_out), F))
    for i in range(H):
        for j in range(W):
            for u in range(KH):
                for v in range(KW):
                    for f in range(F):
                        for c in range(C):
                            y_full[i * Sh + u, j * Sw + v, f] += w[u, v, f, c] * x[i, j, c]
    y = np.zeros((H_out, W_out, F))
    for r in range(H_out):
        for s in range(W_out):
            for f in range(F):
                y[r, s, f] = (0.0 if b is None else b[f]) + y_full[Pt + r, Pl + s, f]
    return y


def conv_transpose2d_backward(dy, x, w, S=1, padding="valid"):
    """Gradients of ``conv_transpose2d``, term by term.

    The term w[u, v, f, c] · x[i, j, c] lands on y[r, s, f] with
    r = i·S + u − P_top and s = j·S + v − P_left, unless it was cropped. If it
    landed, it sends dy[r, s, f] · x[i, j, c] to dw[u, v, f, c] and
    dy[r, s, f] · w[u, v, f, c] to dx[i, j, c]; db[f] is the sum of dy[:, :, f].

    Returns dx (H, W, C), dw (KH, KW, F, C), db (F,).
    """
    Sh, Sw = _two(S)
    H, W, C = np.shape(x)
    KH, KW, F, _ = np.shape(w)
    H_out, Pt = _transposed_geometry(H, KH, Sh, padding)
    W_out, Pl = _transposed_geometry(W, KW, Sw, padding)
    dx, dw, db = np.zeros((H, W, C)), np.zeros((KH, KW, F, C)), np.zeros(F)
    for i in range(H):
        for j in range(W):
            for u in range(KH):
                for v in range(KW):
                    r, s = i * Sh + u - Pt, j * Sw + v - Pl
                    if not (0 <= r < H_out and 0 <= s < W_out):
                        continue  # this term was cropped away: it reached no output
                    for f in range(F):
                        for c in range(C):
                            dx[i, j, c] += dy[r, s, f] * w[u, v, f, c]
                            dw[u, v, f, c] += dy[r, s, f] * x[i, j, c]
    for r in range(H_out):
        for s in range(W_out):
            for f in range(F):
                db[f] += dy[r, s, f]
    return dx, dw, db


def zero_padding2d(x, padding=1):
    """Zero padding: y[P_top + r, P_left + s, c] = x[r, s, c], zeros elsewhere.

    ``padding`` is an int, (rows, columns), or ((top, bottom), (left, right)).
    x : (H, W, C) -> y : (P_top + H + P_bottom, P_left + W + P_right, C)
    """
    (Pt, Pb), (Pl, Pr) = _pads_2d(padding)
    H, W, C = np.shape(x)
    y = np.zeros((Pt + H + Pb, Pl + W + Pr, C))
    for r in range(H):
        for s in range(W):
            for c in range(C):
                y[Pt + r, Pl + s, c] = x[r, s, c]
    return y


def zero_padding2d_backward(dy, x, padding=1):
    """dx[r, s, c] = dy[P_top + r, P_left + s, c]: the padded border gets no gradient back."""
    (Pt, _), (Pl, _) = _pads_2d(padding)
    H, W, C = np.shape(x)
    dx = np.zeros((H, W, C))
    for r in range(H):
        for s in range(W):
            for c in range(C):
                dx[r, s, c] = dy[Pt + r, Pl + s, c]
    return dx


def cropping2d(x, cropping=0):
    """Cropping: y[r, s, c] = x[C_top + r, C_left + s, c] for r < H − C_top − C_bottom, s likewise.

    ``cropping`` takes the same forms as ``zero_padding2d``'s padding.
    """
    (Ct, Cb), (Cl, Cr) = _pads_2d(cropping)
    H, W, C = np.shape(x)
    y = np.zeros((H - Ct - Cb, W - Cl - Cr, C))
    for r in range(H - Ct - Cb):
        for s in range(W - Cl - Cr):
            for c in range(C):
                y[r, s, c] = x[Ct + r, Cl + s, c]
    return y


def cropping2d_backward(dy, x, cropping=0):
    """dx[C_top + r, C_left + s, c] = dy[r, s, c]; the cropped border gets 0."""
    (Ct, _), (Cl, _) = _pads_2d(cropping)
    dx = np.zeros(np.shape(x))
    H_out, W_out, C = np.shape(dy)
    for r in range(H_out):
        for s in range(W_out):
            for c in range(C):
                dx[Ct + r, Cl + s, c] = dy[r, s, c]
    return dx


def upsampling2d(x, size=2):
    """Nearest-neighbour upsampling: y[r, s, c] = x[⌊r/sh⌋, ⌊s/sw⌋, c].

    x : (H, W, C) -> y : (H·sh, W·sw, C)
    """
    sh, sw = _two(size)
    H, W, C = np.shape(x)
    y = np.zeros((H * sh, W * sw, C))
    for r in range(H * sh):
        for s in range(W * sw):
            for c in range(C):
                y[r, s, c] = x[r // sh, s // sw, c]
    return y


def upsampling2d_backward(dy, x, size=2):
    """Each y[r, s, c] came from x[⌊r/sh⌋, ⌊s/sw⌋, c], so dy[r, s, c] goes back there (+=)."""
    sh, sw = _two(size)
    dx = np.zeros(np.shape(x))
    H_out, W_out, C = np.shape(dy)
    for r in range(H_out):
        for s in range(W_out):
            for c in range(C):
                dx[r // sh, s // sw, c] += dy[r, s, c]
    return dx


def global_average_pool2d(x):
    """y[c] = (1/(H·W)) Σ_{r<H} Σ_{s<W} x[r, s, c]. x : (H, W, C) -> y : (C,)"""
    H, W, C = np.shape(x)
    y = np.zeros(C)
    for c in range(C):
        for r in range(H):
            for s in range(W):
                y[c] += x[r, s, c] / (H * W)
    return y


def global_average_pool2d_backward(dy, x):
    """dx[r, s, c] = dy[c] / (H·W): every cell had the same share in the mean."""
    H, W, C = np.shape(x)
    dx = np.zeros((H, W, C))
    for r in range(H):
        for s in range(W):
            for c in range(C):
                dx[r, s, c] = dy[c] / (H * W)
    return dx


def global_max_pool2d(x):
    """y[c] = max_{r<H, s<W} x[r, s, c]. x : (H, W, C) -> y : (C,)"""
    H, W, C = np.shape(x)
    y = np.zeros(C)
    for c in range(C):
        y[c] = x[0][0][c]
        for r in range(H):
            for s in range(W):
                if x[r][s][c] > y[c]:
                    y[c] = x[r][s][c]
    return y


def global_max_pool2d_backward(dy, x):
    """dx[r, s, c] = dy[c] at the first cell, in reading order, that holds channel c's maximum; 0 elsewhere."""
    H, W, C = np.shape(x)
    y = global_max_pool2d(x)
    dx = np.zeros((H, W, C))
    for c in range(C):
        routed = False
        for r in range(H):
            for s in range(W):
                if x[r][s][c] == y[c] and not routed:
                    dx[r, s, c] = dy[c]
                    routed = True
    return dx


def leaky_relu(x, negative_slope):
    """φ(x) = x if x > 0, else negative_slope · x; one value at a time, any shape."""
    x = np.asarray(x, dtype=float)
    y = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        y[idx] = x[idx] if x[idx] > 0 else negative_slope * x[idx]
    return y


def leaky_relu_backward(dy, x, negative_slope):
    """dx = dy · dφ/dx, with dφ/dx = 1 where x > 0 and negative_slope elsewhere (at x = 0 too)."""
    dx = np.zeros(np.shape(x))
    for idx in np.ndindex(dx.shape):
        slope = 1.0 if x[idx] > 0 else negative_slope  # dφ/dx at x[idx]
        dx[idx] = slope * dy[idx]
    return dx


def add(xs):
    """y[idx] = Σ_k xs[k][idx], for every index of the common shape."""
    y = np.zeros(np.shape(xs[0]))
    for x in xs:
        for idx in np.ndindex(y.shape):
            y[idx] += x[idx]
    return y


def add_backward(dy, xs):
    """Each input's gradient is dy: dx_k[idx] = dy[idx]."""
    grads = []
    for _ in xs:
        dx = np.zeros(np.shape(dy))
        for idx in np.ndindex(dx.shape):
            dx[idx] = dy[idx]
        grads.append(dx)
    return grads


def concatenate(xs, axis=-1):
    """The inputs one after another along ``axis``: xs[k][idx] lands at idx shifted by
    the sizes of xs[0..k−1] along that axis."""
    shape = list(np.shape(xs[0]))
    axis %= len(shape)
    shape[axis] = sum(np.shape(x)[axis] for x in xs)
    y = np.zeros(shape)
    offset = 0
    for x in xs:
        for idx in np.ndindex(np.shape(x)):
            out = list(idx)
            out[axis] += offset
            y[tuple(out)] = x[idx]
        offset += np.shape(x)[axis]
    return y


def concatenate_backward(dy, xs, axis=-1):
    """dx_k[idx] = dy[idx shifted by the offset of xs[k] along ``axis``]."""
    axis %= np.ndim(dy)
    grads, offset = [], 0
    for x in xs:
        dx = np.zeros(np.shape(x))
        for idx in np.ndindex(dx.shape):
            src = list(idx)
            src[axis] += offset
            dx[idx] = dy[tuple(src)]
        grads.append(dx)
        offset += np.shape(x)[axis]
    return grads


def average(xs):
    """y[idx] = (1/n) Σ_k xs[k][idx]."""
    return add(xs) / len(xs)


def average_backward(dy, xs):
    """dx_k[idx] = dy[idx] / n."""
    return [g / len(xs) for g in add_backward(dy, xs)]


def maximum(xs):
    """y[idx] = max_k xs[k][idx]."""
    y = np.zeros(np.shape(xs[0]))
    for idx in np.ndindex(y.shape):
        y[idx] = max(x[idx] for x in xs)
    return y


def maximum_backward(dy, xs):
    """dx_k[idx] = dy[idx] for the first k whose xs[k][idx] is the maximum, else 0."""
    grads = [np.zeros(np.shape(dy)) for _ in xs]
    for idx in np.ndindex(np.shape(dy)):
        values = [x[idx] for x in xs]
        grads[values.index(max(values))][idx] = dy[idx]
    return grads


def multiply(xs):
    """y[idx] = Π_k xs[k][idx]."""
    y = np.ones(np.shape(xs[0]))
    for x in xs:
        for idx in np.ndindex(y.shape):
            y[idx] *= x[idx]
    return y


def multiply_backward(dy, xs):
    """dx_k[idx] = dy[idx] · Π_{j≠k} xs[j][idx]."""
    grads = []
    for k in range(len(xs)):
        dx = np.zeros(np.shape(dy))
        for idx in np.ndindex(dx.shape):
            product = 1.0
            for j, x in enumerate(xs):
                if j != k:
                    product *= x[idx]
            dx[idx] = dy[idx] * product
        grads.append(dx)
    return grads


def subtract(xs):
    """y[idx] = xs[0][idx] − xs[1][idx]."""
    y = np.zeros(np.shape(xs[0]))
    for idx in np.ndindex(y.shape):
        y[idx] = xs[0][idx] - xs[1][idx]
    return y


def subtract_backward(dy, xs):
    """dx_0 = dy, dx_1 = −dy."""
    dx0, dx1 = np.zeros(np.shape(dy)), np.zeros(np.shape(dy))
    for idx in np.ndindex(np.shape(dy)):
        dx0[idx], dx1[idx] = dy[idx], -dy[idx]
    return [dx0, dx1]


# --- small helpers: padding and window bookkeeping ---------------------------------------------


def _pad_pair(P):
    return (P, P) if np.isscalar(P) else tuple(P)


def _pads_2d(P):
    if np.isscalar(P):
        return ((P, P), (P, P))
    return tuple(_pad_pair(p) for p in P)


def _two(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def _pad_1d(x, P, value=0.0):
    """x (L, C) with P_before rows of ``value`` on top and P_after below."""
    before, after = _pad_pair(P)
    out = np.full((before + x.shape[0] + after, x.shape[1]), value)
    out[before : before + x.shape[0]] = x
    return out


def pad_2d(x, P, value=0.0):
    """x (H, W, C) surrounded by ``value``: ((top, bottom), (left, right)) cells."""
    (Pt, Pb), (Pl, Pr) = _pads_2d(P)
    H, W, C = x.shape
    out = np.full((Pt + H + Pb, Pl + W + Pr, C), value)
    out[Pt : Pt + H, Pl : Pl + W] = x
    return out


def _transposed_geometry(L, K, S, padding):
    """(L', P_before) of a transposed convolution along one axis, as in Keras."""
    if padding == "valid":
        return (L - 1) * S + max(K, S), 0
    if padding == "same":
        return L * S, max(K - S, 0) // 2
    raise ValueError(f"padding must be 'valid' or 'same'; received padding={padding!r}.")


def pool_windows(x_shape, K, S, P):
    """Yield ``(i, j, cells)`` for every output cell of a pooling: its window's cells ``(r, s)``.

    ``(r, s)`` count rows and columns of the padded input; cells come in reading order
    (row by row), and so do the output cells (i, j). S = None means S = K.
    """
    KH, KW = _two(K)
    Sh, Sw = _two(K if S is None else S)
    (Pt, Pb), (Pl, Pr) = _pads_2d(P)
    H_out = output_length(x_shape[0], KH, Pt, Pb, Sh)
    W_out = output_length(x_shape[1], KW, Pl, Pr, Sw)
    for i in range(H_out):
        for j in range(W_out):
            yield i, j, [(i * Sh + u, j * Sw + v) for u in range(KH) for v in range(KW)]


def max_pool_with_winners(x, K, S, P):
    """Max-pooling of x (H, W, C), and the cell that won each window.

    Returns ``y`` (H', W', C) and ``winners``: ``{(i, j, c): (r, s)}``, the winning cell
    in padded coordinates. Padded cells hold −∞, so they never win; on a tie the first
    cell in reading order wins (a later cell must be strictly larger), as in Keras and PyTorch.
    A window holding NaN gives NaN, and its first NaN wins (as in PyTorch).
    """
    x_pad = pad_2d(np.asarray(x, dtype=float), P, value=-math.inf)
    C = x_pad.shape[2]
    cells = list(pool_windows(np.shape(x), K, S, P))
    y = np.zeros((cells[-1][0] + 1, cells[-1][1] + 1, C))
    winners = {}
    for i, j, window in cells:
        for c in range(C):
            best = window[0]
            for r, s in window:
                value, best_value = x_pad[r, s, c], x_pad[best[0], best[1], c]
                if value > best_value or (math.isnan(value) and not math.isnan(best_value)):
                    best = (r, s)  # a larger value, or the first NaN (a window holding NaN gives NaN)
            y[i, j, c] = x_pad[best[0], best[1], c]
            winners[(i, j, c)] = best
    return y, winners


def avg_pool_with_members(x, K, S, P):
    """Average pooling of x (H, W, C), and the real (unpadded) cells of each window.

    Returns ``y`` (H', W', C) and ``members``: ``{(i, j): [(r, s), ...]}`` in padded
    coordinates; padded cells are left out of the mean.
    """
    H, W, C = np.shape(x)
    (Pt, _), (Pl, _) = _pads_2d(P)
    x_pad = pad_2d(np.asarray(x, dtype=float), P)
    cells = list(pool_windows((H, W), K, S, P))
    y = np.zeros((cells[-1][0] + 1, cells[-1][1] + 1, C))
    members = {}
    for i, j, window in cells:
        real = [(r, s) for r, s in window if Pt <= r < Pt + H and Pl <= s < Pl + W]
        members[(i, j)] = real
        for c in range(C):
            y[i, j, c] = sum(x_pad[r, s, c] for r, s in real) / len(real)
    return y, members
