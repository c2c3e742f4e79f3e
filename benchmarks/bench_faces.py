"""Face finding: how often each detector finds a face, per class, and its cost.

Usage::

    python benchmarks/bench_faces.py [--data DIR] [--n-images 2000] [--n-jobs 1]

For each detector (OpenCV's Haar cascade with and without its profile
fallback or the refining search, scikit-image's LBP cascade) prints the share
of images where a face is found, per class and in all, and the images/s of
``ImageLoader(face_finder=...)`` against the plain loader (central crop) over
the same files in the same run, both single-threaded unless ``--n-jobs``. The
detection cache is cleared before each timing, so every face is searched for.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from emotion_sklearn import FaceFinder, ImageLoader, NoFaceFoundWarning
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions
from emotion_sklearn.images._decode import decode_file
from emotion_sklearn.images._faces import BOX_CACHE

DEFAULT_DATA = find_facial_expressions()


def _sample(faces, n_images, seed=0):
    """Up to ``n_images`` rows, the same share of each class."""
    rng = np.random.default_rng(seed)
    share = min(1.0, n_images / len(faces.data))
    picked = [
        rng.choice(rows, max(1, round(len(rows) * share)), replace=False)
        for rows in (np.flatnonzero(faces.target == c) for c in faces.target_names)
    ]
    return np.sort(np.concatenate(picked))


def found_per_image(paths, finder):
    return np.array(
        [decode_file(p, (48, 48), "crop", face_finder=finder)[1] for p in paths]
    )


def timed(function):
    BOX_CACHE._boxes.clear()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    rows = _sample(faces, args.n_images)
    paths, y = faces.data[rows], faces.target[rows]
    plain_loader = ImageLoader(face_finder=None, n_jobs=args.n_jobs)
    plain_loader.transform(paths)  # reads the files once, so no timing pays it
    plain = timed(lambda: plain_loader.transform(paths))
    print(
        f"{len(paths)} images from {args.data}; plain loader {len(paths) / plain:.0f}"
        " images/s"
    )
    table = {}
    finders = {
        "haar": FaceFinder("haar"),
        "haar, unrefined": FaceFinder("haar", refine=None),
        "haar, profiles": FaceFinder("haar", profiles=True),
        "lbp": FaceFinder("lbp"),
    }
    for name, finder in finders.items():
        loader = ImageLoader(face_finder=finder, n_jobs=args.n_jobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoFaceFoundWarning)
            seconds = timed(lambda loader=loader: loader.transform(paths))
        found = found_per_image(paths, finder)  # from the cache: no new search
        per_class = pd.Series(found).groupby(y).mean()
        table[name] = {
            **per_class.round(3).to_dict(),
            "all": round(float(found.mean()), 3),
            "images/s": round(len(paths) / seconds),
            "ms/image": round(1000 * seconds / len(paths), 2),
            "vs plain": round(plain / seconds, 3),
        }
    print(pd.DataFrame(table).to_string())


if __name__ == "__main__":
    main()
