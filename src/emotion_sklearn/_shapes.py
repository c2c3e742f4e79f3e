"""Image sizes of flat pixel rows, shared by the loader, augmenter and CNN.

Every size in the package is ``(height, width)``, the order of numpy's
shapes; only the calls into Pillow (``_decode.py``) turn it around.
"""

import re
from numbers import Integral

import numpy as np

_PIXEL_NAME = re.compile(r"pixel_(\d+)_(\d+)")


def _is_side(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def pixel_feature_names(image_size):
    """``pixel_<row>_<col>`` names of an image's pixels, row-major.

    Examples
    --------
    >>> from emotion_sklearn._shapes import pixel_feature_names
    >>> pixel_feature_names((1, 2)).tolist()
    ['pixel_0_0', 'pixel_0_1']
    """
    height, width = image_size
    return np.asarray(
        [f"pixel_{r}_{c}" for r in range(height) for c in range(width)], dtype=object
    )


def size_from_feature_names(names):
    """``(height, width)`` read from ``pixel_<row>_<col>`` names, or None."""
    if names is None or len(names) == 0:
        return None
    last = _PIXEL_NAME.fullmatch(str(names[-1]))
    if last is None:
        return None
    size = (int(last[1]) + 1, int(last[2]) + 1)
    if size[0] * size[1] != len(names) or _PIXEL_NAME.fullmatch(str(names[0])) is None:
        return None
    return size


def resolve_image_size(
    size, n_pixels, *, owner, feature_names=None, param="image_size"
):
    """``(height, width)`` of rows of ``n_pixels`` pixels.

    Parameters
    ----------
    size : (int, int) or None
        The user's value. One side may be -1 and is then inferred, as in
        :func:`numpy.reshape`; ``None`` reads the size from
        ``feature_names`` when they are ``pixel_<row>_<col>`` names, else
        means square.
    n_pixels : int
        The row length.
    owner : str
        The estimator's name, for the error message.
    feature_names : array-like of str or None, default=None
        The column names the rows came with (``feature_names_in_``).
    param : str, default="image_size"
        The parameter's name, for the error message.

    Returns
    -------
    (height, width) : tuple of int

    Raises
    ------
    ValueError
        When the value is malformed or does not fit the row length.
    """
    named = size_from_feature_names(feature_names) if size is None else None
    if named is not None:
        resolved = named
    elif size is None:
        side = round(n_pixels**0.5)
        resolved = (side, side)
    else:
        resolved = tuple(size)
        valid = len(resolved) == 2 and all(
            _is_side(s) and (s > 0 or s == -1) for s in resolved
        )
        if not valid or resolved == (-1, -1):
            raise ValueError(
                f"{owner}: {param} must be (height, width) of positive integers, one "
                f"of which may be -1; got {size!r}."
            )
        if -1 in resolved:
            known = -resolved[0] * resolved[1]
            inferred = n_pixels // known if n_pixels % known == 0 else 0
            resolved = tuple(inferred if s == -1 else s for s in resolved)
    if resolved[0] * resolved[1] != n_pixels or 0 in resolved:
        kind = " (square)" if size is None else ""
        raise ValueError(
            f"{owner}: rows of {n_pixels} pixels are not images of {param}="
            f"{size!r}{kind}; set {param}=(height, width), one side may be -1."
        )
    return resolved
