"""Data and models for the small demos of what CNNs do besides classifying.

Segmentation: ``cluttered_digits`` puts a fainter, shifted second digit and noise behind
each MNIST digit; the task is to mark the pixels of the front digit. A brightness
threshold cannot tell the two digits apart where they overlap or where noise is bright,
so ``best_threshold`` gives the baseline a network has to beat.

Generation: ``autoencoder`` squeezes a digit into a few numbers (the code) and a
convolutional decoder paints a digit from a code; decoding codes on the line between two
digits' codes (``interpolate``) shows that the decoder makes new images, not copies.

Normalization: ``bn_activations`` gives the feature maps a batch normalization layer
after a convolution receives, four channels with different means and spreads.

>>> images = np.zeros((2, 28, 28), np.uint8); images[:, 10:18, 12:16] = 255
>>> x, masks = cluttered_digits(images, seed=0)
>>> x.shape, x.dtype, masks.shape, int(masks[0].sum())
((2, 28, 28, 1), dtype('float32'), (2, 28, 28), 32)
"""

from __future__ import annotations

import numpy as np

from . import layers as L
from . import ops
from .images import digit
from .kernels import KERNELS
from .models import Sequential

__all__ = [
    "autoencoder",
    "best_threshold",
    "bn_activations",
    "cluttered_digits",
    "interpolate",
    "mask_scores",
]


def cluttered_digits(images, seed=0, clutter=0.6, noise=0.3, shift=(7, 9)):
    """Front digits, each over another digit (``clutter`` × as bright, shifted) and Gaussian noise.

    ``images``: uint8 (N, 28, 28). Returns float32 inputs (N, 28, 28, 1) in 0..1 and int64
    masks (N, 28, 28): 1 where the front digit's ink is (its pixel > 0.5), else 0.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"cluttered_digits expects uint8 images (N, H, W) like MNIST's; "
            f"received dtype {images.dtype} and shape {images.shape}."
        )
    rng = np.random.default_rng(seed)
    front = images / 255
    behind = np.roll(front[rng.permutation(len(front))], shift, axis=(1, 2))
    x = np.clip(front + clutter * behind + noise * rng.normal(size=front.shape), 0, 1)
    return x.astype(np.float32)[..., None], (front > 0.5).astype(np.int64)


def mask_scores(predicted, true):
    """Pixel accuracy and intersection over union (IoU) of the ink class, as a dict."""
    predicted, true = np.asarray(predicted).astype(bool), np.asarray(true).astype(bool)
    union = np.sum(predicted | true)
    return {
        "pixel_accuracy": float(np.mean(predicted == true)),
        "iou": float(np.sum(predicted & true) / union) if union else 1.0,
    }


def best_threshold(images, masks, candidates=None):
    """The brightness threshold with the best IoU on these images: (threshold, its scores).

    ``candidates`` defaults to 0.05, 0.10, ..., 0.95.
    """
    images = np.asarray(images)[..., 0]
    candidates = np.linspace(0.05, 0.95, 19) if candidates is None else candidates
    scored = [(t, mask_scores(images > t, masks)) for t in candidates]
    return max(scored, key=lambda pair: pair[1]["iou"])


def autoencoder(code_size=8, seed=0):
    """Encoder (two stride-2 convolutions, a dense layer to ``code_size`` numbers) and decoder.

    The decoder mirrors the encoder: dense to 7×7×32, then two up-convolutions
    (Conv2DTranspose, stride 2) back to 28×28×1, with a sigmoid so pixels are in 0..1.
    Returns ``(model, encoder, decoder)``: the decoder and encoder are views of the
    same layers, so training the model trains them.
    """
    encoder_layers = [
        L.Conv2D(
            16, 3, strides=2, padding="same", activation="relu", input_shape=(28, 28, 1), name="enc_conv1"
        ),
        L.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc_conv2"),
        L.Flatten(name="enc_flatten"),
        L.Dense(code_size, name="code"),
    ]
    decoder_layers = [
        L.Dense(7 * 7 * 32, activation="relu", input_shape=(code_size,), name="dec_dense"),
        L.Reshape((7, 7, 32), name="dec_reshape"),
        L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu", name="dec_upconv1"),
        L.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid", name="dec_upconv2"),
    ]
    model = Sequential(encoder_layers + decoder_layers, name="autoencoder", seed=seed)
    model.build()  # the weights come from the model's seeded generator, before the halves are used
    return model, Sequential(encoder_layers, name="encoder"), Sequential(decoder_layers, name="decoder")


def interpolate(code_a, code_b, steps=8):
    """``steps`` codes evenly spaced on the line from ``code_a`` to ``code_b`` (both ends included)."""
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return (1 - t) * np.asarray(code_a, np.float32) + t * np.asarray(code_b, np.float32)


def bn_activations(count=96, seed=0):
    """Feature maps (count, 26, 26, 4) of shifted digits through a convolution with a bias.

    Four kernels (edges along x and y, the Laplacian, a blur) and the biases
    [0.5, −1, 0.2, 1] give four channels with different means and spreads:
    what a batch normalization layer after a convolution receives.
    """
    rng = np.random.default_rng(seed)
    digits = np.stack([digit(d) / 255.0 for d in range(10)])  # (10, 28, 28)
    picks = rng.integers(0, 10, count)
    shifts = rng.integers(-3, 4, (count, 2))
    x = np.stack([np.roll(digits[d], tuple(s), axis=(0, 1)) for d, s in zip(picks, shifts)])[..., None]
    bank = np.stack([KERNELS[n] for n in ("sobel x", "sobel y", "Laplacian", "box blur")], axis=-1)[
        :, :, None
    ]  # (3, 3, 1, 4)
    y, _ = ops.conv2d_forward(x, bank, np.array([0.5, -1.0, 0.2, 1.0]))
    return y  # (count, 26, 26, 4)
