"""TemperedOverSampler: rare classes repeated, short of full balance."""

from numbers import Real

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.over_sampling.base import BaseOverSampler

from .._sklearn_seam import Interval
from ._class_weights import check_repeatable, repeat_counts


class TemperedOverSampler(BaseOverSampler):
    """Repeat each class's images in proportion to its tempered class weight.

    A class's weight is scikit-learn's "balanced" weight (inversely
    proportional to its frequency) to the power ``exponent``; each class is
    repeated to ``weight / lightest weight`` times its images, the lightest
    class once each. The extra images are drawn at random with replacement
    by imbalanced-learn's :class:`~imblearn.over_sampling.RandomOverSampler`.
    ``exponent=1`` balances the classes fully (as ``RandomOverSampler()``),
    0 leaves them as they are. Below 1 the rarest classes stay rarer than
    the others: in this package's dataset an angry face is shown about 5
    times for each neutral one's once at 0.5, 27 times fully balanced. The
    network then learns the common classes better and, read under a uniform
    class prior, still calls the rare ones.

    In a pipeline before :class:`EmotionCNNClassifier` (the recipe's
    ``resample`` step), each repeat goes through the network's augmentation
    anew, so the network sees rare faces more often and differently each
    time. It acts at fit time only.

    Parameters
    ----------
    exponent : float in [0, 1], default=0.5
        The power of the balanced class weights.
    random_state : int, RandomState instance or None, default=None
        Draws the repeats.

    Attributes
    ----------
    sampling_strategy_ : dict
        Images added to each class.
    sample_indices_ : ndarray of shape (n_new_samples,)
        The row each resampled row was taken from.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn import TemperedOverSampler
    >>> X = np.arange(10).reshape(-1, 1)
    >>> y = np.array(["a"] * 8 + ["b"] * 2)
    >>> _, y_resampled = TemperedOverSampler(random_state=0).fit_resample(X, y)
    >>> {str(c): int(n) for c, n in zip(*np.unique(y_resampled, return_counts=True))}
    {'a': 8, 'b': 4}
    """

    _parameter_constraints = {
        "exponent": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, exponent=0.5, random_state=None):
        self.exponent = exponent
        self.random_state = random_state

    @property
    def sampling_strategy(self):
        # imbalanced-learn's fit_resample reads the strategy from here: the
        # counts follow from the labels and ``exponent``.
        return self._strategy

    def _strategy(self, y):
        classes, counts = np.unique(y, return_counts=True)
        target = repeat_counts(counts, self.exponent)
        check_repeatable(target, counts)
        return {c: int(t) for c, t in zip(classes, target, strict=True)}

    def _check_X_y(self, X, y):
        # As RandomOverSampler: rows are copied, not computed, so any dtype
        # (a float32 DataFrame of pixels) stays as it is.
        return RandomOverSampler._check_X_y(self, X, y)

    def _fit_resample(self, X, y):
        sampler = RandomOverSampler(
            sampling_strategy={
                c: n + int(np.sum(y == c)) for c, n in self.sampling_strategy_.items()
            },
            random_state=self.random_state,
        )
        X_resampled, y_resampled = sampler.fit_resample(X, y)
        self.sample_indices_ = sampler.sample_indices_
        return X_resampled, y_resampled

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.sampler_tags.sample_indices = True
        return tags
