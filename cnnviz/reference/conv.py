"""Convolution as plain loops: the notes' cases 1 to 4, and ``cnnviz.conv``'s ops over a batch.

``conv1d_case1`` ... ``conv2d_case4`` are the notes' equations for one example, as the
lessons show them. ``conv1d_forward``, ``conv2d_forward`` and their ``_backward`` take the
ops' arguments in the ops' order (a batch ``x``, ``w``, ``b``, ``strides``, ``padding``,
``dilation_rate``) and run case 3 or 4 on each example n of the batch.
"""

from __future__ import annotations

import numpy as np

from ..sizes import per_axis, resolve_padding
from ._padding import _pad_1d, _pad_pair, _pads_2d, _two, batch, output_length, pad_2d, window_pads

__all__ = [
    "conv1d_backward",
    "conv1d_case1",
    "conv1d_case2",
    "conv1d_case3",
    "conv1d_case3_backward",
    "conv1d_forward",
    "conv2d_backward",
    "conv2d_case4",
    "conv2d_case4_backward",
    "conv2d_forward",
]


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


def conv2d_forward(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """``ops.conv2d_forward``'s output, case 4 on each image: y[n] = conv2d_case4(x[n], ...).

    x : (N, H, W, C), w : (KH, KW, C, F), b : (F,) or None -> y : (N, H', W', F)

    >>> x = np.arange(9).reshape(1, 3, 3, 1)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    >>> w = np.array([[0, 1], [2, 3]]).reshape(2, 2, 1, 1)
    >>> conv2d_forward(x, w)[0, :, :, 0]      # 0·0 + 1·1 + 2·3 + 3·4 = 19, ...
    array([[19., 25.],
           [37., 43.]])
    """
    x = batch("x", x, 4, "(N, H, W, C)", "conv2d_forward")
    P = window_pads(x.shape[1:3], np.shape(w)[:2], strides, padding, dilation_rate)
    return np.stack([conv2d_case4(x_n, w, b, strides, P, dilation_rate) for x_n in x])


def conv2d_backward(dy, x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """``ops.conv2d_backward``'s gradients: dx[n] from case 4's backward on image n; dw, db summed over n.

    Takes dy (N, H', W', F) and then ``conv2d_forward``'s arguments. Returns dx (N, H, W, C),
    dw (KH, KW, C, F) and db (F,), or db None when there is no bias (as the op does).
    """
    x = batch("x", x, 4, "(N, H, W, C)", "conv2d_backward")
    P = window_pads(x.shape[1:3], np.shape(w)[:2], strides, padding, dilation_rate)
    parts = [conv2d_case4_backward(dy_n, x_n, w, strides, P, dilation_rate) for dy_n, x_n in zip(dy, x)]
    return _batch_gradients(parts, b)


def conv1d_forward(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """``ops.conv1d_forward``'s output, case 3 on each signal: y[n] = conv1d_case3(x[n], ...).

    x : (N, L, C), w : (K, C, F), b : (F,) or None -> y : (N, L', F)
    """
    x = batch("x", x, 3, "(N, L, C)", "conv1d_forward")
    S, P, D = _signal_window(x, w, strides, padding, dilation_rate)
    return np.stack([conv1d_case3(x_n, w, b, S, P, D) for x_n in x])


def conv1d_backward(dy, x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """``ops.conv1d_backward``'s gradients: dx[n] from case 3's backward on signal n; dw, db summed over n.

    Takes dy (N, L', F) and then ``conv1d_forward``'s arguments. Returns dx (N, L, C),
    dw (K, C, F) and db (F,), or db None when there is no bias.
    """
    x = batch("x", x, 3, "(N, L, C)", "conv1d_backward")
    S, P, D = _signal_window(x, w, strides, padding, dilation_rate)
    parts = [conv1d_case3_backward(dy_n, x_n, w, S, P, D) for dy_n, x_n in zip(dy, x)]
    return _batch_gradients(parts, b)


def _signal_window(x, w, strides, padding, dilation_rate):
    """S, (P_before, P_after) and D of a 1D convolution, from the op's forms (an int or a 1-tuple; "same", ...)."""
    (S,), (D,) = per_axis("strides", strides, 1), per_axis("dilation_rate", dilation_rate, 1)
    return S, resolve_padding(padding, x.shape[1], np.shape(w)[0], S, D), D


def _batch_gradients(parts, b):
    """Per-example (dx, dw, db) -> dx stacked over n, dw and db summed over n (db None without a bias)."""
    dx = np.stack([dx_n for dx_n, _, _ in parts])
    dw = sum(dw_n for _, dw_n, _ in parts)
    db = None if b is None else sum(db_n for _, _, db_n in parts)
    return dx, dw, db
