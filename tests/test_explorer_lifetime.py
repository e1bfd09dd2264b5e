"""Explorers are freed: after ``close()``, dropping an explorer frees it, its figure and its widgets.

ipywidgets keeps every widget until it is closed (the browser may still show it), and through
the widgets' callbacks whatever they point to. Two things kept explorers alive for good: the
anywidget pictures (``ClickImage``, ``DrawingPad``) were given their JavaScript as a file path,
for which anywidget keeps a callback to every instance; and closing an explorer's outer box
left the widgets inside it (and the links between its Play controls) open.
"""

import gc
import inspect
import weakref

import ipywidgets
import numpy as np
import pytest
from _helpers import tiny_cnn

import cnnviz.widgets as W
from cnnviz import keras
from cnnviz.datasets import DatasetUnavailableError
from cnnviz.keras import layers
from cnnviz.widgets import ClickImage, DrawingPad, Explorer, GridStepExplorer, NetworkExplorer

EXPLORERS = sorted(
    name
    for name, value in vars(W).items()
    if inspect.isclass(value) and issubclass(value, Explorer) and value not in (Explorer, GridStepExplorer)
)


def open_widgets():
    """The model ids of every widget ipywidgets holds now."""
    return set(ipywidgets.widgets.widget._instances)


def is_freed(ref):
    gc.collect()
    return ref() is None


@pytest.fixture(scope="module")
def small_cnn():
    return tiny_cnn(8, 3)


def test_every_explorer_class_is_walked():
    assert {"Conv2DStepExplorer", "PoolStepExplorer", "BatchNormExplorer", "PixelExplorer"} <= set(EXPLORERS)


def test_the_anywidget_pictures_get_their_javascript_as_text_not_as_a_watched_file():
    for cls in (ClickImage, DrawingPad):
        assert isinstance(cls._esm, str) and "export default" in cls._esm


@pytest.mark.parametrize("name", EXPLORERS)
def test_a_closed_explorer_is_freed_with_its_widgets(name):
    before = open_widgets()
    try:
        explorer = getattr(W, name)()
    except DatasetUnavailableError as error:  # an explorer of MNIST digits, without the data here
        pytest.skip(str(error))
    assert explorer.message == ""
    ref = weakref.ref(explorer)
    explorer.close()
    del explorer
    assert is_freed(ref)
    assert open_widgets() - before == set()  # every widget it made is closed


def test_a_closed_network_explorer_is_freed_with_its_figure(small_cnn):
    before = open_widgets()
    explorer = NetworkExplorer(small_cnn, images=np.zeros((2, 8, 8)), labels=[0, 1])
    explorer.clicker.press(*explorer.picture.pixel_of(0, (1, 1, 0)))  # used a little first
    explorer.pad.image = ""
    assert explorer.message == "" and explorer.selection is not None
    ref, figure = weakref.ref(explorer), weakref.ref(explorer.picture.fig)
    explorer.close()
    del explorer
    assert is_freed(ref) and figure() is None
    assert open_widgets() - before == set()


def test_a_refused_network_explorer_is_freed_too():
    a = keras.Input((6, 6, 1))
    explorer = NetworkExplorer(keras.Model(a, layers.Add()([a, layers.Conv2D(1, 1)(a)])))  # branched: refused
    ref = weakref.ref(explorer)
    explorer.close()
    del explorer
    assert is_freed(ref)


def test_a_closed_pad_and_picture_are_freed():
    for cls in (DrawingPad, ClickImage):
        widget = cls()
        ref = weakref.ref(widget)
        widget.close()
        del widget
        assert is_freed(ref)


def test_an_open_explorer_stays_alive_while_its_widgets_may_be_shown(small_cnn):
    """Not closed, the widgets may be on screen: their callbacks must keep the explorer working."""
    explorer = NetworkExplorer(small_cnn)
    ref, clicker = weakref.ref(explorer), explorer.clicker
    del explorer
    gc.collect()
    assert ref() is not None
    clicker.press(*ref().picture.pixel_of(-1, (2, 3, 0)))
    assert ref().selection == (-1, (2, 3, 0))
    ref().close()


def test_a_redraw_waiting_for_a_burst_draws_nothing_once_the_explorer_is_closed():
    import asyncio

    from cnnviz.widgets import BatchNormExplorer

    explorer = BatchNormExplorer()
    drawn = []
    explorer.render = lambda light=False: drawn.append(light)

    async def burst_then_close():
        explorer.controls["gamma"].set_state({"value": 2.0})  # as the browser sends it: the redraw waits
        explorer.close()
        await asyncio.sleep(explorer.coalesce_seconds + 0.05)

    asyncio.run(burst_then_close())
    assert drawn == []
