"""The model shipped in the package: what it is, and predict without a model."""

import hashlib
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image
from skimage.data import astronaut

from _helpers import model_file_parts
from emotion_sklearn import (
    ModelFileWarning,
    NoFaceFoundWarning,
    ONNXClassifier,
    detect_emotions,
    load_pretrained,
    make_emotion_pipeline,
)
from emotion_sklearn.cli import main
from emotion_sklearn.inference._shipped import shipped_path
from emotion_sklearn.model_files._fingerprint import network_fingerprint


@pytest.fixture(scope="module")
def shipped():
    """The trained pipeline itself, on Keras."""
    return load_pretrained(engine="keras")


@pytest.fixture(scope="module")
def fast():
    """The same model on onnxruntime, as load_pretrained() gives it."""
    return load_pretrained()


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(astronaut()).save(path)
    return path


def test_the_shipped_model_is_the_recipe_on_main(shipped):
    """Fails when the default recipe changes and the file was not rebuilt.

    Rebuild with ``python scripts/train_pretrained.py``.
    """
    recipe = make_emotion_pipeline(random_state=0)
    assert [name for name, _ in shipped.steps] == [name for name, _ in recipe.steps]
    for (name, ours), (_, expected) in zip(shipped.steps, recipe.steps, strict=True):
        if isinstance(expected, str):
            assert ours == expected, name
        else:
            assert type(ours) is type(expected), name
            # repr compares the setting objects by their parameters.
            assert _settings(ours) == _settings(expected), name


def _settings(step):
    """``step``'s parameters, setting objects by their own parameters, and a
    loader's named detector (``"haar"``) as the finder it stands for."""
    params = step.get_params()
    if isinstance(params.get("face_finder"), str):
        finder = step.resolved_face_finder()
        params = {**params, "face_finder": finder}
        params.update({f"face_finder__{k}": v for k, v in finder.params().items()})
    return {key: repr(value) for key, value in params.items()}


def test_the_shipped_network_is_the_one_this_code_builds():
    """Fails when the network code changed and the file was not rebuilt.

    Training-time layers too: loading ignores them (they pass images
    through at predict), but they are part of the recipe the file must have
    been trained with.
    """
    with shipped_path(".esk") as path:
        manifest = json.loads(model_file_parts(path)["manifest.json"])
    stored = manifest["steps"][-1]["fitted"]["network"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFileWarning)
        keras_model = load_pretrained(engine="keras").named_steps["cnn"].model_
        built = network_fingerprint(keras_model)
    assert [layer["class"] for layer in stored] == [layer["class"] for layer in built]


def test_the_shipped_file_is_small_and_checked(shipped):
    with shipped_path(".esk") as path:
        assert path.stat().st_size < 10_000_000
    assert shipped.classes_.tolist() == ["anger", "happiness", "neutral", "sadness"]


def test_each_call_returns_its_own_copy(shipped):
    other = load_pretrained(engine="keras")
    other.set_params(cnn__class_prior__shares="training")
    assert shipped.get_params()["cnn__class_prior__shares"] == "uniform"


def test_it_keeps_the_priors_each_class_prior_reading_needs(portrait):
    model = load_pretrained(engine="keras")
    cnn = model.named_steps["cnn"]
    # The training rows' shares, and the repeats' weights on top of them.
    np.testing.assert_allclose(cnn.class_frequencies_.sum(), 1)
    assert cnn.trained_prior_[0] > cnn.class_frequencies_[0]  # anger, repeated
    as_trained = model.set_params(cnn__class_prior=None).predict_proba([portrait])
    raw = cnn.trained_prior_ / cnn.class_frequencies_
    read = model.set_params(cnn__class_prior=raw).predict_proba([portrait])
    expected = as_trained / cnn.class_frequencies_
    np.testing.assert_allclose(read, expected / expected.sum(), rtol=1e-5)


def test_it_predicts_paths_and_arrays_alike(fast, portrait):
    from_path = fast.predict_proba([str(portrait)])
    from_array = fast.predict_proba([astronaut()])
    assert from_path.shape == (1, 4)
    # The JPEG file and the array differ by compression only.
    np.testing.assert_allclose(from_path, from_array, atol=0.05)


def test_detect_emotions_uses_it_when_given_no_model(fast, portrait):
    faces = detect_emotions([str(portrait)])
    assert faces["face_found"].tolist() == [True]
    assert faces["label"][0] == fast.predict([str(portrait)])[0]


def test_the_shipped_graph_is_exported_from_the_shipped_file(fast):
    """Fails when the model file was rebuilt and its graph not exported again.

    ``python scripts/train_pretrained.py`` writes both.
    """
    with shipped_path(".esk") as path:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    exported_from = fast.named_steps["cnn"].metadata_["exported_from"]
    assert exported_from == {"file": "emotion_cnn.esk", "sha256": digest}


def test_the_shipped_graph_predicts_what_the_shipped_file_does(shipped, fast):
    rng = np.random.default_rng(0)
    faces = [astronaut(), astronaut()[40:300, 100:360], astronaut()[:, ::-1]]
    faces += list(rng.integers(0, 256, (5, 64, 64), dtype=np.uint8))
    load = fast.named_steps["load"]
    rows = np.concatenate([load.transform([face]) for face in faces])
    np.testing.assert_allclose(
        fast.named_steps["cnn"].predict_proba(rows),
        shipped.named_steps["cnn"].predict_proba(rows),
        atol=1e-5,
    )
    assert (
        fast.named_steps["load"].get_params()
        == shipped.named_steps["load"].get_params()
    )


def test_predicting_with_the_shipped_model_starts_no_tensorflow(portrait):
    script = (
        "import sys\n"
        "from emotion_sklearn import detect_emotions, load_pretrained\n"
        "from emotion_sklearn.cli import main\n"
        f"load_pretrained().predict([{str(portrait)!r}])\n"
        f"detect_emotions([{str(portrait)!r}])\n"
        f"assert main(['predict', {str(portrait)!r}]) == 0\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_predict_without_a_model_prints_a_row_per_face(portrait, capsys):
    assert main(["predict", str(portrait), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["path"] == str(portrait) and row["face_found"] is True
    assert len(row["box"]) == 4 and row["label"] in row["probabilities"]


def test_a_blank_photo_is_reported_without_an_emotion(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((89, 89), 128, np.uint8)).save(blank)
    assert main(["predict", str(blank)]) == 0
    assert capsys.readouterr().out.strip() == f"{blank} no face found"
    assert main(["predict", str(blank), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["face_found"] is False and row["label"] is None
    assert row["probabilities"] is None
    assert main(["predict", str(blank), "--no-face", "whole", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] is not None


def _faceless_frames():
    rng = np.random.default_rng(0)
    return {
        "black": np.zeros((120, 160), np.uint8),
        "white": np.full((120, 160), 255, np.uint8),
        "grey": np.full((120, 160), 128, np.uint8),
        "ramp": np.tile(np.linspace(0, 255, 160).astype(np.uint8), (120, 1)),
        "noise": rng.integers(0, 256, (120, 160), dtype=np.uint8),
        "colour noise": rng.integers(0, 256, (120, 160, 3), dtype=np.uint8),
        "one pixel": np.full((1, 1), 77, np.uint8),
    }


@pytest.mark.xfail(
    strict=True,
    reason="Known limit (docs/pretrained.rst): the shipped recipe reads a frame "
    "without a face, read whole, as sadness (0.94) or noise as neutral (0.84). "
    "ImageLoader(whole_share='matched') with Augmentation(blank=0.02) brings "
    "every such frame to 0.55 or less, but that recipe scored lower on the "
    "person folds (benchmarks/README.md). detect_emotions and predict give "
    "such frames no label.",
)
def test_no_emotion_is_read_into_a_frame_without_a_face(fast, tmp_path):
    # Read whole, as a pipeline reads a photo without a face.
    frames = _faceless_frames()
    paths = []
    for name, pixels in frames.items():
        paths.append(tmp_path / f"{name}.png")
        Image.fromarray(pixels).save(paths[-1])
    with pytest.warns(NoFaceFoundWarning):
        proba = fast.predict_proba(paths)
    largest = dict(zip(frames, proba.max(axis=1).round(3), strict=True))
    assert max(largest.values()) <= 0.5, largest


def test_annotate_into_a_folder_that_cannot_be_written_is_refused_first(
    portrait, tmp_path, capsys
):
    # Beneath a file: no user, root included, can create the folder.
    (tmp_path / "a_file").write_text("")
    locked = tmp_path / "a_file" / "annotated"
    assert main(["predict", str(portrait), "--annotate", str(locked)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no photo was predicted
    assert "cannot write to" in captured.err


def test_annotate_writes_a_copy_and_never_over_a_file(portrait, tmp_path, capsys):
    out = tmp_path / "annotated"
    assert main(["predict", str(portrait), "--annotate", str(out)]) == 0
    written = out / portrait.name
    with Image.open(written) as image:
        assert image.size == (512, 512)
        drawn = np.asarray(image.convert("RGB"), dtype=int)
    assert np.abs(drawn - astronaut()).max() > 100  # a box was drawn
    before = written.read_bytes()
    capsys.readouterr()
    assert main(["predict", str(portrait), "--annotate", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert written.read_bytes() == before
    assert main(["predict", str(portrait), "--annotate", str(out), "--force"]) == 0
    assert main(["predict", str(portrait), "--annotate", str(portrait.parent)]) == 2
    assert "the photo itself" in capsys.readouterr().err


def test_the_training_script_exports_the_graph_beside_the_file(tmp_path, capsys):
    import shutil
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
    from train_pretrained import main as train_pretrained

    with shipped_path(".esk") as path:
        copy = Path(shutil.copy(path, tmp_path / "emotion_cnn.esk"))
    train_pretrained(["--out", str(copy), "--export-only"])
    assert f"wrote {tmp_path / 'emotion_cnn.onnx'}" in capsys.readouterr().out
    graph = ONNXClassifier(tmp_path / "emotion_cnn.onnx").fit()
    with shipped_path(".onnx") as shipped_graph:
        shipped = ONNXClassifier(shipped_graph).fit()
    assert graph.metadata_["exported_from"] == shipped.metadata_["exported_from"]
    rows = np.random.default_rng(0).random((4, 48 * 48), dtype=np.float32)
    np.testing.assert_allclose(
        graph.predict_proba(rows), shipped.predict_proba(rows), atol=1e-6
    )
