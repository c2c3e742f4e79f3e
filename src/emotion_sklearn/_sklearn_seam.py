"""The one place that imports private names of scikit-learn.

scikit-learn keeps these under a leading underscore, so a release may move or
change them without a deprecation. Each is named here with why it is used, and
``tests/test_sklearn_seam.py`` checks the behaviour the package relies on, so
that an upgrade that changes one fails a test by name instead of a fit.
scikit-learn-contrib packages (imbalanced-learn among them) use the same names
for the same reasons.

``sklearn.utils._param_validation.Interval`` and ``StrOptions``
    The constraint objects of every estimator's ``_parameter_constraints``:
    with them ``BaseEstimator._validate_params`` checks a parameter's type and
    range and names the parameter in its error, exactly as scikit-learn's own
    estimators do. There is no public equivalent.
``sklearn.utils._param_validation.InvalidParameterError``
    What ``_validate_params`` raises (a ``ValueError`` and a ``TypeError``);
    the command line turns it into a one-line error naming the step.
``sklearn.base._fit_context``
    Runs ``_validate_params`` once at the start of ``fit`` and lets nested
    scikit-learn calls skip validating again, as scikit-learn's own ``fit``
    methods do.
``sklearn.utils._safe_indexing``
    Selects rows of whatever a loader returned (an array, a sparse matrix or
    a DataFrame under ``set_output``) with one call.

``BaseEstimator._validate_params`` itself is a method every estimator here
inherits; the test checks that it still validates against
``_parameter_constraints``.
"""

from sklearn.base import _fit_context as fit_context
from sklearn.utils import _safe_indexing as safe_indexing
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "fit_context",
    "safe_indexing",
]
