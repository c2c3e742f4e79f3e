"""What the command line does before TensorFlow starts (about 7 s).

Every check that needs no network runs first, so that a wrong folder, a
missing legend or an output that exists is reported at once; ``info`` needs
no TensorFlow at all.
"""

import ast
from pathlib import Path

from .._video import check_smoothing, parse_every
from ..datasets import fetch_facial_expressions, load_facial_expressions
from ._report import check_writable, cv_results_path_for


class UserError(Exception):
    """A mistake in the command line: printed as one line, exit status 2."""


def check_before_start(args):
    """Raise UserError or OSError for what ``args`` get wrong, cheaply."""
    for text in getattr(args, "settings", []):
        parse_assignment(text)
    for text in getattr(args, "grid", None) or []:
        parse_grid_values(text)
    if args.command in ("evaluate", "export"):
        _check_model_path(Path(args.model))
    if args.command == "export":
        _check_export_target(Path(args.out), args.force)
    if args.command in ("train", "search"):
        extra = [cv_results_path_for(args.out)] if args.command == "search" else []
        check_writable(args.out, args.force, extra=extra)
    if getattr(args, "data", None) is not None:
        _check_dataset_folder(Path(args.data))
    if args.command == "predict":
        _check_video_options(args)
        if args.model is not None:
            _check_model_path(Path(args.model))
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            raise UserError(f"no such file or folder: {missing[0]!r}")


def _check_video_options(args):
    try:
        parse_every(args.every)
    except ValueError as exc:
        raise UserError(f"--every: {exc}") from None
    try:
        check_smoothing(args.smoothing)
    except ValueError as exc:
        raise UserError(f"--smoothing: {exc}") from None


def _check_export_target(out, force):
    if out.is_dir():
        raise UserError(f"{str(out)!r} is a folder; give the ONNX file's name")
    if out.exists() and not force:
        raise UserError(f"{str(out)!r} exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise UserError(f"no folder {str(out.parent)!r} to write {out.name!r} into")


def parse_value(text):
    """A Python literal (``32``, ``(48, 48)``, ``None``), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_assignment(text):
    """``"cnn__filters=32"`` -> ``("cnn__filters", 32)``."""
    name, sep, value = text.partition("=")
    if not sep or "__" not in name:
        raise UserError(f"expected STEP__PARAM=VALUE, got {text!r}")
    return name.strip(), parse_value(value.strip())


def parse_grid_values(text):
    """``"cnn__filters=16,32"`` -> ``("cnn__filters", [16, 32])``."""
    name, sep, values = text.partition("=")
    if not sep or "__" not in name or not values.strip():
        raise UserError(f"expected STEP__PARAM=V1,V2,..., got {text!r}")
    try:
        parsed = ast.literal_eval(f"[{values}]")
    except (ValueError, SyntaxError):
        parsed = [parse_value(v.strip()) for v in values.split(",")]
    return name.strip(), parsed


def _check_dataset_folder(folder):
    if not folder.is_dir():
        raise UserError(f"--data: no folder {str(folder)!r}")
    legend = folder / "data" / "legend.csv"
    if not legend.is_file():
        raise UserError(
            f"--data: {str(folder)!r} has no data/legend.csv (the "
            "muxspace/facial_expressions layout: data/legend.csv and images/)"
        )


def _check_model_path(path):
    if not path.exists():
        raise UserError(f"no model file at {str(path)!r}")
    if not path.is_file():
        raise UserError(f"{str(path)!r} is not a regular file")


def load_dataset(args):
    """The dataset ``args`` name: ``--data``, or the downloaded copy."""
    emotions = None if [e.lower() for e in args.emotions] == ["all"] else args.emotions
    try:
        if args.data is None:
            return fetch_facial_expressions(emotions=emotions)
        return load_facial_expressions(args.data, emotions=emotions)
    except (ValueError, TypeError) as exc:  # a legend or label the user gave
        raise UserError(str(exc)) from exc


def info(args):
    """Summarise a dataset per emotion."""
    faces = load_dataset(args)
    print(faces.DESCR)
    counts = faces.frame.groupby("emotion").agg(
        images=("path", "size"), people=("person", "nunique")
    )
    print(counts.to_string())
    return 0
