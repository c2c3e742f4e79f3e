"""TemperedOverSampler: the recipe's rare-class repetition."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline

from _helpers import tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import EmotionCNNClassifier, TemperedOverSampler
from emotion_sklearn.sampling._class_weights import check_repeatable, repeat_counts


def _imbalanced():
    X, y = _toy(90)
    keep = np.r_[np.flatnonzero(y == "neutral"), np.flatnonzero(y != "neutral")[:12]]
    return X[keep], y[keep]


@pytest.mark.parametrize("exponent", [0.0, 0.5, 1.0])
def test_each_class_is_repeated_by_its_balanced_weight_to_the_exponent(exponent):
    X, y = _imbalanced()
    _, resampled = TemperedOverSampler(exponent=exponent).fit_resample(X, y)
    classes, counts = np.unique(y, return_counts=True)
    # Balanced weights are n / (k * count): a class's share of the repeated
    # rows goes as count ** (1 - exponent).
    shares = np.array([np.mean(resampled == c) for c in classes])
    expected = counts ** (1 - exponent) / (counts ** (1 - exponent)).sum()
    np.testing.assert_allclose(shares, expected, atol=1 / len(resampled))


def test_every_row_is_kept_and_the_repeats_are_drawn_from_its_class():
    X, y = _imbalanced()
    sampler = TemperedOverSampler(random_state=0)
    X_resampled, y_resampled = sampler.fit_resample(X, y)
    rows = sampler.sample_indices_
    np.testing.assert_array_equal(rows[: len(y)], np.arange(len(y)))
    np.testing.assert_array_equal(X_resampled, X[rows])
    np.testing.assert_array_equal(y_resampled, y[rows])


def test_the_repeats_are_random_oversampling_with_tempered_targets():
    X, y = _imbalanced()
    classes, counts = np.unique(y, return_counts=True)
    target = dict(zip(classes, repeat_counts(counts, 0.5).tolist(), strict=True))
    plain = RandomOverSampler(sampling_strategy=target, random_state=3)
    plain.fit_resample(X, y)
    tempered = TemperedOverSampler(random_state=3)
    tempered.fit_resample(X, y)
    np.testing.assert_array_equal(tempered.sample_indices_, plain.sample_indices_)


def test_the_same_seed_draws_the_same_repeats():
    X, y = _imbalanced()

    def rows(seed):
        sampler = TemperedOverSampler(random_state=seed)
        sampler.fit_resample(X, y)
        return sampler.sample_indices_

    np.testing.assert_array_equal(rows(0), rows(0))
    assert not np.array_equal(rows(0), rows(1))


def test_a_dataframe_of_pixels_keeps_its_columns_and_dtype():
    X, y = _imbalanced()
    frame = pd.DataFrame(X, columns=[f"pixel_{i // 8}_{i % 8}" for i in range(64)])
    resampled, _ = TemperedOverSampler(random_state=0).fit_resample(frame, y)
    assert list(resampled.columns) == list(frame.columns)
    assert (resampled.dtypes == np.float32).all()


def test_classes_too_far_apart_are_refused():
    counts = np.array([100_000, 1])
    with pytest.raises(ValueError, match="more than 100 times as many"):
        check_repeatable(repeat_counts(counts, 1.0) * 10**4, counts)
    check_repeatable(repeat_counts(counts, 0.5), counts)


def test_a_bad_exponent_is_named():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="'exponent' parameter of TemperedOverSampler"):
        TemperedOverSampler(exponent=1.5).fit_resample(X, y)


def test_before_the_network_the_rare_classes_are_trained_on_more_often():
    X, y = _imbalanced()
    cnn = EmotionCNNClassifier(random_state=0, **tiny_cnn_params())
    pipe = make_pipeline(TemperedOverSampler(random_state=0), cnn).fit(X, y)
    counts = np.array([np.sum(y == c) for c in cnn.classes_], dtype=float)
    repeated = counts**0.5 / (counts**0.5).sum()
    np.testing.assert_allclose(pipe[-1].trained_prior_, repeated, atol=0.02)
    # The sampler acts at fit time only.
    assert pipe.predict(X).shape == y.shape
