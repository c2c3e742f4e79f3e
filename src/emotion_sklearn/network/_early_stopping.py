"""EarlyStopping, and the validation split it holds out."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d

from .._sklearn_seam import Interval


class EarlyStopping(BaseEstimator):
    """Stop training when held-out images stop getting better.

    Give it to :class:`EmotionCNNClassifier` as ``early_stopping`` (``True``
    stands for ``EarlyStopping()``). It holds out ``validation_fraction`` of
    the distinct images (whole people when the fit is given ``groups``),
    stops when their loss has not improved for ``patience`` epochs and keeps
    the best epoch's weights. Copies of a held-out image (an over-sampler's
    duplicates, flips, 90-degree rotations) are dropped from training rather
    than leaking into it.

    Parameters
    ----------
    validation_fraction : float in (0, 1), default=0.1
    patience : int, default=10

    Examples
    --------
    >>> from emotion_sklearn import EarlyStopping, EmotionCNNClassifier
    >>> cnn = EmotionCNNClassifier(early_stopping=EarlyStopping(patience=5))
    >>> cnn.get_params()["early_stopping__patience"]
    5
    """

    _parameter_constraints = {
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, validation_fraction=0.1, patience=10):
        self.validation_fraction = validation_fraction
        self.patience = patience

    def split(self, X, y, *, random_state, groups=None):
        """Row indices ``(train, valid)``: one row per held-out distinct image."""
        return validation_split(
            X,
            y,
            fraction=self.validation_fraction,
            random_state=random_state,
            groups=groups,
        )


def content_keys(X):
    """One key per row that is equal for a row and its copies.

    The sorted pixel values of an image do not change when it is copied,
    flipped or rotated by a multiple of 90 degrees, so rows that an
    over-sampler copied, or a flip or 90-degree rotation derived from the same image
    share a key.
    """
    ordered = np.sort(X, axis=1)
    keys = np.ascontiguousarray(ordered).view(
        np.dtype((np.void, ordered.dtype.itemsize * ordered.shape[1]))
    )
    return np.unique(keys.ravel(), return_inverse=True)[1]


def validation_split(X, y, *, fraction, random_state, groups=None):
    """Row indices ``(train, valid)``: one row per held-out distinct image.

    Copies of a held-out image (over-sampled duplicates, flips, 90-degree
    rotations) are left out of ``train`` rather than leaking into it. With
    ``groups``, the held-out images are whole groups, and no row of those
    groups is in ``train``.
    """
    keys = content_keys(X)
    first_rows = np.unique(keys, return_index=True)[1]
    try:
        if groups is None:
            valid = _hold_out_images(first_rows, y[first_rows], fraction, random_state)
        else:
            valid = _hold_out_groups(
                first_rows, y[first_rows], groups[first_rows], fraction, random_state
            )
    except ValueError as exc:
        raise ValueError(
            f"Cannot hold out validation_fraction={fraction} of "
            f"{len(first_rows)} distinct images for early stopping ({exc}); "
            "use more images, a larger validation_fraction or early_stopping=False."
        ) from None
    held_out = np.isin(keys, keys[valid])
    if groups is not None:
        held_out |= np.isin(groups, groups[valid])
    return np.flatnonzero(~held_out), np.sort(valid)


def _hold_out_images(rows, labels, fraction, random_state):
    _, per_class = np.unique(labels, return_counts=True)
    stratify = labels if per_class.min() >= 2 else None
    _, valid = train_test_split(
        rows,
        test_size=fraction,
        stratify=stratify,
        random_state=check_random_state(random_state),
    )
    return valid


def _hold_out_groups(rows, labels, groups, fraction, random_state):
    n_groups = len(np.unique(groups))
    n_splits = max(2, round(1 / fraction))
    if n_groups < n_splits:
        raise ValueError(
            f"groups has {n_groups} distinct values; holding out "
            f"validation_fraction={fraction} of them needs at least {n_splits}"
        )
    # The first fold of a stratified group split: whole people, with the
    # class mix as close to the whole as whole people allow. Seeded by an
    # integer so the split does not draw from random_state's own stream.
    seed = check_random_state(random_state).randint(2**31 - 1)
    splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
    _, valid = next(splitter.split(rows, labels, groups))
    return rows[valid]


def check_groups(groups, n_samples):
    """``groups`` as a 1-D array of one entry per row, or None."""
    if groups is None:
        return None
    groups = column_or_1d(groups)
    if len(groups) != n_samples:
        raise ValueError(
            f"groups has {len(groups)} entries but X has {n_samples} rows; give one "
            "group (the person) per row. A fit-time step that adds rows (an "
            "augmenter or over-sampler before the network) cannot be combined "
            "with groups."
        )
    return groups
