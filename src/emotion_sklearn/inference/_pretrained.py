"""The model shipped inside the package, trained by the default recipe."""

import functools

from ..model_files._format import load_model
from ._load import onnx_pipeline
from ._shipped import shipped_path

ENGINES = ("onnx", "keras")


def load_pretrained(*, engine="onnx"):
    """The model shipped with the package: a fitted pipeline, ready to predict.

    ``make_emotion_pipeline(random_state=0)`` trained on all 10,459 images of
    the four classes anger, happiness, neutral and sadness in the
    ``muxspace/facial_expressions`` dataset; ``scripts/train_pretrained.py``
    rebuilds it. Nothing is downloaded. See the model card in the
    documentation for what it scores and where it falls short.

    Parameters
    ----------
    engine : {"onnx", "keras"}, default="onnx"
        ``"onnx"``: the network exported to ONNX (shipped beside the model
        file), run by onnxruntime behind the recipe's :class:`ImageLoader`,
        without TensorFlow: the same probabilities (to about 1e-6), ready in
        a fraction of a second. ``"keras"``: the trained pipeline itself
        (:func:`load_model` of the shipped file), to refit, fine-tune or
        export; it starts TensorFlow.

    Returns
    -------
    model : sklearn.pipeline.Pipeline or imblearn.pipeline.Pipeline
        Paths or image arrays in; ``predict`` gives labels, ``predict_proba``
        one column per class in ``model.classes_`` order. Each call returns a
        new copy, which may be changed freely.

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
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}.")
    if engine == "onnx":
        from ._classifier import ONNXClassifier

        return onnx_pipeline(ONNXClassifier().fit())
    with shipped_path(".esk") as path:
        return load_model(path)


@functools.cache
def shared_pretrained():
    """One copy of the shipped model for the package's own use (never changed)."""
    return load_pretrained()
