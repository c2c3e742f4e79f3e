"""Tests of class weights as loss factors or repeats (``_class_weights.py``)."""

import numpy as np
import pytest

from emotion_sklearn._class_weights import (
    check_repeatable,
    class_repeats,
    per_class,
    repeated_rows,
    tempered_class_weights,
)


def test_balanced_weights_are_tempered_by_the_exponent():
    y = np.array(["a"] * 8 + ["b"] * 2)
    full = tempered_class_weights("balanced", y, 1.0)
    half = tempered_class_weights("balanced", y, 0.5)
    assert full == pytest.approx({"a": 0.625, "b": 2.5})
    assert half == pytest.approx({"a": 0.625**0.5, "b": 2.5**0.5})
    assert tempered_class_weights("balanced", y, 0.0) == pytest.approx(
        {"a": 1.0, "b": 1.0}
    )


def test_given_weights_pass_through():
    weights = {"a": 2.0}
    assert tempered_class_weights(weights, ["a", "b"], 0.5) is weights
    assert tempered_class_weights(None, ["a", "b"], 0.5) is None


def test_per_class_reads_one_for_a_class_left_out():
    np.testing.assert_array_equal(per_class({"b": 3.0}, ["a", "b", "c"]), [1, 3, 1])


def test_repeats_are_relative_to_the_lightest_present_class():
    # Class "c" is absent: its lighter weight must not set the scale.
    repeats = class_repeats({"a": 1.0, "b": 3.0, "c": 0.5}, ["a", "b", "c"], [0, 1])
    np.testing.assert_allclose(repeats, [1.0, 3.0, 0.5])


def test_repeated_rows_show_each_row_and_reach_each_class_target():
    codes = np.array([0] * 6 + [1] * 2)
    rows = repeated_rows(codes, np.array([1.0, 2.5]), random_state=0)
    assert set(range(len(codes))) <= set(rows.tolist())
    assert np.bincount(codes[rows]).tolist() == [6, 5]
    again = repeated_rows(codes, np.array([1.0, 2.5]), random_state=0)
    np.testing.assert_array_equal(rows, again)


def test_a_class_weighted_zero_cannot_be_repeated():
    with pytest.raises(ValueError, match=r"\['b'\] no weight"):
        check_repeatable({"b": 0.0}, np.array(["a", "b"]))


def test_weights_too_far_apart_are_refused():
    y = np.array(["a"] * 10 + ["b"])
    with pytest.raises(ValueError, match="more than 100 times as many"):
        check_repeatable({"a": 1.0, "b": 1e5}, y)
    check_repeatable({"a": 1.0, "b": 5.0}, y)
