import itertools
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest
import sklearn
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from scipy import ndimage
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GroupKFold,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags

import emotion_sklearn._cnn as cnn_module
from _helpers import augmentation_layer_names, tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import (
    EmotionCNNClassifier,
    ImageLoader,
    RotationAugmenter,
    make_emotion_pipeline,
)


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


# -- scikeras 0.13 vs scikit-learn >= 1.6 ---------------------------------------


def test_is_a_classifier_alone_and_in_pipelines():
    cnn = EmotionCNNClassifier()
    assert is_classifier(cnn)
    assert get_tags(cnn).estimator_type == "classifier"
    assert get_tags(cnn).target_tags.required
    assert is_classifier(make_pipeline(ImageLoader(), cnn))
    assert is_classifier(make_imb_pipeline(RotationAugmenter(), cnn))
    assert is_classifier(make_emotion_pipeline())


def test_cross_validation_stratifies():
    # cross_val_score(cv=5) picks StratifiedKFold only for classifiers.
    y = np.array(["anger"] * 10 + ["neutral"] * 40)
    cv = check_cv(5, y, classifier=is_classifier(make_emotion_pipeline()))
    assert isinstance(cv, StratifiedKFold)


@pytest.mark.parametrize("seeds", [(0, None, 0), (None, 0, None)])
def test_seeded_and_unseeded_fits_follow_each_other(seeds):
    X, y = _toy()
    probas = [_cnn(random_state=seed).fit(X, y).predict_proba(X) for seed in seeds]
    if seeds[0] is not None:
        # An unseeded fit between two seeded ones does not disturb them.
        np.testing.assert_array_equal(probas[0], probas[2])
    else:
        # A seeded fit does not make the unseeded fits after it repeat.
        assert not np.allclose(probas[0], probas[2])


def test_random_state_instances_give_different_networks():
    X, y = _toy()

    def proba(random_state):
        return _cnn(random_state=random_state).fit(X, y).predict_proba(X)

    one, two = proba(np.random.RandomState(1)), proba(np.random.RandomState(2))
    assert not np.allclose(one, two)
    np.testing.assert_array_equal(one, proba(np.random.RandomState(1)))
    shared = np.random.RandomState(1)
    cnn = _cnn(random_state=shared)
    first = cnn.fit(X, y).predict_proba(X)
    assert not np.allclose(first, cnn.fit(X, y).predict_proba(X))  # drawn on


def test_same_seed_same_predictions_in_a_new_process():
    X, y = _toy()
    here = _cnn(random_state=3).fit(X, y).predict_proba(X)
    script = (
        "import numpy as np, sys; sys.path.insert(0, 'tests');"
        "from test_cnn import _toy, _cnn; X, y = _toy();"
        "np.save(sys.argv[1], _cnn(random_state=3).fit(X, y).predict_proba(X))"
    )
    out = f"{pytest.importorskip('tempfile').mkdtemp()}/proba.npy"
    subprocess.run([sys.executable, "-c", script, out], check=True, cwd=_root())
    np.testing.assert_array_equal(np.load(out), here)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


# -- labels and probabilities ----------------------------------------------------


def test_string_classes_and_probability_columns():
    X, y = _toy(n=90)
    cnn = _cnn(
        epochs=40,
        learning_rate=0.01,
        batch_norm=False,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    assert list(cnn.classes_) == ["happiness", "neutral", "sadness"]
    proba = cnn.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(cnn.classes_[proba.argmax(axis=1)], cnn.predict(X))
    assert (cnn.predict(X) == y).mean() > 0.9
    # Scoring against labels the model never saw is fine: they count as errors.
    assert 0 <= cnn.score(X, np.where(y == "sadness", "fear", y)) < 1


def test_class_weight_and_sample_weight_change_the_fit():
    X, y = _toy()
    # As trained: a uniform class_prior would divide the weights' prior out.
    params = dict(random_state=0, early_stopping=False, class_prior=None)

    def proba(**more):
        return _cnn(**params, **more).fit(X, y).predict_proba(X)

    none = proba(class_weight=None)
    happy = proba(class_weight={"happiness": 3.0})
    assert not np.allclose(none, happy)
    # Weighting a class up raises its share of the probabilities.
    assert happy[:, 0].mean() > none[:, 0].mean()
    # Balanced weights on balanced classes change nothing.
    np.testing.assert_allclose(proba(class_weight="balanced"), none, rtol=1e-5)
    weights = np.linspace(0.5, 2, len(y))
    weighted = _cnn(class_weight={"happiness": 3.0}, **params).fit(
        X, y, sample_weight=weights
    )
    np.testing.assert_array_equal(weights, np.linspace(0.5, 2, len(y)))  # untouched
    assert not np.allclose(weighted.predict_proba(X), happy)


# -- early stopping --------------------------------------------------------------


@pytest.fixture
def validation_groups(monkeypatch):
    """The ``groups`` each early-stopping split was given, one entry a fit."""
    seen = []
    original = cnn_module.validation_split  # what _train_split calls

    def spy(X, y, **params):
        seen.append(params["groups"])
        return original(X, y, **params)

    monkeypatch.setattr(cnn_module, "validation_split", spy)
    return seen


def test_groups_reach_the_network_through_a_pipeline(validation_groups):
    X, y = _toy(n=90)
    people = np.repeat([f"person{i}" for i in range(15)], 6)
    pipe = make_imb_pipeline(_cnn(early_stopping=True, random_state=0))
    pipe.fit(X, y, emotioncnnclassifier__groups=people)
    np.testing.assert_array_equal(validation_groups[0], people)
    assert not any(  # not kept, so not pickled
        value is people for value in vars(pipe[-1]).values()
    )
    pipe.fit(X, y)
    assert validation_groups[1] is None  # a later fit without groups forgets them


def test_groups_are_routed_by_cross_validation(validation_groups):
    # With metadata routing, one groups array both splits the folds and
    # reaches each fold's early stopping, sliced to the fold's rows.
    X, y = _toy(n=90)
    people = np.repeat([f"person{i}" for i in range(30)], 3)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_imb_pipeline(
            _cnn(
                early_stopping=True, validation_fraction=0.2, random_state=0
            ).set_fit_request(groups=True)
        )
        cross_validate(pipe, X, y, cv=GroupKFold(3), params={"groups": people})
    assert len(validation_groups) == 3
    assert all(
        len(groups) == 60 and len(set(groups)) == 20 for groups in validation_groups
    )


def test_groups_of_the_wrong_length_are_refused():
    X, y = _toy(n=30)
    with pytest.raises(ValueError, match="groups has 29 entries but X has 30 rows"):
        _cnn().fit(X, y, groups=np.arange(29))


def test_too_few_people_for_early_stopping():
    X, y = _toy(n=30)
    with pytest.raises(ValueError, match="groups has 3 distinct values"):
        _cnn(early_stopping=True, validation_fraction=0.1).fit(
            X, y, groups=np.arange(30) % 3
        )


def test_partial_fit_trains_on_every_row(validation_groups):
    # As scikit-learn's MLP: no validation rows held out on each call.
    X, y = _toy(n=90)
    cnn = _cnn(random_state=0).partial_fit(X, y)
    assert len(cnn.history_["loss"]) == 1
    assert "val_loss" not in cnn.history_
    assert validation_groups == []  # no split was made
    cnn.partial_fit(X, y)
    assert len(cnn.history_["loss"]) == 2


def test_early_stopping_records_validation_history():
    X, y = _toy(n=90)
    cnn = _cnn(early_stopping=True, epochs=50, n_iter_no_change=2, random_state=0).fit(
        X, y
    )
    assert len(cnn.history_["val_loss"]) == len(cnn.history_["loss"]) <= 50
    no_stop = _cnn(early_stopping=False, random_state=0).fit(X, y)
    assert "val_loss" not in no_stop.history_


def test_too_few_images_for_early_stopping():
    X, y = _toy(n=6)
    with pytest.raises(ValueError, match="early_stopping=False"):
        _cnn(early_stopping=True, validation_fraction=0.1).fit(X, y)


# -- bad input -------------------------------------------------------------------


def test_one_class_only():
    X, _ = _toy()
    with pytest.raises(ValueError, match=r"at least 2 classes.*'anger'"):
        _cnn().fit(X, np.array(["anger"] * len(X)))


def test_wrong_row_length_at_predict():
    X, y = _toy()
    cnn = _cnn(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 49 features.*expecting 64"):
        cnn.predict(np.zeros((2, 49), dtype=np.float32))


def test_rows_that_are_not_the_image_size():
    X, y = _toy()
    with pytest.raises(ValueError, match=r"rows of 64 pixels.*image_size=\(5, 5\)"):
        _cnn(image_size=(5, 5)).fit(X, y)
    with pytest.raises(ValueError, match=r"rows of 60 pixels.*\(square\)"):
        _cnn().fit(X[:, :60], y)


def test_nan_is_refused():
    X, y = _toy()
    X[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _cnn().fit(X, y)


def test_unfitted_predict():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _cnn().predict(np.zeros((1, 64)))


def test_bad_parameters_are_named():
    X, y = _toy()
    with pytest.raises(ValueError, match="'dropout' parameter"):
        _cnn(dropout=1.5).fit(X, y)
    assert clone(_cnn(filters=16)).get_params()["filters"] == 16


@pytest.mark.parametrize(
    "zoom", [(0.4,), (0.4, 1.5), (-0.1, 0.1), (True, 0.1), [0.4, 0.1]]
)
def test_a_bad_zoom_pair_is_named(zoom):
    X, y = _toy()
    with pytest.raises(ValueError, match="'random_zoom' parameter"):
        _cnn(random_zoom=zoom).fit(X, y)


def test_histogram_equalization_ignores_brightness_and_contrast():
    _, y = _toy()
    X = np.random.default_rng(0).random((len(y), 64), dtype=np.float32)
    cnn = _cnn(random_state=0, histogram_equalization=True, epochs=1).fit(X, y)
    dimmer = X * 0.5 + 0.2
    np.testing.assert_allclose(
        cnn.predict_proba(dimmer), cnn.predict_proba(X), rtol=1e-4, atol=1e-5
    )


def test_image_standardization_ignores_brightness_and_contrast():
    _, y = _toy()
    X = np.random.default_rng(0).random((len(y), 64), dtype=np.float32)
    cnn = _cnn(random_state=0, image_standardization=True, epochs=1).fit(X, y)
    assert "ImageStandardization" in [
        type(layer).__name__ for layer in cnn.model_.layers
    ]
    # More contrast, not less: noise enlarged by the test-time crop, at half
    # the contrast, falls below the deviation's floor of 1/sqrt(64 pixels).
    relit = X * 1.5 - 0.2
    np.testing.assert_allclose(
        cnn.predict_proba(relit), cnn.predict_proba(X), rtol=1e-4, atol=1e-5
    )


def test_flip_test_time_averages_an_image_and_its_mirror():
    X, y = _toy()
    cnn = _cnn(random_state=0, flip_test_time=False).fit(X, y)
    mirrored = X.reshape(-1, 8, 8)[:, :, ::-1].reshape(len(X), -1)
    expected = (cnn.predict_proba(X) + cnn.predict_proba(mirrored)) / 2
    cnn.set_params(flip_test_time=True)
    np.testing.assert_allclose(cnn.predict_proba(X), expected, rtol=1e-5)


def _central_zoom(images, share):
    """Bilinear view of the central ``share`` of each image (as RandomZoom)."""
    side = images.shape[1]
    rows, cols = np.mgrid[0:side, 0:side] * share + (side - 1) / 2 * (1 - share)
    return np.stack(
        [ndimage.map_coordinates(image, [rows, cols], order=1) for image in images]
    )


@pytest.mark.parametrize("flip_test_time", [False, True])
def test_test_time_crop_predicts_from_the_enlarged_centre(flip_test_time):
    X, y = _toy()
    cnn = _cnn(random_state=0, flip_test_time=flip_test_time).fit(X, y)
    enlarged = _central_zoom(X.reshape(-1, 8, 8), 0.5).reshape(len(X), -1)
    expected = cnn.set_params(test_time_crop=1.0).predict_proba(enlarged)
    cropped = cnn.set_params(test_time_crop=0.5).predict_proba(X)
    np.testing.assert_allclose(cropped, expected, rtol=1e-4, atol=1e-6)
    # The central half spans pixels 1.75 to 5.25: the outer ring does not count.
    other_ring = X.copy().reshape(-1, 8, 8)
    other_ring[:, [0, -1], :] = other_ring[:, :, [0, -1]] = 1.0
    np.testing.assert_array_equal(
        cnn.predict_proba(other_ring.reshape(len(X), -1)), cropped
    )


@pytest.mark.parametrize("side", [8, 9])
def test_a_mirror_image_gets_the_same_probabilities_with_flip_test_time(side):
    X, y = _toy(side=side)
    cnn = _cnn(random_state=0, flip_test_time=True, test_time_crop=0.9).fit(X, y)
    mirrored = X.reshape(-1, side, side)[:, :, ::-1].reshape(len(X), -1)
    np.testing.assert_allclose(
        cnn.predict_proba(mirrored), cnn.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_a_test_time_crop_of_one_predicts_from_the_image_as_it_is():
    X, y = _toy()
    cnn = _cnn(random_state=0, flip_test_time=False).fit(X, y)
    raw = cnn.model_.predict_on_batch(X)
    proba = cnn.set_params(class_prior=None, test_time_crop=1.0).predict_proba(X)
    np.testing.assert_array_equal(proba, raw)


# -- training-time augmentation and learning-rate schedule -------------------------


def test_random_augmentation_acts_in_training_only():
    X, y = _toy()
    params = dict(
        random_flip=True,
        random_shift=0.1,
        random_rotation=10.0,
        random_zoom=0.1,
        random_brightness=0.3,
        random_contrast=0.3,
        random_downscale=0.5,
        random_blur=1.0,
        random_noise=0.05,
        random_erasing=0.5,
        random_top_cut=0.3,
    )
    cnn = _cnn(random_state=0, **params).fit(X, y)
    assert augmentation_layer_names(cnn.model_) == [
        "RandomFlip",
        "RandomTopCut",
        "RandomAffine",
        "RandomBrightness",
        "RandomContrast",
        "RandomDownscale",
        "RandomGaussianBlur",
        "GaussianNoise",
        "RandomErasing",
    ]
    # At predict the random layers pass images through: repeated calls agree.
    np.testing.assert_array_equal(cnn.predict_proba(X), cnn.predict_proba(X))
    again = _cnn(random_state=0, **params).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), cnn.predict_proba(X), rtol=1e-5)
    no_augmentation = {name: 0.0 for name in params if name != "random_flip"}
    plain = _cnn(random_state=0, random_flip=False, **no_augmentation).fit(X, y).model_
    assert augmentation_layer_names(plain) == []


def test_cosine_schedule_lowers_the_learning_rate_from_epoch_to_epoch():
    X, y = _toy()
    cnn = _cnn(epochs=4, lr_schedule="cosine", learning_rate=0.01, random_state=0)
    rates = cnn.fit(X, y).history_["learning_rate"]
    assert rates[0] == pytest.approx(0.01)
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))


@pytest.mark.parametrize("early_stopping", [False, True])
def test_plateau_schedule_cuts_the_rate_after_an_epoch_without_progress(
    early_stopping,
):
    X, y = _toy()
    # A large rate makes the loss bounce; n_iter_no_change=3 gives patience 1.
    cnn = _cnn(
        epochs=8,
        lr_schedule="plateau",
        learning_rate=0.3,
        n_iter_no_change=3,
        early_stopping=early_stopping,
        random_state=0,
    ).fit(X, y)
    rates = cnn.history_["learning_rate"]
    losses = cnn.history_["val_loss" if early_stopping else "loss"]
    assert rates[0] == pytest.approx(0.3)
    assert min(rates) >= 0.3 / 100 * (1 - 1e-6)
    for epoch in range(1, len(rates)):
        stalled = losses[epoch - 1] >= min(losses[: epoch - 1], default=np.inf)
        expected = max(rates[epoch - 1] * 0.3, 0.003) if stalled else rates[epoch - 1]
        assert rates[epoch] == pytest.approx(expected, rel=1e-5)
    assert min(rates) < 0.3  # the rule was exercised, not only "never cut"


def _trainable(cnn):
    return cnn.model_.trainable_weights


@pytest.mark.parametrize("early_stopping", [False, True])
def test_weight_averaging_keeps_the_averaged_weights(early_stopping):
    X, y = _toy()
    params = dict(random_state=0, early_stopping=early_stopping, epochs=3)
    # Trainable weights only: batch norm's statistics are not averaged.
    initial = [w.numpy() for w in _trainable(_cnn(**params).initialize(X, y))]

    def moved(cnn):
        trained = [w.numpy() for w in _trainable(cnn.fit(X, y))]
        return max(np.abs(a - b).max() for a, b in zip(initial, trained, strict=True))

    raw = _cnn(**params)
    # Momentum near 1: the average barely leaves the initial weights, and
    # early stopping must keep that average, not the raw weights.
    slow = _cnn(ema_momentum=1 - 1e-7, **params)
    assert moved(slow) < moved(raw) / 3
    # Momentum near 0: the average is the last weights.
    fast = _cnn(ema_momentum=1e-7, **params).fit(X, y)
    np.testing.assert_allclose(fast.predict_proba(X), raw.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "param, value",
    [
        ("random_rotation", 200.0),
        ("random_shift", 1.5),
        ("fill_mode", "edge"),
        ("lr_schedule", "step"),
        ("ema_momentum", 1.0),
        ("random_brightness", 1.5),
        ("random_contrast", -0.1),
        ("random_downscale", 1.0),
        ("random_blur", -1.0),
        ("random_noise", -0.1),
        ("random_erasing", 1.5),
        ("random_top_cut", 1.5),
        ("weight_decay", -1e-4),
        ("class_prior", "balanced"),
        ("class_weight_exponent", 1.5),
        ("class_weight_mode", "oversample"),
        ("block_dropout", 1.0),
    ],
)
def test_bad_augmentation_and_schedule_parameters_are_named(param, value):
    X, y = _toy()
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        _cnn(**{param: value}).fit(X, y)


def test_weight_decay_trains_with_adamw():
    X, y = _toy()
    decayed = _cnn(weight_decay=0.05, random_state=0).fit(X, y)
    assert type(decayed.model_.optimizer).__name__ == "AdamW"
    assert decayed.model_.optimizer.weight_decay == pytest.approx(0.05)
    adam = _cnn(weight_decay=0.0, random_state=0).fit(X, y)
    assert type(adam.model_.optimizer).__name__ == "Adam"


# -- the class prior predictions assume ------------------------------------------


def _imbalanced():
    X, y = _toy(90)
    keep = np.r_[np.flatnonzero(y == "neutral"), np.flatnonzero(y != "neutral")[:12]]
    return X[keep], y[keep]


def test_class_prior_moves_probabilities_between_priors_without_refitting():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_weight_exponent=1.0).fit(X, y)  # balanced
    frequencies = np.array([np.mean(y == c) for c in cnn.classes_])
    np.testing.assert_allclose(cnn.class_frequencies_, frequencies)
    np.testing.assert_allclose(cnn.trained_prior_, 1 / 3)
    as_trained = cnn.predict_proba(X)
    uniform = cnn.set_params(class_prior="uniform").predict_proba(X)
    np.testing.assert_allclose(uniform, as_trained, rtol=1e-5)  # trained uniform
    training = cnn.set_params(class_prior="training").predict_proba(X)
    expected = uniform * frequencies / (uniform * frequencies).sum(1, keepdims=True)
    np.testing.assert_allclose(training, expected, rtol=1e-5)
    # The frequent class is called more often under its training frequency.
    neutral = list(cnn.classes_).index("neutral")
    assert (training.argmax(1) == neutral).sum() >= (uniform.argmax(1) == neutral).sum()
    same = cnn.set_params(class_prior=[2, 2, 2]).predict_proba(X)
    np.testing.assert_allclose(same, uniform, rtol=1e-5)


def test_a_class_prior_by_name_is_the_array_in_classes_order():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0).fit(X, y)
    by_name = dict(zip(cnn.classes_[::-1], [3, 2, 1], strict=True))
    in_order = [by_name[c] for c in cnn.classes_]
    named = cnn.set_params(class_prior=by_name).predict_proba(X)
    np.testing.assert_allclose(
        named, cnn.set_params(class_prior=in_order).predict_proba(X)
    )


def test_the_raw_frequency_reading_divides_the_trained_output_by_the_frequencies():
    # The reading benchmarks/README.md measures: every class equally often,
    # from a network assumed to have learned the raw class frequencies.
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_prior=None).fit(X, y)  # weights^0.5, repeats
    as_trained = cnn.predict_proba(X)
    cnn.set_params(class_prior=cnn.trained_prior_ / cnn.class_frequencies_)
    expected = as_trained / cnn.class_frequencies_
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(cnn.predict_proba(X), expected, rtol=1e-5)
    # With the weights at the power 0.5 it is the uniform reading pushed to
    # trained_prior_ ** -2.
    pushed = as_trained * cnn.trained_prior_**-2
    np.testing.assert_array_equal(cnn.predict(X), cnn.classes_[pushed.argmax(1)])


def test_classes_a_named_prior_leaves_out_are_never_predicted():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_prior={"happiness": 1, "sadness": 1}).fit(X, y)
    proba = cnn.predict_proba(X)
    assert set(cnn.predict(X)) <= {"happiness", "sadness"}
    np.testing.assert_array_equal(proba[:, list(cnn.classes_).index("neutral")], 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


def test_a_boost_multiplies_the_named_class_share_and_ignores_other_names():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0).fit(X, y)
    uniform = cnn.predict_proba(X)
    sadness = list(cnn.classes_).index("sadness")
    shares = np.ones(3)
    shares[sadness] = 4.0
    cnn.set_params(class_prior_boost={"sadness": 4.0, "disgust": 9.0})
    boosted = cnn.predict_proba(X)
    np.testing.assert_allclose(
        boosted,
        cnn.set_params(class_prior_boost=None, class_prior=shares).predict_proba(X),
    )
    assert (boosted.argmax(1) == sadness).sum() >= (uniform.argmax(1) == sadness).sum()
    # With no prior to move to, it multiplies the probabilities as trained.
    cnn.set_params(class_prior=None)
    as_trained = cnn.predict_proba(X)
    expected = as_trained * np.where(np.arange(3) == sadness, 4.0, 1.0)
    cnn.set_params(class_prior_boost={"sadness": 4.0})
    np.testing.assert_allclose(
        cnn.predict_proba(X), expected / expected.sum(1, keepdims=True), rtol=1e-5
    )


@pytest.mark.parametrize("factor", [0, -1.0, float("inf"), "high", True])
def test_a_bad_boost_is_named_at_fit_and_at_predict(factor):
    X, y = _toy()
    message = r"'class_prior_boost' parameter .* positive finite numbers"
    with pytest.raises(ValueError, match=message):
        _cnn(class_prior_boost={"sadness": factor}).fit(X, y)
    cnn = _cnn(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=message):
        cnn.set_params(class_prior_boost={"sadness": factor}).predict(X)
    with pytest.raises(ValueError, match=r"'class_prior_boost' parameter .* a dict"):
        cnn.set_params(class_prior_boost=[5.0]).predict(X)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        ({"happy": 1, "neutral": 1}, r"class_prior names \['happy'\], which are not"),
        ({"sadness": 0, "neutral": 0}, "class_prior must be"),
        ({"sadness": -1, "neutral": 1}, "class_prior must be"),
        ({"sadness": "high"}, "class_prior must be"),
    ],
)
def test_a_bad_named_prior_is_named_at_fit_and_at_predict(prior, message):
    X, y = _toy()
    with pytest.raises(ValueError, match=message):
        _cnn(class_prior=prior).fit(X, y)
    cnn = _cnn(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=message):
        cnn.set_params(class_prior=prior).predict(X)


@pytest.mark.parametrize("exponent", [0.0, 0.5, 1.0])
def test_the_exponent_tempers_balanced_class_weights(exponent):
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_weight_exponent=exponent).fit(X, y)
    counts = np.array([np.sum(y == c) for c in cnn.classes_], dtype=float)
    # Balanced weights are n / (k * count): the class's share of the total
    # weight goes as count ** (1 - exponent).
    expected = counts ** (1 - exponent) / (counts ** (1 - exponent)).sum()
    np.testing.assert_allclose(cnn.trained_prior_, expected, rtol=1e-6)
    assert cnn.class_weight == "balanced"  # the parameter is left as given


class _CountRows(keras.callbacks.Callback):
    """The training rows of each epoch, from its batches' sizes."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rows.append(0)

    def on_train_batch_begin(self, batch, logs=None):
        self.rows[-1] += 1


@pytest.mark.parametrize(
    ("mode", "batches"),
    # 20 rows of each of 3 classes, happiness weighted 3: 100 rows when
    # repeated (4 batches of 32), 60 when weighted in the loss (2).
    [("resample", 4), ("reweight", 2)],
)
def test_resampling_repeats_rows_where_reweighting_weighs_the_loss(mode, batches):
    X, y = _toy()
    counter = _CountRows()
    cnn = _cnn(
        random_state=0,
        class_weight={"happiness": 3.0},
        class_weight_mode=mode,
        callbacks=[counter],
    ).fit(X, y)
    assert counter.rows == [batches] * cnn.epochs
    # Either way the network learns under the same prior.
    np.testing.assert_allclose(cnn.trained_prior_, [0.6, 0.2, 0.2])


def test_both_modes_learn_the_same_prior_from_tempered_weights():
    X, y = _imbalanced()
    priors = [
        _cnn(random_state=0, class_weight_mode=mode).fit(X, y).trained_prior_
        for mode in ("resample", "reweight")
    ]
    np.testing.assert_allclose(*priors)


def test_resampling_draws_the_repeats_from_the_fit_seed():
    X, y = _imbalanced()
    first, again, other = (
        _cnn(random_state=seed).fit(X, y).predict_proba(X) for seed in (0, 0, 1)
    )
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_resampling_cannot_weigh_a_class_zero():
    X, y = _toy()
    message = r"cannot weigh a class 0; class_weight gives \['happiness'\] no weight"
    with pytest.raises(ValueError, match=message):
        _cnn(class_weight={"happiness": 0.0}).fit(X, y)
    _cnn(class_weight={"happiness": 0.0}, class_weight_mode="reweight").fit(X, y)


def test_resampling_refuses_weights_that_would_repeat_rows_millions_of_times():
    X, y = _toy()
    weights = {"happiness": 1000.0, "neutral": 1e-4, "sadness": 1e-4}
    with pytest.raises(ValueError, match=r"into 2e\+08, more than 100 times"):
        _cnn(class_weight=weights).fit(X, y)
    _cnn(class_weight=weights, class_weight_mode="reweight", random_state=0).fit(X, y)


def test_without_class_weights_the_network_learned_the_training_prior():
    X, y = _imbalanced()
    cnn = _cnn(
        random_state=0, class_weight=None, class_prior=None, test_time_crop=1.0
    ).fit(X, y)
    np.testing.assert_allclose(cnn.trained_prior_, cnn.class_frequencies_)
    as_trained = cnn.predict_proba(X)
    cnn.set_params(class_prior="training")
    np.testing.assert_allclose(cnn.predict_proba(X), as_trained, rtol=1e-5)
    raw = cnn.model_.predict(X, verbose=0)
    mirrored = cnn.model_.predict(
        X.reshape(-1, 8, 8)[:, :, ::-1].reshape(len(X), -1), verbose=0
    )
    np.testing.assert_allclose(cnn.predict_proba(X), (raw + mirrored) / 2, rtol=1e-4)


# Read at every predict, so set_params after fit must be checked there too.
@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        *[
            ("class_prior", prior, "class_prior must be")
            for prior in ([1, 1], [1, -1, 1], [0, 0, 0], [1, np.nan, 1])
        ],
        *[
            ("test_time_crop", share, "'test_time_crop' parameter")
            for share in (0.0, 1.5, -0.1, "0.9")
        ],
    ],
)
def test_a_bad_predict_time_parameter_is_named_at_fit_and_at_predict(
    param, value, message
):
    X, y = _toy()
    with pytest.raises(ValueError, match=message):
        _cnn(**{param: value}).fit(X, y)
    cnn = _cnn(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=message):
        cnn.set_params(**{param: value}).predict(X)


def test_a_uniform_prior_undoes_tempered_class_weights():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_prior=None).fit(X, y)  # balanced ** 0.5
    as_trained = cnn.predict_proba(X)
    uniform = cnn.set_params(class_prior="uniform").predict_proba(X)
    expected = as_trained / cnn.trained_prior_
    np.testing.assert_allclose(uniform, expected / expected.sum(1, keepdims=True))


def test_one_image_gets_one_row_of_probabilities():
    X, y = _toy()
    cnn = _cnn(random_state=0, flip_test_time=True).fit(X, y)
    assert cnn.predict_proba(X[:1]).shape == (1, 3)
    assert cnn.predict(X[:1]).shape == (1,)
    one_by_one = np.concatenate([cnn.predict_proba(X[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(one_by_one, cnn.predict_proba(X[:5]), rtol=1e-5)


@pytest.mark.parametrize(("n_networks", "test_time_crop"), [(1, 1.0), (2, 0.9)])
def test_a_row_gets_the_same_probabilities_whatever_rows_come_with_it(
    n_networks, test_time_crop
):
    X, y = _toy()
    X = X[:21]  # not a whole number of the kernels' row blocks
    cnn = _cnn(
        random_state=0,
        n_networks=n_networks,
        flip_test_time=True,
        test_time_crop=test_time_crop,
    ).fit(X, y[:21])
    proba = cnn.predict_proba(X)
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(X))
        np.testing.assert_array_equal(cnn.predict_proba(X[order]), proba[order])
    one_by_one = np.concatenate([cnn.predict_proba(X[i : i + 1]) for i in range(3)])
    np.testing.assert_array_equal(one_by_one, proba[:3])


# -- several networks side by side ------------------------------------------------


def test_several_networks_average_their_probabilities():
    X, y = _toy()
    cnn = _cnn(
        n_networks=3,
        random_state=0,
        flip_test_time=True,
        early_stopping=True,
        lr_schedule="constant",
    ).fit(X, y)
    stacked = np.asarray(cnn.model_.predict(X, verbose=0))
    assert stacked.shape == (len(X), 3, 3)  # rows, networks, classes
    assert not np.allclose(stacked[:, 0], stacked[:, 1])  # differently initialised
    proba = cnn.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert cnn.predict_proba(X[:1]).shape == (1, 3)
    assert set(cnn.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_several_networks_pickle_and_repeat_with_a_seed():
    X, y = _toy()
    params = dict(n_networks=2, random_state=0, class_weight="balanced")
    cnn = _cnn(**params).fit(X, y)
    restored = pickle.loads(pickle.dumps(cnn))
    np.testing.assert_allclose(restored.predict_proba(X), cnn.predict_proba(X))
    again = _cnn(**params).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), cnn.predict_proba(X))


def test_one_network_keeps_the_plain_model():
    X, y = _toy()
    model = _cnn(random_state=0).fit(X, y).model_
    assert model.output_shape == (None, 3)
    assert model.loss == "sparse_categorical_crossentropy"
