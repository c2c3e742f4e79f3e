"""load_onnx: an exported file as a pipeline that predicts without TensorFlow."""

from sklearn.pipeline import Pipeline

from ..model_files._archive import ModelFileError, reading
from ..model_files._format import rebuild_step


def load_onnx(path):
    """Read a file :func:`export_onnx` wrote, as a fitted pipeline.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    model : sklearn.pipeline.Pipeline or ONNXClassifier
        The recorded :class:`ImageLoader` (step ``load``) and an
        :class:`ONNXClassifier` (step ``cnn``); the classifier alone if the
        exported model had no loader. Paths or image arrays in, as the
        exported pipeline took them.

    Raises
    ------
    FileNotFoundError
    ModelFileError
        Not an ONNX file :func:`export_onnx` wrote, or larger than the
        bound on model files.
    """
    from ._classifier import ONNXClassifier

    return onnx_pipeline(ONNXClassifier(path).fit())


def onnx_pipeline(cnn):
    """The fitted ``cnn`` behind the loader its metadata records, if any."""
    described = cnn.metadata_.get("loader")
    if described is None:
        return cnn
    where = cnn.path or "the shipped model"
    try:
        with reading(where, "the recorded loader"):
            loader = rebuild_step(described, {}, {})
    except ModelFileError as exc:
        message = str(exc)
        if not message.startswith(repr(str(where))):
            message = f"{str(where)!r}: {message}"
        raise ModelFileError(message) from None
    # The classifier takes plain arrays; the recorded pandas output would
    # only cost a DataFrame per call.
    loader.set_output(transform="default")
    return Pipeline([("load", loader), ("cnn", cnn)])
