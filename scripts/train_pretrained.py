"""Rebuild the model shipped in the package from the dataset.

Usage::

    python scripts/train_pretrained.py [--data DIR] [--out PATH]

Trains ``make_emotion_pipeline(random_state=0)`` (the default recipe) on all
10,459 images of the four default classes and writes it in the package's
safe model format to ``src/emotion_sklearn/pretrained/emotion_cnn.esk``
(or ``--out``), then its network exported to ONNX beside it
(``emotion_cnn.onnx``, which ``load_pretrained()`` runs). Rerun it whenever
the default recipe changes: the shipped model must be what the recipe on
main trains. ``--export-only`` exports the existing file again. It prints
how long decoding and training took; docs/pretrained.rst (the model card)
records the figures.
"""

import argparse
import time
from pathlib import Path

from emotion_sklearn import export_onnx, make_emotion_pipeline, save_model
from emotion_sklearn.cli._commands import (
    _fit_from_pixels,
    decode_with_progress,
    loading_steps,
)
from emotion_sklearn.datasets import find_facial_expressions, load_facial_expressions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "emotion_sklearn" / "pretrained" / "emotion_cnn.esk"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=find_facial_expressions())
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="export the existing --out file to ONNX again, without training",
    )
    args = parser.parse_args(argv)
    if not args.export_only:
        train(args)
    graph = export_onnx(args.out, args.out.with_suffix(".onnx"))
    print(f"wrote {graph} ({graph.stat().st_size / 1e6:.2f} MB)")


def train(args):
    """Train the recipe on the dataset at ``args.data`` and save it to ``args.out``."""
    faces = load_facial_expressions(args.data)
    model = make_emotion_pipeline(random_state=0)
    head, _ = loading_steps(model)
    start = time.perf_counter()
    # All cores for decoding here; the shipped loader keeps its default.
    head.set_params(load__n_jobs=-1)
    pixels = decode_with_progress(head, faces.data)
    decoded = time.perf_counter()
    _fit_from_pixels(model, pixels, faces.target, faces.data)
    head.set_params(load__n_jobs=None)
    trained = time.perf_counter()
    save_model(model, args.out)
    print(
        f"{len(faces.target)} images: decoding and face finding "
        f"{decoded - start:.0f} s, training {trained - decoded:.0f} s; "
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
