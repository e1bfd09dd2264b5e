"""What every picture shares: its colours, its font size, where its axes come from, how it writes numbers.

``new_axes`` is the one place a picture gets axes when the caller gave none,
and ``new_figure`` the one place a figure is made. ``num`` is the one place a
number becomes text; ``grid_format`` picks one format for a whole grid, so
that its cells line up.

>>> num(3.0), num(-0.5), num(-0.5, wrap=True), num(2.25, fmt="{:.0f}"), num(float("nan"))
('3', '−0.5', '(−0.5)', '2', 'NaN')
>>> grid_format([1.0, 2.0]), grid_format([0.5, 2.0]), grid_format([0.125, 0.25]), grid_format([1 / 3])
('{:.0f}', '{:.2f}', '{:.3f}', '{:.2f}')
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FONT",
    "VISITED_COLOR",
    "WINDOW_COLOR",
    "cell_ticks",
    "grid_format",
    "new_axes",
    "new_figure",
    "no_ticks",
    "num",
]

WINDOW_COLOR = "#d62728"  # the current window / output cell
VISITED_COLOR = "#1f77b4"  # window positions, padding outlines
FONT = 12


def new_figure(figsize, fig=None):
    """``fig`` if given (a ``Figure`` or a ``SubFigure``), else a new figure with constrained layout.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches of the new figure.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Where the caller wants the picture; returned unchanged.

    Returns
    -------
    matplotlib.figure.Figure or SubFigure
    """
    if fig is not None:
        return fig
    # pyplot only here: a new figure must be pyplot's to be shown inline in a notebook, but
    # importing it picks a backend, and explorers (which draw on their own Figure) and scripts
    # that choose a backend first must be able to import cnnviz.plot without that happening
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def new_axes(ax=None, *, figsize=(4, 4), nrows=1, ncols=1, fig=None, squeeze=True, **subplots):
    """``ax`` if given, else a grid of new axes in ``fig`` (or in a new figure).

    Every picture calls this instead of making its own figure.

    Parameters
    ----------
    ax : Axes or array of Axes, optional
        What the caller passed as ``ax`` or ``axes``; returned unchanged.
    figsize : (float, float)
        Size in inches of the new figure (when neither ``ax`` nor ``fig`` is given).
    nrows, ncols : int
        The grid of new axes.
    fig : Figure or SubFigure, optional
        Where to put the new axes, for example one of ``fig.subfigures(2, 1)``.
    squeeze : bool
        As in ``Figure.subplots``: one axes comes back as it is, one row as a 1D array.
    **subplots
        Passed to ``Figure.subplots``: ``width_ratios``, ``height_ratios``, ``sharex``, ...

    Returns
    -------
    Axes or ndarray of Axes
    """
    if ax is not None:
        return ax
    return new_figure(figsize, fig).subplots(nrows, ncols, squeeze=squeeze, **subplots)


def num(v, wrap=False, fmt=None) -> str:
    """A number as short text: 3 rather than 3.0, two decimals at most, a true minus sign.

    Parameters
    ----------
    v : float
    wrap : bool
        Put a negative number in parentheses, as in a product: 2·(−1).
    fmt : str, optional
        A format such as ``"{:.2f}"`` (from ``grid_format``) instead of the shortest form.

    Returns
    -------
    str
    """
    v = float(v) + 0.0  # + 0.0 turns −0 into 0
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        text = "−∞" if v < 0 else "∞"
    elif fmt is not None:
        text = fmt.format(v)
    elif abs(v) >= 1e6:  # huge: three significant digits, not 200 characters
        text = f"{v:.3g}"
    else:
        r = round(v, 2) + 0.0  # 1.999999 is shown as 2 (not "2."), −0.001 as 0 (not "−0")
        text = f"{r:.0f}" if r == round(r) else f"{r:.2f}".rstrip("0")
    text = text.replace("-", "−")
    return f"({text})" if wrap and v < 0 else text


def grid_format(values) -> str:
    """One format for all cells of a grid: whole numbers if every finite value is whole, three decimals
    if every one has exactly three (a quarter of 0.5 is 0.125, not 0.12), else two decimals."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() >= 1e6:
        return "{:.3g}"  # a typed 1e200 stays short
    if np.all(np.mod(finite, 1) == 0):
        return "{:.0f}"
    exact = [np.allclose(finite, np.round(finite, d), rtol=0, atol=1e-9) for d in (2, 3)]
    return "{:.3f}" if exact[1] and not exact[0] else "{:.2f}"


def cell_ticks(ax, shape):
    """One tick per cell of a (rows, cols) grid, small labels and no tick marks."""
    ax.set_xticks(range(shape[1]))
    ax.set_yticks(range(shape[0]))
    ax.tick_params(length=0, labelsize=9)


def no_ticks(ax):
    """No ticks on either axis."""
    ax.set_xticks([])
    ax.set_yticks([])
