"""The notebooks' exercises: what each asks, its answer (computed with cnnviz), hints and explanation.

One module per notebook (``n02`` holds notebook 02's exercises), so that the answers live out of
the learner's sight: a notebook's checking cell shows only ``check("02.3", answer)``, and
``cnnviz.exercises.check`` looks the exercise up here.

An ``Exercise`` says:

* ``id``: "NN.k", the notebook and the exercise's number in it;
* ``kind``: what an answer is: "number", "shape" (a tuple of sizes), "array" (numbers in a
  given shape), "indices" (a set of whole numbers, in any order) or "choice" (one of
  ``choices``, e.g. "a", "b");
* ``answer``: a function of no arguments that computes the right answer with cnnviz, so the
  answer follows the package rather than being typed in twice;
* ``hint``: what to reconsider when the answer is wrong, without giving the answer away;
* ``mistakes``: ``(test, hint)`` pairs for common wrong answers, ``test(answer, right)`` true
  when the learner made that mistake (the first that matches is shown instead of ``hint``);
* ``explanation``: why the answer is right, shown once it is (or on request, ``solution``);
  it may be a function of the right answer.
"""

from __future__ import annotations

from . import n00, n01, n02, n03, n04, n05, n06, n07, n08, n09, n10, n11, n12
from ._exercise import Exercise

__all__ = ["BANK", "Exercise"]


def _collect(*modules):
    bank = {}
    for module in modules:
        for exercise in module.EXERCISES:
            if exercise.id in bank:
                raise ValueError(f"Two exercises have the id {exercise.id!r}.")
            bank[exercise.id] = exercise
    return bank


BANK = _collect(n00, n01, n02, n03, n04, n05, n06, n07, n08, n09, n10, n11, n12)
