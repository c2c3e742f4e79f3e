"""Tests of the class-prior readings (``network/_priors.py``)."""

import numpy as np
import pytest

from emotion_sklearn.network._priors import (
    ClassPrior,
    boost_factors,
    learned_priors,
    target_prior,
)


def test_learned_priors_weigh_rows_by_sample_weight_and_repeats():
    codes = np.array([0, 0, 1, 2])
    frequencies, trained = learned_priors(
        codes, 3, sample_weight=np.array([1.0, 1.0, 2.0, 1.0]), repeats=np.ones(3) * 2
    )
    np.testing.assert_allclose(frequencies, [0.5, 0.25, 0.25])
    np.testing.assert_allclose(trained, [0.4, 0.4, 0.2])


def test_a_class_without_weight_keeps_its_frequency():
    # A zero share would divide the probabilities by 0 at predict.
    codes = np.array([0, 0, 1, 1])
    _, trained = learned_priors(codes, 2, sample_weight=np.array([1.0, 1.0, 0.0, 0.0]))
    assert trained[1] > 0


def test_absent_class_is_not_given_a_share():
    frequencies, trained = learned_priors(np.array([0, 0, 2]), 3)
    assert frequencies[1] == 0 and trained[1] == 0


@pytest.mark.parametrize(
    ("class_prior", "expected"),
    [
        ("uniform", [1 / 3] * 3),
        ([2, 1, 1], [0.5, 0.25, 0.25]),
        ({"happy": 1, "sad": 1}, [0.5, 0.0, 0.5]),
        (None, None),
    ],
)
def test_target_prior_reads_each_form(class_prior, expected):
    prior = target_prior(class_prior, ["happy", "neutral", "sad"])
    if expected is None:
        assert prior is None
    else:
        np.testing.assert_allclose(prior, expected)


def test_training_prior_is_the_frequencies_once_known():
    classes = ["a", "b"]
    assert target_prior("training", classes) is None
    frequencies = np.array([0.9, 0.1])
    assert target_prior("training", classes, frequencies) is frequencies


@pytest.mark.parametrize(
    "bad", [[1, 2], [-1, 1, 1], [0, 0, 0], [np.nan, 1, 1], [object()] * 3]
)
def test_bad_target_prior_is_named(bad):
    with pytest.raises(ValueError, match="class_prior must be"):
        target_prior(bad, ["a", "b", "c"])


def test_misspelt_class_in_prior_is_named():
    with pytest.raises(ValueError, match=r"\['sadnes'\], which are not classes"):
        target_prior({"sadnes": 1}, ["happy", "sadness"])


def test_boost_leaves_out_names_that_are_not_classes():
    np.testing.assert_array_equal(
        boost_factors({"sadness": 5.0}, ["anger", "happiness"]), [1.0, 1.0]
    )
    assert boost_factors(None, ["a"]) is None


@pytest.mark.parametrize("factor", [0, -1.0, np.inf, True, "5"])
def test_bad_boost_factor_is_named(factor):
    with pytest.raises(ValueError, match="'sad'"):
        boost_factors({"sad": factor}, ["happy", "sad"])


def test_boost_that_is_not_a_mapping_is_named():
    with pytest.raises(ValueError, match="'boost' parameter of ClassPrior"):
        boost_factors([5.0], ["happy", "sad"])


def test_reading_moves_to_the_prior_then_boosts():
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    trained = np.array([0.5, 0.3, 0.2])
    classes = ["a", "b", "c"]
    moved = ClassPrior("uniform").read(proba, classes, trained)
    expected = proba / trained
    np.testing.assert_allclose(moved, expected / expected.sum(1, keepdims=True))
    boosted = ClassPrior("uniform", boost={"c": 4.0}).read(proba, classes, trained)
    expected = expected * [1, 1, 4]
    np.testing.assert_allclose(boosted, expected / expected.sum(1, keepdims=True))
    factors = ClassPrior("uniform", boost={"c": 4.0}).factors(classes, trained)
    np.testing.assert_allclose(factors, [1 / 1.5, 1 / 0.9, 4 / 0.6])


def test_reading_as_trained_is_the_input():
    proba = np.array([[0.7, 0.3]])
    prior = ClassPrior(None)
    assert prior.factors(["a", "b"], np.array([0.5, 0.5])) is None
    assert prior.read(proba, ["a", "b"], np.array([0.5, 0.5])) is proba
