"""Each private scikit-learn name the package relies on, as installed.

A failure here names what an upgrade changed; ``_sklearn_seam.py`` says why
each name is used.
"""

import ast
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator

import emotion_sklearn
from emotion_sklearn._sklearn_seam import (
    Interval,
    InvalidParameterError,
    StrOptions,
    fit_context,
    safe_indexing,
)

PACKAGE = Path(emotion_sklearn.__file__).parent


class _Constrained(BaseEstimator):
    _parameter_constraints = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "fraction": [Interval(Real, 0, 1, closed="right")],
        "mode": [StrOptions({"fast", "exact"})],
    }

    def __init__(self, size=1, fraction=0.5, mode="fast"):
        self.size = size
        self.fraction = fraction
        self.mode = mode

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        self.fitted_ = True
        return self


@pytest.mark.parametrize(
    "params, named",
    [
        ({"size": 0}, "'size'"),
        ({"size": 1.5}, "'size'"),
        ({"fraction": 0.0}, "'fraction'"),
        ({"mode": "slow"}, "'mode'"),
    ],
)
def test_validate_params_names_the_parameter(params, named):
    estimator = _Constrained(**params)
    with pytest.raises(InvalidParameterError, match=named):
        estimator._validate_params()
    with pytest.raises(InvalidParameterError, match=named):
        estimator.fit()


def test_valid_parameters_pass_and_fit_context_fits():
    estimator = _Constrained(size=3, fraction=1.0, mode="exact")
    estimator._validate_params()
    assert estimator.fit() is estimator
    assert estimator.fitted_


def test_invalid_parameter_error_is_a_value_and_type_error():
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


@pytest.mark.parametrize(
    "container",
    [np.asarray, sp.csr_matrix, pd.DataFrame],
    ids=["ndarray", "sparse", "dataframe"],
)
def test_safe_indexing_selects_rows_of_any_loader_output(container):
    rows = np.arange(12, dtype=float).reshape(4, 3)
    picked = safe_indexing(container(rows), np.array([2, 0]))
    dense = picked.toarray() if sp.issparse(picked) else np.asarray(picked)
    np.testing.assert_array_equal(dense, rows[[2, 0]])


def _private_sklearn_imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn"
        ):
            parts = node.module.split(".") + [alias.name for alias in node.names]
            if any(part.startswith("_") for part in parts):
                yield node.module


def test_no_other_module_imports_a_private_sklearn_name():
    offenders = {
        path.name: list(_private_sklearn_imports(path))
        for path in PACKAGE.glob("*.py")
        if path.name != "_sklearn_seam.py"
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
