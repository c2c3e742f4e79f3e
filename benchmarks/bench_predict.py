"""Cold start, memory and throughput of predicting emotions from photos.

Usage::

    python benchmarks/bench_predict.py [--data DIR] [--n-images 500] [--repeats 5]

Measures, in the same run, the shipped model on onnxruntime (the default
path: ``load_pretrained()``, ``predict`` without ``--model``) against the
same model on Keras (``load_pretrained(engine="keras")``, ``predict --model``
of the shipped ``.esk``) and against a plain script:

- **cold start**: wall time and peak memory (resident set) of ``emotion-sklearn
  predict PHOTO`` in a fresh process, every face found, median of
  ``--repeats`` processes; the plain script does the same with plain calls:
  ``keras.saving.load_model`` of a ``.keras`` file of the plain script's
  network, OpenCV's Haar cascade, a crop, a resize and ``Model.predict``;
- **throughput** from paths, faces found: ``detect_emotions`` (every face,
  one row each) and the pipeline's ``predict`` (the largest face, as in
  training), against the plain Keras + OpenCV loop in batches of 64, over
  the same ``--n-images`` dataset photos, each timed once warm (the plain
  script times its loop itself, after a first call of its network).

The plain network is untrained: only its speed is measured.
"""

import argparse
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
from emotion_sklearn.inference._shipped import shipped_path

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


# Runs a command and prints its wall seconds, exit status and peak resident
# memory. A process forked from this benchmark (TensorFlow loaded) would count
# the benchmark's pages in its peak before it executes the command; forked
# from this small process, it counts little more than its own.
_RUNNER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status),
      usage.ru_maxrss)
"""


def median_run(command, repeats):
    """Median wall seconds and median peak resident memory (MB) of ``command``.

    Each run is a fresh process; its peak memory is the kernel's count of
    its largest resident set (``wait4``, kilobytes on Linux).
    """
    walls, peaks = [], []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER, *command],
            check=True,
            capture_output=True,
            text=True,
        )
        wall, status, peak = done.stdout.split()
        if int(status) != 0:
            raise RuntimeError(f"{command} failed")
        walls.append(float(wall))
        peaks.append(int(peak) / 1024)
    return statistics.median(walls), statistics.median(peaks)


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
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    rng = np.random.default_rng(0)
    paths = [str(p) for p in rng.choice(faces.data, args.n_images, replace=False)]
    folder = tempfile.mkdtemp(prefix="bench-predict-")
    plain_model = str(plain_model_file(folder))
    script = Path(folder) / "plain_predict.py"
    script.write_text(PLAIN_SCRIPT)

    with shipped_path(".esk") as shipped:
        shipped = str(shipped)
    cli = [sys.executable, "-m", "emotion_sklearn", "predict"]
    cold = {
        "onnx": median_run([*cli, paths[0]], args.repeats),
        "keras": median_run([*cli, "--model", shipped, paths[0]], args.repeats),
        "plain": median_run(
            [sys.executable, str(script), plain_model, paths[0]], args.repeats
        ),
    }
    models = {
        "onnx": load_pretrained(),
        "keras": load_pretrained(engine="keras"),
    }
    rates = {}
    for engine, model in models.items():
        rates["detect_emotions (every face)", engine] = images_per_second(
            lambda some, model=model: detect_emotions(some, model, n_jobs=-1), paths
        )
        rates["pipeline.predict (largest face)", engine] = images_per_second(
            model.set_params(load__n_jobs=-1).predict, paths
        )
    plain_run = subprocess.run(
        [sys.executable, str(script), plain_model, *paths],
        check=True,
        capture_output=True,
        text=True,
    )
    plain_rate = len(paths) / loop_seconds(plain_run.stderr)
    print_table(cold, rates, plain_rate)


def print_table(cold, rates, plain_rate):
    """Each measure for onnxruntime, Keras and the plain script, with ratios."""
    header = f"{'measure':<34}{'onnx':>8}{'keras':>8}{'plain':>8}"
    print(header + f"{'onnx/keras':>12}{'onnx/plain':>12}")
    for index, unit in ((0, "cold start, one photo, s"), (1, "cold start, peak MB")):
        onnx, keras, plain = (cold[k][index] for k in ("onnx", "keras", "plain"))
        print(
            f"{unit:<34}{onnx:>8.2f}{keras:>8.2f}{plain:>8.2f}"
            f"{onnx / keras:>12.2f}{onnx / plain:>12.2f}"
        )
    for name in dict.fromkeys(name for name, _ in rates):
        onnx, keras = rates[name, "onnx"], rates[name, "keras"]
        print(
            f"{name + ', images/s':<34}{onnx:>8.0f}{keras:>8.0f}{plain_rate:>8.0f}"
            f"{onnx / keras:>12.2f}{onnx / plain_rate:>12.2f}"
        )


if __name__ == "__main__":
    main()
