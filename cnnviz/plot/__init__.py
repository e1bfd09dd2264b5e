"""Pictures of what cnnviz computes, one module per topic; each picture is also here (``plot.show_grid``).

=================  ===========================================================================
module             pictures
=================  ===========================================================================
``style``          colours, ``FONT``, ``new_axes``/``new_figure``, ``num``; tick and format helpers
``arrays``         images, pixels, grids of numbers, kernels, feature maps, histograms, changes
``arithmetic``     convolution arithmetic in 2D: padding, stride, dilation, transposed convolution
``steps``          step-through pictures of convolution and pooling; the output-size formula
``filters``        filters on images and signals, a digit's way through a small CNN
``training``       confusion matrix, surest mistakes, class probabilities
``architectures``  feature-map shapes, parameters and work, receptive fields, the UNet, image grids
``learning``       loss curves and descent runs, kernels as they learn, signed gradient maps,
                   saliency, optimizers' paths, batch normalization's gradient paths
``network``        every layer of a model for one input (``NetworkPicture``), input conversion,
                   the patches that excite a kernel most
=================  ===========================================================================

Where to draw, and what comes back (every picture alike):

* A picture with one axes takes ``ax=None``; a picture with several takes
  ``axes=None`` (an array or sequence laid out as its docstring says). Given,
  the picture draws there.
* When they are None, the picture makes its own axes with ``style.new_axes``,
  in a new figure, or in ``fig=`` when the caller passes a figure or subfigure
  (``top, bottom = fig.subfigures(2, 1)``, then ``show_feature_maps(maps, fig=top)``).
  ``show_cnn_pipeline``, whose columns span different numbers of rows, takes
  only ``fig=``.
* Every function returns the axes it drew on (for several, in the order its
  docstring gives); none calls ``plt.show()``. In a notebook, end the cell
  with ``plt.show()`` or ``;`` so the figure is shown once.
* The step-through pictures are classes (``Conv1DStep``, ``Conv2DStep``,
  ``Pool2DStep``, ``PixelPicture``): built once, then moved with ``set(...)``;
  their ``axes`` attribute holds the axes and ``dynamic`` the artists that move.

Explorers (``cnnviz.widgets``) pass ``fig=`` or axes of a ``matplotlib.figure.Figure`` they
own, so no pyplot state is involved there; pyplot is imported only when a new figure is made.
"""

from .architectures import (
    show_architecture_shapes,
    show_image_grid,
    show_params_and_work,
    show_receptive_fields,
    show_unet,
)
from .arithmetic import arithmetic_padding, show_conv_arithmetic, show_transposed_arithmetic
from .arrays import (
    PixelPicture,
    pooled_shift,
    show_batchnorm_channel,
    show_changes,
    show_channels,
    show_feature_maps,
    show_grid,
    show_histograms,
    show_image,
    show_kernel,
    show_pixel,
    show_same_scale,
    show_shift_pooling,
)
from .filters import show_cnn_pipeline, show_filter_gallery, show_filtered, show_image_filter, show_responses
from .learning import (
    show_batch_losses,
    show_bn_terms,
    show_descent_runs,
    show_kernel_steps,
    show_loss_curve,
    show_optimizer_paths,
    show_saliency,
    show_signed_maps,
)
from .network import NetworkPicture, mosaic_layout, show_conversion, show_network, show_top_patches
from .steps import (
    Conv1DStep,
    Conv2DStep,
    Pool2DStep,
    RevealGrid,
    show_conv1d_step,
    show_conv2d_step,
    show_output_size,
    show_pool_step,
    show_signal,
    window_sum_text,
)
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, new_axes, new_figure, num
from .training import LivePlot, show_confusion_matrix, show_kernel_change, show_mistakes, show_probabilities

__all__ = [
    "FONT",
    "VISITED_COLOR",
    "WINDOW_COLOR",
    "Conv1DStep",
    "Conv2DStep",
    "LivePlot",
    "NetworkPicture",
    "PixelPicture",
    "Pool2DStep",
    "RevealGrid",
    "arithmetic_padding",
    "mosaic_layout",
    "new_axes",
    "new_figure",
    "num",
    "pooled_shift",
    "show_architecture_shapes",
    "show_batch_losses",
    "show_batchnorm_channel",
    "show_bn_terms",
    "show_changes",
    "show_channels",
    "show_cnn_pipeline",
    "show_confusion_matrix",
    "show_conv1d_step",
    "show_conv2d_step",
    "show_conv_arithmetic",
    "show_conversion",
    "show_descent_runs",
    "show_feature_maps",
    "show_filter_gallery",
    "show_filtered",
    "show_grid",
    "show_histograms",
    "show_image",
    "show_image_filter",
    "show_image_grid",
    "show_kernel",
    "show_kernel_change",
    "show_kernel_steps",
    "show_loss_curve",
    "show_mistakes",
    "show_network",
    "show_optimizer_paths",
    "show_output_size",
    "show_params_and_work",
    "show_pixel",
    "show_pool_step",
    "show_probabilities",
    "show_receptive_fields",
    "show_responses",
    "show_saliency",
    "show_same_scale",
    "show_shift_pooling",
    "show_signal",
    "show_signed_maps",
    "show_top_patches",
    "show_transposed_arithmetic",
    "show_unet",
    "window_sum_text",
]
