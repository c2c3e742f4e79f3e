"""save_model and load_model: a model file that runs no code when it is loaded.

The file is a zip archive of plain data: ``manifest.json`` (the pipeline's
steps, each step's class and parameters, the fitted state that is not an
array, and the versions it was written with), one ``.npy`` file per array
(network weights), and ``checksums.json`` with the SHA-256 of every other
part. Loading reads JSON and arrays with ``allow_pickle=False``, imports only
the classes listed in ``_LOADABLE``, rebuilds each network from its
parameters and sets its weights: nothing in the file is executed.
"""

import hashlib
import importlib
import io
import json
import warnings
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from .._files import written_together
from ..images._faces import FaceFinder
from . import _legacy as legacy
from ._archive import ModelFileError, load_array, read_json, read_parts, reading
from ._fingerprint import ModelFileWarning, mismatch_message, network_fingerprint

FORMAT = "emotion-sklearn-model"
FORMAT_VERSION = 1
# The only classes a model file may name, by their public import path.
_LOADABLE = (
    "imblearn.pipeline.Pipeline",
    "sklearn.pipeline.Pipeline",
    "emotion_sklearn.ImageLoader",
    "emotion_sklearn.TemperedOverSampler",
    "emotion_sklearn.EmotionCNNClassifier",
    "emotion_sklearn.FaceFinder",
    "emotion_sklearn.Optimizer",
    "emotion_sklearn.Augmentation",
    "emotion_sklearn.EarlyStopping",
    "emotion_sklearn.TestTimeAugmentation",
    "emotion_sklearn.ClassPrior",
    "imblearn.over_sampling.RandomOverSampler",
    "imblearn.over_sampling.SMOTE",
    "imblearn.under_sampling.RandomUnderSampler",
)
_VERSIONED = (
    "numpy",
    "scikit-learn",
    "imbalanced-learn",
    "keras",
    "tensorflow",
    "scikeras",
)


# What a detector's name meant before files recorded the finder a loader
# resolved it to: FaceFinder(name)'s settings then.
_FINDER_BEFORE_RECORDING = {
    "margin": 0.1,
    "faceless_margin": 0.1,
    "refine": None,
    "detect_side": 160,
    "min_face": 0.15,
    "profiles": False,
}


def _resolve(name):
    if name not in _LOADABLE:
        raise ModelFileError(f"the model file names a class it may not: {name!r}")
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _public_name(cls):
    """The name in _LOADABLE of ``cls`` itself (not a subclass), or None."""
    return next((name for name in _LOADABLE if _resolve(name) is cls), None)


def _version(name):
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return None


# -- parameters as JSON -------------------------------------------------------


def _encode(value, where):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        items = [_encode(v, where) for v in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v, where) for k, v in value.items()}}
    cls_path = _public_name(type(value)) if hasattr(value, "get_params") else None
    if cls_path is not None:
        params = value.get_params(deep=False)
        return {
            "object": {
                "class": cls_path,
                "params": {k: _encode(v, f"{where}__{k}") for k, v in params.items()},
            }
        }
    raise ModelFileError(
        f"cannot store {where} = {value!r} safely (only numbers, strings, "
        "booleans, None, lists, tuples, string-keyed dicts and the package's "
        "own setting objects); set it to one of those, or save with joblib."
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        ((kind, inner),) = value.items()
        if kind == "tuple":
            return tuple(_decode(v) for v in inner)
        if kind == "dict":
            return {k: _decode(v) for k, v in inner.items()}
        if kind == "object":
            params = {k: _decode(v) for k, v in inner["params"].items()}
            return _resolve(inner["class"])(**params)
        if kind == "face_finder":  # files written before FaceFinder was "object"
            return _face_finder(_decode(inner))
        raise ModelFileError(f"unknown value kind {kind!r} in the model file")
    return value


def _face_finder(settings):
    # Settings added after files were written with a FaceFinder without them:
    # those finders did not refine, and framed a photo without a face with
    # the crop's margin.
    settings.setdefault("refine", None)
    settings.setdefault("faceless_margin", settings["margin"])
    return FaceFinder(**settings)


# -- steps ----------------------------------------------------------------------


def describe_step(name, step, arrays):
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return {"name": name, "class": None}
    cls_path = _public_name(type(step))
    if cls_path is None:
        raise ModelFileError(
            f"step {name!r} is a {type(step).__name__}, which a safe model file "
            "cannot hold; save this pipeline with joblib instead."
        )
    params = {
        key: _encode(value, f"step {name!r} parameter {key!r}")
        for key, value in step.get_params(deep=False).items()
    }
    described = {"name": name, "class": cls_path, "params": params}
    if isinstance(params.get("face_finder"), str):
        # A detector's name means today's FaceFinder defaults, which may
        # change: the file keeps the finder the model was trained with.
        described["face_finder"] = _encode(step.resolved_face_finder().params(), name)
    if hasattr(step, "model_"):
        described["fitted"] = _network_state(name, step, arrays)
    config = getattr(step, "_sklearn_output_config", {}).get("transform")
    if config:
        described["output"] = config
    return described


def _network_state(name, step, arrays):
    weights = step.model_.get_weights()
    for index, weight in enumerate(weights):
        arrays[f"arrays/{name}/{index:04d}.npy"] = weight
    classes = step.classes_
    return {
        "classes": classes.tolist(),
        "n_features_in": int(step.n_features_in_),
        "feature_names_in": (
            [str(n) for n in step.feature_names_in_]
            if hasattr(step, "feature_names_in_")
            else None
        ),
        "n_weights": len(weights),
        "network": network_fingerprint(step.model_),
        "class_frequencies": step.class_frequencies_.tolist(),
        "trained_prior": step.trained_prior_.tolist(),
        "history": {k: [float(v) for v in vs] for k, vs in step.history_.items()}
        if hasattr(step, "history_")
        else None,
    }


def _rebuild(path, manifest, arrays, networks):
    """The model ``manifest`` describes; a malformed step is named."""
    if "estimator" in manifest:
        with reading(path, "the estimator"):
            return rebuild_step(manifest["estimator"], arrays, networks)
    with reading(path, "the pipeline's steps"):
        steps = list(manifest["steps"])
        names = [described["name"] for described in steps]
    model_steps = []
    for name, described in zip(names, steps, strict=True):
        with reading(path, f"step {name!r}"):
            model_steps.append((name, rebuild_step(described, arrays, networks)))
    with reading(path, "the pipeline"):
        return _resolve(manifest["pipeline"])(model_steps)


def rebuild_step(described, arrays, networks):
    """The step ``described``; a recorded network goes into ``networks`` to check."""
    if described["class"] is None:
        return "passthrough"
    params = {k: _decode(v) for k, v in described["params"].items()}
    if isinstance(params.get("face_finder"), str):
        params["face_finder"] = _named_face_finder(params["face_finder"], described)
    step = _resolve(described["class"])(**params)
    if "output" in described:
        step.set_output(transform=described["output"])
    if "fitted" in described:
        _restore_network(step, described["name"], described["fitted"], arrays)
        if "network" in described["fitted"]:
            networks[described["name"]] = described["fitted"]["network"], step
    return step


def _named_face_finder(detector, described):
    """``detector``, or the finder it meant when the file was written if that differs.

    A loader keeps finding faces as it did in training: a file whose
    detector name now resolves to other settings gets its recorded finder.
    """
    if "face_finder" in described:
        recorded = _face_finder(_decode(described["face_finder"]))
    else:
        recorded = FaceFinder(detector, **_FINDER_BEFORE_RECORDING)
    return detector if recorded == FaceFinder(detector) else recorded


def _restore_network(step, name, fitted, arrays):
    import pandas as pd

    classes = np.asarray(fitted["classes"])
    X = np.zeros((len(classes), fitted["n_features_in"]), dtype=np.float32)
    if fitted["feature_names_in"] is not None:
        X = pd.DataFrame(X, columns=fitted["feature_names_in"])
    step.initialize(X, classes)
    weights = [arrays[f"arrays/{name}/{i:04d}.npy"] for i in range(fitted["n_weights"])]
    step.model_.set_weights(weights)
    # A file without priors: a uniform prior for both leaves the network's
    # probabilities unchanged.
    uniform = [1 / len(classes)] * len(classes)
    step.class_frequencies_ = np.asarray(fitted.get("class_frequencies", uniform))
    step.trained_prior_ = np.asarray(fitted.get("trained_prior", uniform))
    if fitted["history"] is not None:
        step.history_ = fitted["history"]


# -- the file -------------------------------------------------------------------


def save_model(model, path):
    """Save a fitted pipeline (or estimator) as a file that runs no code on load.

    Parameters
    ----------
    model : Pipeline or estimator
        What :func:`make_emotion_pipeline` builds, with any parameters, fitted.
        A step the format cannot hold (a class other than the package's own
        and imbalanced-learn's random and SMOTE samplers, or a parameter that
        is not plain data) is refused, naming the step.
    path : str or path-like
        Written atomically: a scratch file beside it, then renamed.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from emotion_sklearn import make_emotion_pipeline, save_model, load_model
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (8, 48, 48), dtype=np.uint8)
    >>> y = ["anger", "happiness"] * 4
    >>> model = make_emotion_pipeline(cnn__epochs=1, cnn__n_networks=1,
    ...     cnn__n_blocks=1, cnn__early_stopping=False, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.esk")
    >>> save_model(model, path)
    >>> bool(np.allclose(load_model(path).predict_proba(X), model.predict_proba(X)))
    True
    """
    with written_together() as scratch_for:
        write_model_file(model, scratch_for(path))


def write_model_file(model, path):
    """The body of :func:`save_model`, writing straight to ``path``."""
    steps = getattr(model, "steps", None)
    arrays = {}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": {"emotion-sklearn": _version("emotion-sklearn")}
        | {name: _version(name) for name in _VERSIONED},
    }
    if steps is None:
        manifest["estimator"] = describe_step("model", model, arrays)
    else:
        cls_path = _public_name(type(model))
        if cls_path is None:
            raise ModelFileError(f"a {type(model).__name__} cannot be saved safely.")
        manifest["pipeline"] = cls_path
        manifest["steps"] = [describe_step(n, s, arrays) for n, s in steps]
    parts = {"manifest.json": json.dumps(manifest, indent=1).encode()}
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        parts[name] = buffer.getvalue()
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in parts.items()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        archive.writestr("checksums.json", json.dumps(checksums, indent=1))


def is_model_file(path):
    """Whether ``path`` looks like a file :func:`save_model` wrote."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "manifest.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def load_model(path):
    """Load a file :func:`save_model` wrote, checking every part's SHA-256.

    Nothing in the file is executed: it holds JSON and arrays, read with
    ``allow_pickle=False``, and may name only the package's estimators, its
    pipelines and a few imbalanced-learn samplers.

    A loader that names its detector (``face_finder="haar"``) finds faces
    as it did when the file was written: where the name now means other
    :class:`FaceFinder` settings, the loaded loader gets the file's.

    Raises
    ------
    ModelFileError
        The file is not such a model, a part was altered (checksum mismatch),
        or it was written by a newer format version.

    Warns
    -----
    ModelFileWarning
        The network this version builds from the file's parameters differs
        from the one recorded in the file (files written before networks
        were recorded are not checked).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such model file: {str(path)!r}")
    if not is_model_file(path):
        raise ModelFileError(
            f"{str(path)!r} is not an emotion-sklearn model file (save_model's "
            "format); a joblib or pickle file needs joblib.load, which runs code."
        )
    parts = read_parts(path)
    checksums = (
        read_json(path, parts, "checksums.json") if "checksums.json" in parts else {}
    )
    parts.pop("checksums.json", None)
    if set(checksums) != set(parts):
        raise ModelFileError(f"{str(path)!r}: the parts and the checksums differ.")
    for name, data in parts.items():
        if hashlib.sha256(data).hexdigest() != checksums[name]:
            raise ModelFileError(
                f"{str(path)!r}: {name} was altered (SHA-256 mismatch); refused."
            )
    manifest = read_json(path, parts, "manifest.json")
    if manifest.get("format") != FORMAT or manifest.get("format_version", 99) != 1:
        raise ModelFileError(
            f"{str(path)!r} is format {manifest.get('format_version')!r} of "
            f"{manifest.get('format')!r}; this version reads {FORMAT} 1."
        )
    with reading(path, "manifest.json"):
        manifest = legacy.upgrade(manifest)
    arrays = {
        name: load_array(path, name, data)
        for name, data in parts.items()
        if name.endswith(".npy")
    }
    networks = {}
    model = _rebuild(path, manifest, arrays, networks)
    for name, (recorded, step) in networks.items():
        message = mismatch_message(
            recorded, step.model_, f"{str(path)!r} step {name!r}"
        )
        if message:
            warnings.warn(message, ModelFileWarning, stacklevel=2)
    return model
