"""The accuracy benchmark's scoring and settings, which its README numbers rest on."""

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from bench_accuracy import _roc_auc, parse_setting


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
