"""The transposed convolution as plain loops: every input cell stamps the kernel into the output.

``conv_transpose2d`` is the equation for one image; ``conv_transpose2d_forward`` and
``conv_transpose2d_backward`` take ``cnnviz.conv_transpose``'s arguments in its order, on a batch.
"""

from __future__ import annotations

import numpy as np

from ._padding import _two, batch

__all__ = ["conv_transpose2d", "conv_transpose2d_backward", "conv_transpose2d_forward"]


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


def conv_transpose2d_forward(x, w, b=None, strides=1, padding="valid"):
    """``ops.conv_transpose2d_forward``'s output: y[n] = conv_transpose2d(x[n], ...) for each image n.

    x : (N, H, W, C), w : (KH, KW, F, C), b : (F,) or None -> y : (N, H', W', F)
    """
    x = batch("x", x, 4, "(N, H, W, C)", "conv_transpose2d_forward")
    return np.stack([conv_transpose2d(x_n, w, b, strides, padding) for x_n in x])


def conv_transpose2d_backward(dy, x, w, b=None, strides=1, padding="valid"):
    """Gradients of ``conv_transpose2d_forward``, term by term.

    The term w[u, v, f, c] · x[n, i, j, c] lands on y[n, r, s, f] with
    r = i·S + u − P_top and s = j·S + v − P_left, unless it was cropped. If it
    landed, it sends dy[n, r, s, f] · x[n, i, j, c] to dw[u, v, f, c] and
    dy[n, r, s, f] · w[u, v, f, c] to dx[n, i, j, c]; db[f] is the sum of dy[..., f].

    Takes dy (N, H', W', F) and then the forward's arguments. Returns dx (N, H, W, C),
    dw (KH, KW, F, C) and db (F,), or db None when there is no bias (as the op does).
    """
    x = batch("x", x, 4, "(N, H, W, C)", "conv_transpose2d_backward")
    Sh, Sw = _two(strides)
    N, H, W, C = x.shape
    KH, KW, F, _ = np.shape(w)
    H_out, Pt = _transposed_geometry(H, KH, Sh, padding)
    W_out, Pl = _transposed_geometry(W, KW, Sw, padding)
    dx, dw, db = np.zeros((N, H, W, C)), np.zeros((KH, KW, F, C)), np.zeros(F)
    for n, i, j, u, v in np.ndindex(N, H, W, KH, KW):
        r, s = i * Sh + u - Pt, j * Sw + v - Pl
        if not (0 <= r < H_out and 0 <= s < W_out):
            continue  # this term was cropped away: it reached no output
        for f, c in np.ndindex(F, C):
            dx[n, i, j, c] += dy[n, r, s, f] * w[u, v, f, c]
            dw[u, v, f, c] += dy[n, r, s, f] * x[n, i, j, c]
    for n, r, s, f in np.ndindex(N, H_out, W_out, F):
        db[f] += dy[n, r, s, f]
    return dx, dw, (None if b is None else db)


def _transposed_geometry(L, K, S, padding):
    """(L', P_before) of a transposed convolution along one axis, as in Keras."""
    if padding == "valid":
        return (L - 1) * S + max(K, S), 0
    if padding == "same":
        return L * S, max(K - S, 0) // 2
    raise ValueError(f"padding must be 'valid' or 'same'; received padding={padding!r}.")
