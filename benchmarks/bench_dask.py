"""Wall time of a 4-candidate grid search: 2 local Dask workers against serial.

Usage::

    python benchmarks/bench_dask.py [--data DIR] [--n-images 400] [--epochs 3]

Both searches run in this process one after the other, on the same images,
folds and random_state; the script checks that their scores agree and prints
the speed-up. On a 2-core machine the ceiling is about 2x.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from emotion_sklearn import make_emotion_pipeline
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions
from emotion_sklearn.parallel import dask_client

DEFAULT_DATA = find_facial_expressions()


def make_search(epochs, n_jobs):
    pipeline = make_emotion_pipeline(
        load__image_size=(32, 32),
        cnn__epochs=epochs,
        cnn__dense_units=16,
        random_state=0,
    )
    grid = {"cnn__filters": [4, 8], "cnn__n_blocks": [1, 2]}
    return GridSearchCV(pipeline, grid, cv=StratifiedGroupKFold(2), n_jobs=n_jobs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-images", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(len(faces.data), args.n_images, replace=False))
    X, y, groups = faces.data[rows], faces.target[rows], faces.groups[rows]

    start = time.perf_counter()
    serial = make_search(args.epochs, n_jobs=None).fit(X, y, groups=groups)
    serial_seconds = time.perf_counter() - start

    with dask_client(local_workers=2) as client:
        client.run(lambda: None)  # workers up before the clock starts
        start = time.perf_counter()
        with parallel_config(backend="dask"):
            spread = make_search(args.epochs, n_jobs=-1).fit(X, y, groups=groups)
        dask_seconds = time.perf_counter() - start

    same = np.allclose(
        serial.cv_results_["mean_test_score"], spread.cv_results_["mean_test_score"]
    )
    print(f"4 candidates x 2 folds on {len(X)} images, {args.epochs} epochs")
    print(f"{'run':<28}{'seconds':>10}{'speed-up':>10}")
    print(f"{'serial (baseline)':<28}{serial_seconds:>10.1f}{1:>10.2f}")
    print(
        f"{'2 local Dask workers':<28}{dask_seconds:>10.1f}"
        f"{serial_seconds / dask_seconds:>10.2f}"
    )
    print(f"same scores: {same}")


if __name__ == "__main__":
    main()
