"""The splits bench_accuracy.py reports on, and the re-framed test images.

- ``persons``: :func:`emotion_sklearn.datasets.person_folds` (5 stratified,
  person-disjoint folds);
- ``source``: train on the news photos (``First_Last_0001.jpg`` names), test on
  every other image (film stills and others, about 618 of the four classes);
- re-framing stress: a test fold's images changed as photos from elsewhere
  differ: a tighter crop, a face cut from the eyes to the chin, a face that
  fills less of the frame, a small, heavily compressed copy, other lighting.
"""

import hashlib
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from emotion_sklearn import FaceFinder

_NEWS_PHOTO = re.compile(r"_\d{4}\.\w+$")


def is_news_photo(name):
    """True for the news photos' ``First_Last_0001.jpg`` file names."""
    return bool(_NEWS_PHOTO.search(str(name)))


def source_split(paths):
    """``(train, test)`` rows: news photos against everything else."""
    news = np.array([is_news_photo(Path(p).name) for p in paths])
    return np.flatnonzero(news), np.flatnonzero(~news)


def with_training_only_rows(splits, groups, extra_paths, extra_groups, *, split):
    """``splits`` over the rows followed by ``extra_paths``, which only train.

    An extra image (an expression the benchmark does not score, say) joins a
    split's training rows where the split would have put it: on the person
    folds when its person has no image among the test rows, on the source
    split when it is a news photo. It never joins the test rows, so the
    scored images and every split's test side stay as they were.
    """
    offset = len(groups)
    extra_groups = np.asarray(extra_groups, dtype=object)
    news = np.array([is_news_photo(Path(p).name) for p in extra_paths], dtype=bool)
    joined = []
    for train, test in splits:
        if split == "source":
            allowed = news
        else:
            allowed = ~np.isin(extra_groups, np.asarray(groups, dtype=object)[test])
        joined.append((np.concatenate([train, offset + np.flatnonzero(allowed)]), test))
    return joined


def _central(image, fraction):
    width, height = image.size
    w, h = round(width * fraction), round(height * fraction)
    left, upper = (width - w) // 2, (height - h) // 2
    return image.crop((left, upper, left + w, upper + h))


def _eyes_to_chin(image):
    # Face databases crop tightly around the eyes, nose and mouth. The face
    # is where the package's finder puts it, or the central 60% of a photo
    # it finds none in; the cut keeps 30% to 105% of the face's height and
    # the middle 90% of its width, within the photo.
    boxes = FaceFinder().find_largest(np.asarray(image))
    if len(boxes):
        x, y, w, h = boxes[0]
    else:
        w, h = 0.6 * image.width, 0.6 * image.height
        x, y = (image.width - w) / 2, (image.height - h) / 2
    cut = (x + 0.05 * w, y + 0.3 * h, x + 0.95 * w, y + 1.05 * h)
    return image.crop(tuple(np.clip(cut, 0, [*image.size, *image.size])))


def _zoom_out(image, fill):
    # The photo shrinks to ``fill`` of a frame whose border repeats its edges.
    pixels = np.asarray(image)
    pad = round(max(pixels.shape[:2]) * (1 / fill - 1) / 2)
    widths = ((pad, pad), (pad, pad)) + ((0, 0),) * (pixels.ndim - 2)
    return Image.fromarray(np.pad(pixels, widths, mode="edge"))


def _low_quality(image):
    small = image.resize((max(1, image.width // 2), max(1, image.height // 2)))
    return small, {"quality": 30}


def _lighting(image, factor):
    image = ImageEnhance.Brightness(image).enhance(factor)
    return ImageEnhance.Contrast(image).enhance(factor)


REFRAMINGS = {
    "crop60": lambda im: (_central(im, 0.6), {}),
    "eyes_to_chin": lambda im: (_eyes_to_chin(im), {}),
    "zoom_out60": lambda im: (_zoom_out(im, 0.6), {}),
    "half_jpeg30": _low_quality,
    "lighting+30%": lambda im: (_lighting(im, 1.3), {}),
    "lighting-30%": lambda im: (_lighting(im, 0.7), {}),
}


def reframed_paths(paths, variant, folder):
    """Write each image re-framed by ``variant`` into ``folder``; their paths.

    Files are named by a hash of their source path and reused on a rerun.
    """
    folder = Path(folder) / variant
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in paths:
        name = hashlib.sha1(str(path).encode()).hexdigest()[:16] + ".jpg"
        target = folder / name
        if not target.exists():
            with Image.open(path) as image:
                image = ImageOps.exif_transpose(image).convert("L")
                changed, options = REFRAMINGS[variant](image)
                changed.save(target, format="JPEG", **{"quality": 95, **options})
        out.append(str(target))
    return np.array(out, dtype=object)
