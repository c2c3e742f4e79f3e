"""The ONNX file :func:`export_onnx` writes, and reading one within bounds.

The file is an ONNX model: one input ``pixels`` (float32, ``(n, height *
width)``, the rows :class:`ImageLoader` makes), one output ``probabilities``
(float32, ``(n, n_classes)``), and under the metadata key
``emotion_sklearn`` a JSON object saying what the graph expects and holds:
the classes, the image size, the loader that made the rows (as
:func:`save_model` records a step) and the test-time reading built into the
graph. ``docs/production.rst`` is the contract for users outside Python.
"""

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from .._files import written_together
from ..model_files._archive import MAX_UNPACKED_BYTES, ModelFileError
from ..model_files._format import describe_step, is_model_file, load_model

FORMAT = "emotion-sklearn-onnx"
FORMAT_VERSION = 1
METADATA_KEY = "emotion_sklearn"
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"
SUFFIX = ".onnx"


def is_graph_path(path):
    """Whether ``path`` names an exported graph (by its ``.onnx`` suffix)."""
    return Path(path).suffix.lower() == SUFFIX


def export_onnx(model, path):
    """Write a fitted model's network and its test-time reading as an ONNX file.

    The graph takes the rows the model's :class:`ImageLoader` makes and
    gives the probabilities the model's ``predict_proba`` gives (to about
    1e-6): the test-time crop, the mirror images, the average of several
    networks and the class prior are inside it, as they are set now.
    :func:`load_onnx` reads it back as a pipeline that predicts with
    onnxruntime, without TensorFlow. Needs ``tf2onnx``
    (``pip install 'emotion-sklearn[onnx]'``).

    Parameters
    ----------
    model : Pipeline, EmotionCNNClassifier or path
        A fitted pipeline whose last step is an :class:`EmotionCNNClassifier`
        (its other steps an :class:`ImageLoader` first and fit-time samplers),
        the classifier alone, or the path of a model file :func:`save_model`
        wrote (whose SHA-256 the graph then records).
    path : str or path-like
        Written atomically (a scratch file beside it, then renamed); an
        existing file is replaced.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from emotion_sklearn import make_emotion_pipeline, export_onnx, load_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (8, 48, 48), dtype=np.uint8)
    >>> y = ["anger", "happiness"] * 4
    >>> model = make_emotion_pipeline(cnn__epochs=1, cnn__n_blocks=1,
    ...     cnn__filters=4, random_state=0).fit(X, y)
    >>> path = export_onnx(model, os.path.join(tempfile.mkdtemp(), "m.onnx"))
    >>> fast = load_onnx(path)
    >>> bool(np.allclose(fast.predict_proba(X), model.predict_proba(X), atol=1e-5))
    True
    """
    source = None
    if isinstance(model, (str, os.PathLike)):
        source = Path(model)
        model = load_model(source)
    loader, cnn = _loader_and_network(model)
    from ..network._export import onnx_graph

    graph = onnx_graph(cnn, INPUT_NAME, OUTPUT_NAME)
    metadata = _metadata(loader, cnn, source)
    graph.metadata_props.add(key=METADATA_KEY, value=json.dumps(metadata))
    graph.producer_name = "emotion-sklearn"
    path = Path(path)
    with written_together() as scratch_for:
        scratch_for(path).write_bytes(graph.SerializeToString())
    return path


def _loader_and_network(model):
    """``(ImageLoader or None, EmotionCNNClassifier)``; other steps refused."""
    steps = getattr(model, "steps", None)
    if steps is None:
        steps = [("model", model)]
    *before, (name, cnn) = steps
    if not hasattr(cnn, "_prior_factors") or not hasattr(cnn, "model_"):
        raise TypeError(
            "export_onnx needs a fitted EmotionCNNClassifier as the model or as "
            f"its last step; step {name!r} is {type(cnn).__name__}"
            + ("" if hasattr(cnn, "classes_") else " (not fitted)")
            + "."
        )
    loader = None
    for position, (step_name, step) in enumerate(before):
        if position == 0 and type(step).__name__ == "ImageLoader":
            loader = step
        elif step is None or step == "passthrough" or hasattr(step, "fit_resample"):
            continue  # fit-time only: nothing to do at predict time
        else:
            raise TypeError(
                f"step {step_name!r} ({type(step).__name__}) changes the rows at "
                "predict time, and the graph holds only the network: export a "
                "pipeline of an ImageLoader, samplers and an EmotionCNNClassifier."
            )
    return loader, cnn


def _metadata(loader, cnn, source):
    test_time = cnn._test_time()
    factors = cnn._prior_factors()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "input": INPUT_NAME,
        "output": OUTPUT_NAME,
        "classes": np.asarray(cnn.classes_).tolist(),
        "image_size": [int(side) for side in cnn.image_size_],
        "loader": None if loader is None else describe_step("load", loader, {}),
        "reading": {
            "crop": float(test_time.crop),
            "flip": bool(test_time.flip),
            "n_networks": int(cnn.n_networks),
            "class_factors": None if factors is None else factors.tolist(),
        },
        "exported_from": None
        if source is None
        else {
            "file": source.name,
            "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        },
        "versions": {"emotion-sklearn": _version("emotion-sklearn")},
    }


def _version(name):
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return None


def read_graph_file(path):
    """``(graph bytes, onnxruntime session, metadata)`` of an exported file.

    The file is read whole (at most :data:`MAX_UNPACKED_BYTES`) and the
    session built from its bytes, so a graph naming external data files
    cannot make onnxruntime open them.

    Raises
    ------
    FileNotFoundError
    ModelFileError
        Too large, not an ONNX model, or not one :func:`export_onnx` wrote
        (its metadata, input or output differ from the contract).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such ONNX file: {str(path)!r}")
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise ModelFileError(
            f"{str(path)!r} is {path.stat().st_size} bytes, more than the "
            f"{MAX_UNPACKED_BYTES} an exported model may have."
        )
    if is_model_file(path):
        raise ModelFileError(
            f"{str(path)!r} is a save_model file, not an ONNX graph: load it with "
            "load_model, or export it with export_onnx."
        )
    graph = path.read_bytes()
    session = inference_session(graph, path)
    metadata = _checked_metadata(session, path)
    return graph, session, metadata


def inference_session(graph, path):
    """An onnxruntime session of ``graph`` (bytes); ModelFileError naming ``path``."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: no notes on stderr
    try:
        return onnxruntime.InferenceSession(
            graph, options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own failure types
        raise ModelFileError(
            f"{str(path)!r} cannot be read as an ONNX model "
            f"({type(exc).__name__}: {str(exc).strip()[:300]})"
        ) from None


def _checked_metadata(session, path):
    where = repr(str(path))
    text = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    if text is None:
        raise ModelFileError(
            f"{where} is an ONNX model without emotion-sklearn's metadata; "
            "export_onnx writes the models the package reads."
        )
    try:
        metadata = json.loads(text)
        if metadata["format"] != FORMAT or metadata["format_version"] != 1:
            raise ModelFileError(
                f"{where} is format {metadata['format_version']!r} of "
                f"{metadata['format']!r}; this version reads {FORMAT} 1."
            )
        classes, (height, width) = metadata["classes"], metadata["image_size"]
        if not isinstance(classes, list) or len(classes) < 2:
            raise ValueError("classes must be a list of at least 2 labels")
        if not all(isinstance(side, int) and side > 0 for side in (height, width)):
            raise ValueError("image_size must be two positive integers")
    except ModelFileError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{where}: malformed metadata ({exc}).") from None
    _check_signature(session, where, height * width, len(classes))
    return metadata


def _check_signature(session, where, n_pixels, n_classes):
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelFileError(
            f"{where}: the graph has {len(inputs)} inputs and {len(outputs)} "
            "outputs, not one of each."
        )
    (given,), (made,) = inputs, outputs
    expected = [(INPUT_NAME, n_pixels), (OUTPUT_NAME, n_classes)]
    for tensor, (name, width) in zip((given, made), expected, strict=True):
        if tensor.name != name or tensor.type != "tensor(float)":
            raise ModelFileError(
                f"{where}: the graph's {tensor.name!r} ({tensor.type}) is not "
                f"the float {name!r} the metadata describes."
            )
        if len(tensor.shape) != 2 or tensor.shape[1] != width:
            raise ModelFileError(
                f"{where}: {name!r} has shape {tensor.shape}, not (n, {width})."
            )
