"""The checks of the arguments several kinds of layer share: sizes, padding, data_format, a sample's rank.

Each raises ``TypeError`` or ``ValueError`` naming the layer, the argument and the value
received, before any weight or array exists.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_range
from ..sizes import PADDING_MODES, per_axis


def check_input_shape(shape, where, argument="input_shape"):
    """A sample's shape as a tuple of positive ints, without the batch axis (None stays None)."""
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(
            f"{where} expects {argument} as a tuple of sizes, like (28, 28, 1); received {argument}={shape!r}."
        )
    shape = tuple(shape)
    if shape and shape[0] is None:
        raise ValueError(
            f"{where}: {argument} describes one sample, without the batch axis: use {argument}={shape[1:]} "
            f"instead of {shape}."
        )
    if not shape or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise ValueError(
            f"{where} expects {argument} as whole sizes >= 1 (cnnviz needs every size fixed); "
            f"received {argument}={shape!r}."
        )
    return tuple(int(n) for n in shape)


def check_sizes(argument, value, rank, where):
    """kernel_size, strides, pool_size, ...: an int or ``rank`` ints, each >= 1, as a tuple."""
    try:
        values = per_axis(argument, value, rank)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: {error}") from None
    return tuple(check_range(None, argument, v, low=1, integer=True) for v in values)


def check_padding(padding, where):
    """'valid' or 'same' in any case ("SAME" appears in textbooks), or cells as an int or pairs."""
    if isinstance(padding, str):
        if padding.lower() not in PADDING_MODES:
            raise ValueError(
                f"{where} expects padding 'valid' or 'same' (in any case); received padding={padding!r}."
            )
        return padding.lower()
    return padding  # cells: checked with the input's size, where the error can name L, K, P and S


def window_padding(padding, rank):
    """The padding as ``window_geometry`` takes it: a 1D layer's cells (an int or a pair) are its one axis'."""
    return padding if isinstance(padding, str) or rank != 1 else (padding,)


def check_data_format(data_format, where):
    """None or "channels_last" (both mean channels last), kept as None."""
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"cnnviz works channels last, (N, H, W, C) as Keras does by default; {where} received "
            f"data_format={data_format!r}. Move the channels last with np.moveaxis(x, 1, -1)."
        )
    return None


def expect_rank(layer, input_shape, rank, layout):
    """A sample's shape (without the batch axis) with ``rank`` dims, as a tuple; else a ValueError with the layout."""
    shape = tuple(input_shape)
    if len(shape) != rank:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of {rank} dims per sample, {layout}; "
            f"received input shape {shape} (without the batch axis)."
        )
    return shape


LAYOUTS = {1: "(length, channels)", 2: "(height, width, channels)"}  # by the number of spatial axes
