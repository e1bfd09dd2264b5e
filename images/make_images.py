"""Draw the figures in images/ with cnnviz's own renderers.

Run from the repository's top folder:  python images/make_images.py

cnn.png            a digit's way through conv + ReLU, max-pool, flatten, dense, softmax
convolution1.png   case 1: one channel, one kernel (1D)
convolution2.png   case 2: several channels, one kernel (1D)
convolution3.png   case 3: several channels, several kernels (1D)
convolution4.png   case 4: an image with several channels and kernels (2D)
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window

import matplotlib.pyplot as plt
import numpy as np

from cnnviz import images, plot
from cnnviz.kernels import KERNELS

HERE = Path(__file__).parent


def save(fig, name):
    fig.savefig(HERE / name, dpi=90)
    plt.close(fig)
    print("wrote", HERE / name)


def main():
    bank = np.stack([KERNELS[n] for n in ("sobel x", "sobel y", "Laplacian", "sharpen")], axis=-1)[
        :, :, None, :
    ]
    save(plot.show_cnn_pipeline(images.digit(3) / 255.0, bank)[0].figure, "cnn.png")

    x1 = np.array([0, 1, 3, 3, 3, 1, 0, 2])
    save(plot.show_conv1d_step(x1, [1, 0, -1], i=1)[0].figure, "convolution1.png")

    x2 = np.array([[1, 0], [2, 1], [0, 3], [1, 1], [2, 2], [0, 1]])
    save(plot.show_conv1d_step(x2, [[1, 0], [0, 1]], i=1)[0].figure, "convolution2.png")

    w3 = np.stack([[[1, 0], [0, 1]], [[1, 1], [-1, -1]]], axis=-1)
    save(plot.show_conv1d_step(x2, w3, i=2, o=1)[0].figure, "convolution3.png")

    x4 = np.arange(18).reshape(3, 3, 2) % 5
    w4 = np.array([[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, -1]]]])
    save(plot.show_conv2d_step(x4, w4, i=1, j=1, o=1, b=[1, -1])[0, 0].figure, "convolution4.png")


if __name__ == "__main__":
    main()
