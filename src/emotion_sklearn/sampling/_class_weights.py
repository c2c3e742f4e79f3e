"""Balanced class weights to a power, as counts of repeated images."""

import numpy as np

# Repeats that grow the training rows further are refused rather than trained.
_MAX_GROWTH = 100


def repeat_counts(counts, exponent):
    """How many images each class has once repeated by its tempered weight.

    The weights are scikit-learn's "balanced" weights (``n_samples /
    (n_classes * count)``) to the power ``exponent``; each class is repeated
    ``weight / lightest weight`` times, rounded to whole images.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.sampling._class_weights import repeat_counts
    >>> repeat_counts(np.array([90, 10]), 0.5).tolist()
    [90, 30]
    >>> repeat_counts(np.array([90, 10]), 1.0).tolist()
    [90, 90]
    """
    counts = np.asarray(counts)
    weights = (counts.sum() / (len(counts) * counts.astype(np.float64))) ** exponent
    return np.round(counts * (weights / weights.min())).astype(np.int64)


def check_repeatable(target, counts):
    """ValueError if repeating ``counts`` images into ``target`` is not sane.

    Weights far apart would repeat the rarest class's images millions of
    times.
    """
    rows, given = int(np.sum(target)), int(np.sum(counts))
    if rows > _MAX_GROWTH * given:
        raise ValueError(
            f"TemperedOverSampler would repeat the {given} training rows into "
            f"{rows:.3g}, more than {_MAX_GROWTH} times as many: the classes' "
            "frequencies are too far apart for this exponent. Use a smaller "
            "exponent."
        )
