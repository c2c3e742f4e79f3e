"""Class weights, as a factor in the loss or as each class's rows repeated.

:class:`~emotion_sklearn.EmotionCNNClassifier` weighs rare classes up with
``class_weight`` (``"balanced"`` tempered by ``class_weight_exponent``).
With ``class_weight_mode="resample"`` the weights act as repeats: each
class's rows are shown in proportion to its weight, so the network sees rare
faces more often, each time transformed anew by the augmentation.
"""

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from sklearn.utils.class_weight import compute_class_weight

# Repeats that grow the training rows further are refused rather than trained.
_MAX_GROWTH = 100


def tempered_class_weights(class_weight, y, exponent):
    """``class_weight`` as a dict for the labels ``y``, or None.

    ``"balanced"`` is scikit-learn's balanced weights to the power
    ``exponent``; a dict or None passes through.

    Examples
    --------
    >>> from emotion_sklearn._class_weights import tempered_class_weights
    >>> weights = tempered_class_weights("balanced", ["a", "a", "a", "b"], 0.5)
    >>> {str(c): round(float(w), 3) for c, w in weights.items()}
    {'a': 0.816, 'b': 1.414}
    """
    if not (isinstance(class_weight, str) and class_weight == "balanced"):
        return class_weight
    classes = np.unique(y)
    weights = compute_class_weight("balanced", classes=classes, y=y)
    return dict(zip(classes, weights**exponent, strict=True))


def per_class(mapping, classes):
    """``mapping``'s value for each of ``classes``, 1 for a class it leaves out.

    As Keras reads a ``class_weight`` dict.

    Examples
    --------
    >>> from emotion_sklearn._class_weights import per_class
    >>> per_class({"b": 2.0}, ["a", "b"]).tolist()
    [1.0, 2.0]
    """
    return np.array(
        [mapping.get(c, 1.0) for c in np.asarray(classes).tolist()], dtype=float
    )


def check_repeatable(weights, y):
    """ValueError unless repeating ``y``'s classes by ``weights`` is sane.

    Repeats cannot drop a class weighted 0, and weights far apart would
    repeat the heaviest class's images millions of times.
    """
    classes, counts = np.unique(y, return_counts=True)
    given = per_class(weights, classes)
    unweighed = classes[~(given > 0)].tolist()
    if unweighed:
        raise ValueError(
            "class_weight_mode='resample' repeats images and cannot weigh a class "
            f"0; class_weight gives {unweighed!r} no weight. Use "
            "class_weight_mode='reweight'."
        )
    rows = counts @ (given / given.min())
    if rows > _MAX_GROWTH * len(y):
        raise ValueError(
            f"class_weight_mode='resample' would repeat the {len(y)} training rows "
            f"into {rows:.3g}, more than {_MAX_GROWTH} times as many: the class "
            f"weights are {given.max() / given.min():.3g} times apart. Use "
            "class_weight_mode='reweight' for weights this far apart."
        )


def class_repeats(weights, classes, codes):
    """How many times each class's rows are shown.

    The weights over the lightest weight among the classes present in
    ``codes`` (indices into ``classes``), so that no class is shown less
    than once.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn._class_weights import class_repeats
    >>> class_repeats({"a": 0.5, "b": 2.0}, ["a", "b"], np.array([0, 1])).tolist()
    [1.0, 4.0]
    """
    repeats = per_class(weights, classes)
    present = np.bincount(codes, minlength=len(repeats)) > 0
    return repeats / repeats[present].min()


def repeated_rows(codes, repeats, random_state):
    """Indices of the rows with each class's rows repeated ``repeats`` times.

    Every row once, and the extra rows a class needs drawn from its rows at
    random, with replacement, by imbalanced-learn's ``RandomOverSampler``
    (its ``sample_indices_``).
    """
    counts = np.bincount(codes, minlength=len(repeats))
    target = {c: round(counts[c] * repeats[c]) for c in np.flatnonzero(counts)}
    sampler = RandomOverSampler(sampling_strategy=target, random_state=random_state)
    sampler.fit_resample(np.zeros((len(codes), 1)), codes)
    return sampler.sample_indices_
