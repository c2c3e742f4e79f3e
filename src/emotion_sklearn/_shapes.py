"""Image shapes of flat pixel rows, shared by the loader, augmenter and CNN."""

from numbers import Integral


def _is_side(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def resolve_image_shape(shape, n_pixels, *, owner, param="image_shape"):
    """``(height, width)`` of rows of ``n_pixels`` pixels.

    Parameters
    ----------
    shape : (int, int) or None
        The user's value. One side may be -1 and is then inferred, as in
        :func:`numpy.reshape`; ``None`` means square.
    n_pixels : int
        The row length.
    owner : str
        The estimator's name, for the error message.
    param : str, default="image_shape"
        The parameter's name, for the error message.

    Returns
    -------
    (height, width) : tuple of int

    Raises
    ------
    ValueError
        When the value is malformed or does not fit the row length.
    """
    if shape is None:
        side = round(n_pixels**0.5)
        resolved = (side, side)
    else:
        resolved = tuple(shape)
        valid = len(resolved) == 2 and all(
            _is_side(s) and (s > 0 or s == -1) for s in resolved
        )
        if not valid or resolved == (-1, -1):
            raise ValueError(
                f"{owner}: {param} must be (height, width) of positive integers, one "
                f"of which may be -1; got {shape!r}."
            )
        if -1 in resolved:
            known = -resolved[0] * resolved[1]
            inferred = n_pixels // known if n_pixels % known == 0 else 0
            resolved = tuple(inferred if s == -1 else s for s in resolved)
    if resolved[0] * resolved[1] != n_pixels or 0 in resolved:
        kind = " (square)" if shape is None else ""
        raise ValueError(
            f"{owner}: rows of {n_pixels} pixels are not images of {param}="
            f"{shape!r}{kind}; set {param}=(height, width), one side may be -1."
        )
    return resolved
