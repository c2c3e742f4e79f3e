"""The network a model file's weights were trained in, as plain data.

:func:`~emotion_sklearn.load_model` rebuilds each network from the
estimator's parameters with the code installed now, then sets the stored
weights. Weights of the same shapes fit a network that computes something
else (a layer moved, a standardisation dropped, an activation changed), and
nothing would fail: the file therefore also records each layer's class and
configuration, and loading compares them with the network it built.
"""

import json


class ModelFileWarning(UserWarning):
    """A model file that loads, but into a network other than the one it was saved from.

    Issued by :func:`~emotion_sklearn.load_model` when the layers this version
    of the package builds from the file's parameters differ from the layers
    recorded in the file: its predictions may differ from those made before
    it was saved. Retrain, or load it with the version that wrote it.
    """


def network_fingerprint(model):
    """Each layer's class and configuration, without the names Keras numbers.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    layers : list of dict
        ``{"class": ..., "config": ...}`` per layer in the model's order,
        as JSON data (tuples become lists).

    Examples
    --------
    >>> import keras
    >>> from emotion_sklearn.model_files._fingerprint import network_fingerprint
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> [layer["class"] for layer in network_fingerprint(model)]
    ['Dense']
    >>> network_fingerprint(model)[0]["config"]["units"]
    2
    """
    layers = []
    for layer in model.layers:
        # Keras numbers default names in creation order ("dense_3"): two
        # builds of one network differ in them.
        config = {k: v for k, v in layer.get_config().items() if k != "name"}
        layers.append({"class": type(layer).__name__, "config": config})
    return json.loads(json.dumps(layers, default=str))


# Layers that pass images through unchanged at predict (training-time
# augmentation and dropout): a file whose network differs only in them
# predicts as it did when it was saved.
_PASS_THROUGH_AT_PREDICT = frozenset(
    {
        "Dropout",
        "GaussianNoise",
        "RandomAffine",
        "RandomBlankFrame",
        "RandomBrightness",
        "RandomContrast",
        "RandomDownscale",
        "RandomErasing",
        "RandomFlip",
        "RandomGaussianBlur",
        "RandomRotation",
        "RandomTopCut",
        "RandomTranslation",
        "RandomZoom",
    }
)


def _acting_at_predict(layers):
    return [
        (index, layer)
        for index, layer in enumerate(layers)
        if layer["class"] not in _PASS_THROUGH_AT_PREDICT
    ]


def fingerprint_differences(stored, built):
    """How the layers recorded in a file differ from those built now.

    Only layers that act at predict are compared: augmentation and dropout
    layers pass images through unchanged there, so a network that differs in
    them makes the same predictions with the same weights. A configuration
    key present on one side only is not a difference either: a Keras release
    that adds a setting would otherwise flag every file saved before it.

    Parameters
    ----------
    stored, built : list of dict
        :func:`network_fingerprint` of the saved and the rebuilt network.

    Returns
    -------
    differences : list of str
        Empty when the networks match. Layers are numbered as in the file.
    """
    stored, built = _acting_at_predict(stored), _acting_at_predict(built)
    if len(stored) != len(built):
        return [
            f"{len(stored)} layers that act at predict in the file, {len(built)} built"
        ]
    differences = []
    for (index, saved), (_, now) in zip(stored, built, strict=True):
        where = f"layer {index} ({saved['class']})"
        if saved["class"] != now["class"]:
            differences.append(f"{where}: a {now['class']} is built in its place")
            continue
        for key in sorted(saved["config"].keys() & now["config"].keys()):
            if saved["config"][key] != now["config"][key]:
                differences.append(
                    f"{where} {key}: {saved['config'][key]!r} in the file, "
                    f"{now['config'][key]!r} built"
                )
    return differences


def mismatch_message(stored, model, where):
    """Why ``model`` is not ``stored``'s network, or None when it is."""
    differences = fingerprint_differences(stored, network_fingerprint(model))
    if not differences:
        return None
    shown = "; ".join(differences[:3])
    more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
    return (
        f"{where}: the network this version builds differs from the one the "
        f"weights were saved from: {shown}{more}. Its predictions may differ "
        "from those made before saving; retrain, or load it with the "
        "version of emotion-sklearn that wrote it."
    )
