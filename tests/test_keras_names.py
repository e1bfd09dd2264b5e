"""Every public name of Keras' layers, callbacks, optimizers, losses, metrics and datasets modules is
either in cnnviz.keras or refused with an error that names it, says cnnviz does not implement it and
lists what there is, through attribute access and through ``from ... import`` alike."""

import importlib

import pytest

from cnnviz.keras._missing import KERAS, NotInCnnvizError

# A sample written out from Keras 3's API documentation (keras.io/api), so that the package's own
# list (cnnviz.keras._missing.KERAS) is checked against the source rather than against itself.
FROM_KERAS_DOCS = {
    "layers": ["LSTM", "GRU", "Embedding", "Conv3D", "DepthwiseConv2D", "LayerNormalization", "RandomFlip",
               "Lambda", "MultiHeadAttention", "Dot", "Minimum", "SeparableConv2D", "TimeDistributed"],
    "callbacks": ["TensorBoard", "ReduceLROnPlateau", "CSVLogger", "BackupAndRestore", "ProgbarLogger"],
    "optimizers": ["Ftrl", "Lion", "Adafactor", "Lamb", "schedules"],
    "losses": ["Huber", "Hinge", "KLDivergence", "CosineSimilarity", "huber"],
    "metrics": ["AUC", "Precision", "Recall", "F1Score", "MeanIoU", "RootMeanSquaredError"],
    "datasets": ["cifar10", "cifar100", "imdb", "reuters", "boston_housing"],
}  # fmt: skip

CASES = sorted((module, name) for module, names in KERAS.items() for name in names)


def test_the_package_list_holds_the_documented_names():
    for module, names in FROM_KERAS_DOCS.items():
        assert set(names) <= KERAS[module], module


@pytest.mark.parametrize("module, name", CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_each_keras_name_is_there_or_refused_clearly(module, name):
    mod = importlib.import_module(f"cnnviz.keras.{module}")
    try:
        value = getattr(mod, name)
    except NotInCnnvizError as error:
        message = str(error)
        assert f"cnnviz.keras.{module} has no {name}" in message and "does not implement" in message
        assert "What it has:" in message
        with pytest.raises(NotInCnnvizError, match=f"has no {name}:"):
            exec(f"from cnnviz.keras.{module} import {name}", {})
    else:
        assert value is not None


def test_a_typo_is_an_attribute_error_with_the_close_names():
    from cnnviz.keras import layers

    with pytest.raises(AttributeError, match="Did you mean Conv2D"):
        layers.Conv2d  # noqa: B018
    assert not hasattr(layers, "setup_module")  # tools that probe modules see an ordinary absence
