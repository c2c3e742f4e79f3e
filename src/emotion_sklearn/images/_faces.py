"""FaceFinder: where the faces are in a decoded photo, with a shipped cascade.

Both detectors ship inside a package from the registry, so nothing is
downloaded at run time: OpenCV's Haar frontal-face cascade, and its profile
cascade as an option (``opencv-python-headless`` 4.x; OpenCV 5's main module
has no ``CascadeClassifier``), and scikit-image's LBP frontal-face cascade.
Both packages are dependencies.
"""

import functools
import math
import os
import threading
from collections import OrderedDict
from numbers import Integral, Real

import numpy as np
from PIL import Image
from sklearn.base import BaseEstimator

from .._sklearn_seam import Interval, StrOptions

DETECTORS = ("haar", "lbp")
# Not a detector users name: the fallback for faces turned to one side.
_PROFILE = "haar_profile"
_HAAR_CASCADES = {
    "haar": "haarcascade_frontalface_default.xml",
    _PROFILE: "haarcascade_profileface.xml",
}
_CACHE_SIZE = 200_000
# A face at least a quarter of the image's longer side fills the cascades'
# 24-pixel window on a 96-pixel copy, where the search costs a third of one
# on 160 pixels: the largest face of a portrait is found there first.
_QUICK_SIDE = 96
# Most of the search's cost is in its smallest windows, and a portrait's face
# is most of its frame: OpenCV's cascade looks for faces of at least 40% of
# the side first, then of a quarter. Its scales step up from its 24-pixel
# window whatever the minimum, so a large face is seen in the same windows;
# only smaller ones that would join its group are left out, which moves a box
# a little when the face is near 40% of the side. The largest face is the
# quarter search's in all but 4 of the dataset's 10,459 photos (those within
# 0.8 overlap), for 30% less.
# scikit-image's scales step up from the minimum, so a larger one would move
# every box: it searches once.
_QUICK_SHARES = {"haar": (0.4, None), "lbp": (None,)}
# A cascade's box depends on the room around a face: a face that fills its
# photo is held in by the edges, the same face with room around it gets a
# wider box. Searched again in a region of its own size plus ``refine`` on
# each side, at one scale (the face spanning this many pixels, never
# enlarged), a face gets nearly the same box either way.
_REFINE_FACE_SIDE = 96
# The face found again must span at least this share of the region's side,
# so that a smaller face within it (a detail of the same face) is not taken.
_REFINE_MIN_SHARE = 0.5
# Both cascades look through a 24-pixel window: the smallest face a copy
# shows spans 24 of its pixels, and the search's cost grows with the copy's
# area.
_WINDOW = 24
# find_every's first searches, for faces of at least 25% and 15% of the
# longer side: find_largest's quick copy, then the loader's.
_COARSE_SIDES = (_QUICK_SIDE, 160)
# find_every looks for faces down to this share of the smallest face its
# first searches find: the faces of a group photo differ in size by less,
# and the finer search, which costs several coarse ones, is most often not
# needed (a portrait's face spans half its photo or more).
_EVERY_FACE_RATIO = 0.5


class FaceFinder(BaseEstimator):
    """Find faces in grayscale images and the square crop around each.

    Detection runs on a copy downscaled so that its longer side is
    ``detect_side`` pixels; boxes are given in the original image's pixels.
    When nothing is found, the image is padded by repeating its edges and
    searched again, which finds faces that fill the whole frame (a cascade
    needs some background around a face). With ``profiles=True``, OpenCV's
    profile cascade then looks for a face turned to one side, in the image
    and its mirror. :meth:`find_largest`, which the loader uses, first
    searches a 96-pixel copy for large frontal faces and only then does the
    full search. With ``refine`` (the default), each face found is searched
    again in a region around it, at one scale, so that a face gets the same
    box whether its photo is framed tightly or with room around it.

    Parameters
    ----------
    detector : {"haar", "lbp"}, default="haar"
        ``"haar"``: OpenCV's ``haarcascade_frontalface_default`` (needs
        ``opencv-python-headless``, a dependency); ``"lbp"``: scikit-image's
        LBP frontal-face cascade.
    margin : float, default=0.02
        Added to each side of a face's square box, as a fraction of its side.
        A small margin keeps the crop on the face (the refined box runs from
        the brows to below the mouth) and, in photos framed tightly, inside
        the photo rather than on edge padding.
    faceless_margin : float, default=0.1
        Added to each side of a photo in which no face is found, as a
        fraction of its height and width (:meth:`pad_whole`). Such a photo
        is most often a face that fills the frame, cut at the brows or the
        chin; the margin frames it as a found face is framed.
    refine : float or None, default=0.3
        Room around each face found, as a fraction of its side on each side,
        in which the face is searched again at one scale (the face spanning
        96 pixels, the photo never enlarged); the box found there replaces
        the first one, which is kept when none is. ``None`` keeps the first
        search's boxes, whose size depends on the room the photo leaves
        around the face (``benchmarks/README.md``).
    detect_side : int, default=160
        Longer side, in pixels, of the copy that detection runs on.
    min_face : float, default=0.15
        Smallest face to look for, as a fraction of the image's shorter side.
    profiles : bool, default=False
        Whether to look for a face in profile when no frontal face is found
        (``detector="haar"`` only: OpenCV ships the profile cascade). It
        finds a face in a third of the dataset's photos that have no frontal
        one, but a network trained on frontal crops reads those crops worse
        than the whole photo (``benchmarks/README.md``), so it is off by
        default. It costs about four frontal searches, paid by photos without
        a frontal face.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skimage.color import rgb2gray
    >>> from emotion_sklearn import FaceFinder
    >>> photo = (rgb2gray(astronaut()) * 255).astype("uint8")
    >>> boxes = FaceFinder(detector="lbp").find(photo)
    >>> len(boxes) >= 1
    True
    """

    _parameter_constraints = {
        "detector": [StrOptions(set(DETECTORS))],
        "margin": [Interval(Real, 0, None, closed="left")],
        "faceless_margin": [Interval(Real, 0, None, closed="left")],
        "refine": [Interval(Real, 0, 1, closed="right"), None],
        "detect_side": [Interval(Integral, 32, None, closed="left")],
        "min_face": [Interval(Real, 0, 1, closed="neither")],
        "profiles": ["boolean"],
    }

    def __init__(
        self,
        detector="haar",
        *,
        margin=0.02,
        faceless_margin=0.1,
        refine=0.3,
        detect_side=160,
        min_face=0.15,
        profiles=False,
    ):
        self.detector = detector
        self.margin = margin
        self.faceless_margin = faceless_margin
        self.refine = refine
        self.detect_side = detect_side
        self.min_face = min_face
        self.profiles = profiles

    def __eq__(self, other):
        return isinstance(other, FaceFinder) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return tuple(self.params().values())

    def params(self):
        """The finder's settings, by name, as ``FaceFinder(**params)`` takes them."""
        return self.get_params(deep=False)

    def check(self):
        """Raise ValueError naming a bad setting; return self."""
        self._validate_params()
        if self.profiles and self.detector != "haar":
            raise ValueError(
                "FaceFinder: profiles=True needs detector='haar' (only OpenCV "
                f"ships a profile cascade), got detector={self.detector!r}."
            )
        # Fails now, not at the first search, if OpenCV or a cascade is missing.
        _detector(self.detector)
        if self.profiles:
            _detector(_PROFILE)
        return self

    def find(self, image):
        """Face boxes ``(x, y, width, height)``, largest first.

        Parameters
        ----------
        image : ndarray of shape (height, width)
            Grayscale pixels, uint8 or floats in [0, 1].

        Returns
        -------
        boxes : ndarray of shape (n_faces, 4), dtype int
        """
        gray = as_uint8(image)
        return _largest_first(self._refined(gray, self._first_boxes(gray)))

    def find_every(self, image):
        """Every face's box down to ``min_face``, largest first, coarse to fine.

        :meth:`find`'s faces, searched no finer than the photo needs: a
        search on a 96-pixel copy, then on a 160-pixel one, looks for large
        faces; once one finds some, faces down to half the smallest of them
        are looked for, on a copy large enough to show them (at most
        ``detect_side``). Where neither finds any, a face that fills the
        frame is looked for on the 160-pixel copy padded by repeating its
        edges (as :meth:`find_largest` does), and then small faces on the
        ``detect_side`` copy. A portrait's face spans half its photo or
        more, so it costs about the quick search the loader makes; a
        group's smaller faces take the finer searches.
        """
        gray = as_uint8(image)
        if self.detect_side <= _COARSE_SIDES[0]:
            return self.find(gray)
        sides = [side for side in _COARSE_SIDES if side < self.detect_side]
        for coarse_side in sides:
            boxes = self._search(gray, coarse_side)
            if len(boxes):
                break
        else:
            return _largest_first(self._refined(gray, self._faceless_search(gray)))
        longer = max(gray.shape)
        wanted = _EVERY_FACE_RATIO * boxes[:, 2:].min() / longer
        fine_side = min(self.detect_side, math.ceil(_WINDOW / wanted))
        if fine_side > coarse_side:
            boxes = self._search(gray, fine_side, min_share=wanted)
        return _largest_first(self._refined(gray, boxes))

    def _faceless_search(self, gray):
        """Boxes where the coarse searches found none: filling the frame, or small."""
        boxes = self._search_edge_padded(gray, _COARSE_SIDES[-1])
        if len(boxes) == 0:
            boxes = self._search(gray)
        if len(boxes) == 0 and self.profiles:
            boxes = self._search_profiles(gray)
        return boxes

    def find_largest(self, image):
        """The largest face's box, as an array of shape (1, 4), or (0, 4).

        A face of at least a quarter of the longer side is looked for on a
        96-pixel copy first (with ``detector="haar"``, one of 40% before
        that); without one, the search is :meth:`find`'s. The largest face
        of that search is then refined (``refine``).
        """
        gray = as_uint8(image)
        return self._refined(gray, self._largest_first_box(gray))

    def _first_boxes(self, gray):
        """Every face's box before refining, in the cascade's order."""
        boxes = self._search_padded(gray, self.detector)
        if len(boxes) == 0 and self.profiles:
            boxes = self._search_profiles(gray)
        return boxes

    def _largest_first_box(self, gray):
        if self.detect_side > _QUICK_SIDE:
            for min_share in _QUICK_SHARES[self.detector]:
                boxes = self._search(gray, _QUICK_SIDE, min_share=min_share)
                if len(boxes):
                    return _largest_first(boxes)[:1]
        return _largest_first(self._first_boxes(gray))[:1]

    def _refined(self, gray, boxes):
        if self.refine is None:
            return boxes
        return np.array(
            [self._refined_box(gray, box) for box in boxes], dtype=int
        ).reshape(-1, 4)

    def _refined_box(self, gray, box):
        """``box`` searched again in a region around it, or ``box`` if not found."""
        x, y, width, height = box
        pad = round(width * self.refine)
        left, upper = x - pad, y - pad
        region = crop_square(gray, (left, upper, x + width + pad, y + height + pad))
        side = round(_REFINE_FACE_SIDE * (width + 2 * pad) / width)
        found = self._search(region, side, min_share=_REFINE_MIN_SHARE)
        if len(found) == 0:
            return box
        return _largest_first(found)[0] + np.array([left, upper, 0, 0])

    def _search_padded(self, gray, detector):
        """Boxes of ``detector``'s faces; the edge-padded image's without any."""
        boxes = self._search(gray, detector=detector)
        if len(boxes):
            return boxes
        return self._search_edge_padded(gray, detector=detector)

    def _search_edge_padded(self, gray, detect_side=None, *, detector=None):
        """Boxes in ``gray`` padded by a quarter of its side of repeated edges.

        A cascade needs some background around a face: padded, a face that
        fills the frame is found. Boxes are in ``gray``'s pixels.
        """
        pad = max(gray.shape) // 4
        padded = np.pad(gray, pad, mode="edge")
        boxes = self._search(padded, detect_side, detector=detector)
        return boxes - np.array([pad, pad, 0, 0])

    def _search_profiles(self, gray):
        # OpenCV's profile cascade finds faces turned to one side only; the
        # mirror image shows the others.
        boxes = self._search_padded(gray, _PROFILE)
        if len(boxes):
            return boxes
        mirrored = self._search_padded(np.ascontiguousarray(gray[:, ::-1]), _PROFILE)
        mirrored[:, 0] = gray.shape[1] - mirrored[:, 0] - mirrored[:, 2]
        return mirrored

    def _search(self, gray, detect_side=None, *, detector=None, min_share=None):
        """Boxes on a copy of ``detect_side``; faces of ``min_share`` of its
        longer side or more, where given, and of ``min_face`` in any case.
        """
        scale = (detect_side or self.detect_side) / max(gray.shape)
        small = gray
        if scale < 1:
            size = (
                max(1, round(gray.shape[1] * scale)),
                max(1, round(gray.shape[0] * scale)),
            )
            small = np.asarray(
                Image.fromarray(gray).resize(size, Image.Resampling.BILINEAR)
            )
        else:
            scale = 1.0
        min_side = max(16, round(self.min_face * min(small.shape)))
        if min_share is not None:
            min_side = max(min_side, round(min_share * max(small.shape)))
        found = _detector(detector or self.detector)(small, min_side)
        if len(found) == 0:
            return np.zeros((0, 4), dtype=int)
        return np.round(np.asarray(found, dtype=float) / scale).astype(int)

    def pad_whole(self, image):
        """The image with ``faceless_margin`` of its height and width on each side.

        What stands in for a face crop when no face is found. The usual
        reason is a face that fills the frame, cut at the brows or the chin;
        padded by repeating its edges, it is framed as a found face's crop is,
        where the image alone would be a tighter view than any seen in
        training.
        """
        height, width = np.shape(image)
        rows = round(height * self.faceless_margin)
        columns = round(width * self.faceless_margin)
        return np.pad(image, ((rows, rows), (columns, columns)), mode="edge")

    def crop_box(self, box):
        """The square ``(left, upper, right, lower)`` around a face box, with margin.

        It may reach past the image's edges; :func:`crop_square` fills that
        part by repeating the edge pixels.
        """
        x, y, w, h = box
        side = max(w, h) * (1 + 2 * self.margin)
        cx, cy = x + w / 2, y + h / 2
        return (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)


def _largest_first(boxes):
    """``(x, y, width, height)`` boxes sorted by area, largest first, stably."""
    return boxes[np.argsort(-(boxes[:, 2] * boxes[:, 3]), kind="stable")]


def crop_square(image, box):
    """Crop ``box`` (left, upper, right, lower) from a 2-D array, edge-padded."""
    left, upper, right, lower = (round(float(v)) for v in box)
    height, width = image.shape
    pad = max(0, -left, -upper, right - width, lower - height)
    if pad:
        image = np.pad(image, pad, mode="edge")
        left, upper, right, lower = left + pad, upper + pad, right + pad, lower + pad
    return image[upper:lower, left:right]


def as_uint8(image):
    """An image as ``uint8``: floats in [0, 1] scaled to 0-255 and rounded."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


@functools.cache
def _detector(name):
    """A function ``(gray uint8, min_side) -> [(x, y, w, h), ...]``."""
    if name in _HAAR_CASCADES:
        try:
            import cv2
        except ImportError:
            raise ImportError(
                "FaceFinder(detector='haar') needs OpenCV, a dependency of "
                "emotion-sklearn: pip install 'opencv-python-headless>=4.8,<5', "
                "or use detector='lbp'."
            ) from None
        if not hasattr(cv2, "CascadeClassifier"):
            raise ImportError(
                f"OpenCV {cv2.__version__} has no CascadeClassifier (OpenCV 5 moved "
                "it out of the main module); install opencv-python-headless<5."
            )
        path = os.path.join(cv2.data.haarcascades, _HAAR_CASCADES[name])
        if not os.path.isfile(path):
            # OpenCV would load it as an empty classifier that fails on use.
            raise FileNotFoundError(
                f"OpenCV's cascade file {path!r} is missing; reinstall "
                "'opencv-python-headless>=4.8,<5'."
            )
        local = threading.local()

        def haar(gray, min_side):
            # CascadeClassifier is not safe to share between threads.
            if not hasattr(local, "cascade"):
                local.cascade = cv2.CascadeClassifier(path)
            found = local.cascade.detectMultiScale(
                gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
            )
            return [tuple(map(int, box)) for box in found]

        return haar
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    local = threading.local()

    def lbp(gray, min_side):
        if not hasattr(local, "cascade"):
            local.cascade = Cascade(lbp_frontal_face_cascade_filename())
        found = local.cascade.detect_multi_scale(
            gray,
            scale_factor=1.2,
            step_ratio=1,
            min_size=(min_side, min_side),
            max_size=gray.shape,
        )
        return [(f["c"], f["r"], f["width"], f["height"]) for f in found]

    return lbp


class _BoxCache:
    """Detections per file, so that a file's faces are found once a process.

    Keyed by path, size, modification time and the finder's settings, so an
    edited file is searched again. Bounded, oldest dropped first.
    """

    def __init__(self, size=_CACHE_SIZE):
        self._boxes = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(path, finder, shape, search):
        """``search`` names the FaceFinder method whose boxes are kept."""
        stat = os.stat(path)
        return (
            os.fspath(path),
            stat.st_size,
            stat.st_mtime_ns,
            finder._key(),
            shape,
            search,
        )

    def get(self, key):
        with self._lock:
            return self._boxes.get(key)

    def put(self, key, boxes):
        with self._lock:
            self._boxes[key] = boxes
            while len(self._boxes) > self._size:
                self._boxes.popitem(last=False)


BOX_CACHE = _BoxCache()
