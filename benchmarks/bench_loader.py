"""Image decoding speed: ImageLoader against a plain Pillow loop, in one run.

Usage::

    python benchmarks/bench_loader.py [--data DIR] [--n-images 2000] [--repeat 3]

Prints images/s for the baseline loop ``PIL.Image.open(p).convert("L").resize(size)``
and for ImageLoader with 1 and 2 jobs over the same files, and their ratios
(targets: >= 1.0 with one job, >= 1.6 with two). Each timing is the best of
``--repeat`` runs so that the page cache is warm for everyone.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

from emotion_sklearn import ImageLoader
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions

DEFAULT_DATA = find_facial_expressions()


def baseline(paths, size):
    rows = [
        np.asarray(Image.open(p).convert("L").resize(size), dtype=np.float32).ravel()
        / 255.0
        for p in paths
    ]
    return np.stack(rows)


def best_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data, emotions=None)
    rng = np.random.default_rng(0)
    paths = rng.choice(
        faces.data, size=min(args.n_images, len(faces.data)), replace=False
    )
    size = (args.size, args.size)

    n = len(paths)
    base = best_time(lambda: baseline(paths, size), args.repeat)
    rows = [("PIL loop (baseline)", base)]
    for n_jobs in (1, 2):
        loader = ImageLoader(image_size=size, n_jobs=n_jobs)
        rows.append(
            (
                f"ImageLoader n_jobs={n_jobs}",
                best_time(lambda loader=loader: loader.transform(paths), args.repeat),
            )
        )

    print(f"{n} real images from {args.data}, output {size[0]}x{size[1]}")
    print(f"{'method':<24}{'images/s':>10}{'ratio':>8}")
    for name, seconds in rows:
        print(f"{name:<24}{n / seconds:>10.0f}{base / seconds:>8.2f}")


if __name__ == "__main__":
    main()
