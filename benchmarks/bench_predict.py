"""Cold start and throughput of predicting emotions from photos, faces found.

Usage::

    python benchmarks/bench_predict.py [--data DIR] [--n-images 500] [--repeats 3]

Measures, in the same run:

- **cold start**: wall time of ``emotion-sklearn predict PHOTO`` in a fresh
  process (the shipped model, every face found), against a fresh process
  doing the same with plain calls: ``keras.saving.load_model`` of a ``.keras``
  file of the plain script's network, OpenCV's Haar cascade, a crop, a
  resize and ``Model.predict``; median of ``--repeats`` runs each;
- **throughput** from paths, faces found: ``detect_emotions`` (every face,
  one row each) and the shipped pipeline's ``predict`` (the largest face,
  as in training), against the same plain Keras + OpenCV loop in batches of
  64, over the same ``--n-images`` dataset photos, each timed once warm (the
  plain script times its loop itself, after a first call of its network).

The plain network is untrained: only its speed is measured.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from emotion_sklearn import detect_emotions, load_pretrained
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions
from emotion_sklearn.images._faces import BOX_CACHE

DEFAULT_DATA = find_facial_expressions()

# The plain way, as a user would write it without this package.
PLAIN_SCRIPT = """
import sys
import time
import cv2
import keras
import numpy as np

model = keras.saving.load_model(sys.argv[1])
cascade = cv2.CascadeClassifier(
    cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
)
paths = sys.argv[2:]
model.predict(np.zeros((1, 48 * 48), dtype="float32"), verbose=0)  # warm
began = time.perf_counter()
for start in range(0, len(paths), 64):
    crops, where = [], []
    for path in paths[start : start + 64]:
        gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        scale = 160 / max(gray.shape)
        small = cv2.resize(gray, None, fx=scale, fy=scale) if scale < 1 else gray
        boxes = cascade.detectMultiScale(small, 1.1, 5, minSize=(24, 24))
        if len(boxes) == 0:
            boxes = [(0, 0, small.shape[1], small.shape[0])]
        for x, y, w, h in boxes:
            face = small[y : y + h, x : x + w]
            crops.append(cv2.resize(face, (48, 48)).reshape(-1) / 255.0)
            where.append(path)
    proba = model.predict(np.asarray(crops, dtype="float32"), verbose=0)
    for path, row in zip(where, proba):
        print(path, int(row.argmax()))
print("PLAIN_LOOP_SECONDS", time.perf_counter() - began, file=sys.stderr)
"""


def plain_model_file(folder):
    """The plain script's network (untrained) saved as a ``.keras`` file."""
    sys.path.insert(0, str(Path(__file__).parent))
    from plain_keras import PlainKerasScript

    model = PlainKerasScript()._model(48, 4)
    path = Path(folder) / "plain.keras"
    model.save(path)
    return path


def loop_seconds(stderr):
    """The plain script's own timing, from its line among TensorFlow's logs."""
    (line,) = [x for x in stderr.splitlines() if x.startswith("PLAIN_LOOP_SECONDS")]
    return float(line.split()[1])


def median_times(command, repeats):
    """Median wall and CPU seconds (user + system, all threads) of ``command``.

    CPU seconds move less than wall seconds when other work shares the
    machine, so a ratio of them is the steadier of the two.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def median_seconds(command, repeats):
    return median_times(command, repeats)[0]


def images_per_second(function, paths):
    """Rate of ``function(paths)`` once warm, every face searched for afresh.

    A first call on a few photos traces the network's predict function, a
    one-time cost that the cold start measures; the plain script warms its
    network the same way before timing its loop.
    """
    function(paths[:8])
    BOX_CACHE._boxes.clear()
    start = time.perf_counter()
    function(paths)
    return len(paths) / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-images", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    rng = np.random.default_rng(0)
    paths = [str(p) for p in rng.choice(faces.data, args.n_images, replace=False)]
    folder = tempfile.mkdtemp(prefix="bench-predict-")
    plain_model = str(plain_model_file(folder))
    script = Path(folder) / "plain_predict.py"
    script.write_text(PLAIN_SCRIPT)

    ours_cold = median_seconds(
        [sys.executable, "-m", "emotion_sklearn", "predict", paths[0]], args.repeats
    )
    plain_cold = median_seconds(
        [sys.executable, str(script), plain_model, paths[0]], args.repeats
    )
    model = load_pretrained()
    rates = {
        "detect_emotions (every face)": images_per_second(
            lambda some: detect_emotions(some, model, n_jobs=-1), paths
        ),
        "pipeline.predict (largest face)": images_per_second(
            model.set_params(load__n_jobs=-1).predict, paths
        ),
    }
    plain_run = subprocess.run(
        [sys.executable, str(script), plain_model, *paths],
        check=True,
        capture_output=True,
        text=True,
    )
    plain_rate = len(paths) / loop_seconds(plain_run.stderr)

    print(f"{'measure':<40}{'ours':>10}{'plain':>10}{'ratio':>8}")
    print(
        f"{'cold start, one photo, s':<40}{ours_cold:>10.2f}{plain_cold:>10.2f}"
        f"{ours_cold / plain_cold:>8.2f}"
    )
    for name, rate in rates.items():
        print(
            f"{name + ', images/s':<40}{rate:>10.0f}{plain_rate:>10.0f}"
            f"{rate / plain_rate:>8.2f}"
        )


if __name__ == "__main__":
    main()
