"""A model file records its network, and loading says when the code builds another."""

import functools
import json
import warnings

import numpy as np
import pytest

from _helpers import (
    model_file_parts,
    network_spec,
    tiny_cnn_params,
    with_manifest,
    zip_parts,
)
from emotion_sklearn import (
    Augmentation,
    ModelFileWarning,
    load_model,
    make_emotion_pipeline,
    save_model,
)
from emotion_sklearn.model_files._fingerprint import (
    _PASS_THROUGH_AT_PREDICT,
    fingerprint_differences,
)
from emotion_sklearn.network import _architecture


@pytest.fixture(scope="module")
def saved(small_faces, tmp_path_factory):
    X, y, _ = small_faces
    model = make_emotion_pipeline(
        random_state=0,
        load__image_size=(24, 24),
        load__face_finder=None,
        **tiny_cnn_params("cnn__"),
    )
    model.set_params(cnn__batch_norm=True).fit(X, y)
    path = tmp_path_factory.mktemp("fingerprint") / "model.esk"
    save_model(model, path)
    return path


def test_the_file_records_each_layer(saved):
    manifest = json.loads(model_file_parts(saved)["manifest.json"])
    layers = manifest["steps"][-1]["fitted"]["network"]
    classes = [layer["class"] for layer in layers]
    assert "Conv2D" in classes and "FusedBatchNormalization" in classes
    assert all("name" not in layer["config"] for layer in layers)


def test_the_same_code_loads_it_without_a_warning(saved):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFileWarning)
        load_model(saved)


def _built_with_other_momentum(monkeypatch):
    monkeypatch.setattr(
        _architecture,
        "FusedBatchNormalization",
        functools.partial(_architecture.FusedBatchNormalization, momentum=0.5),
    )


def test_a_network_built_differently_is_named_on_load(saved, monkeypatch):
    _built_with_other_momentum(monkeypatch)
    with pytest.warns(ModelFileWarning) as caught:
        load_model(saved)
    message = str(caught[0].message)
    assert caught[0].filename == __file__  # points at the call of load_model
    assert str(saved) in message and "step 'cnn'" in message
    assert "(FusedBatchNormalization) momentum: 0.99 in the file, 0.5 built" in message


def test_a_file_without_a_recorded_network_is_not_checked(saved, tmp_path, monkeypatch):
    parts = model_file_parts(saved)
    manifest = json.loads(parts["manifest.json"])
    del manifest["steps"][-1]["fitted"]["network"]
    older = zip_parts(with_manifest(parts, manifest), tmp_path / "older.esk")
    _built_with_other_momentum(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFileWarning)
        load_model(older)


def _layer(cls, **config):
    return {"class": cls, "config": config}


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        ([_layer("Conv2D", filters=4), _layer("Dense", units=2)], []),
        # A setting that a newer Keras adds (or drops) is not a difference.
        ([_layer("Conv2D", filters=4, lora=False), _layer("Dense", units=2)], []),
        (
            [_layer("Conv2D", filters=8), _layer("Dense", units=2)],
            ["layer 0 (Conv2D) filters: 4 in the file, 8 built"],
        ),
        (
            [_layer("Conv2D", filters=4), _layer("Activation", activation="relu")],
            ["layer 1 (Dense): a Activation is built in its place"],
        ),
        (
            [_layer("Conv2D", filters=4)],
            ["2 layers that act at predict in the file, 1 built"],
        ),
    ],
    ids=["same", "new_key", "value", "class", "count"],
)
def test_differences_name_the_layer_and_setting(built, expected):
    stored = [_layer("Conv2D", filters=4), _layer("Dense", units=2)]
    assert fingerprint_differences(stored, built) == expected


def test_layers_that_pass_images_through_at_predict_are_not_compared():
    # Three augmentation layers in the file, one built in their place, and
    # another dropout rate: the same network at predict.
    stored = [
        _layer("RandomRotation", factor=0.04),
        _layer("RandomTranslation", height_factor=0.06),
        _layer("RandomZoom", height_factor=[-0.4, 0.15]),
        _layer("Conv2D", filters=4),
        _layer("Dropout", rate=0.3),
        _layer("Dense", units=2),
    ]
    built = [
        _layer("RandomAffine", rotation=14.4),
        _layer("Conv2D", filters=4),
        _layer("Dropout", rate=0.5),
        _layer("Dense", units=3),
    ]
    assert fingerprint_differences(stored, built) == [
        "layer 5 (Dense) units: 2 in the file, 3 built"
    ]


def test_the_pass_through_list_names_every_layer_that_is_the_identity_at_predict():
    # Every augmentation on, plus dropout: a layer added to the package that
    # leaves images unchanged at predict must join the list (or files saved
    # before it would warn), and no layer that changes them may be in it.
    augmentation = Augmentation(
        downscale=0.5, blur=1.0, noise=0.05, erasing=0.5, top_cut=0.5, blank=0.5
    )
    cnn = network_spec(augmentation=augmentation, dropout=0.3)
    model = _architecture.build_model(cnn, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 16, 16, 1))
    identity = set()
    for layer in model.layers[1:]:  # after the input
        shape = (2, *layer.input.shape[1:])
        inputs = np.resize(x, shape).astype("float32")
        outputs = np.asarray(layer(inputs, training=False))
        if outputs.shape == inputs.shape and np.array_equal(outputs, inputs):
            identity.add(type(layer).__name__)
    built = {type(layer).__name__ for layer in model.layers}
    assert identity == built & _PASS_THROUGH_AT_PREDICT
