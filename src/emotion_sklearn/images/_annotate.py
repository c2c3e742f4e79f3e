"""Drawing each face's box and emotion onto a copy of its photo."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ._faces import as_uint8

# One colour per class position (colour-blind-safe Okabe-Ito palette).
_COLOURS = [
    (213, 94, 0),
    (0, 158, 115),
    (86, 180, 233),
    (0, 114, 178),
    (230, 159, 0),
    (204, 121, 167),
    (240, 228, 66),
]
_NO_FACE = (128, 128, 128)


def annotate(photo, faces, classes):
    """A copy of ``photo`` with each face's box and label drawn on it.

    Parameters
    ----------
    photo : str, path-like or ndarray
        The image file (or pixel array) the rows of ``faces`` describe.
    faces : pandas.DataFrame
        Its rows from :func:`detect_emotions`.
    classes : list of str
        The model's classes, which fix each label's colour.

    Returns
    -------
    image : PIL.Image.Image
        An RGB copy; the original is not changed.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from emotion_sklearn import detect_emotions
    >>> from emotion_sklearn.plotting import annotate
    >>> faces = detect_emotions([astronaut()])
    >>> annotate(astronaut(), faces, ["anger", "happiness", "neutral", "sadness"]).size
    (512, 512)
    """
    image = _rgb_copy(photo)
    draw = ImageDraw.Draw(image)
    side = max(image.size)
    line = max(2, side // 250)
    font = ImageFont.load_default(size=max(12, side // 40))
    for row in faces.itertuples(index=False):
        if not isinstance(getattr(row, "label", None), str):
            continue  # a file that could not be read
        found = bool(row.face_found)
        colour = _colour(row.label, classes) if found else _NO_FACE
        box = (row.x, row.y, row.x + row.width - 1, row.y + row.height - 1)
        if found:
            draw.rectangle(box, outline=colour, width=line)
        text = f"{row.label} {getattr(row, row.label):.0%}"
        person = getattr(row, "person", None)
        if person is not None and person == person:  # a video's person, not NaN
            text = f"#{int(person)} {text}"
        if not found:
            text = f"no face found; whole image: {text}"
        _label(draw, (row.x, row.y), text, colour, font, image.size)
    return image


def _rgb_copy(photo):
    if isinstance(photo, np.ndarray):
        pixels = photo
        if pixels.dtype.kind == "f":
            pixels = as_uint8(pixels)
        return Image.fromarray(pixels.astype(np.uint8)).convert("RGB")
    with Image.open(photo) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


def _colour(label, classes):
    index = classes.index(label) if label in classes else len(classes)
    return _COLOURS[index % len(_COLOURS)]


def _label(draw, corner, text, colour, font, size):
    """``text`` on a filled band above the box's corner (below it at the top)."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    width, height = right - left + 6, bottom - top + 6
    x = min(max(0, corner[0]), max(0, size[0] - width))
    y = corner[1] - height if corner[1] >= height else corner[1]
    draw.rectangle((x, y, x + width, y + height), fill=colour)
    draw.text((x + 3 - left, y + 3 - top), text, fill=(255, 255, 255), font=font)
