"""Augmentation: the random changes every training image goes through.

The changes are layers inside the network (``_architecture`` builds them from
this object), not a sampler in the pipeline: each epoch then sees every image
changed afresh, for free, and the layers pass images through unchanged at
predict time. A sampler could only add a fixed set of changed copies.
"""

from numbers import Real

from sklearn.base import BaseEstimator

from .._sklearn_seam import Interval, StrOptions

# The fills RandomAffine offers (Keras' affine_transform also has "mirror").
FILL_MODES = ("reflect", "nearest", "constant", "wrap")


class Augmentation(BaseEstimator):
    """Random changes to each training image, drawn afresh every epoch.

    Give it to :class:`EmotionCNNClassifier` as ``augmentation``; each of its
    parameters is searchable as ``cnn__augmentation__<name>``. The defaults
    are the recommended recipe. Rotation, shift and zoom are drawn for each
    image and applied as one affine map, so a training image is interpolated
    once, as the images the network predicts from are.

    Parameters
    ----------
    flip : bool, default=True
        Mirror each image left-right with probability 1/2.
    shift : float in [0, 1), default=0.06
        Shift by up to this fraction of the height and width.
    rotation : float in [0, 180], default=14.4
        Rotate by up to this many degrees either way.
    zoom : float or (float, float), default=(0.4, 0.15)
        Zoom in or out by up to this fraction; a pair ``(zoom_in, zoom_out)``
        sets each way apart: ``(0.4, 0.15)`` shows between 60% and 115% of
        the image's side, so the network also sees faces cropped tighter
        than the loader crops them.
    fill_mode : {"reflect", "nearest", "constant", "wrap"}, default="reflect"
        How rotation, shift and zoom fill the pixels they move in from
        outside the frame.
    top_cut : float in [0, 1], default=0.3
        Share of images whose face is cut from the eyes down, as face
        databases crop faces (the top 15% to 35% of the height replaced by
        repeats of the first row kept, half of those framed as the loader
        frames a photo without a face), before rotation, shift and zoom.
    brightness : float in [0, 1), default=0.3
        Brighten or darken by up to this fraction of the pixel range.
    contrast : float in [0, 1), default=0.3
        Raise or lower the contrast by up to this fraction.
    downscale : float in [0, 1), default=0.0
        Show each image at a resolution drawn from ``1 - downscale`` of its
        side to its full side; 0 keeps every image sharp.
    blur : float, default=0.0
        Blur about half the images with a Gaussian of up to this many pixels'
        standard deviation; 0 blurs nothing.
    noise : float, default=0.0
        Gaussian noise of this standard deviation (pixels are in [0, 1]).
    erasing : float in [0, 1], default=0.0
        Largest probability of replacing a random rectangle (2% to 20% of the
        image) with noise; 0 erases nothing.
    blank : float in [0, 1], default=0.0
        Share of images replaced by a frame with no face (a grey level, a
        ramp, pixel noise), keeping the replaced image's label: the network
        learns to answer a faceless frame with the classes' training
        frequencies, which a uniform class-prior reading turns into no
        emotion above another. 0 replaces none (the recipe: with 0.02,
        17 epochs and ``whole_share="matched"`` it scored lower,
        ``benchmarks/README.md``).

    Examples
    --------
    >>> from emotion_sklearn import Augmentation, EmotionCNNClassifier
    >>> cnn = EmotionCNNClassifier(augmentation=Augmentation(rotation=10.0))
    >>> cnn.get_params()["augmentation__rotation"]
    10.0
    """

    _parameter_constraints = {
        "flip": ["boolean"],
        "shift": [Interval(Real, 0, 1, closed="left")],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "zoom": [Interval(Real, 0, 1, closed="left"), tuple],
        "fill_mode": [StrOptions(set(FILL_MODES))],
        "top_cut": [Interval(Real, 0, 1, closed="both")],
        "brightness": [Interval(Real, 0, 1, closed="left")],
        "contrast": [Interval(Real, 0, 1, closed="left")],
        "downscale": [Interval(Real, 0, 1, closed="left")],
        "blur": [Interval(Real, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "erasing": [Interval(Real, 0, 1, closed="both")],
        "blank": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        flip=True,
        shift=0.06,
        rotation=14.4,
        zoom=(0.4, 0.15),
        fill_mode="reflect",
        top_cut=0.3,
        brightness=0.3,
        contrast=0.3,
        downscale=0.0,
        blur=0.0,
        noise=0.0,
        erasing=0.0,
        blank=0.0,
    ):
        self.flip = flip
        self.shift = shift
        self.rotation = rotation
        self.zoom = zoom
        self.fill_mode = fill_mode
        self.top_cut = top_cut
        self.brightness = brightness
        self.contrast = contrast
        self.downscale = downscale
        self.blur = blur
        self.noise = noise
        self.erasing = erasing
        self.blank = blank

    def check(self):
        """ValueError naming the first parameter out of its range."""
        self._validate_params()
        self.zoom_range()
        return self

    def zoom_range(self):
        """``zoom`` as Keras' ``(lower, upper)`` pair: negative zooms in.

        Examples
        --------
        >>> from emotion_sklearn import Augmentation
        >>> Augmentation(zoom=0.1).zoom_range()
        (-0.1, 0.1)
        >>> Augmentation(zoom=(0.4, 0.15)).zoom_range()
        (-0.4, 0.15)
        """
        zoom = self.zoom
        if not isinstance(zoom, tuple):
            return (-zoom, zoom)
        if len(zoom) != 2 or not all(
            isinstance(v, Real) and not isinstance(v, bool) and 0 <= v < 1 for v in zoom
        ):
            raise ValueError(
                "The 'zoom' parameter of Augmentation must be a float in [0, 1) "
                "or a pair (zoom_in, zoom_out) of floats in [0, 1). Got "
                f"{zoom!r} instead."
            )
        return (-zoom[0], zoom[1])
