"""The ``emotion-sklearn`` command line.

Note that a ``.joblib`` model file runs code when it is loaded: load only
models you trust.
"""

import argparse
import sys

from .datasets import (
    DEFAULT_EMOTIONS,
    fetch_facial_expressions,
    load_facial_expressions,
)


class UserError(Exception):
    """A mistake in the command line: printed as one line, exit status 2."""


def _load(args):
    emotions = None if args.emotions == ["all"] else args.emotions
    if args.data is None:
        return fetch_facial_expressions(emotions=emotions)
    return load_facial_expressions(args.data, emotions=emotions)


def _cmd_info(args):
    faces = _load(args)
    print(faces.DESCR)
    counts = faces.frame.groupby("emotion").agg(
        images=("path", "size"), people=("person", "nunique")
    )
    print(counts.to_string())
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="emotion-sklearn",
        description="Facial emotion recognition with scikit-learn pipelines.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser(
        "info", help="load a dataset folder and summarise it per emotion"
    )
    info.add_argument(
        "--data",
        help="folder in the muxspace/facial_expressions layout (data/legend.csv, "
        "images/); without it the dataset is fetched once into "
        "$EMOTION_SKLEARN_DATA or ~/emotion_sklearn_data",
    )
    info.add_argument(
        "--emotions",
        nargs="+",
        default=list(DEFAULT_EMOTIONS),
        help="labels to keep, or 'all' (default: %(default)s)",
    )
    info.set_defaults(handler=_cmd_info)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (UserError, OSError, ValueError) as exc:
        print(f"emotion-sklearn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
