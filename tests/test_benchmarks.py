"""The accuracy benchmark's scoring and settings, which its README numbers rest on."""

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from emotion_sklearn import FaceFinder

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from PIL import Image
from skimage.color import rgb2gray
from skimage.data import astronaut

from bench_accuracy import CLASSES, make_methods, parse_setting, roc_auc
from splits import REFRAMINGS, reframed_paths


@pytest.fixture(scope="module")
def four_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(CLASSES, 20)
    X = rng.normal(size=(80, 4)) + 3 * (y[:, None] == np.unique(y))
    return X, y


def test_roc_auc_reads_the_probabilities_and_only_them(four_classes):
    X, y = four_classes
    auc = roc_auc(LogisticRegression().fit(X, y), X, y)
    assert 0.95 < auc <= 1.0
    assert roc_auc(LinearSVC().fit(X, y), X, y) is None


def test_roc_auc_is_none_when_the_test_rows_lack_a_class(four_classes):
    X, y = four_classes
    model = LogisticRegression().fit(X, y)
    keep = y != "sadness"
    assert roc_auc(model, X[keep], y[keep]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cnn__n_blocks=5", ("cnn__n_blocks", 5)),
        ("cnn__convolutions_per_block=(1, 2)", ("cnn__convolutions_per_block", (1, 2))),
        ("cnn__class_prior=None", ("cnn__class_prior", None)),
        ("cnn__optimizer__schedule=cosine", ("cnn__optimizer__schedule", "cosine")),
    ],
)
def test_a_setting_is_a_python_literal_or_else_a_string(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["cnn__n_blocks", "=5"])
def test_a_setting_without_name_and_value_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected NAME=VALUE"):
        parse_setting(text)


def test_the_default_is_the_recipe_on_pixels_and_set_changes_it():
    methods = make_methods(seed=3)
    loader, default = methods["default"]
    assert [name for name, _ in default.steps] == ["load", "resample", "cnn"]
    assert default.named_steps["load"] == "passthrough"
    assert default.get_params()["cnn__random_state"] == 3
    settings = {"cnn__augmentation__rotation": 5.0, "load__image_size": (40, 40)}
    loader, changed = make_methods(settings=settings)["default"]
    assert changed.get_params()["cnn__augmentation__rotation"] == 5.0
    assert loader.image_size == (40, 40)
    assert set(methods) == {"default", "plain_script", "hog_logreg"}


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


def test_choose_prior_chooses_on_the_development_splits_and_reports_the_rest(
    tmp_path, capsys
):
    from choose_prior import RECIPE, main, reading

    rng = np.random.default_rng(0)
    classes = np.array(CLASSES)
    for index in range(3):
        y = rng.choice(classes, 200, p=[0.05, 0.45, 0.45, 0.05])
        proba = rng.dirichlet(np.ones(4), 200) + 2.0 * (y[:, None] == classes)
        proba /= proba.sum(axis=1, keepdims=True)
        np.savez(
            tmp_path / f"default_split{index}.npz",
            y_true=y,
            proba=proba,
            proba_as_trained=proba,
            trained_prior=np.full(4, 0.25),
            class_frequencies=np.full(4, 0.25),
            classes=classes,
        )
    main([str(tmp_path), "--dev", "0", "1"])
    out = capsys.readouterr().out
    assert "chosen on splits [0, 1]" in out and "splits [2]" in out
    assert out.count("<- recipe") == 2  # in both tables
    # The recipe's candidate is the recipe's ClassPrior.
    shares = np.array([0.05, 0.45, 0.45, 0.05])
    prior = reading(*RECIPE, shares, CLASSES)
    np.testing.assert_allclose(list(prior.shares.values()), 0.25)
    assert prior.boost == {"sadness": 2.0}
