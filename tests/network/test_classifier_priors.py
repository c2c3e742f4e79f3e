import numpy as np
import pytest

from _helpers import tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import ClassPrior, EmotionCNNClassifier, TestTimeAugmentation


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


def _imbalanced():
    X, y = _toy(90)
    keep = np.r_[np.flatnonzero(y == "neutral"), np.flatnonzero(y != "neutral")[:12]]
    return X[keep], y[keep]


def test_class_prior_moves_probabilities_between_priors_without_refitting():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_weight="balanced").fit(X, y)
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
    boost = {"sadness": 4.0, "disgust": 9.0}
    cnn.set_params(class_prior=ClassPrior("uniform", boost=boost))
    boosted = cnn.predict_proba(X)
    np.testing.assert_allclose(
        boosted, cnn.set_params(class_prior=shares).predict_proba(X)
    )
    assert (boosted.argmax(1) == sadness).sum() >= (uniform.argmax(1) == sadness).sum()
    # With no prior to move to, it multiplies the probabilities as trained.
    cnn.set_params(class_prior=None)
    as_trained = cnn.predict_proba(X)
    expected = as_trained * np.where(np.arange(3) == sadness, 4.0, 1.0)
    cnn.set_params(class_prior=ClassPrior(None, boost={"sadness": 4.0}))
    np.testing.assert_allclose(
        cnn.predict_proba(X), expected / expected.sum(1, keepdims=True), rtol=1e-5
    )


@pytest.mark.parametrize("factor", [0, -1.0, float("inf"), "high", True])
def test_a_bad_boost_is_named_at_fit_and_at_predict(factor):
    X, y = _toy()
    message = r"'boost' parameter of ClassPrior .* positive finite numbers"
    bad = ClassPrior(boost={"sadness": factor})
    with pytest.raises(ValueError, match=message):
        _cnn(class_prior=bad).fit(X, y)
    cnn = _cnn(random_state=0, class_prior=ClassPrior()).fit(X, y)
    with pytest.raises(ValueError, match=message):
        cnn.set_params(class_prior__boost={"sadness": factor}).predict(X)
    with pytest.raises(ValueError, match=r"'boost' parameter of ClassPrior"):
        cnn.set_params(class_prior__boost=[5.0]).predict(X)


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


def test_without_class_weights_the_network_learned_the_training_prior():
    X, y = _imbalanced()
    view = TestTimeAugmentation(crop=1.0)
    cnn = _cnn(
        random_state=0, class_weight=None, class_prior=None, test_time_augmentation=view
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


@pytest.mark.parametrize("prior", [[1, 1], [1, -1, 1], [0, 0, 0], [1, np.nan, 1]])
def test_a_bad_prior_is_named_at_fit_and_at_predict(prior):
    X, y = _toy()
    with pytest.raises(ValueError, match="class_prior must be"):
        _cnn(class_prior=prior).fit(X, y)
    cnn = _cnn(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="class_prior must be"):
        cnn.set_params(class_prior=prior).predict(X)


def test_a_uniform_prior_undoes_class_weights():
    X, y = _imbalanced()
    cnn = _cnn(random_state=0, class_prior=None, class_weight="balanced").fit(X, y)
    as_trained = cnn.predict_proba(X)
    uniform = cnn.set_params(class_prior="uniform").predict_proba(X)
    expected = as_trained / cnn.trained_prior_
    np.testing.assert_allclose(uniform, expected / expected.sum(1, keepdims=True))
