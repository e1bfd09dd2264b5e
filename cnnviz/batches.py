"""Where ``fit``, ``evaluate`` and ``predict`` get their batches when the data is not in arrays.

Keras tutorials also feed a model from a Python generator that yields ``(x, y)`` batches, or
from a ``keras.utils.PyDataset`` (Keras 2: ``Sequence``): an object with ``__len__`` (batches
per epoch) and ``__getitem__(index)`` (one batch), and optionally ``on_epoch_end()``.

>>> class Halves(PyDataset):
...     def __len__(self):
...         return 2
...     def __getitem__(self, index):
...         x = np.full((4, 3), float(index))
...         return x, np.zeros(4, dtype=int)
>>> [float(xb[0, 0]) for xb, yb in Stream(Halves(), None, "fit").epoch()]
[0.0, 1.0]
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

__all__ = ["PyDataset", "Stream", "is_stream"]


class PyDataset:
    """Keras' base class for a dataset of batches: define ``__len__`` and ``__getitem__(index)``.

    ``__getitem__`` returns one batch, ``(x, y)``; ``on_epoch_end()`` is called after every epoch
    (shuffle there if you like). The arguments for parallel loading are accepted as in Keras and
    not used: cnnviz loads batches one after the other.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing, self.max_queue_size = (
            workers,
            use_multiprocessing,
            max_queue_size,
        )

    def __getitem__(self, index):  # pragma: no cover - every dataset defines it
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), returning (x, y).")

    def __len__(self):  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} must define __len__(), the number of batches.")

    def on_epoch_end(self):
        pass

    @property
    def num_batches(self):
        return len(self)


def is_stream(x) -> bool:
    """Whether ``x`` is a source of batches (a generator, an iterator, a PyDataset) rather than an array."""
    if isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or x is None:
        return False
    return (
        isinstance(x, PyDataset)
        or hasattr(x, "__next__")
        or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
    )


class Stream:
    """The batches of a generator or a PyDataset, checked one by one; ``steps`` per epoch.

    A PyDataset gives ``len(dataset)`` batches an epoch (or ``steps``); a generator gives
    ``steps`` batches an epoch, or, without ``steps``, batches until it is exhausted. When a
    generator runs out before an epoch is complete, ``ran_out`` is set, as Keras stops then.
    """

    def __init__(self, source, steps, method):
        from ._checks import check_range

        self.source, self.method, self.ran_out = source, method, False
        self.indexed = not hasattr(source, "__next__")
        if steps is not None:
            steps = check_range(
                method, "steps_per_epoch" if method == "fit" else "steps", steps, low=1, integer=True
            )
        elif self.indexed:
            steps = len(source)
        self.steps = steps
        self.position = 0  # the next index of a PyDataset

    def epoch(self):
        """The next epoch's batches, as ``(x, y)`` pairs (y None for predict's x-only batches)."""
        count = itertools.count() if self.steps is None else range(self.steps)
        for k in count:
            if self.indexed:
                batch = self.source[self.position % len(self.source)]
                self.position += 1
            else:
                try:
                    batch = next(self.source)
                except StopIteration:
                    if self.steps is not None or k == 0:
                        self.ran_out = True
                        warnings.warn(
                            f"{self.method}: the generator ran out of data after {k} batches of this epoch; training "
                            "stops here, as in Keras. Make it yield at least steps_per_epoch × epochs batches "
                            "(a `while True:` loop around its batches does).",
                            stacklevel=3,
                        )
                    return
            yield self._pair(batch, k)
        if self.indexed and self.position % len(self.source) == 0 and hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()

    def _pair(self, batch, k):
        if self.method == "predict" and not isinstance(batch, tuple):
            return batch, None
        if not isinstance(batch, tuple) or len(batch) not in (2, 3):
            raise TypeError(
                f"{self.method} expects each batch of a generator or PyDataset as a tuple (x, y); batch {k} is "
                f"{type(batch).__name__}{f' of length {len(batch)}' if isinstance(batch, tuple) else ''}."
            )
        if len(batch) == 3 and batch[2] is not None:
            raise ValueError(
                f"{self.method}: batch {k} carries sample weights (x, y, sample_weight), which cnnviz does not use; "
                "yield (x, y)."
            )
        return batch[0], batch[1]

    def arrays(self):
        """One epoch's batches joined into two arrays (for validation, evaluate and predict)."""
        xs, ys = [], []
        for xb, yb in self.epoch():
            xs.append(np.asarray(xb))
            ys.append(None if yb is None else np.asarray(yb))
        if not xs:
            raise ValueError(f"{self.method}: the generator or PyDataset gave no batches.")
        shapes = {x.shape[1:] for x in xs}
        if len(shapes) > 1:
            raise ValueError(
                f"{self.method}: the batches have samples of different shapes: {sorted(shapes)}."
            )
        return np.concatenate(xs), None if ys[0] is None else np.concatenate(ys)
