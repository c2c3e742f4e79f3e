"""Helpers the test modules import (conftest holds the fixtures)."""


def tiny_cnn_params(prefix=""):
    """Parameters that make EmotionCNNClassifier train in about a second."""
    params = dict(n_blocks=1, filters=4, dense_units=8, epochs=2, batch_size=32)
    return {prefix + key: value for key, value in params.items()}
