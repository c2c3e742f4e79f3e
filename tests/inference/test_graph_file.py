"""Exporting to ONNX and reading an exported file back (``inference/_graph_file``)."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from _helpers import tiny_cnn_params
from emotion_sklearn import (
    ClassPrior,
    EmotionCNNClassifier,
    ImageLoader,
    ModelFileError,
    ONNXClassifier,
    TestTimeAugmentation,
    export_onnx,
    load_onnx,
    make_emotion_pipeline,
    save_model,
)


@pytest.fixture(scope="module")
def fitted(small_faces):
    X, y, _ = small_faces
    params = {"load__image_size": (24, 24), **tiny_cnn_params("cnn__")}
    return make_emotion_pipeline(random_state=0, **params).fit(X, y)


@pytest.fixture(scope="module")
def exported(fitted, tmp_path_factory):
    return export_onnx(fitted, tmp_path_factory.mktemp("onnx") / "model.onnx")


def test_the_graph_predicts_what_the_pipeline_does(fitted, exported, small_faces):
    X = small_faces[0]
    fast = load_onnx(exported)
    assert [name for name, _ in fast.steps] == ["load", "cnn"]
    assert (
        fast.named_steps["load"].get_params() == fitted.named_steps["load"].get_params()
    )
    np.testing.assert_allclose(
        fast.predict_proba(X), fitted.predict_proba(X), atol=1e-5
    )
    assert fast.classes_.tolist() == fitted.classes_.tolist()


@pytest.mark.parametrize(
    "settings",
    [
        {"test_time_augmentation": TestTimeAugmentation(crop=0.8, flip=False)},
        {"test_time_augmentation": False, "class_prior": None},
        {"class_prior": ClassPrior("training", boost={"sadness": 3.0})},
        {"n_networks": 2, "image_standardization": True},
    ],
    ids=["crop-no-flip", "as-is", "boosted", "two-networks"],
)
def test_each_test_time_reading_is_built_into_the_graph(settings, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((30, 12 * 12), dtype=np.float32)
    y = np.array(["anger", "happiness", "sadness"] * 10)
    cnn = EmotionCNNClassifier(**{**tiny_cnn_params(), **settings}, random_state=0)
    cnn.fit(X, y)
    graph = ONNXClassifier(export_onnx(cnn, tmp_path / "cnn.onnx")).fit()
    np.testing.assert_allclose(graph.predict_proba(X), cnn.predict_proba(X), atol=1e-5)
    assert graph.metadata_["loader"] is None
    assert graph.metadata_["reading"]["flip"] == cnn._test_time().flip


def test_detect_emotions_takes_the_path_of_a_graph(fitted, exported, small_faces):
    from emotion_sklearn import detect_emotions

    photos = list(small_faces[0][:4])
    by_path = detect_emotions(photos, str(exported))
    by_model = detect_emotions(photos, fitted)
    assert by_path["label"].tolist() == by_model["label"].tolist()


def test_a_model_file_is_exported_with_its_digest(fitted, tmp_path):
    esk = tmp_path / "model.esk"
    save_model(fitted, esk)
    cnn = load_onnx(export_onnx(esk, tmp_path / "model.onnx")).named_steps["cnn"]
    assert cnn.metadata_["exported_from"]["file"] == "model.esk"
    assert len(cnn.metadata_["exported_from"]["sha256"]) == 64


def test_what_has_no_graph_is_refused(fitted, tmp_path):
    with pytest.raises(TypeError, match="fitted EmotionCNNClassifier"):
        export_onnx(EmotionCNNClassifier(), tmp_path / "x.onnx")
    with pytest.raises(TypeError, match=r"step 'load'.*ImageLoader"):
        export_onnx(fitted[:1], tmp_path / "x.onnx")
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    scaled = Pipeline(
        [
            ("load", fitted.named_steps["load"]),
            ("scale", FunctionTransformer()),
            ("cnn", fitted.named_steps["cnn"]),
        ]
    )
    with pytest.raises(TypeError, match=r"step 'scale'.*predict time"):
        export_onnx(scaled, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def _write_graph(path, *, metadata=None, inputs=(("pixels", 4),), outputs=None):
    """A small ONNX graph: identity-like, with the given signature and metadata."""
    outputs = outputs or (("probabilities", 2),)
    graph = helper.make_graph(
        [helper.make_node("Slice", [inputs[0][0], "s", "e", "a"], [outputs[0][0]])],
        "crafted",
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, w])
            for n, w in inputs
        ],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, w])
            for n, w in outputs
        ],
        initializer=[
            helper.make_tensor(name, TensorProto.INT64, [1], [value])
            for name, value in (("s", 0), ("e", outputs[0][1]), ("a", 1))
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if metadata is not None:
        model.metadata_props.add(key="emotion_sklearn", value=metadata)
    onnx.save(model, path)
    return path


GOOD = {
    "format": "emotion-sklearn-onnx",
    "format_version": 1,
    "classes": ["a", "b"],
    "image_size": [2, 2],
    "loader": None,
}


def test_a_well_formed_crafted_graph_is_read(tmp_path):
    path = _write_graph(tmp_path / "ok.onnx", metadata=json.dumps(GOOD))
    cnn = load_onnx(path)
    assert isinstance(cnn, ONNXClassifier)
    proba = cnn.predict_proba(np.array([[0.2, 0.8, 0.0, 0.0]], np.float32))
    np.testing.assert_allclose(proba, [[0.2, 0.8]])


@pytest.mark.parametrize(
    ("metadata", "signature", "message"),
    [
        (None, {}, "without emotion-sklearn's metadata"),
        ("not json", {}, "malformed metadata"),
        (json.dumps({**GOOD, "format_version": 2}), {}, "this version reads"),
        (json.dumps({**GOOD, "classes": ["a"]}), {}, "at least 2 labels"),
        (json.dumps({**GOOD, "image_size": [2, -2]}), {}, "two positive"),
        (json.dumps(GOOD), {"inputs": (("image", 4),)}, "'image'"),
        (json.dumps(GOOD), {"inputs": (("pixels", 9),)}, r"not \(n, 4\)"),
        (
            json.dumps(GOOD),
            {"outputs": (("probabilities", 2), ("extra", 2))},
            "2 outputs",
        ),
        (
            json.dumps(
                {**GOOD, "loader": {"name": "load", "class": "os.system", "params": {}}}
            ),
            {},
            "may not",
        ),
    ],
    ids=[
        "no-metadata",
        "not-json",
        "newer",
        "one-class",
        "bad-size",
        "input-name",
        "input-width",
        "two-outputs",
        "foreign-class",
    ],
)
def test_a_malformed_graph_file_is_one_error_naming_it(
    tmp_path, metadata, signature, message
):
    path = tmp_path / "crafted.onnx"
    if signature.get("outputs") and len(signature["outputs"]) == 2:
        _write_two_outputs(path, metadata)
    else:
        _write_graph(path, metadata=metadata, **signature)
    with pytest.raises(ModelFileError, match=message) as error:
        load_onnx(path)
    assert "crafted.onnx" in str(error.value)


def _write_two_outputs(path, metadata):
    graph = helper.make_graph(
        [
            helper.make_node("Identity", ["pixels"], ["probabilities"]),
            helper.make_node("Identity", ["pixels"], ["extra"]),
        ],
        "crafted",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [None, 4])],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, 4])
            for n in ("probabilities", "extra")
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.metadata_props.add(key="emotion_sklearn", value=metadata)
    onnx.save(model, path)


def test_what_is_not_a_graph_is_named(tmp_path, fitted):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07not a protobuf at all" * 10)
    with pytest.raises(
        ModelFileError, match=r"garbage\.onnx.*cannot be read as an ONNX"
    ):
        load_onnx(garbage)
    esk = tmp_path / "model.onnx"
    save_model(fitted, esk)
    with pytest.raises(ModelFileError, match="save_model file, not an ONNX graph"):
        load_onnx(esk)
    with pytest.raises(FileNotFoundError, match=r"missing\.onnx"):
        load_onnx(tmp_path / "missing.onnx")


def test_a_graph_larger_than_the_bound_is_refused_unread(tmp_path, monkeypatch):
    from emotion_sklearn.inference import _graph_file

    path = _write_graph(tmp_path / "big.onnx", metadata=json.dumps(GOOD))
    monkeypatch.setattr(_graph_file, "MAX_UNPACKED_BYTES", path.stat().st_size - 1)
    with pytest.raises(ModelFileError, match="more than the"):
        load_onnx(path)


def test_a_loader_recorded_in_the_graph_is_rebuilt_as_it_was(tmp_path):
    loader = ImageLoader(image_size=(2, 2), face_finder=None)
    described = {
        "name": "load",
        "class": "emotion_sklearn.ImageLoader",
        "params": {"image_size": {"tuple": [2, 2]}, "face_finder": None},
    }
    path = _write_graph(
        tmp_path / "loader.onnx", metadata=json.dumps({**GOOD, "loader": described})
    )
    model = load_onnx(path)
    assert model.named_steps["load"].get_params() == loader.get_params()
    images = np.full((1, 2, 2), 255, np.uint8)
    assert model.predict_proba(images).shape == (1, 2)
