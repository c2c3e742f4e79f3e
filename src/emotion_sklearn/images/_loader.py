"""ImageLoader: image files or arrays in, flat grayscale pixel rows out."""

import os
import sys
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state, gen_even_slices
from sklearn.utils.validation import (
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from .._shapes import pixel_feature_names, resolve_image_size
from .._sklearn_seam import Interval, StrOptions, fit_context
from ._decode import (
    FIT_MODES,
    array_to_grayscale,
    decode_file,
    face_crop_array,
    resize_array,
)
from ._faces import DETECTORS, FaceFinder
from ._framing import whole_framed_indices

# Below this many files a thread pool costs more than it saves.
_MIN_FILES_PER_JOB = 32


def _is_path(item):
    return isinstance(item, (str, os.PathLike))


def _check_image_size(image_size, name="image_size"):
    size = tuple(image_size)
    if len(size) != 2 or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in size
    ):
        raise ValueError(
            f"{name} must be two positive integers (height, width), got {image_size!r}."
        )
    return size


class ImageLoader(TransformerMixin, BaseEstimator):
    """Load face images as flat rows of grayscale pixels in [0, 1].

    A stateless transformer: image paths or pixel arrays in, a 2-D ``float32``
    array ``(n_samples, height * width)`` out, so that any scikit-learn or
    imbalanced-learn step (``StandardScaler``, ``PCA``, ``SMOTE``) or the CNN
    can follow it.

    Files are decoded by their content, never their extension, so a WebP
    named ``.jpg`` loads. EXIF orientation is applied; colour, palette, CMYK
    and 16-bit images become grayscale (ITU-R 601 luma); transparent areas
    become white. JPEGs are decoded straight to a reduced scale (Pillow's
    draft mode), which makes loading 350x350 photos for a 48x48 model several
    times faster than a full decode.

    Parameters
    ----------
    image_size : (int, int), default=(48, 48)
        ``(height, width)`` of the output images.
    fit_mode : {"crop", "pad", "stretch"}, default="crop"
        How an image whose aspect ratio differs from ``image_size`` is fitted.
        ``"crop"`` takes the largest centred region of the right shape and
        resizes it: faces are centred, so this keeps the face and drops
        borders. ``"pad"`` scales the whole image to fit and pads with black.
        ``"stretch"`` resizes without keeping the aspect ratio.
    crop_fraction : float in (0, 1], default=0.7
        Fraction of the image's width and height kept around its centre
        before fitting; the dataset's faces fill about the middle half of each
        photo, so a value below 1 gives the face more of the output pixels.
        1.0 keeps the whole image. Not used with a ``face_finder``.
    input_size : (int, int) or None, default=None
        ``(height, width)`` of the images when ``X`` is a 2-D numeric array of
        flattened pixel rows; one side may be ``-1`` to infer it, as in
        :func:`numpy.reshape`. ``None`` reads it from ``pixel_<row>_<col>``
        column names, else takes square images.
    face_finder : {"haar", "lbp"}, FaceFinder or None, default="haar"
        Find the largest face in each image (on the decoded photo, before
        resizing) and keep the square around it instead of the central crop:
        ``"haar"`` and ``"lbp"`` are ``FaceFinder(detector=...)`` with its
        defaults; ``None`` keeps the central crop of every image.
        An image without a face found is used whole, with the finder's
        ``faceless_margin`` added around it by repeating its edges (a face that fills
        the frame, cut at the chin or forehead, is the usual reason, and this
        frames it as a found face is framed), and counted in a
        :class:`NoFaceFoundWarning`. Each file's faces are found once a
        process (cached by path, size and modification time).
    whole_share : "matched", float in [0, 1] or None, default=None
        What ``fit_transform(X, y)`` does so that "no face found" does not
        stand for a label: found faces of each class, chosen at random, are
        read whole as faceless images are, until that share of every class
        is read whole. ``"matched"``: the largest share of faceless images of
        any class (the detector misses sad faces most often; without this,
        a blank frame reads as sad). ``None``: ``fit_transform`` reads every
        image as ``transform`` does (the recipe, ``benchmarks/README.md``).
        Only at fit time, and only with labels and a ``face_finder``:
        ``transform`` frames every found face.
    random_state : int, RandomState instance or None, default=None
        Chooses the faces ``whole_share`` reads whole.
    n_jobs : int or None, default=None
        Threads that decode files in parallel (Pillow releases the GIL while
        decoding). ``None`` means 1 unless in a :func:`joblib.parallel_config`
        context; ``-1`` means all processors.

    Attributes
    ----------
    whole_indices_ : ndarray of int
        Positions of the images with a face that ``fit_transform`` read
        whole (empty after ``fit``), as imbalanced-learn's samplers record
        ``sample_indices_``.
    n_features_in_ : int
        Number of columns seen in ``fit``; set only for 2-D input.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit``; set only for DataFrame input.

    Notes
    -----
    Accepted ``X``:

    - a 1-D array-like of paths (``str`` or :class:`os.PathLike`), or a
      one-column DataFrame or 2-D array of them;
    - an image stack ``(n, h, w)`` or ``(n, h, w, c)`` with 1 to 4 channels;
      integer images are scaled by their type's range (255, or 65535 for
      ``uint16``), float images are taken as already scaled;
    - a 2-D numeric array of flattened images, see ``input_size``.

    A file above 64 million pixels (8000x8000) is refused with
    :class:`ImageLoadError` before it is decoded.

    The loader learns nothing, so ``transform`` works without ``fit``. As
    with scikit-learn's ``TargetEncoder``, ``fit_transform(X, y)`` differs
    from ``fit(X, y).transform(X)`` (see ``whole_share``): a pipeline's
    ``fit`` trains on the first, its ``predict`` reads the second. Its
    columns are named ``pixel_<row>_<col>``: with
    ``set_output(transform="pandas")`` the later steps read the image size
    from those names, so it is set in one place.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn import ImageLoader
    >>> faces = np.random.default_rng(0).integers(0, 256, (3, 96, 64), dtype=np.uint8)
    >>> ImageLoader(image_size=(48, 40)).fit_transform(faces).shape
    (3, 1920)
    """

    _parameter_constraints = {
        "image_size": ["array-like"],
        "fit_mode": [StrOptions(set(FIT_MODES))],
        "crop_fraction": [Interval(Real, 0, 1, closed="right")],
        "input_size": ["array-like", None],
        "face_finder": [StrOptions(set(DETECTORS)), FaceFinder, None],
        "whole_share": [
            StrOptions({"matched"}),
            Interval(Real, 0, 1, closed="both"),
            None,
        ],
        "random_state": ["random_state"],
        "n_jobs": [Interval(Integral, None, None, closed="neither"), None],
    }

    def __init__(
        self,
        *,
        image_size=(48, 48),
        fit_mode="crop",
        crop_fraction=0.7,
        input_size=None,
        face_finder="haar",
        whole_share=None,
        random_state=None,
        n_jobs=None,
    ):
        self.image_size = image_size
        self.fit_mode = fit_mode
        self.crop_fraction = crop_fraction
        self.input_size = input_size
        self.face_finder = face_finder
        self.whole_share = whole_share
        self.random_state = random_state
        self.n_jobs = n_jobs

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : array-like
            See the class Notes.
        y : None
            Ignored.

        Returns
        -------
        self : ImageLoader
        """
        _check_image_size(self.image_size)
        self._images_from(X, reset=True)
        self.whole_indices_ = np.zeros(0, dtype=np.intp)
        return self

    def fit_transform(self, X, y=None):
        """Load the images, reading a share of each class's faces whole.

        Parameters
        ----------
        X : array-like
            See the class Notes.
        y : array-like of shape (n_samples,) or None
            The labels; ``whole_share`` needs them.

        Returns
        -------
        pixels : ndarray of shape (n_samples, height * width), dtype float32
            As :meth:`transform`, with the images at ``whole_indices_`` read
            as images without a face.
        """
        self.fit(X, y)
        kind, images, out, found = self._load(X)
        face_finder = self.resolved_face_finder()
        if y is not None and face_finder is not None and self.whole_share is not None:
            y = column_or_1d(y, warn=True)
            check_consistent_length(out, y)
            self.whole_indices_ = whole_framed_indices(
                y, found, self.whole_share, check_random_state(self.random_state)
            )
            out[self.whole_indices_] = self._whole_rows(
                kind, images, self.whole_indices_, face_finder
            )
        return out

    def transform(self, X):
        """Load and resize the images.

        Parameters
        ----------
        X : array-like
            See the class Notes.

        Returns
        -------
        pixels : ndarray of shape (n_samples, height * width), dtype float32
            Row-major pixels in [0, 1] for files and integer arrays.
        """
        self._validate_params()
        return self._load(X)[2]

    def _load(self, X):
        """``(kind, images, pixels, found)``, and the count of faceless ones warned."""
        image_size = _check_image_size(self.image_size)
        face_finder = self.resolved_face_finder()
        kind, images = self._images_from(X, reset=False)
        if kind == "paths":
            out, found = self._load_files(images, image_size, face_finder)
        else:
            out, found = self._resize_arrays(images, image_size, face_finder)
        if face_finder is not None and not found.all():
            missed = np.flatnonzero(~found)
            first = images[missed[0]] if kind == "paths" else f"image {missed[0]}"
            warnings.warn(
                NoFaceFoundWarning.counting(
                    "ImageLoader",
                    len(missed),
                    len(found),
                    os.fspath(first),
                    READ_WHOLE,
                ),
                stacklevel=_caller_level(),
            )
        return kind, images, out, found

    def _whole_rows(self, kind, images, indices, face_finder):
        image_size = _check_image_size(self.image_size)
        if kind == "paths":
            chosen = [images[i] for i in indices]
            return self._load_files(chosen, image_size, face_finder, whole=True)[0]
        rows = np.empty((len(indices), image_size[0] * image_size[1]), np.float32)
        for row, i in enumerate(indices):
            padded = face_finder.pad_whole(images[i])
            rows[row] = resize_array(padded, image_size, self.fit_mode).ravel()
        return rows

    def resolved_face_finder(self):
        """The checked :class:`FaceFinder` that ``face_finder`` names, or None."""
        if self.face_finder is None:
            return None
        if isinstance(self.face_finder, str):
            return FaceFinder(self.face_finder).check()
        return self.face_finder.check()

    def get_feature_names_out(self, input_features=None):
        """Pixel names ``pixel_<row>_<col>``, row-major like the output.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; the output does not depend on input columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return pixel_feature_names(_check_image_size(self.image_size))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # -- input handling -------------------------------------------------

    def _images_from(self, X, *, reset):
        """Classify ``X``: ``("paths", list)`` or ``("arrays", (n, h, w) array)``."""
        if _is_path(X):
            raise TypeError(
                f"X must be a collection of images, got the single path {X!r}; "
                "wrap it in a list."
            )
        if sp.issparse(X):
            raise TypeError(
                "Sparse data is not supported: ImageLoader takes image paths or "
                "dense pixel arrays."
            )
        array = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
        if array.ndim == 2:
            # Records n_features_in_ / feature_names_in_ (reset) or checks them.
            numeric = array.dtype.kind in "biuf"
            checked = validate_data(
                self,
                X,
                reset=reset,
                dtype=None,
                ensure_all_finite=False,
                skip_check_array=not numeric,
            )
            if numeric:
                array = checked
        if array.size == 0:
            raise ValueError(f"X holds no images (shape {array.shape}).")
        if array.dtype.kind in "US" or (
            array.dtype == object and any(_is_path(v) for v in array.flat)
        ):
            return "paths", self._paths_from(array)
        if array.dtype == object:
            try:
                array = np.asarray(array.tolist())
            except ValueError as exc:
                raise ValueError(
                    f"X is neither paths nor an image array: {exc}"
                ) from None
        return "arrays", self._stack_from(array)

    def _paths_from(self, array):
        if array.ndim == 2:
            if array.shape[1] != 1:
                raise ValueError(
                    f"X must have one column of paths, got {array.shape[1]} columns."
                )
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"Paths must be 1-D, got an array of shape {array.shape}.")
        for index, item in enumerate(array):
            if not _is_path(item):
                raise TypeError(
                    f"X mixes paths with other values: item {index} is "
                    f"{type(item).__name__} {item!r}, not a str or os.PathLike."
                )
        return list(array)

    def _stack_from(self, array):
        if array.dtype.kind == "c":
            raise ValueError("Complex data not supported: images are real-valued.")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Image arrays must be numeric, got dtype {array.dtype}.")
        if array.ndim == 2:
            array = self._unflatten(array)
        elif array.ndim == 4 and not 1 <= array.shape[-1] <= 4:
            raise ValueError(
                "A 4-D image array must be (n, height, width, channels) with 1 to 4 "
                f"channels, got shape {array.shape}."
            )
        elif array.ndim not in (3, 4):
            raise ValueError(
                "Image arrays must be (n, height, width), (n, height, width, "
                f"channels) or flattened (n, height * width); got {array.ndim}-D "
                f"shape {array.shape}. Reshape your data, e.g. X[np.newaxis] for "
                "a single flattened image."
            )
        if array.dtype.kind == "f":
            bad = ~np.isfinite(array).reshape(len(array), -1).all(axis=1)
            if bad.any():
                raise ValueError(
                    f"X contains NaN or infinity in {bad.sum()} image(s), first at "
                    f"position {int(np.flatnonzero(bad)[0])}."
                )
        return array_to_grayscale(array)

    def _unflatten(self, rows):
        size = resolve_image_size(
            self.input_size,
            rows.shape[1],
            feature_names=getattr(self, "feature_names_in_", None),
            owner="ImageLoader",
            param="input_size",
        )
        return rows.reshape(len(rows), *size)

    # -- decoding -------------------------------------------------------

    def _resize_arrays(self, images, image_size, face_finder):
        out = np.empty((len(images), image_size[0] * image_size[1]), dtype=np.float32)
        found = np.zeros(len(images), dtype=bool)
        fraction = self._crop_fraction(face_finder)
        for i, pixels in enumerate(images):
            if face_finder is not None:
                pixels, found[i] = face_crop_array(pixels, face_finder)
            out[i] = resize_array(pixels, image_size, self.fit_mode, fraction).ravel()
        return out, found

    def _crop_fraction(self, face_finder):
        # With a face finder, the fallback for an image without a face is
        # the whole image (with the finder's faceless_margin: pad_whole).
        return 1.0 if face_finder is not None else self.crop_fraction

    def _load_files(self, paths, image_size, face_finder, whole=False):
        fraction = self._crop_fraction(face_finder)
        settings = (image_size, self.fit_mode, fraction, face_finder, whole)
        n_jobs = effective_n_jobs(self.n_jobs)
        n_chunks = min(n_jobs * 4, len(paths) // _MIN_FILES_PER_JOB)
        if n_jobs == 1 or n_chunks < 2:
            return _decode_chunk(paths, 0, *settings)
        slices = gen_even_slices(len(paths), n_chunks)
        chunks = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_decode_chunk)(paths[s], s.start, *settings) for s in slices
        )
        return (
            np.concatenate([out for out, _ in chunks]),
            np.concatenate([found for _, found in chunks]),
        )


# What happened to the images a NoFaceFoundWarning counts, when they were
# loaded: FaceFinder.pad_whole framed them.
READ_WHOLE = "they were read whole, with the face finder's faceless_margin around them."


class NoFaceFoundWarning(UserWarning):
    """No face was found in some images, which were read whole.

    ``n_missed`` of ``n_images`` had no face; ``first`` names the first.
    """

    def __init__(self, message, *, n_missed=0, n_images=0, first=None):
        super().__init__(message)
        self.n_missed = n_missed
        self.n_images = n_images
        self.first = first

    @classmethod
    def counting(cls, who, n_missed, n_images, first, what):
        """The warning with its message: ``who`` found none in ``n_missed``."""
        return cls(
            f"{who}: no face found in {n_missed} of {n_images} images "
            f"(first: {first!r}); {what}",
            n_missed=n_missed,
            n_images=n_images,
            first=first,
        )


# Frames of these packages stand between a user's line and the loader: a
# pipeline's predict, scikit-learn's set_output wrapper around transform,
# the joblib Memory a pipeline calls fit_transform through.
_LIBRARY_PACKAGES = frozenset({"emotion_sklearn", "sklearn", "imblearn", "joblib"})


def _caller_level():
    """The ``stacklevel`` at which the calling function's warning names the
    first frame outside the libraries: the user's ``pipe.predict(paths)``,
    not scikit-learn's wrapper around ``transform``.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None:
        package = frame.f_globals.get("__name__", "").partition(".")[0]
        if package not in _LIBRARY_PACKAGES:
            break
        frame, level = frame.f_back, level + 1
    return level


def _decode_chunk(
    paths, start, image_size, fit_mode, crop_fraction, face_finder, whole=False
):
    out = np.empty((len(paths), image_size[0] * image_size[1]), dtype=np.float32)
    found = np.zeros(len(paths), dtype=bool)
    for offset, path in enumerate(paths):
        pixels, found[offset] = decode_file(
            path,
            image_size,
            fit_mode,
            crop_fraction=crop_fraction,
            index=start + offset,
            face_finder=face_finder,
            whole=whole,
        )
        out[offset] = pixels.ravel()
    return out, found
