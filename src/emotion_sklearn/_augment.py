"""RotationAugmenter: fit-time copies of each image in other orientations."""

from numbers import Real

import numpy as np
from imblearn.base import BaseSampler
from skimage.transform import rotate
from sklearn.utils import check_random_state

from ._shapes import resolve_image_size
from ._sklearn_seam import Interval

# Each maps a stack (n, h, w) to its copy. The original work used all but
# "original": as is, two mirror flips and three rotations, six per image.
ORIENTATIONS = {
    "original": lambda images: images,
    "flip_horizontal": lambda images: images[:, :, ::-1],
    "flip_vertical": lambda images: images[:, ::-1, :],
    "rotate_90": lambda images: np.rot90(images, 1, axes=(1, 2)),
    "rotate_180": lambda images: np.rot90(images, 2, axes=(1, 2)),
    "rotate_270": lambda images: np.rot90(images, 3, axes=(1, 2)),
}
ORIGINAL_WORK = (
    "flip_horizontal",
    "flip_vertical",
    "rotate_90",
    "rotate_180",
    "rotate_270",
)
_TURNS = {"rotate_90", "rotate_270"}


class RotationAugmenter(BaseSampler):
    """Add flipped and rotated copies of each image, at fit time only.

    An imbalanced-learn sampler: in an :class:`imblearn.pipeline.Pipeline` it
    runs in ``fit`` and is skipped in ``predict``, so predictions are made on
    the images as given, one per input row. The output holds the original rows
    first, in their order, followed by one block of copies per orientation;
    labels follow their images, and ``sample_indices_`` says which input row
    each output row was made from. A DataFrame comes back as a DataFrame with
    the same columns, a list as a list.

    Parameters
    ----------
    orientations : sequence of str, default=ORIGINAL_WORK
        The copies to add, each one per image: ``"flip_horizontal"`` (mirror
        left-right, faces stay upright), ``"flip_vertical"`` (upside-down
        mirror), ``"rotate_90"``, ``"rotate_180"``, ``"rotate_270"``
        (counter-clockwise) and ``"original"`` (an unrotated copy, useful with
        ``max_angle``). The default is the original work's six orientations
        per image: the image and these five copies. ``()`` adds nothing.
    max_angle : float, default=0.0
        If positive, each copy is also rotated by a random angle drawn
        uniformly from ``[-max_angle, max_angle]`` degrees (edges repeated).
    image_size : (int, int) or None, default=None
        ``(height, width)`` of the images in each row; one side may be -1.
        ``None`` reads it from ``pixel_<row>_<col>`` column names (as
        :class:`ImageLoader` writes them with pandas output), else takes
        square images.
    random_state : int, RandomState instance or None, default=None
        Seeds the random angles.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Set only for DataFrame input.
    image_size_ : (int, int)
    sample_indices_ : ndarray of shape (n_samples_resampled,)
        The input row each output row is, or is a copy of.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn import RotationAugmenter
    >>> X, y = np.arange(8.0).reshape(2, 4), np.array(["anger", "neutral"])
    >>> augmenter = RotationAugmenter()
    >>> X_aug, y_aug = augmenter.fit_resample(X, y)
    >>> X_aug.shape, y_aug[:4].tolist()
    ((12, 4), ['anger', 'neutral', 'anger', 'neutral'])
    >>> augmenter.sample_indices_[:4].tolist()
    [0, 1, 0, 1]
    """

    _sampling_type = "bypass"
    # imbalanced-learn's fit_resample reads it; a bypass sampler has no
    # class balance to reach, so it is fixed rather than a parameter.
    sampling_strategy = "auto"
    _parameter_constraints = {
        "orientations": ["array-like"],
        "max_angle": [Interval(Real, 0, 180, closed="both")],
        "image_size": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        orientations=ORIGINAL_WORK,
        max_angle=0.0,
        image_size=None,
        random_state=None,
    ):
        self.orientations = orientations
        self.max_angle = max_angle
        self.image_size = image_size
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        # imbalanced-learn's validation hook, run by fit and fit_resample:
        # dense rows only, then the image size and the orientations.
        X, y, binarize_y = super()._check_X_y(X, y, accept_sparse=False)
        self._check_images(X)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        images = X.reshape(len(X), *self.image_size_)
        rng = check_random_state(self.random_state)
        copies = [X]
        for name in self.orientations:
            turned = ORIENTATIONS[name](images)
            if self.max_angle > 0:
                turned = self._jitter(turned, rng)
            copies.append(turned.reshape(len(X), -1))
        self.sample_indices_ = np.tile(np.arange(len(X)), len(copies))
        X_resampled = np.concatenate(copies).astype(X.dtype, copy=False)
        return X_resampled, y[self.sample_indices_]

    def _check_images(self, X):
        unknown = [o for o in self.orientations if o not in ORIENTATIONS]
        if isinstance(self.orientations, str) or unknown:
            raise ValueError(
                f"orientations must be a list of {sorted(ORIENTATIONS)}, got "
                f"{self.orientations!r}."
            )
        self.image_size_ = resolve_image_size(
            self.image_size,
            X.shape[1],
            feature_names=getattr(self, "feature_names_in_", None),
            owner=type(self).__name__,
        )
        height, width = self.image_size_
        turns = sorted(_TURNS.intersection(self.orientations))
        if turns and height != width:
            raise ValueError(
                f"orientations {turns} need square images, got {height}x{width}."
            )

    def _jitter(self, images, rng):
        angles = rng.uniform(-self.max_angle, self.max_angle, size=len(images))
        return np.stack(
            [
                rotate(image, angle, mode="edge", preserve_range=True)
                for image, angle in zip(images, angles, strict=True)
            ]
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        tags.sampler_tags.sample_indices = True
        return tags
