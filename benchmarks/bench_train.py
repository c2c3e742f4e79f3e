"""Training on every image, from a fresh process: the CLI against the plain script.

Usage::

    python benchmarks/bench_train.py [--data DIR] [--epochs E] [--set K=V] [--repeats 1]

Measures, in the same run, the wall and CPU seconds of:

- **ours**: ``emotion-sklearn train --data DIR --validation none
  --out model.esk``: reading the legend, decoding every photo and finding
  its face, training the default pipeline for its default epochs, saving it
  and writing its report; each ``--set STEP__PARAM=VALUE`` is passed on to
  it, to time a candidate recipe before it becomes the default;
- **plain**: a fresh process that decodes every photo whole to 48x48 with
  Pillow and fits the plain script of ``plain_keras.py`` for 30 epochs.

Both train on the same four classes of the same folder. Issue 13's target is
a ratio of at most 1.0 with the plain script's 30 epochs. ``--epochs E``
trains both for E epochs instead: a quicker ratio that weighs loading (where
face finding costs) more than training does.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from bench_predict import median_times
from emotion_sklearn.datasets import find_facial_expressions

DEFAULT_DATA = find_facial_expressions()
PLAIN_EPOCHS = 30

PLAIN_SCRIPT = """
import sys
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[1])
from plain_keras import PlainKerasScript
from emotion_sklearn.datasets import load_facial_expressions

faces = load_facial_expressions(sys.argv[2])
X = np.stack([
    np.asarray(Image.open(p).convert("L").resize((48, 48)), dtype="float32").ravel()
    for p in faces.data
]) / 255.0
PlainKerasScript(epochs=int(sys.argv[3])).fit(X, faces.target)
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--set", action="append", default=[], dest="settings",
        metavar="STEP__PARAM=VALUE",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)

    plain_epochs = args.epochs or PLAIN_EPOCHS
    folder = Path(tempfile.mkdtemp(prefix="bench-train-"))
    script = folder / "plain_train.py"
    script.write_text(PLAIN_SCRIPT)
    ours = median_times(
        [
            sys.executable, "-m", "emotion_sklearn", "train",
            "--data", str(args.data), "--validation", "none", "--force",
            "--out", str(folder / "model.esk"),
            *(["--epochs", str(args.epochs)] if args.epochs else []),
            *(arg for setting in args.settings for arg in ("--set", setting)),
        ],
        args.repeats,
    )  # fmt: skip
    plain = median_times(
        [
            sys.executable, str(script), str(Path(__file__).parent),
            str(args.data), str(plain_epochs),
        ],
        args.repeats,
    )  # fmt: skip
    print(
        f"training on every image: ours {args.epochs or 'default'} epochs"
        f"{''.join(' --set ' + s for s in args.settings)}, "
        f"plain {plain_epochs} epochs"
    )
    print(f"{'seconds':<32}{'wall':>10}{'CPU':>10}")
    print(f"{'ours (emotion-sklearn train)':<32}{ours[0]:>10.0f}{ours[1]:>10.0f}")
    print(f"{'plain script':<32}{plain[0]:>10.0f}{plain[1]:>10.0f}")
    print(
        f"{'ratio (target <= 1.0)':<32}"
        f"{ours[0] / plain[0]:>10.2f}{ours[1] / plain[1]:>10.2f}"
    )


if __name__ == "__main__":
    main()
