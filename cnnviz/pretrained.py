"""A small CNN already trained on MNIST, shipped with cnnviz, so that a notebook can look inside it at once.

The model is notebook 10's lecture-size CNN: two blocks of a 3×3 convolution (16, then 32
kernels, "same" padding, ReLU) and a 2×2 max-pooling, then a dense softmax layer over the
1,568 flattened values::

    layer             output shape          parameters
    conv2d            (None, 28, 28, 16)       160   = 3·3·1·16 + 16
    max_pooling2d     (None, 14, 14, 16)         0
    conv2d_1          (None, 14, 14, 32)     4,640   = 3·3·16·32 + 32
    max_pooling2d_1   (None, 7, 7, 32)           0
    flatten           (None, 1568)               0
    dense             (None, 10)            15,690   = 1568·10 + 10

20,490 float32 weights: the file ``cnnviz/data/lecture_cnn.npz`` (written by ``model.save``:
numpy's npz plus a JSON description, no pickle) is 89 kB.

How it was trained (``train_lecture_cnn``, seeded, on the checksummed MNIST files of
``cnnviz.datasets``): pixels scaled to [0, 1], Adam with batches of 64, learning rate 0.002
for two epochs and 0.0005 for a third, sparse categorical cross-entropy; the test set is
used once, at the end. It classifies 98.90% of MNIST's 10,000 test images correctly
(``TEST_ACCURACY``). Training takes under a minute on 2 cores (43 s here). To train it again and overwrite the file::

    python -m cnnviz.pretrained            # or: python -m cnnviz.pretrained --output my_cnn.npz

Two runs on the same machine wrote the same file, bit for bit. Another CPU or BLAS
library may round float32 sums differently, so its weights can differ in the last digits
and its accuracy by a few test images (hundredths of a percentage point).

>>> model = load_lecture_cnn()
>>> model.count_params(), model.output_shape
(20490, (None, 10))
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from . import callbacks, datasets, layers, optimizers
from .models import Sequential, load_model

__all__ = [
    "BATCH_SIZE",
    "EPOCHS",
    "SEED",
    "TEST_ACCURACY",
    "WEIGHTS",
    "learning_rate",
    "lecture_cnn",
    "load_lecture_cnn",
    "scale",
    "train_lecture_cnn",
]

WEIGHTS = Path(__file__).resolve().parent / "data" / "lecture_cnn.npz"
SEED = 0
# the share of MNIST's 10,000 test images that the shipped weights classify correctly,
# as printed by `python -m cnnviz.pretrained` (and checked by tests/test_pretrained.py)
TEST_ACCURACY = 0.9890

EPOCHS = 3
BATCH_SIZE = 64


def learning_rate(epoch: int, lr: float = 0.0) -> float:
    """The training schedule: 0.002 for epochs 0 and 1, then 0.0005 to settle in."""
    return 2e-3 if epoch < 2 else 5e-4


def lecture_cnn(seed: int = SEED) -> Sequential:
    """Notebook 10's lecture-size CNN, untrained (weights drawn with ``seed``)."""
    return Sequential(
        [
            layers.Conv2D(
                filters=16, kernel_size=3, activation="relu", padding="same", input_shape=[28, 28, 1]
            ),
            layers.MaxPooling2D(pool_size=2),
            layers.Conv2D(filters=32, kernel_size=3, activation="relu", padding="same"),
            layers.MaxPooling2D(pool_size=2),
            layers.Flatten(),
            layers.Dense(units=10, activation="softmax"),
        ],
        name="lecture_cnn",
        seed=seed,
    )


def _compile(model: Sequential) -> Sequential:
    model.compile(
        optimizer=optimizers.Adam(learning_rate=learning_rate(0)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def scale(images) -> np.ndarray:
    """MNIST's uint8 images (N, 28, 28), values 0..255, as the model's input: float32 (N, 28, 28, 1) in [0, 1].

    >>> scale(np.full((2, 28, 28), 255, dtype=np.uint8)).shape
    (2, 28, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"scale expects MNIST images of shape (N, 28, 28); received shape {images.shape}. "
            "For one image, add a batch axis with image[None]."
        )
    return (images / 255.0).astype(np.float32)[..., None]  # (N, 28, 28) -> (N, 28, 28, 1)


def train_lecture_cnn(x_train, y_train, *, seed: int = SEED, verbose: int = 2) -> Sequential:
    """Train ``lecture_cnn(seed)`` on MNIST's training images (uint8 (N, 28, 28)) and labels (N,).

    The schedule is fixed in advance (``EPOCHS``, ``BATCH_SIZE``, ``learning_rate``): no
    early stopping and no look at the test set. Returns the compiled, trained model.
    """
    model = _compile(lecture_cnn(seed))
    model.fit(
        scale(x_train),
        np.asarray(y_train),
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        verbose=verbose,
        callbacks=[callbacks.LearningRateScheduler(learning_rate)],
    )
    return model


def load_lecture_cnn(path=None) -> Sequential:
    """The trained lecture CNN, compiled (so ``evaluate`` works) and ready to ``predict``.

    Its input is float32 (N, 28, 28, 1) in [0, 1] (see ``scale``); its output the 10 digits'
    probabilities. ``path`` defaults to the file shipped with cnnviz (``WEIGHTS``).
    """
    return _compile(load_model(WEIGHTS if path is None else path))


def main(argv=None) -> float:
    """Train on MNIST, report the test accuracy, and save the model (``python -m cnnviz.pretrained``)."""
    parser = argparse.ArgumentParser(prog="python -m cnnviz.pretrained", description=main.__doc__)
    parser.add_argument("--output", type=Path, default=WEIGHTS, help=f"where to save (default: {WEIGHTS})")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    start = time.perf_counter()
    model = train_lecture_cnn(x_train, y_train, seed=args.seed)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(scale(x_test), y_test, batch_size=500, verbose=0)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    print(f"trained in {seconds:.0f} s; test accuracy {accuracy:.4f}; saved {args.output}")
    return accuracy


if __name__ == "__main__":
    main()
