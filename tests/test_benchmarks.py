"""The accuracy benchmark's scoring and settings, which its README numbers rest on."""

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils import Bunch

from emotion_sklearn import FaceFinder

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from PIL import Image
from skimage.color import rgb2gray
from skimage.data import astronaut

from _helpers import tiny_cnn_params, toy_faces
from bench_accuracy import (
    CLASSES,
    _probabilities_to_save,
    _roc_auc,
    _same_share,
    parse_prior,
    parse_setting,
    predict_among,
    proba_as_trained,
    read_under_priors,
)
from emotion_sklearn import EmotionCNNClassifier
from read_priors import main as read_priors_main
from read_priors import read as read_saved
from read_priors import splits_in
from splits import REFRAMINGS, reframed_paths, with_training_only_rows


@pytest.fixture(scope="module")
def four_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(["anger", "happiness", "neutral", "sadness"], 20)
    X = rng.normal(size=(80, 4)) + 3 * (y[:, None] == np.unique(y))
    return X, y


def test_roc_auc_reads_the_probabilities_and_only_them(four_classes):
    X, y = four_classes
    auc = _roc_auc(LogisticRegression().fit(X, y), X, y)
    assert 0.95 < auc <= 1.0
    assert _roc_auc(LinearSVC().fit(X, y), X, y) is None


def test_roc_auc_is_none_when_the_test_rows_lack_a_class(four_classes):
    X, y = four_classes
    model = LogisticRegression().fit(X, y)
    keep = y != "sadness"
    assert _roc_auc(model, X[keep], y[keep]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cnn__n_blocks=5", ("cnn__n_blocks", 5)),
        ("cnn__convolutions_per_block=(1, 2)", ("cnn__convolutions_per_block", (1, 2))),
        ("cnn__class_prior=None", ("cnn__class_prior", None)),
        ("cnn__lr_schedule=cosine", ("cnn__lr_schedule", "cosine")),
    ],
)
def test_a_setting_is_a_python_literal_or_else_a_string(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["cnn__n_blocks", "=5"])
def test_a_setting_without_name_and_value_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected NAME=VALUE"):
        parse_setting(text)


@pytest.fixture(scope="module")
def five_classes(four_classes):
    """The four scored classes and a fifth, learned only as a contrast."""
    X, y = four_classes
    rng = np.random.default_rng(1)
    X_disgust = rng.normal(size=(20, 4)) - 3
    return np.vstack([X, X_disgust]), np.concatenate([y, ["disgust"] * 20])


def test_a_class_learned_only_as_a_contrast_is_never_predicted(five_classes):
    X, y = five_classes
    model = LogisticRegression().fit(X, y)
    assert "disgust" in set(model.predict(X))
    among = predict_among(model, X)
    assert set(among) == {"anger", "happiness", "neutral", "sadness"}
    classes = list(model.classes_)
    four = ["anger", "happiness", "neutral", "sadness"]
    most_probable = model.predict_proba(X)[:, [classes.index(c) for c in four]]
    np.testing.assert_array_equal(among, np.array(four)[most_probable.argmax(axis=1)])
    scored = y != "disgust"
    assert _roc_auc(model, X[scored], y[scored]) > 0.95


def test_an_estimator_of_the_four_classes_predicts_as_it_would(four_classes):
    X, y = four_classes
    model = LinearSVC().fit(X, y)
    np.testing.assert_array_equal(predict_among(model, X), model.predict(X))


@pytest.mark.parametrize("split", ["persons", "source"])
def test_training_only_rows_never_join_a_test_person_or_the_test_side(split):
    groups = np.array(["Ann_Lee", "Ann_Lee", "Bo_Kim", "Dwarakish"], dtype=object)
    test = np.array([0, 1]) if split == "persons" else np.array([3])
    train = np.setdiff1d(np.arange(4), test)
    extra_paths = ["Ann_Lee_0003.jpg", "Cy_Day_0001.jpg", "Dwarakish_12.jpg"]
    extra_groups = ["Ann_Lee", "Cy_Day", "Dwarakish"]
    [(joined_train, joined_test)] = with_training_only_rows(
        [(train, test)], groups, extra_paths, extra_groups, split=split
    )
    np.testing.assert_array_equal(joined_test, test)
    added = joined_train[len(train) :] - len(groups)
    # Persons: Ann_Lee is tested; source: only news photos train.
    assert added.tolist() == ([1, 2] if split == "persons" else [0, 1])


def test_a_quick_run_trains_on_the_same_share_of_the_extra_images():
    faces, extra = Bunch(data=np.arange(1000)), Bunch(data=np.arange(190))
    assert _same_share(None, faces, extra) is None
    assert _same_share(100, faces, extra) == 19
    assert _same_share(1, faces, extra) == 1
    assert _same_share(5000, faces, extra) == 190


@pytest.fixture(scope="module")
def toy_model():
    X, y = toy_faces()
    cnn = EmotionCNNClassifier(**tiny_cnn_params(), random_state=0)
    return Pipeline([("cnn", cnn)]).fit(X, y), X, y


def test_priors_are_read_from_one_fit_and_the_own_prior_restored(toy_model):
    model, X, y = toy_model
    cnn = model.named_steps["cnn"]
    own = model.predict(X)
    readings = read_under_priors(model, X, y, ["training", None, "uniform"])
    assert list(readings) == ["'training'", "None", "'uniform'"]
    assert cnn.class_prior == "uniform"
    np.testing.assert_array_equal(model.predict(X), own)
    uniform = readings["'uniform'"]
    assert uniform["accuracy"] == pytest.approx(np.mean(own == y))
    assert uniform["called"] == {c: int(np.sum(own == c)) for c in CLASSES}
    assert all(sum(r["called"].values()) == len(y) for r in readings.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("None", None), ("uniform", "uniform"), ("training", "training")],
)
def test_a_prior_on_the_command_line_is_none_or_a_name(text, expected):
    assert parse_prior(text) == expected


def test_any_prior_follows_from_the_probabilities_as_trained(toy_model):
    model, X, _ = toy_model
    cnn = model.named_steps["cnn"]
    proba, trained, classes = proba_as_trained(model, X)
    assert cnn.class_prior == "uniform"
    np.testing.assert_array_equal(classes, cnn.classes_)
    moved = proba / trained
    moved /= moved.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(moved, model.predict_proba(X), rtol=1e-5, atol=1e-7)


def test_saved_probabilities_name_the_split_and_each_reframing(toy_model):
    model, X, y = toy_model
    test = np.arange(len(y))
    arrays = _probabilities_to_save(model, 3, test, y, {"": X, "crop60": X[::-1]})
    assert sorted(arrays) == [
        "classes",
        "split3_crop60_proba",
        "split3_proba",
        "split3_test",
        "split3_trained_prior",
        "split3_y",
    ]
    np.testing.assert_allclose(
        arrays["split3_crop60_proba"], arrays["split3_proba"][::-1], rtol=1e-6
    )


def test_a_reading_at_k_1_is_the_uniform_prior_the_model_predicts_under(toy_model):
    model, X, y = toy_model
    test = np.arange(len(y))
    arrays = _probabilities_to_save(model, 0, test, y, {"": X, "crop60": X[::-1]})
    reading = read_saved(arrays, "split0", 1)
    assert reading["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(y, model.predict(X))
    )
    reversed_rows = balanced_accuracy_score(y, model.predict(X[::-1]))
    assert reading["drops"] == {
        "crop60": pytest.approx(reading["balanced_accuracy"] - reversed_rows)
    }


def test_a_larger_k_calls_the_rarest_class_more_often():
    y = np.array(["anger", "neutral", "neutral", "neutral"])
    proba = np.array([[0.1, 0, 0.9, 0]] + [[0.02, 0, 0.98, 0]] * 3)
    arrays = {
        "classes": np.array(CLASSES),
        "split0_y": y,
        "split0_proba": proba,
        "split0_trained_prior": np.array([0.1, 0.3, 0.5, 0.1]),
    }
    assert splits_in(arrays) == ["split0"]
    # The angry face: 0.1 / 0.1 < 0.9 / 0.5 at k = 1, 0.1 / 0.01 > 0.9 / 0.25 at 2.
    assert read_saved(arrays, "split0", 1)["recall"]["anger"] == 0
    at_2 = read_saved(arrays, "split0", 2)
    assert at_2["recall"]["anger"] == 1
    assert at_2["recall"]["neutral"] == 1


def test_the_script_reads_every_file_at_every_k(toy_model, tmp_path, capsys):
    model, X, y = toy_model
    test = np.arange(len(y))
    files = []
    for index in (0, 1):
        arrays = _probabilities_to_save(model, index, test, y, {"": X})
        files.append(tmp_path / f"fold{index}.npz")
        np.savez(files[-1], **arrays)
    read_priors_main([*map(str, files), "--k", "1", "2"])
    printed = capsys.readouterr().out
    assert printed.count("fold0 split0") == 2
    assert printed.count("fold1 split1") == 2
    assert printed.count("2 splits: balanced accuracy") == 2


def test_a_boost_reads_as_the_pipeline_boosted_the_same_way(toy_model):
    model, X, y = toy_model
    test = np.arange(len(y))
    arrays = _probabilities_to_save(model, 0, test, y, {"": X})
    boosted = model.set_params(cnn__class_prior_boost={"sadness": 5.0})
    try:
        # The saved probabilities are as trained, without the boost.
        saved_again = _probabilities_to_save(boosted, 0, test, y, {"": X})
        np.testing.assert_allclose(saved_again["split0_proba"], arrays["split0_proba"])
        reading = read_saved(arrays, "split0", 1, {"sadness": 5.0})
        assert reading["balanced_accuracy"] == pytest.approx(
            balanced_accuracy_score(y, boosted.predict(X))
        )
    finally:
        model.set_params(cnn__class_prior_boost=None)


@pytest.mark.parametrize("text", ["sadness", "sadness=", "=5", "sadness=-1", "x=nan"])
def test_a_bad_boost_on_the_command_line_is_refused(text, capsys):
    with pytest.raises(SystemExit):
        read_priors_main(["unused.npz", "--boost", text])
    assert "expected CLASS=FACTOR" in capsys.readouterr().err


def test_every_reframing_writes_one_jpeg_per_photo_and_reuses_it(tmp_path):
    photo = tmp_path / "astronaut.png"
    Image.fromarray((rgb2gray(astronaut()) * 255).astype(np.uint8)).save(photo)
    for variant in REFRAMINGS:
        (written,) = reframed_paths([photo], variant, tmp_path / "scratch")
        assert Image.open(written).format == "JPEG"
        stamp = Path(written).stat().st_mtime_ns
        assert reframed_paths([photo], variant, tmp_path / "scratch")[0] == written
        assert Path(written).stat().st_mtime_ns == stamp


def test_eyes_to_chin_keeps_the_lower_face_the_finder_finds(tmp_path):
    gray = Image.fromarray((rgb2gray(astronaut()) * 255).astype(np.uint8))
    x, y, w, h = FaceFinder().find_largest(np.asarray(gray))[0]
    cut, options = REFRAMINGS["eyes_to_chin"](gray)
    assert options == {}
    assert cut.size == (round(0.9 * w), round(0.75 * h))
    # Its top row is the face's row at 30% of its height.
    top = np.asarray(gray)[round(y + 0.3 * h), round(x + 0.05 * w) :][: cut.width]
    np.testing.assert_array_equal(np.asarray(cut)[0], top)
