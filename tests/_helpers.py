"""Helpers the test modules import (conftest holds the fixtures)."""

import numpy as np


def tiny_cnn_params(prefix=""):
    """Parameters that make EmotionCNNClassifier train in about a second."""
    params = dict(n_blocks=1, filters=4, dense_units=8, epochs=2, batch_size=32)
    return {prefix + key: value for key, value in params.items()}


def toy_faces(n=60, side=8, seed=0):
    """Bright faces are 'happiness', dark ones 'sadness', grey ones 'neutral'."""
    rng = np.random.default_rng(seed)
    y = np.array(["happiness", "neutral", "sadness"] * (n // 3))
    level = {"happiness": 0.8, "neutral": 0.5, "sadness": 0.2}
    X = np.stack([level[label] + 0.1 * rng.standard_normal(side * side) for label in y])
    return X.astype(np.float32), y
