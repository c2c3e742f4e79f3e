"""TestTimeAugmentation: the view of each image the network predicts from."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator

from .._sklearn_seam import Interval


class TestTimeAugmentation(BaseEstimator):
    """How :class:`EmotionCNNClassifier` looks at an image to predict it.

    It needs no refit: ``set_params(test_time_augmentation__crop=...)`` on a
    fitted classifier applies at the next predict.

    Parameters
    ----------
    crop : float in (0, 1], default=0.9
        Predict from the central part of each image, this share of its
        height and width, enlarged back to the image size (bilinear). The
        training zoom shows faces larger than the loader frames them (87.5%
        of the side on average with the default :class:`Augmentation`), so a
        face enlarged by as much is nearer what the network learned from.
        1 predicts from the image as it is.
    flip : bool, default=True
        Average the probabilities of each image and its mirror image (twice
        the prediction cost, in one pass).

    Examples
    --------
    >>> from emotion_sklearn import EmotionCNNClassifier, TestTimeAugmentation
    >>> cnn = EmotionCNNClassifier(
    ...     test_time_augmentation=TestTimeAugmentation(crop=1.0, flip=False))
    >>> cnn.get_params()["test_time_augmentation__crop"]
    1.0
    """

    # Not a test class, whatever pytest makes of the name.
    __test__ = False

    _parameter_constraints = {
        "crop": [Interval(Real, 0, 1, closed="right")],
        "flip": ["boolean"],
    }

    def __init__(self, *, crop=0.9, flip=True):
        self.crop = crop
        self.flip = flip

    def views(self, X, image_size):
        """Rows of the views to predict from: the crops, then their mirrors.

        Parameters
        ----------
        X : ndarray of shape (n_samples, height * width)
        image_size : (int, int)

        Returns
        -------
        views : ndarray of shape (n_views * n_samples, height * width)
            ``n_views`` is 2 with ``flip``, else 1.
        """
        # set_params after fit skips fit's validation.
        self._validate_params()
        X = self._cropped(np.asarray(X, dtype=np.float32), image_size)
        if not self.flip:
            return X
        images = X.reshape(-1, *image_size)
        mirrored = images[:, :, ::-1].reshape(len(images), -1)
        return np.concatenate([X, mirrored])

    def average(self, proba, n_samples):
        """The views' probabilities averaged back to one row per image."""
        if not self.flip:
            return proba
        return (proba[:n_samples] + proba[n_samples:]) / 2

    def crop_matrices(self, image_size):
        """The crop as two matrices: ``rows @ image @ columns.T`` is the view.

        The central ``crop`` share of the image enlarged back to its size,
        bilinear, as :class:`Augmentation`'s zoom samples it (about the
        image's centre, so that a mirror image's view is the view's mirror).
        Bilinear sampling on a grid is separable: each output row mixes two
        input rows, each output column two input columns.

        Parameters
        ----------
        image_size : (int, int)

        Returns
        -------
        rows, columns : ndarray of shape (height, height), (width, width)
        """
        return tuple(_bilinear_zoom(side, self.crop) for side in image_size)

    def _cropped(self, X, image_size):
        if self.crop == 1:
            return X
        rows, columns = self.crop_matrices(image_size)
        images = X.reshape(-1, *image_size)
        views = np.einsum("ij,njk,lk->nil", rows, images, columns, optimize=True)
        return views.reshape(len(X), -1).astype(np.float32, copy=False)


def _bilinear_zoom(side, zoom):
    """Weights reading output pixel ``i`` from input ``c + zoom * (i - c)``."""
    centre = (side - 1) / 2
    where = centre + zoom * (np.arange(side) - centre)
    below = np.clip(np.floor(where).astype(int), 0, side - 1)
    above = np.minimum(below + 1, side - 1)
    weight_above = (where - below).astype(np.float32)
    matrix = np.zeros((side, side), dtype=np.float32)
    matrix[np.arange(side), below] += 1 - weight_above
    matrix[np.arange(side), above] += weight_above
    return matrix
