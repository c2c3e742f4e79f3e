import pickle
import subprocess
import sys

import numpy as np
import pytest
import sklearn
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GroupKFold,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags

import emotion_sklearn.network._early_stopping as early_stopping_module
from _helpers import tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import (
    EarlyStopping,
    EmotionCNNClassifier,
    ImageLoader,
    Optimizer,
    TemperedOverSampler,
    TestTimeAugmentation,
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
    assert is_classifier(make_imb_pipeline(TemperedOverSampler(), cnn))
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
        "import numpy as np, sys; sys.path[:0] = ['tests', 'tests/network'];"
        "from test_classifier import _toy, _cnn; X, y = _toy();"
        "np.save(sys.argv[1], _cnn(random_state=3).fit(X, y).predict_proba(X))"
    )
    out = f"{pytest.importorskip('tempfile').mkdtemp()}/proba.npy"
    subprocess.run([sys.executable, "-c", script, out], check=True, cwd=_root())
    np.testing.assert_array_equal(np.load(out), here)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


# -- labels and probabilities ----------------------------------------------------


def test_string_classes_and_probability_columns():
    X, y = _toy(n=90)
    cnn = _cnn(
        epochs=40,
        optimizer=Optimizer(learning_rate=0.01),
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


# -- groups and partial fits ------------------------------------------------------


@pytest.fixture
def validation_groups(monkeypatch):
    """The ``groups`` each early-stopping split was given, one entry a fit."""
    seen = []
    original = early_stopping_module.validation_split  # what the split calls

    def spy(X, y, **params):
        seen.append(params["groups"])
        return original(X, y, **params)

    monkeypatch.setattr(early_stopping_module, "validation_split", spy)
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
                early_stopping=EarlyStopping(validation_fraction=0.2), random_state=0
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


def test_partial_fit_trains_on_every_row(validation_groups):
    # As scikit-learn's MLP: no validation rows held out on each call.
    X, y = _toy(n=90)
    cnn = _cnn(random_state=0).partial_fit(X, y)
    assert len(cnn.history_["loss"]) == 1
    assert "val_loss" not in cnn.history_
    assert validation_groups == []  # no split was made
    cnn.partial_fit(X, y)
    assert len(cnn.history_["loss"]) == 2


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
    ("param", "value"),
    [
        ("block_dropout", 1.0),
        ("optimizer", "adam"),
        ("augmentation", "strong"),
        ("early_stopping", 0.1),
        ("test_time_augmentation", 0.9),
        ("class_prior", "balanced"),
    ],
)
def test_a_parameter_of_the_wrong_kind_is_named(param, value):
    X, y = _toy()
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        _cnn(**{param: value}).fit(X, y)


def test_the_objects_parameters_are_searchable_through_the_classifier():
    cnn = _cnn(optimizer=Optimizer(), early_stopping=EarlyStopping())
    cnn.set_params(optimizer__learning_rate=0.01, early_stopping__patience=3)
    params = clone(cnn).get_params()
    assert params["optimizer__learning_rate"] == 0.01
    assert params["early_stopping__patience"] == 3


def test_true_stands_for_the_default_object_and_false_for_none():
    cnn = EmotionCNNClassifier(augmentation=True, early_stopping=True)
    assert (
        cnn._augmentation().get_params() == cnn._augmentation().__class__().get_params()
    )
    assert cnn._early_stopping().patience == EarlyStopping().patience
    off = EmotionCNNClassifier(
        augmentation=False, early_stopping=False, test_time_augmentation=False
    )
    assert off._augmentation() is None and off._early_stopping() is None
    assert off._test_time().get_params() == {"crop": 1.0, "flip": False}


def test_fit_leaves_every_parameter_as_given():
    X, y = _toy()
    cnn = _cnn(random_state=np.random.RandomState(0), class_weight="balanced")
    given = cnn.get_params()
    cnn.fit(X, y)
    after = cnn.get_params()
    assert after.keys() == given.keys()
    assert all(after[key] is given[key] for key in given)


# -- what the network reads ------------------------------------------------------


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


def test_one_image_gets_one_row_of_probabilities():
    X, y = _toy()
    cnn = _cnn(random_state=0).fit(X, y)
    assert cnn.predict_proba(X[:1]).shape == (1, 3)
    assert cnn.predict(X[:1]).shape == (1,)
    one_by_one = np.concatenate([cnn.predict_proba(X[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(one_by_one, cnn.predict_proba(X[:5]), rtol=1e-5)


@pytest.mark.parametrize(("n_networks", "crop"), [(1, 1.0), (2, 0.9)])
def test_a_row_gets_the_same_probabilities_whatever_rows_come_with_it(n_networks, crop):
    X, y = _toy()
    X = X[:21]  # not a whole number of the kernels' row blocks
    cnn = _cnn(
        random_state=0,
        n_networks=n_networks,
        test_time_augmentation=TestTimeAugmentation(crop=crop),
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
        early_stopping=True,
        optimizer=Optimizer(schedule="constant"),
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
