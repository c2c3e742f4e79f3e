"""Class priors: the one a network learned and the one its predictions assume.

A network trained on weighted or repeated rows learns class probabilities
under the prior those rows have (``trained_prior_``). Dividing by it and
multiplying by another prior reads the same network under that prior
without a refit: the uniform prior calls rare classes as readily as common
ones, the training frequencies give the fewest false alarms.
:class:`ClassPrior` (:class:`~emotion_sklearn.EmotionCNNClassifier`'s
``class_prior``) chooses the reading; the functions below compute it.
"""

from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator

from .._sklearn_seam import StrOptions


class ClassPrior(BaseEstimator):
    """How often each class is assumed to occur among the images to predict.

    :class:`EmotionCNNClassifier` moves the network's probabilities from the
    prior it was trained under (``trained_prior_``) to this one, without a
    refit: ``set_params(class_prior=...)`` applies at the next predict. Its
    ``class_prior`` also takes ``shares`` alone (``"uniform"``, a dict...).

    Parameters
    ----------
    shares : {"uniform", "training"}, array-like, dict or None, default="uniform"
        ``"uniform"``: every class equally often, the highest recall of rare
        classes; ``"training"``: as often as in the rows the network was fit
        on (after any resampling step), which is the network as trained;
        ``None`` takes the probabilities as trained, so class weights and
        resampling decide; an array gives one non-negative share per class in
        ``classes_`` order, a dict maps classes to shares, the classes it
        leaves out getting 0.
    boost : dict or None, default=None
        Factors on the named classes' shares after ``shares``, e.g.
        ``{"sadness": 5.0}``: a class the network finds too seldom is called
        more often. Names that are not classes are ignored, so one setting
        serves any set of labels.

    Examples
    --------
    >>> from emotion_sklearn import ClassPrior
    >>> import numpy as np
    >>> prior = ClassPrior("uniform", boost={"sad": 3.0})
    >>> proba, trained = np.array([[0.5, 0.5]]), np.array([0.5, 0.5])
    >>> prior.read(proba, ["happy", "sad"], trained).tolist()
    [[0.25, 0.75]]
    """

    _parameter_constraints = {
        "shares": [StrOptions({"uniform", "training"}), "array-like", Mapping, None],
        "boost": [Mapping, None],
    }

    def __init__(self, shares="uniform", *, boost=None):
        self.shares = shares
        self.boost = boost

    def check(self, classes):
        """ValueError naming the part of this prior that ``classes`` cannot take."""
        self._validate_params()
        target_prior(self.shares, classes)
        boost_factors(self.boost, classes)
        return self

    def read(self, proba, classes, trained_prior, frequencies=None):
        """``proba``, trained under ``trained_prior``, read under this prior.

        Parameters
        ----------
        proba : ndarray of shape (n_samples, n_classes)
        classes : array-like of shape (n_classes,)
        trained_prior : ndarray of shape (n_classes,)
        frequencies : ndarray of shape (n_classes,), default=None
            What ``"training"`` stands for.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows that sum to 1.
        """
        factors = self.factors(classes, trained_prior, frequencies)
        if factors is None:
            return proba
        proba = proba * factors
        return proba / proba.sum(axis=1, keepdims=True)

    def factors(self, classes, trained_prior, frequencies=None):
        """What :meth:`read` multiplies each class's probability by, or None.

        Reading a prior is multiplying each column by a constant and
        dividing each row by its sum, which is how an exported graph does it.

        Parameters
        ----------
        classes : array-like of shape (n_classes,)
        trained_prior : ndarray of shape (n_classes,)
        frequencies : ndarray of shape (n_classes,), default=None
            What ``"training"`` stands for.

        Returns
        -------
        factors : ndarray of shape (n_classes,) or None
            None: the probabilities are read as they are.
        """
        self._validate_params()  # set_params after fit skips fit's check
        prior = target_prior(self.shares, classes, frequencies)
        boost = boost_factors(self.boost, classes)
        if prior is None and boost is None:
            return None
        factors = np.ones(len(trained_prior))
        if prior is not None:
            factors = factors * (prior / trained_prior)
        if boost is not None:
            factors = factors * boost
        return factors


def as_class_prior(class_prior):
    """``class_prior`` as a :class:`ClassPrior` (shares alone stand for one)."""
    if isinstance(class_prior, ClassPrior):
        return class_prior
    return ClassPrior(class_prior)


def per_class(mapping, classes):
    """``mapping``'s value for each of ``classes``, 1 for a class it leaves out.

    Examples
    --------
    >>> from emotion_sklearn.network._priors import per_class
    >>> per_class({"b": 2.0}, ["a", "b"]).tolist()
    [1.0, 2.0]
    """
    return np.array(
        [mapping.get(c, 1.0) for c in np.asarray(classes).tolist()], dtype=float
    )


def learned_priors(codes, n_classes, sample_weight=None, repeats=None):
    """The classes' frequencies and the prior the network trains under.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        Class indices of the training rows.
    n_classes : int
    sample_weight : ndarray of shape (n_samples,), default=None
    repeats : ndarray of shape (n_classes,), default=None
        How many times each class's rows are shown.

    Returns
    -------
    frequencies, trained_prior : ndarray of shape (n_classes,)
        Each sums to 1. A class without weight keeps its frequency in
        ``trained_prior``, which would otherwise divide by 0.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._priors import learned_priors
    >>> codes = np.array([0, 0, 0, 1])
    >>> frequencies, trained = learned_priors(codes, 2, repeats=np.array([1.0, 3.0]))
    >>> frequencies.tolist(), trained.tolist()
    ([0.75, 0.25], [0.5, 0.5])
    """
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    weight = np.ones(len(codes)) if sample_weight is None else np.ravel(sample_weight)
    if repeats is not None:
        weight = weight * repeats[codes]
    weighted = np.bincount(codes, weights=weight, minlength=n_classes)
    weighted = np.where(weighted > 0, weighted, counts)
    return counts / counts.sum(), weighted / weighted.sum()


def target_prior(class_prior, classes, frequencies=None):
    """``class_prior`` as shares of ``classes`` that sum to 1, or None.

    Parameters
    ----------
    class_prior : {"uniform", "training"}, array-like, dict or None
        As :class:`~emotion_sklearn.EmotionCNNClassifier` takes it.
    classes : array-like of shape (n_classes,)
    frequencies : ndarray of shape (n_classes,), default=None
        The training frequencies, once known; ``"training"`` reads None
        before.

    Returns
    -------
    prior : ndarray of shape (n_classes,) or None

    Raises
    ------
    ValueError
        Naming ``class_prior`` when it cannot be such shares.

    Examples
    --------
    >>> from emotion_sklearn.network._priors import target_prior
    >>> target_prior({"happy": 3, "sad": 1}, ["happy", "sad"]).tolist()
    [0.75, 0.25]
    >>> target_prior("uniform", ["happy", "sad"]).tolist()
    [0.5, 0.5]
    """
    if class_prior is None:
        return None
    n_classes = len(classes)
    if isinstance(class_prior, str):
        if class_prior == "uniform":
            return np.full(n_classes, 1 / n_classes)
        if class_prior == "training":
            return frequencies
        # Anything else is the parameter constraints' to name.
        return None
    shares = class_prior
    if isinstance(shares, Mapping):
        shares = _shares_of_named_classes(shares, classes)
    try:
        prior = np.asarray(shares, dtype=np.float64)
    except (TypeError, ValueError):
        prior = None
    if (
        prior is None
        or prior.shape != (n_classes,)
        or not np.isfinite(prior).all()
        or (prior < 0).any()
        or prior.sum() == 0
    ):
        raise ValueError(
            f"class_prior must be None, 'uniform', 'training', {n_classes} "
            f"non-negative numbers (one per class, not all 0) or a mapping of "
            f"classes to them; got {class_prior!r}."
        )
    return prior / prior.sum()


def boost_factors(boost, classes):
    """``ClassPrior``'s ``boost`` as one factor per class of ``classes``, or None.

    A name that is not a class is left out, so that one setting serves any
    set of labels (the recipe's ``{"sadness": 5.0}`` on labels without
    sadness reads as the plain ``class_prior``).

    Raises
    ------
    ValueError
        For a factor that is not a positive finite number.

    Examples
    --------
    >>> from emotion_sklearn.network._priors import boost_factors
    >>> boost_factors({"sad": 5.0, "fear": 2.0}, ["happy", "sad"]).tolist()
    [1.0, 5.0]
    """
    if boost is None:
        return None
    if not isinstance(boost, Mapping):  # set_params after fit skips fit's check
        raise ValueError(
            "The 'boost' parameter of ClassPrior must be a "
            f"dict of classes to factors or None. Got {boost!r} instead."
        )
    for name, factor in boost.items():
        if not (
            isinstance(factor, Real)
            and not isinstance(factor, bool)
            and np.isfinite(factor)
            and factor > 0
        ):
            raise ValueError(
                "The 'boost' parameter of ClassPrior must "
                "map classes to positive finite numbers; got "
                f"{factor!r} for {name!r}."
            )
    return per_class(boost, classes)


def _shares_of_named_classes(shares, classes):
    """A ``{class: share}`` prior as a list of shares in ``classes`` order.

    A class it does not name gets 0, so it is never predicted; a name that
    is not a class is an error, as a misspelt class would otherwise silently
    be given no share.
    """
    classes = np.asarray(classes).tolist()
    unknown = [name for name in shares if name not in classes]
    if unknown:
        raise ValueError(
            f"class_prior names {unknown!r}, which are not classes; the classes "
            f"are {sorted(classes)!r}."
        )
    return [shares.get(c, 0) for c in classes]
