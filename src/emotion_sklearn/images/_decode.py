"""Decoding image files and arrays into fixed-size grayscale pixels."""

import contextlib
import os
import stat

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._faces import BOX_CACHE, crop_square

FIT_MODES = ("crop", "pad", "stretch")
# Larger images are refused before decoding: a 13000x13000 PNG would take
# gigabytes. 64 million pixels is above any phone or camera photo (8000x8000).
MAX_IMAGE_PIXELS = 64_000_000

# ITU-R 601-2 luma, the weights Pillow's convert("L") uses, so that arrays and
# files of the same picture give the same pixels.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_EXIF_ORIENTATION = 0x0112
# Orientations that rotate by 90 degrees: width and height swap.
_TRANSPOSING = {5, 6, 7, 8}


class ImageLoadError(ValueError):
    """An image could not be read; ``path`` and ``index`` say which one.

    A :class:`ValueError`, as scikit-learn raises for bad input.
    """

    def __init__(self, message, *, path=None, index=None):
        super().__init__(message)
        self.path = path
        self.index = index


def _pil_size(image_size):
    """Pillow's ``(width, height)`` of the package's ``(height, width)``."""
    height, width = image_size
    return (width, height)


def fit_box(source_size, pil_size, fit):
    """The region of the source, ``(left, upper, right, lower)``, to resize.

    Both sizes are Pillow's ``(width, height)``. ``crop`` takes the largest
    centred region with the target's aspect ratio; ``stretch`` and ``pad``
    take the whole image.
    """
    width, height = source_size
    if fit != "crop":
        return (0.0, 0.0, float(width), float(height))
    pil_w, pil_h = pil_size
    crop_w = min(width, height * pil_w / pil_h)
    crop_h = min(height, width * pil_h / pil_w)
    left = (width - crop_w) / 2
    upper = (height - crop_h) / 2
    return (left, upper, left + crop_w, upper + crop_h)


def _central_crop(image, fraction):
    if fraction >= 1:
        return image
    width, height = image.size
    keep_w, keep_h = max(1, round(width * fraction)), max(1, round(height * fraction))
    left, upper = (width - keep_w) // 2, (height - keep_h) // 2
    return image.crop((left, upper, left + keep_w, upper + keep_h))


def fit_to_size(image, pil_size, fit, crop_fraction=1.0):
    """Resize a one-band image (mode ``L`` or ``F``) to ``pil_size``.

    ``pil_size`` is Pillow's ``(width, height)``. ``crop_fraction`` < 1 first
    keeps that fraction of the width and height around the centre, where the
    face is.
    """
    image = _central_crop(image, crop_fraction)
    if image.size == tuple(pil_size):
        return image
    if fit == "pad":
        # Letterbox: scale to fit inside, centre on a black canvas.
        scale = min(pil_size[0] / image.width, pil_size[1] / image.height)
        inner = (
            max(1, round(image.width * scale)),
            max(1, round(image.height * scale)),
        )
        canvas = Image.new(image.mode, tuple(pil_size), 0)
        resized = image.resize(inner, Image.Resampling.BILINEAR)
        offset = ((pil_size[0] - inner[0]) // 2, (pil_size[1] - inner[1]) // 2)
        canvas.paste(resized, offset)
        return canvas
    box = fit_box(image.size, pil_size, fit)
    return image.resize(tuple(pil_size), Image.Resampling.BILINEAR, box=box)


def _to_single_band(image):
    """Grayscale as mode ``L`` (8-bit) or ``F`` (scaled to [0, 1])."""
    if image.mode == "L":
        return image
    if image.mode in _SIXTEEN_BIT_MODES:
        pixels = np.asarray(image, dtype=np.float32) / 65535.0
        return Image.fromarray(pixels)
    if image.mode == "F":
        return image
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        # Transparent areas become white, as the picture looks on a page.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    if image.mode not in ("RGB", "1", "P"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    return image.convert("L")


class _TooLarge(ValueError):
    pass


class _NotRegular(ValueError):
    pass


def _check_regular_file(path):
    # Opening a named pipe would wait for a writer; a device could be endless.
    exists = os.path.exists(path) and not os.path.isdir(path)
    if exists and not stat.S_ISREG(os.stat(path).st_mode):
        raise _NotRegular("it is not a regular file (a pipe or device?)")


def _check_pixel_count(image, path):
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise _TooLarge(
            f"{width}x{height} is {width * height:,} pixels, above the "
            f"{MAX_IMAGE_PIXELS:,} this package decodes; downscale it first"
        )


def _reason(exc, path):
    if isinstance(exc, (_TooLarge, _NotRegular)):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "it is a directory, not an image file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, UnidentifiedImageError):
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            return "the file is empty"
        return "not an image in a format Pillow can read"
    if isinstance(exc, Image.DecompressionBombError):
        return f"too large to decode safely ({exc})"
    return f"the file is truncated or corrupt ({exc})"


@contextlib.contextmanager
def _named_errors(path, index):
    """Turn any failure to read ``path`` into an ImageLoadError naming it."""
    try:
        yield
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        where = "" if index is None else f" at position {index}"
        raise ImageLoadError(
            f"Cannot load image {os.fspath(path)!r}{where}: {_reason(exc, path)}.",
            path=path,
            index=index,
        ) from exc


def _read_band(path, side):
    """``(band, full_size)``: one band decoded at about ``side`` pixels or more.

    JPEG only: decode straight to the smallest 1/2, 1/4 or 1/8 scale that is
    still at least ``side`` pixels in both directions (asking for the larger
    side both ways, so an EXIF rotation cannot make it short).
    ``full_size`` is the file's ``(width, height)`` after EXIF rotation.
    """
    _check_regular_file(path)
    with Image.open(path) as image:
        _check_pixel_count(image, path)
        full_size = image.size
        if image.getexif().get(_EXIF_ORIENTATION, 1) in _TRANSPOSING:
            full_size = full_size[::-1]
        image.draft("L", (side, side))
        return _to_single_band(ImageOps.exif_transpose(image)), full_size


def _decode_side(image_size, crop_fraction, face_finder):
    side = int(np.ceil(max(image_size) / crop_fraction))
    if face_finder is not None:
        side = max(side, face_finder.detect_side)
    return side


def _scaled_pixels(resized):
    pixels = np.asarray(resized, dtype=np.float32)
    return pixels / 255.0 if resized.mode == "L" else pixels


def decode_file(
    path,
    image_size,
    fit,
    *,
    crop_fraction=1.0,
    index=None,
    face_finder=None,
    whole=False,
):
    """Decode one file by its content into a ``float32`` array in [0, 1].

    Parameters
    ----------
    path : str or path-like
    image_size : (int, int)
        ``(height, width)`` of the output.
    fit : {"crop", "pad", "stretch"}
    crop_fraction : float, default=1.0
        Fraction of the width and height kept around the centre.
    index : int, default=None
        The position in the caller's input, for the error message.
    face_finder : FaceFinder or None, default=None
        With one, the square around the largest face is resized instead;
        where none is found, ``crop_fraction`` of the image with the finder's
        ``faceless_margin`` around it is (the loader passes 1.0: the whole
        image).
    whole : bool, default=False
        Frame the image as one without a face, found or not (the loader's
        ``fit_transform`` does, for a share of each class).

    Returns
    -------
    pixels : ndarray of shape (height, width), dtype float32
    found : bool
        Whether a face was found (False without a ``face_finder``).
    """
    with _named_errors(path, index):
        side = _decode_side(image_size, crop_fraction, face_finder)
        band, _ = _read_band(path, side)
        found = False
        if face_finder is not None and whole:
            band = Image.fromarray(face_finder.pad_whole(np.asarray(band)))
        elif face_finder is not None:
            band, found = _face_or_whole(band, path, face_finder)
        fraction = 1.0 if found else crop_fraction
        resized = fit_to_size(band, _pil_size(image_size), fit, fraction)
        return _scaled_pixels(resized), found


def decode_faces(
    path, image_size, fit, *, crop_fraction, face_finder, index=None, search="find"
):
    """Every face in one file, each resized as :func:`decode_file` does it.

    Returns
    -------
    boxes : ndarray of shape (n_faces, 4), dtype int
        ``(x, y, width, height)`` of each face in the file's own pixels
        (after EXIF rotation), largest first; with no face, one box: the
        whole image.
    pixels : ndarray of shape (n_faces, height, width), dtype float32
        Each face's square with the finder's ``margin``; with no face, the
        central ``crop_fraction`` of the image with its ``faceless_margin``
        around it (1.0: all of it).
    found : bool

    ``search`` names the :class:`FaceFinder` method that finds the boxes
    (``"find"`` or ``"find_every"``).
    """
    with _named_errors(path, index):
        side = _decode_side(image_size, crop_fraction, face_finder)
        band, full_size = _read_band(path, side)
        gray = np.asarray(band)
        boxes = _cached_boxes(gray, path, face_finder, search)
        boxes, pixels, found = faces_in_gray(
            gray, boxes, image_size, fit, crop_fraction, face_finder
        )
        if not found:
            return np.array([[0, 0, *full_size]]), pixels, found
        scale = full_size[0] / band.width
        width, height = full_size
        return clipped_boxes(np.round(boxes * scale), height, width), pixels, found


def faces_in_gray(gray, boxes, image_size, fit, crop_fraction, face_finder):
    """Each face box of a grayscale array resized, or the whole when none.

    ``gray`` is ``uint8`` (from a file) or ``float32`` in [0, 1] (from an
    array). Returns ``(boxes, pixels, found)`` as :func:`decode_faces` does,
    the boxes in ``gray``'s pixels.
    """
    size = _pil_size(image_size)
    squares, found = _squares_or_padded(gray, boxes, face_finder)
    # A found face's square is already the frame; only the whole is cropped.
    share = 1.0 if found else crop_fraction
    pixels = []
    for square in squares:
        square = Image.fromarray(np.ascontiguousarray(square))
        pixels.append(_scaled_pixels(fit_to_size(square, size, fit, share)))
    pixels = np.stack(pixels)
    height, width = gray.shape
    if not found:
        boxes = [[0, 0, width, height]]
    return clipped_boxes(boxes, height, width), pixels, found


def clipped_boxes(boxes, height, width):
    """``(x, y, width, height)`` boxes cut to the photo's ``height`` and ``width``.

    A refined face box may reach past the photo's edge (the face is searched
    again in a region padded by repeating edges); the box reported is the
    part inside the photo.

    Examples
    --------
    >>> from emotion_sklearn.images._decode import clipped_boxes
    >>> clipped_boxes([[0, -2, 262, 262]], 250, 750).tolist()
    [[0, 0, 262, 250]]
    """
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    left = np.clip(boxes[:, 0], 0, width)
    top = np.clip(boxes[:, 1], 0, height)
    right = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    bottom = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    return np.stack([left, top, right - left, bottom - top], axis=1)


def _cached_boxes(gray, path, face_finder, search="find"):
    key = BOX_CACHE.key(path, face_finder, gray.shape, search)
    boxes = BOX_CACHE.get(key)
    if boxes is None:
        boxes = getattr(face_finder, search)(gray)
        BOX_CACHE.put(key, boxes)
    return boxes


def _face_or_whole(band, path, face_finder):
    """``(band, True)`` cropped to the largest face, or ``(band, False)`` padded."""
    gray = np.asarray(band)
    boxes = _cached_boxes(gray, path, face_finder, "find_largest")
    pixels, found = _largest_or_padded(gray, boxes, face_finder)
    return Image.fromarray(np.ascontiguousarray(pixels)), found


def face_crop_array(pixels, face_finder):
    """``(pixels, found)``: a float image cropped to its largest face, if any."""
    return _largest_or_padded(pixels, face_finder.find_largest(pixels), face_finder)


def _largest_or_padded(image, boxes, face_finder):
    """``(square around boxes[0], True)``, or ``(image with margin, False)``."""
    squares, found = _squares_or_padded(image, boxes[:1], face_finder)
    return squares[0], found


def _squares_or_padded(image, boxes, face_finder):
    """``([square around each box], True)``, or ``([image with margin], False)``.

    The one place that decides how a photo is framed for the network: every
    face's square with the finder's ``margin``, or, without a face, the whole
    photo with its ``faceless_margin`` around it.
    """
    if len(boxes) == 0:
        return [face_finder.pad_whole(image)], False
    return [crop_square(image, face_finder.crop_box(box)) for box in boxes], True


def array_to_grayscale(images):
    """Turn an ``(n, h, w)`` or ``(n, h, w, c)`` numeric stack into ``(n, h, w)``.

    Integer images are scaled to [0, 1] by their type's range (255, or 65535
    for ``uint16``); float images are taken as already scaled.
    """
    images = np.asarray(images)
    if np.issubdtype(images.dtype, np.integer):
        scale = 65535.0 if images.dtype == np.uint16 else 255.0
        images = images.astype(np.float32) / scale
    else:
        images = images.astype(np.float32, copy=False)
    if images.ndim == 3:
        return images
    channels = images.shape[-1]
    if channels == 1:
        return images[..., 0]
    if channels == 2:  # gray + alpha
        gray, alpha = images[..., 0], images[..., 1]
        return gray * alpha + (1.0 - alpha)
    gray = images[..., :3] @ _LUMA_WEIGHTS
    if channels == 4:
        alpha = images[..., 3]
        gray = gray * alpha + (1.0 - alpha)
    return gray


def resize_array(pixels, image_size, fit, crop_fraction=1.0):
    """Resize one ``(h, w)`` float32 array like :func:`decode_file` resizes files.

    ``image_size`` is the output's ``(height, width)``.
    """
    if pixels.shape == tuple(image_size) and crop_fraction >= 1:
        return pixels
    image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.float32))
    resized = fit_to_size(image, _pil_size(image_size), fit, crop_fraction)
    return np.asarray(resized, dtype=np.float32)
