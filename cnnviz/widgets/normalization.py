"""Explorer of batch normalization: γ, β, ε and the batch size, on one channel of real feature maps."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import ops
from ..demos import bn_activations
from ..plot.arrays import BatchNormPicture
from .controls import SLIDER_LAYOUT, STYLE, float_slider, int_slider
from .explorer import Explorer

__all__ = ["BatchNormExplorer"]


class BatchNormExplorer(Explorer):
    """Batch normalization of one channel: γ, β, ε and the batch size.

    The activations are the feature maps of a convolution over many shifted
    digits (``demos.bn_activations``); a batch of N images is drawn from them
    (seeded). The histograms show the channel before and after normalization,
    with the batch's statistics next to those of all the images: small batches
    give noisy estimates.
    """

    figsize = (11, 3.4)
    coalesce = True  # a picture takes about 100 ms: key presses queued meanwhile are drawn once
    light_controls = ("gamma", "beta", "epsilon")  # they change the values after normalization, not the batch
    # left: room for the histograms' count axis
    margins = {"left": 0.07, "right": 0.98, "bottom": 0.12, "top": 0.82, "wspace": 0.25}

    def __init__(self):
        self.population = bn_activations()  # (M, 26, 26, C)
        controls = {
            "gamma": float_slider("γ (scale)", 1.0, -2.0, 3.0, continuous_update=False),
            "beta": float_slider("β (shift)", 0.0, -3.0, 3.0, continuous_update=False),
            "epsilon": widgets.FloatLogSlider(
                value=1e-3,
                base=10,
                min=-5,
                max=1,
                step=0.5,
                description="ε",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                continuous_update=False,
            ),
            "N": int_slider("batch size N", 8, 1, 64, continuous_update=False),
            "channel": int_slider("channel c", 3, 0, self.population.shape[3] - 1),
            "seed": int_slider("which batch", 0, 0, 20),
        }
        super().__init__(controls)

    def draw(self, fig, gamma, beta, epsilon, N, channel, seed):
        batch, y, cache = self.normalize(gamma, beta, epsilon, N, seed)
        picture = BatchNormPicture(
            batch, channel, cache["mean"][channel], cache["var"][channel], population=self.population, fig=fig
        )
        return picture.set(y, gamma, beta, epsilon)

    def update(self, gamma, beta, epsilon, N, channel, seed):
        _, y, _ = self.normalize(gamma, beta, epsilon, N, seed)
        self.picture.set(y, gamma, beta, epsilon)  # only the panel after normalization is drawn again
        return True

    def normalize(self, gamma, beta, epsilon, N, seed):
        """A batch of N images (the same for the same seed), its normalization γ·x̂ + β and the cache."""
        batch = self.population[np.random.default_rng(seed).choice(len(self.population), N, replace=False)]
        C = batch.shape[3]
        y, cache = ops.batchnorm_forward(batch, np.full(C, gamma), np.full(C, beta), epsilon)
        return batch, y, cache
