"""Which found faces a loader's ``fit_transform`` frames as faceless photos.

A photo without a face found is read whole, with a margin: a framing the
network can tell from a face crop. Where one class loses its faces to the
detector more often than the others (sad faces look down, behind hands), the
framing alone predicts that class, and every blank or faceless frame is read
as it. Framing an equal share of every class's photos whole at fit time leaves
the framing nothing to say about the label.
"""

import numpy as np


def whole_framed_indices(y, found, whole_share, random_state):
    """Indices of found faces to read whole, so each class has ``whole_share``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The labels.
    found : ndarray of bool, shape (n_samples,)
        Whether a face was found in each image.
    whole_share : "matched" or float in [0, 1]
        Share of each class's images to be read whole, counting those without
        a face: ``"matched"`` is the largest share of faceless images of any
        class. A class already above the share is left as it is.
    random_state : numpy.random.RandomState
        Chooses the faces.

    Returns
    -------
    indices : ndarray of int
        Sorted positions of images with a face found.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.images._framing import whole_framed_indices
    >>> y = np.array(["a"] * 4 + ["b"] * 4)
    >>> found = np.array([False, False, True, True] + [True] * 4)
    >>> rng = np.random.RandomState(0)
    >>> len(whole_framed_indices(y, found, "matched", rng))  # two of b's four
    2
    """
    y = np.asarray(y)
    found = np.asarray(found, dtype=bool)
    classes = np.unique(y)
    if whole_share == "matched":
        whole_share = max(np.mean(~found[y == label]) for label in classes)
    chosen = []
    for label in classes:
        members = np.flatnonzero(y == label)
        with_face = members[found[members]]
        wanted = int(np.ceil(whole_share * len(members) - 1e-9))
        n_more = min(len(with_face), wanted - (len(members) - len(with_face)))
        if n_more > 0:
            chosen.append(random_state.choice(with_face, n_more, replace=False))
    if not chosen:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.concatenate(chosen))
