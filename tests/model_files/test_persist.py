"""save_model and load_model: round trips, refusals, and files that were altered."""

import io
import json
import pickle
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.ensemble import VotingClassifier

from _helpers import model_file_parts, tiny_cnn_params, with_manifest, zip_parts
from emotion_sklearn import (
    EmotionCNNClassifier,
    FaceFinder,
    ModelFileError,
    TemperedOverSampler,
    load_model,
    make_emotion_pipeline,
    save_model,
)

_FRESH_PROCESS = (
    "import sys, numpy as np\n"
    "from emotion_sklearn import load_model\n"
    "paths = np.load(sys.argv[1], allow_pickle=True)\n"
    "for model in sys.argv[2:]:\n"
    "    np.save(model + '.npy', load_model(model).predict_proba(paths))\n"
)

PIPELINES = {
    "default_steps": {},
    "non_square_two_networks_equalized": {
        "load__image_size": (20, 12),
        "cnn__n_networks": 2,
        "cnn__histogram_equalization": True,
    },
    "oversample_and_every_augmentation": {
        "resample": RandomOverSampler(),
        # Layers that act only in training must rebuild all the same.
        "cnn__augmentation__downscale": 0.5,
        "cnn__augmentation__blur": 1.0,
        "cnn__augmentation__noise": 0.05,
        "cnn__augmentation__erasing": 0.5,
        "cnn__augmentation__top_cut": 0.5,
    },
    "smote_and_lbp_faces_named_detector": {
        "resample": SMOTE(k_neighbors=3),
        "load__face_finder": "lbp",
        "cnn__class_weight": {"anger": 2.0, "happiness": 1.0},
        "cnn__class_prior": {"anger": 1, "happiness": 2, "neutral": 1},
    },
}


def _fit(small_faces, **params):
    X, y, _ = small_faces
    settings = {"load__image_size": (24, 24), **tiny_cnn_params("cnn__"), **params}
    return make_emotion_pipeline(random_state=0, **settings).fit(X, y)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pipelines_round_trip_in_a_fresh_process(small_faces, tmp_path):
    X = small_faces[0][:12]
    models, paths = {}, []
    for name, params in PIPELINES.items():
        models[name] = _fit(small_faces, **params)
        paths.append(str(tmp_path / f"{name}.esk"))
        save_model(models[name], paths[-1])
    np.save(tmp_path / "paths.npy", X)
    # One process loads them all: a TensorFlow start-up costs seconds.
    subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, tmp_path / "paths.npy", *paths],
        check=True,
    )
    for (name, model), path in zip(models.items(), paths, strict=True):
        np.testing.assert_array_equal(
            np.load(path + ".npy"), model.predict_proba(X), err_msg=name
        )
        loaded = load_model(path)
        assert [n for n, _ in loaded.steps] == [n for n, _ in model.steps]
        assert loaded.get_params().keys() == model.get_params().keys()
        assert (
            loaded.get_params()["load__image_size"]
            == (model.get_params()["load__image_size"])
        )


def test_the_file_holds_no_pickle(saved_parts):
    assert {"manifest.json", "checksums.json"} <= set(saved_parts)
    for name, data in saved_parts.items():
        assert not data.startswith(b"\x80")  # no pickle protocol header
        if name.endswith(".npy"):
            np.load(io.BytesIO(data), allow_pickle=False)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cnn": VotingClassifier([("a", EmotionCNNClassifier())])}, "step 'cnn'"),
        (
            {"cnn__callbacks": [keras.callbacks.TerminateOnNaN()]},
            "step 'cnn' parameter 'callbacks'",
        ),
    ],
    ids=["voting", "callbacks"],
)
def test_a_step_it_cannot_hold_is_refused_at_save_time(tmp_path, params, message):
    model = make_emotion_pipeline(**params)
    with pytest.raises(ModelFileError, match=message):
        save_model(model, tmp_path / "model.esk")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def saved_parts(small_faces, tmp_path_factory):
    """The parts of a saved model file, by name."""
    path = tmp_path_factory.mktemp("saved") / "model.esk"
    save_model(_fit(small_faces, load__face_finder="haar"), path)
    return model_file_parts(path)


def test_an_altered_part_is_refused(saved_parts, tmp_path):
    parts = dict(saved_parts)
    weights = next(name for name in parts if name.endswith(".npy"))
    parts[weights] = parts[weights][:-4] + b"\x00\x00\x80\x3f"
    with pytest.raises(ModelFileError, match=r"altered.*SHA-256"):
        load_model(zip_parts(parts, tmp_path / "altered.esk"))


def test_a_manifest_naming_another_class_is_refused(saved_parts, tmp_path):
    manifest = json.loads(saved_parts["manifest.json"])
    manifest["steps"][0]["class"] = "os.system"
    parts = with_manifest(saved_parts, manifest)
    with pytest.raises(ModelFileError, match=r"may not: 'os\.system'"):
        load_model(zip_parts(parts, tmp_path / "crafted.esk"))


# What EmotionCNNClassifier's objects were before they grouped its settings.
_FLAT = {
    "optimizer": {
        "learning_rate": "learning_rate",
        "weight_decay": "weight_decay",
        "schedule": "lr_schedule",
        "ema_momentum": "ema_momentum",
    },
    "augmentation": {
        name: name if name == "fill_mode" else f"random_{name}"
        for name in [
            "flip",
            "shift",
            "rotation",
            "zoom",
            "fill_mode",
            "top_cut",
            "brightness",
            "contrast",
            "downscale",
            "blur",
            "noise",
            "erasing",
        ]
    },
    "test_time_augmentation": {"crop": "test_time_crop", "flip": "flip_test_time"},
    "class_prior": {"shares": "class_prior", "boost": "class_prior_boost"},
}


def _flat_manifest(saved_parts):
    """The saved manifest as an earlier version wrote it: flat parameters, the
    rare classes repeated inside the classifier, and an ``augment`` step."""
    manifest = json.loads(saved_parts["manifest.json"])
    steps = {step["name"]: step for step in manifest["steps"]}
    params = steps["cnn"]["params"]
    for name, renames in _FLAT.items():
        inner = params.pop(name)["object"]["params"]
        # plateau_patience came with the objects: earlier files derive it.
        params.update({renames[k]: v for k, v in inner.items() if k in renames})
    exponent = steps["resample"]["params"]["exponent"]
    params.update(
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        class_weight="balanced",
        class_weight_exponent=exponent,
        class_weight_mode="resample",
    )
    steps["resample"] = {"name": "resample", "class": None}
    manifest["steps"] = [
        steps["load"],
        {"name": "augment", "class": None},
        steps["resample"],
        steps["cnn"],
    ]
    return manifest


def test_a_file_with_flat_parameters_loads_as_the_same_model(
    saved_parts, small_faces, tmp_path
):
    model = load_model(zip_parts(saved_parts, tmp_path / "today.esk"))
    parts = with_manifest(saved_parts, _flat_manifest(saved_parts))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same network: no fingerprint warning
        earlier = load_model(zip_parts(parts, tmp_path / "earlier.esk"))
    assert [name for name, _ in earlier.steps] == ["load", "resample", "cnn"]
    sampler = earlier.named_steps["resample"]
    assert isinstance(sampler, TemperedOverSampler) and sampler.exponent == 0.5
    assert sampler.random_state == 0
    today = {k: repr(v) for k, v in model.get_params().items()}
    assert {k: repr(v) for k, v in earlier.get_params().items()} == today
    X = small_faces[0][:8]
    np.testing.assert_array_equal(earlier.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    ("parameter", "reads", "made_with"),
    [
        ("test_time_crop", "cnn__test_time_augmentation__crop", 1.0),
        ("random_top_cut", "cnn__augmentation__top_cut", 0.0),
        ("convolutions_per_block", "cnn__convolutions_per_block", 2),
        ("class_weight_mode", "cnn__class_weight", "balanced"),
    ],
)
def test_a_file_older_than_a_parameter_loads_with_the_value_it_was_made_with(
    saved_parts, tmp_path, parameter, reads, made_with
):
    manifest = _flat_manifest(saved_parts)
    del manifest["steps"][-1]["params"][parameter]
    parts = with_manifest(saved_parts, manifest)
    older = load_model(zip_parts(parts, tmp_path / "older.esk"))
    assert older.get_params()[reads] == made_with
    if parameter == "class_weight_mode":  # weighed in the loss: nothing repeated
        assert older.named_steps["resample"] == "passthrough"


def test_a_file_with_a_rotation_augmenter_loads_without_it(saved_parts, tmp_path):
    manifest = _flat_manifest(saved_parts)
    manifest["steps"][1] = {
        "name": "augment",
        "class": "emotion_sklearn.RotationAugmenter",
        "params": {"orientations": {"tuple": ["flip_horizontal"]}},
    }
    parts = with_manifest(saved_parts, manifest)
    older = load_model(zip_parts(parts, tmp_path / "older.esk"))
    # It acted at fit time only: the network in-network augments instead.
    assert [name for name, _ in older.steps] == ["load", "resample", "cnn"]


def _loader_of(manifest):
    (load,) = [step for step in manifest["steps"] if step["name"] == "load"]
    return load


def test_a_named_detector_loads_as_the_finder_it_meant_when_saved(
    saved_parts, tmp_path
):
    manifest = json.loads(saved_parts["manifest.json"])
    load = _loader_of(manifest)
    assert load["params"]["face_finder"] == "haar"
    same = load_model(zip_parts(saved_parts, tmp_path / "same.esk"))
    assert same.get_params()["load__face_finder"] == "haar"
    # A file written when "haar" meant other settings keeps those.
    load["face_finder"]["dict"]["margin"] = 0.3
    parts = with_manifest(saved_parts, manifest)
    older = load_model(zip_parts(parts, tmp_path / "older.esk"))
    assert older.get_params()["load__face_finder"] == FaceFinder("haar", margin=0.3)


def test_a_file_that_does_not_record_its_finder_gets_the_one_of_that_time(
    saved_parts, tmp_path
):
    manifest = json.loads(saved_parts["manifest.json"])
    del _loader_of(manifest)["face_finder"]
    parts = with_manifest(saved_parts, manifest)
    older = load_model(zip_parts(parts, tmp_path / "older.esk"))
    finder = older.get_params()["load__face_finder"]
    assert (finder.detector, finder.refine, finder.margin) == ("haar", None, 0.1)
    assert finder.faceless_margin == 0.1


def test_a_finder_older_than_its_settings_finds_as_it_did(saved_parts, tmp_path):
    manifest = json.loads(saved_parts["manifest.json"])
    load = _loader_of(manifest)
    load["params"]["face_finder"] = {
        "face_finder": {"dict": {"detector": "lbp", "margin": 0.3}}
    }
    parts = with_manifest(saved_parts, manifest)
    older = load_model(zip_parts(parts, tmp_path / "older.esk"))
    finder = older.get_params()["load__face_finder"]
    assert (finder.refine, finder.margin, finder.faceless_margin) == (None, 0.3, 0.3)


@pytest.mark.parametrize(
    "content",
    [b"", b"just some text\n", bytes(range(256)), pickle.dumps({"a": 1})],
    ids=["empty", "text", "random", "pickled_dict"],
)
def test_files_that_are_not_models_are_named(tmp_path, content):
    path = tmp_path / "model.esk"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not an emotion-sklearn model file"):
        load_model(path)
