"""The model shipped inside the package, trained by the default recipe."""

import functools
from importlib import resources

from ._format import load_model

PRETRAINED_FILE = "emotion_cnn.esk"


def pretrained_path():
    """A context manager giving the shipped model file's path on disk."""
    return resources.as_file(
        resources.files("emotion_sklearn") / "pretrained" / PRETRAINED_FILE
    )


def load_pretrained():
    """The model shipped with the package: a fitted pipeline, ready to predict.

    ``make_emotion_pipeline(random_state=0)`` trained on all 10,459 images of
    the four classes anger, happiness, neutral and sadness in the
    ``muxspace/facial_expressions`` dataset; ``scripts/train_pretrained.py``
    rebuilds it. It is stored in the package's own model format
    (:func:`load_model`: arrays and JSON, checked against their SHA-256 on
    load, no code run), so nothing is downloaded. See the model card in the
    documentation for what it scores and where it falls short.

    Returns
    -------
    model : imblearn.pipeline.Pipeline
        Paths or image arrays in; ``predict`` gives labels, ``predict_proba``
        one column per class in ``model.classes_`` order. Each call returns a
        new copy, which may be changed or refitted freely.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from emotion_sklearn import load_pretrained
    >>> model = load_pretrained()
    >>> model.classes_.tolist()
    ['anger', 'happiness', 'neutral', 'sadness']
    >>> model.predict([astronaut()]).shape
    (1,)
    """
    with pretrained_path() as path:
        return load_model(path)


@functools.cache
def shared_pretrained():
    """One copy of the shipped model for the package's own use (never changed)."""
    return load_pretrained()
