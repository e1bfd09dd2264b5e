"""cnnviz._malloc: glibc is asked once to keep freed memory for the next training step."""

import platform

import pytest

from cnnviz import _malloc, keras


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_request_and_compile_makes_it():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(loss="mse", optimizer="sgd")
    assert _malloc._asked
    assert _malloc.keep_freed_memory() is True  # asked once: a second call asks nothing more


def test_without_a_mallopt_nothing_happens(monkeypatch):
    class NoMallopt:  # the C library of macOS, say
        def __init__(self, name):
            pass

    monkeypatch.setattr(_malloc, "_asked", False)
    monkeypatch.setattr(_malloc.ctypes, "CDLL", NoMallopt)
    assert _malloc.keep_freed_memory() is False
