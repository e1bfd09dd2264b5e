"""Filters at work: what kernels do to images and signals, and a digit's way through a small CNN.

Every output drawn here is computed by cnnviz (``cases.conv2d``, ``ops``), not by a copy of it.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from .._checks import as_real_array
from ..cases import conv2d
from .arrays import show_image, show_kernel, update_kernel
from .style import FONT, VISITED_COLOR, new_axes, new_figure, no_ticks

__all__ = [
    "ImageFilterPicture",
    "filtered_view",
    "show_cnn_pipeline",
    "show_filter_gallery",
    "show_filtered",
    "show_image_filter",
    "show_responses",
]


def show_filtered(y, w, ax=None, top=None):
    """A filtered grayscale image: as an image when the kernel keeps brightness (weights sum
    to 1), else as signed responses in a diverging map (red positive, blue negative).

    ``top`` sets the signed map's scale to −top … top (default: this image's 99.5th
    percentile of |y|); give panels that are compared one ``top``, so that their colours
    mean the same numbers.
    """
    data, cmap, vmin, vmax = filtered_view(y, w, top)
    ax = new_axes(ax)
    ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax)
    no_ticks(ax)
    return ax


def filtered_view(y, w, top=None):
    """How ``show_filtered`` draws ``y`` filtered by ``w``: (the array drawn, colour map, vmin, vmax)."""
    y = np.asarray(y, dtype=float)
    y = y[:, :, 0] if y.ndim == 3 else y
    if abs(float(np.sum(w)) - 1) < 1e-9:  # blur, sharpen, identity: still an image (clipped to 0..1)
        return np.clip(y, 0, 1), "gray", 0, 1
    # scale by the 99.5th percentile: a few extreme pixels would wash out the rest
    top = top or float(np.percentile(np.abs(y), 99.5)) or float(np.abs(y).max()) or 1.0
    signed = y.min() < 0
    return y, "RdBu_r" if signed else "gray", -top if signed else 0, top


def show_image_filter(img, y, w, axes=None, titles=("input", "kernel", "output"), fig=None, note=None):
    """Input image, kernel and the filtered output side by side, with a colour bar for the output.

    The output is drawn as ``show_filtered`` draws it (brightness, or signed responses
    on a diverging scale centred at 0); the colour bar beside it gives its numbers,
    with pointed ends where the scale clips the strongest responses. ``note`` (for
    example the padding used) is written under the output.
    """
    return ImageFilterPicture(img, y, w, axes=axes, titles=titles, fig=fig, note=note).axes


class ImageFilterPicture:
    """``show_image_filter``'s picture, built once: ``set(y, w, titles)`` shows another kernel's output.

    The input stays; the kernel's colours and numbers, the output's pixels, colours and
    scale, the colour bar and the titles move in place (``set_data``, ``set_clim``,
    ``set_text``). ``dynamic`` lists the kernel's axes, the output's and the colour bar's,
    drawn whole. A colour bar cannot change its pointed ends or its label in place: when
    the new output needs others, the bar is made again in the same axes.
    """

    def __init__(self, img, y, w, axes=None, titles=("input", "kernel", "output"), fig=None, note=None):
        self.axes = axes = new_axes(axes, figsize=(12, 4), ncols=3, fig=fig, width_ratios=[4, 1.6, 4])
        show_image(img, ax=axes[0], title=titles[0])
        show_kernel(w, ax=axes[1], title=titles[1])
        show_filtered(y, w, ax=axes[2])
        axes[2].set_title(f"{titles[2]}: shape {y.shape}")
        (self.output,) = axes[2].images
        self.form = extend, label = _colorbar_form(y, *self.output.get_clim())
        self.colorbar = axes[2].figure.colorbar(
            self.output, ax=axes[2], shrink=0.8, extend=extend, label=label
        )
        self.bar_aspect = self.colorbar.ax.get_box_aspect()  # before pointed ends change it (when drawn)
        if note:
            axes[2].set_xlabel(note, fontsize=FONT - 1)
        self.dynamic = [axes[1], axes[2], self.colorbar.ax]

    def set(self, y, w, titles=("input", "kernel", "output"), note=None) -> ImageFilterPicture:
        """Show output ``y`` of kernel ``w``, with ``titles`` for the panels and ``note`` under the output.

        ``y`` may have another height and width than before (another stride or padding): the
        output panel then shows the new size, as a new picture would.
        """
        shape = np.shape(y)
        if not (len(shape) == 2 or (len(shape) == 3 and shape[2] == 1)) or 0 in shape:
            raise ValueError(
                f"ImageFilterPicture.set expects an output of shape (H, W) or (H, W, 1), not empty; "
                f"received y of shape {shape}."
            )
        data, cmap, vmin, vmax = filtered_view(as_real_array("y", y, func="ImageFilterPicture.set"), w)
        update_kernel(self.axes[1], w)
        self.axes[1].set_title(titles[1])
        self.axes[2].set_title(f"{titles[2]}: shape {np.shape(y)}")
        if note is not None:
            self.axes[2].set_xlabel(note, fontsize=FONT - 1)
        form = _colorbar_form(y, vmin, vmax)
        # other pointed ends or a new label: a new bar (made below), and the old one stops following the image
        if form != self.form:
            self.output.callbacks.disconnect(self.output.colorbar_cid)
        if self.output.get_cmap().name != cmap:
            self.output.set_cmap(cmap)
        self.output.set_data(data)
        H, W = np.shape(data)
        extent = (-0.5, W - 0.5, H - 0.5, -0.5)  # where imshow puts an H × W image (the axes' limits follow)
        if tuple(self.output.get_extent()) != extent:  # another size: another stride or padding
            self.output.set_extent(extent)
        self.output.set_clim(vmin, vmax)  # a bar that follows the image draws its new scale
        if form == self.form:
            return self
        cax = self.colorbar.ax
        cax.clear()
        cax.set_axes_locator(None)  # the old bar's, which shortens the axes for its pointed ends...
        cax.set_box_aspect(self.bar_aspect)  # ...and changed its aspect for them
        self.form = extend, label = form
        self.colorbar = cax.figure.colorbar(self.output, cax=cax, extend=extend, label=label)
        return self


def _colorbar_form(y, low, high):
    """The colour bar's pointed ends (where the scale low … high clips ``y``) and its label."""
    values = np.asarray(y, dtype=float)
    clipped = (values.min() < low - 1e-12, values.max() > high + 1e-12)
    extend = {(True, True): "both", (True, False): "min", (False, True): "max"}.get(clipped, "neither")
    return extend, "response (0: white)" if low < 0 else "output value"


def show_responses(x, responses, axes=None, fontsize=FONT, fig=None):
    """A 1D signal and the feature maps of several kernels, one row each.

    ``responses`` maps a label to an output ``y``; y[i] is drawn under the
    centre of the window that made it, so peaks line up with what caused them.
    """
    x = np.asarray(x, dtype=float)
    axes = new_axes(
        axes, figsize=(9, 1.8 * (1 + len(responses))), nrows=1 + len(responses), fig=fig, sharex=True
    )
    axes[0].bar(range(len(x)), x, color="0.6")
    axes[0].set_title("input x", fontsize=fontsize, loc="left")
    for ax, (label, y) in zip(axes[1:], responses.items()):
        y = np.asarray(y, dtype=float)
        centre = (len(x) - len(y)) / 2  # a kernel of size K = L − L' + 1 is centred K−1 / 2 cells in
        ax.bar(np.arange(len(y)) + centre, y, color=np.where(y >= 0, "#d6604d", "#4393c3"))
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(label, fontsize=fontsize, loc="left")
    axes[-1].set_xlabel("position in x (each y[i] is drawn under the centre of its window)")
    return axes


def show_filter_gallery(img, kernels, ncols=4, fig=None, axes=None, colorbar=False, region=None):
    """A grayscale image filtered by each kernel of ``kernels`` (name -> (KH, KW) array).

    ``region=((top, bottom), (left, right))`` draws only those rows and columns (half-open,
    0-based) of the input and of every output, enlarged: the whole image is filtered first, so
    the region's borders are not the padding's. With ``colorbar=True`` the signed responses (kernels whose weights do not sum to 1)
    share one scale centred at 0 (stronger responses saturate), and two legends are drawn: brightness (0 … 1) for the
    input and the brightness-keeping kernels, and the shared signed scale for the others.
    Returns the axes used: the input's, then one per kernel.
    """
    img = np.asarray(img, dtype=float)
    n = len(kernels) + 1
    nrows = -(-n // ncols)
    if axes is None:
        axes = new_axes(figsize=(3 * ncols, 3.2 * nrows), nrows=nrows, ncols=ncols, fig=fig, squeeze=False)
        axes = axes.ravel()
        for ax in axes[n:]:
            no_ticks(ax)
            ax.set_axis_off()
    outputs = {name: conv2d(img, w, padding="same") for name, w in kernels.items()}
    title = f"input {img.shape}"
    if region is not None:
        (top, bottom), (left, right) = region
        if not (0 <= top < bottom <= img.shape[0] and 0 <= left < right <= img.shape[1]):
            raise ValueError(
                f"show_filter_gallery: region=((top, bottom), (left, right)) must lie inside the image of shape "
                f"{img.shape}; received region={region}."
            )
        outputs = {name: y[top:bottom, left:right] for name, y in outputs.items()}
        title = f"input {img.shape},\nrows {top}–{bottom - 1}, columns {left}–{right - 1}"
        img = img[top:bottom, left:right]
    axes[0].imshow(img, cmap="gray", vmin=0 if colorbar else None, vmax=1 if colorbar else None)
    axes[0].set_title(title)
    signed = [name for name, w in kernels.items() if abs(float(np.sum(w)) - 1) >= 1e-9]
    # one scale for all signed panels, set by the weakest kernel's responses: the strongest saturate
    # (the colour bar's pointed ends) rather than the weakest fading to white
    top = min((float(np.percentile(np.abs(outputs[name]), 99.5)) for name in signed), default=0.0) or None
    for ax, (name, w) in zip(axes[1:], kernels.items()):
        show_filtered(outputs[name], w, ax=ax, top=top if colorbar else None)
        ax.set_title(name)
    no_ticks(axes[0])
    if colorbar:
        figure = axes[0].figure
        figure.colorbar(axes[0].images[0], ax=list(axes[:n]), shrink=0.6, label="brightness", location="left")
        if signed:
            image = axes[1 + list(kernels).index(signed[0])].images[0]
            figure.colorbar(
                image,
                ax=list(axes[:n]),
                shrink=0.6,
                extend="both",
                label="response (one scale, centred at 0)",
            )
    return axes[:n]


def show_cnn_pipeline(image, kernels, fig=None, seed=0, names=None):
    """A digit's way through a small CNN: conv + ReLU → max-pool → flatten → dense → softmax.

    Every array drawn is computed by cnnviz's ops, and every title gives its
    shape. The kernels are drawn beside their feature maps, named (``names``) and
    on one diverging scale centred at 0 (red positive, blue negative) with a colour
    bar; the feature maps, pooled maps and flattened vector share one scale from 0
    (ReLU leaves nothing below it), with a colour bar, so that they can be compared.
    The dense layer's weights are random (seeded): the picture shows the shapes and
    the flow, not a trained classifier. Its columns span different numbers of rows,
    so it lays out its own axes, in ``fig`` (a figure or a subfigure) or in a new figure.

    Parameters
    ----------
    image : array_like, shape (H, W)
        A grayscale image with values in [0, 1].
    kernels : array_like, shape (KH, KW, 1, k)
        The convolution's kernels.
    names : sequence of k str, optional
        The kernels' names, written over them (default "kernel 0", "kernel 1", ...).

    Returns
    -------
    list of Axes
        The input's, then the feature maps' (row by row), the flattened vector's,
        the scores' and the probabilities'. (The kernels' and colour bars' axes
        are in the figure too.)
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(image, dtype=float)[None, :, :, None]  # (1, H, W, 1)
    kernels = np.asarray(kernels, dtype=float)
    conv, _ = ops.conv2d_forward(x, kernels, padding="same")
    relu, _ = ops.relu_forward(conv)
    pooled, _ = ops.max_pool2d_forward(relu, 2)
    flat = pooled.reshape(1, -1)
    weights = rng.normal(0, 1 / np.sqrt(flat.shape[1]), (flat.shape[1], 10))
    scores = flat @ weights
    probs = ops.softmax(scores)
    k = conv.shape[3]
    names = [f"kernel {o}" for o in range(k)] if names is None else list(names)
    fig = new_figure((15, 4.6), fig)
    grid = fig.add_gridspec(k, 8, width_ratios=[2.2, 0.7, 1, 1, 0.12, 0.35, 1.6, 1.6], wspace=0.45)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(x[0, :, :, 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"input {x.shape[1:]}", fontsize=FONT + 1)
    axes, kernel_axes = [ax], []
    w_top = float(np.abs(kernels).max()) or 1.0  # one scale, centred at 0, for all kernels
    y_top = float(relu.max()) or 1.0  # one scale, from 0, for every map and the flat vector
    for o in range(k):
        a = fig.add_subplot(grid[o, 1])
        w_image = a.imshow(kernels[:, :, 0, o], cmap="RdBu_r", vmin=-w_top, vmax=w_top)
        no_ticks(a)
        a.set_title(names[o], fontsize=FONT)
        kernel_axes.append(a)
        for col, (maps, name) in enumerate(((relu, "conv + ReLU"), (pooled, "max-pool 2×2")), start=2):
            a = fig.add_subplot(grid[o, col])
            y_image = a.imshow(maps[0, :, :, o], cmap="viridis", vmin=0, vmax=y_top)
            no_ticks(a)
            if o == 0:
                a.set_title(f"{name}\n{maps.shape[1:]}", fontsize=FONT + 1)
            axes.append(a)
    w_bar = fig.colorbar(w_image, ax=kernel_axes, location="left", fraction=0.6, pad=0.25)
    w_bar.set_label("kernel weight", fontsize=FONT)
    bar = fig.colorbar(y_image, cax=fig.add_subplot(grid[:, 4]))
    bar.set_label("value (all maps and the flat vector)", fontsize=FONT)
    for b in (w_bar, bar):  # numbers as large as the labels: the picture is shrunk to fit a notebook
        b.ax.tick_params(labelsize=FONT)
    a = fig.add_subplot(grid[:, 5])
    a.imshow(
        flat.reshape(-1, 1)[:: max(1, flat.shape[1] // 200)],
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=y_top,
    )
    a.set_title(f"flatten\n({flat.shape[1]},)", fontsize=FONT + 1)
    no_ticks(a)
    axes.append(a)
    for col, (values, name) in enumerate(
        ((scores[0], "dense: scores (10,)"), (probs[0], "softmax: p (10,)")), start=6
    ):
        a = fig.add_subplot(grid[:, col])
        a.barh(
            range(10),
            values,
            color=np.where(values >= 0, "#d6604d", "#4393c3") if col == 6 else VISITED_COLOR,
        )
        a.axvline(0, color="0.3", lw=0.8)
        if col == 6:  # signed scores: an axis centred at 0
            top = float(np.abs(values).max()) or 1.0
            a.set_xlim(-1.1 * top, 1.1 * top)
        else:
            a.set_xlim(0, 1)
        a.set_yticks(range(10))
        a.set_ylabel("class (digit)", fontsize=FONT)
        a.tick_params(labelsize=FONT)
        a.invert_yaxis()
        a.set_title(name + "\n(random weights)", fontsize=FONT + 1)
        axes.append(a)
    no_ticks(axes[0])
    return axes
