"""Speed of the model steps, each as a ratio against a baseline in the same run.

Usage::

    python benchmarks/bench_speed.py [--data DIR] [--n-images 2000] [--epochs 3]

Prints one table:

- ``fit overhead``: EmotionCNNClassifier.fit of the default pipeline's network
  against a plain ``keras.Model.fit`` of the same model on the same arrays and
  sample weights (target: <= 5% slower);
- ``predict``: images/s from image paths through a fitted default pipeline, and
  the latency of one image after warm-up;
- ``grid search decodes``: how many images a 2x2 grid with 3 folds decodes with
  the pipeline's ``memory=`` cache against without it.
"""

import argparse
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
from scikeras.utils.random_state import tensorflow_random_state
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold
from sklearn.utils.class_weight import compute_sample_weight

import emotion_sklearn.images._loader as loader_module
from emotion_sklearn import EmotionCNNClassifier, ImageLoader, make_emotion_pipeline
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions
from emotion_sklearn.network._layers import averaged_accuracy

DEFAULT_DATA = find_facial_expressions()


def _subset(faces, n, seed=0):
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(faces.data), size=min(n, len(faces.data)), replace=False)
    picked.sort()
    return faces.data[picked], faces.target[picked], faces.groups[picked]


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def fit_overhead(X, y, epochs, repeats=2):
    """Best-of-``repeats`` seconds for our fit and for Keras' own fit.

    Both fit the default pipeline's network (one network of four blocks, its
    augmentation layers) on the same rows, seeded, with TensorFlow's op
    determinism on (what scikeras does for a ``random_state``), and alternate,
    so that neither side gets a quieter machine or faster non-deterministic
    kernels.
    """
    default_cnn = make_emotion_pipeline().named_steps["cnn"]
    params = {
        **default_cnn.get_params(deep=False),
        "epochs": epochs,
        "early_stopping": False,
        "random_state": 0,
        "verbose": 0,
    }
    cnn = EmotionCNNClassifier(**{**params, "epochs": 1}).fit(X, y)  # warm-up
    codes = np.searchsorted(cnn.classes_, y)
    weights = compute_sample_weight(params["class_weight"], y)
    learning_rate = params["optimizer"].learning_rate

    def plain_fit():
        with tensorflow_random_state(0):
            plain = keras.models.clone_model(cnn.model_)
            plain.compile(
                optimizer=keras.optimizers.Adam(learning_rate),
                loss=cnn.model_.loss,
                metrics=[_accuracy_of(cnn.model_)],
            )
            plain.fit(
                X,
                codes,
                sample_weight=weights,
                epochs=epochs,
                batch_size=params["batch_size"],
                verbose=0,
            )

    ours, keras_seconds = [], []
    for _ in range(repeats):
        ours.append(_timed(lambda: EmotionCNNClassifier(**params).fit(X, y))[0])
        keras_seconds.append(_timed(plain_fit)[0])
    return min(ours), min(keras_seconds)


def _accuracy_of(model):
    """A fresh copy of the accuracy metric ``model`` was compiled with."""
    if len(model.output.shape) == 3:  # several networks side by side
        return keras.metrics.MeanMetricWrapper(averaged_accuracy, name="accuracy")
    return "accuracy"


def predict_speed(paths, y):
    pipeline = make_emotion_pipeline(
        cnn__epochs=1, cnn__early_stopping=False, load__n_jobs=2, random_state=0
    )
    pipeline.fit(paths, y)
    pipeline.predict(paths[:64])  # warm-up
    batch_seconds, _ = _timed(lambda: pipeline.predict(paths))
    pipeline.predict(paths[:1])
    latencies = [_timed(lambda p=p: pipeline.predict([p]))[0] for p in paths[:20]]
    return len(paths) / batch_seconds, float(np.median(latencies))


def _count_decodes(search, paths, y, groups):
    counted = []
    original = loader_module._decode_chunk

    def counting(chunk_paths, *args, **kwargs):
        counted.append(len(chunk_paths))
        return original(chunk_paths, *args, **kwargs)

    loader_module._decode_chunk = counting
    try:
        seconds, _ = _timed(lambda: search.fit(paths, y, groups=groups))
    finally:
        loader_module._decode_chunk = original
    return sum(counted), seconds


def grid_search_decodes(paths, y, groups):
    """Decoded images and seconds for three ways to grid-search from paths."""
    grid = {"cnn__filters": [4, 8], "cnn__n_blocks": [1, 2]}
    tiny = dict(
        cnn__epochs=1, cnn__dense_units=8, cnn__early_stopping=False, random_state=0
    )

    def search(**params):
        pipeline = make_emotion_pipeline(**tiny, **params)
        return GridSearchCV(pipeline, grid, cv=StratifiedGroupKFold(3))

    def decode_once_then_search(paths, y, groups):
        pixels = ImageLoader().transform(paths)
        search(load="passthrough").fit(pixels, y, groups=groups)

    class DecodeOnce:
        fit = staticmethod(decode_once_then_search)

    return {
        "paths, no cache (baseline)": _count_decodes(search(), paths, y, groups),
        "paths, memory=": _count_decodes(
            search(memory=tempfile.mkdtemp()), paths, y, groups
        ),
        "decode once, search on pixels": _count_decodes(DecodeOnce(), paths, y, groups),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    paths, y, _ = _subset(faces, args.n_images)
    X = ImageLoader(n_jobs=2).transform(paths)

    ours, plain = fit_overhead(X, y, args.epochs)
    per_second, latency = predict_speed(paths, y)
    small_paths, small_y, small_groups = _subset(faces, 300, seed=1)
    decodes = grid_search_decodes(small_paths, small_y, small_groups)

    print(f"{len(paths)} real images, default network, {args.epochs} epochs")
    print(f"{'measure':<38}{'value':>12}{'baseline':>12}{'ratio':>8}")
    print(
        f"{'fit seconds (ours vs keras.Model.fit)':<38}{ours:>12.1f}{plain:>12.1f}"
        f"{ours / plain:>8.3f}"
    )
    print(f"{'predict from paths, images/s':<38}{per_second:>12.0f}{'':>12}{'':>8}")
    print(f"{'one-image latency, ms':<38}{1000 * latency:>12.1f}{'':>12}{'':>8}")
    base_count, base_s = decodes["paths, no cache (baseline)"]
    for name, (count, seconds) in decodes.items():
        print(
            f"{'2x2x3 grid ' + name + ', decodes':<38}{count:>12d}{base_count:>12d}"
            f"{count / base_count:>8.3f}"
        )
        print(
            f"{'2x2x3 grid ' + name + ', s':<38}{seconds:>12.1f}{base_s:>12.1f}"
            f"{seconds / base_s:>8.3f}"
        )


if __name__ == "__main__":
    main()
