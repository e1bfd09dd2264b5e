"""A clear word for the Keras names cnnviz does not have.

``from cnnviz.keras.layers import LSTM`` should not end in Python's bare "cannot import name":
a learner should read that cnnviz does not implement LSTM, on purpose, and what it has
instead. Each ``cnnviz.keras`` module calls ``missing(...)`` from its ``__getattr__``, which
Python consults only for names the module does not define.

For a name of Keras' public API (``KERAS``, Keras 3's ``keras.layers``, ``keras.callbacks``,
... as its documentation lists them), the error is a ``NotInCnnvizError``, an ``ImportError``:
Python passes an ImportError from ``__getattr__`` through ``from ... import`` unchanged, so its
message reaches the learner (an AttributeError would be replaced by the bare one). Any other
name gets an ordinary AttributeError, with the closest names cnnviz has, so that
``hasattr`` and tools that probe modules work as usual.
"""

from __future__ import annotations

import difflib

__all__ = ["KERAS", "NotInCnnvizError", "missing"]


class NotInCnnvizError(ImportError):
    """A Keras name that cnnviz does not implement."""


KERAS = {
    "layers": """TFSMLayer deserialize serialize Activation ELU LeakyReLU PReLU ReLU Softmax AdditiveAttention
        Attention GroupQueryAttention MultiHeadAttention Conv1D Convolution1D Conv1DTranspose
        Convolution1DTranspose Conv2D Convolution2D Conv2DTranspose Convolution2DTranspose Conv3D Convolution3D
        Conv3DTranspose Convolution3DTranspose DepthwiseConv1D DepthwiseConv2D SeparableConv1D
        SeparableConvolution1D SeparableConv2D SeparableConvolution2D Dense EinsumDense Embedding Identity Input
        InputLayer Lambda Masking Wrapper InputSpec Layer Add add Average average Concatenate concatenate Dot dot
        Maximum maximum Minimum minimum Multiply multiply Subtract subtract BatchNormalization GroupNormalization
        LayerNormalization SpectralNormalization UnitNormalization AveragePooling1D AvgPool1D AveragePooling2D
        AvgPool2D AveragePooling3D AvgPool3D GlobalAveragePooling1D GlobalAvgPool1D GlobalAveragePooling2D
        GlobalAvgPool2D GlobalAveragePooling3D GlobalAvgPool3D GlobalMaxPooling1D GlobalMaxPool1D
        GlobalMaxPooling2D GlobalMaxPool2D GlobalMaxPooling3D GlobalMaxPool3D MaxPooling1D MaxPool1D MaxPooling2D
        MaxPool2D MaxPooling3D MaxPool3D MelSpectrogram CategoryEncoding CenterCrop Discretization HashedCrossing
        Hashing IntegerLookup Normalization RandomBrightness RandomContrast RandomCrop RandomFlip RandomRotation
        RandomTranslation RandomZoom Rescaling Resizing StringLookup TextVectorization ActivityRegularization
        AlphaDropout Dropout GaussianDropout GaussianNoise SpatialDropout1D SpatialDropout2D SpatialDropout3D
        Cropping1D Cropping2D Cropping3D Flatten Permute RepeatVector Reshape UpSampling1D UpSampling2D
        UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Bidirectional ConvLSTM1D ConvLSTM2D ConvLSTM3D GRU
        GRUCell LSTM LSTMCell RNN SimpleRNN SimpleRNNCell StackedRNNCells TimeDistributed FlaxLayer JaxLayer
        TorchModuleWrapper""",
    "callbacks": """BackupAndRestore Callback CallbackList CSVLogger EarlyStopping History LambdaCallback
        LearningRateScheduler ModelCheckpoint OrbaxCheckpoint ProgbarLogger ReduceLROnPlateau RemoteMonitor
        SwapEMAWeights TensorBoard TerminateOnNaN""",
    "optimizers": """legacy schedules deserialize get serialize Adadelta Adafactor Adagrad Adam Adamax AdamW Ftrl
        Lamb Lion LossScaleOptimizer Muon Nadam Optimizer RMSprop SGD""",
    "losses": """deserialize get serialize Loss CTC BinaryCrossentropy BinaryFocalCrossentropy
        CategoricalCrossentropy CategoricalFocalCrossentropy CategoricalHinge Circle CosineSimilarity Dice Hinge
        Huber KLDivergence LogCosh MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredError
        MeanSquaredLogarithmicError Poisson SparseCategoricalCrossentropy SquaredHinge Tversky binary_crossentropy
        binary_focal_crossentropy categorical_crossentropy categorical_focal_crossentropy categorical_hinge circle
        cosine_similarity ctc dice hinge huber kl_divergence log_cosh mean_absolute_error
        mean_absolute_percentage_error mean_squared_error mean_squared_logarithmic_error poisson
        sparse_categorical_crossentropy squared_hinge tversky""",
    "metrics": """binary_crossentropy binary_focal_crossentropy categorical_crossentropy
        categorical_focal_crossentropy categorical_hinge hinge huber kl_divergence log_cosh mean_absolute_error
        mean_absolute_percentage_error mean_squared_error mean_squared_logarithmic_error poisson
        sparse_categorical_crossentropy squared_hinge deserialize get serialize Accuracy BinaryAccuracy
        CategoricalAccuracy SparseCategoricalAccuracy SparseTopKCategoricalAccuracy TopKCategoricalAccuracy
        binary_accuracy categorical_accuracy sparse_categorical_accuracy sparse_top_k_categorical_accuracy
        top_k_categorical_accuracy AUC FalseNegatives FalsePositives Precision PrecisionAtRecall Recall
        RecallAtPrecision SensitivityAtSpecificity SpecificityAtSensitivity TrueNegatives TruePositives
        ConcordanceCorrelation PearsonCorrelation concordance_correlation pearson_correlation F1Score FBetaScore
        CategoricalHinge Hinge SquaredHinge BinaryIoU IoU MeanIoU OneHotIoU OneHotMeanIoU Metric
        BinaryCrossentropy CategoricalCrossentropy KLDivergence Poisson SparseCategoricalCrossentropy Mean
        MeanMetricWrapper Sum CosineSimilarity LogCoshError MeanAbsoluteError MeanAbsolutePercentageError
        MeanSquaredError MeanSquaredLogarithmicError R2Score RootMeanSquaredError""",
    "datasets": "boston_housing california_housing cifar10 cifar100 fashion_mnist imdb mnist reuters",
}
KERAS = {module: frozenset(names.split()) for module, names in KERAS.items()}

WHY = {
    "datasets": (
        "cnnviz loads MNIST and Fashion-MNIST only (checksummed, through cnnviz.datasets). Any other images "
        "work as numpy arrays: fit takes x of shape (N, H, W, C) as floats and y as whole class numbers"
    ),
}


def missing(module: str, name: str, has):
    """The error for ``cnnviz.keras.<module>.<name>``, a name the module does not define."""
    offered = sorted(n for n in has if not n.startswith("_"))
    if name in KERAS.get(module, ()):
        why = WHY.get(module, "cnnviz implements the parts of Keras a CNN course needs, with readable numpy")
        return NotInCnnvizError(
            f"cnnviz.keras.{module} has no {name}: cnnviz does not implement it. {why}. "
            f"What it has: {', '.join(offered)}.",
            name=name,
        )
    close = difflib.get_close_matches(name, offered, n=3)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return AttributeError(f"module 'cnnviz.keras.{module}' has no attribute {name!r}.{hint}")
