"""``keras.backend``: ``clear_session``, which tutorials call before building a new model."""


def clear_session():
    """Nothing to clear: cnnviz keeps no global graph, and each model names its own layers."""


__all__ = ["clear_session"]
