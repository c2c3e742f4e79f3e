"""The ``emotion-sklearn`` command line (also ``python -m emotion_sklearn``).

A ``.joblib`` model file runs code when it is loaded: load only models you
trust.
"""

import argparse
import contextlib
import os
import sys
import warnings

from ..datasets._facial_expressions import DEFAULT_EMOTIONS

TRUST_WARNING = (
    "Models are saved in a format that runs no code when loaded; a .joblib name "
    "saves a pickle instead, which runs code when loaded, so evaluate and "
    "predict read one only with --allow-pickle."
)


class _Formatter(
    argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter
):
    pass


def _add_data_options(parser, *, required=False):
    parser.add_argument(
        "--data",
        required=required,
        help="dataset folder in the muxspace/facial_expressions layout "
        "(data/legend.csv and images/)"
        + (
            ""
            if required
            else "; without it the dataset is downloaded once into "
            "$EMOTION_SKLEARN_DATA or ~/emotion_sklearn_data"
        ),
    )
    parser.add_argument(
        "--emotions",
        nargs="+",
        default=list(DEFAULT_EMOTIONS),
        metavar="EMOTION",
        help="labels to keep, or 'all'",
    )


def _add_training_options(parser):
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="STEP__PARAM=VALUE",
        dest="settings",
        help="a pipeline parameter, e.g. cnn__filters=32 or load__image_size=(32,32); "
        "repeatable. Steps: load, resample, cnn",
    )
    parser.add_argument("--epochs", type=int, help="maximum epochs (cnn__epochs)")
    parser.add_argument(
        "--random-state", type=int, default=0, help="seed for the split and the network"
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=2,
        help="parallel jobs: image decoding threads, and for search the grid's fits",
    )


def _add_output_options(parser, what):
    parser.add_argument(
        "--out",
        required=True,
        metavar="MODEL",
        help=f"where to save the {what}, e.g. model.esk (a .joblib or .pkl name "
        "saves a joblib pickle instead)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace existing output files"
    )


def _add_pickle_option(parser):
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="also read joblib/pickle model files, which run code when loaded: "
        "only for files from a source you trust",
    )


def _add_info(commands):
    info = commands.add_parser(
        "info", help="summarise a dataset per emotion", formatter_class=_Formatter
    )
    _add_data_options(info)
    info.set_defaults(handler="info")


def _add_train(commands):
    train = commands.add_parser(
        "train",
        formatter_class=_Formatter,
        help="train the default pipeline, report on held-out people, save it",
        description="Train the default pipeline, print metrics on a person-disjoint "
        "validation split, save the fitted pipeline (a file that runs no code when "
        "loaded) and write "
        "<model>_report/ (confusion_matrix.png, training_curves.png, metrics.json) "
        f"beside it. {TRUST_WARNING}",
    )
    _add_data_options(train)
    _add_output_options(train, "fitted pipeline")
    train.add_argument(
        "--validation",
        choices=["person", "none"],
        default="person",
        help="'person' holds out a fifth of the people, trains on the rest and "
        "reports on them; 'none' trains on everything (the report is then on "
        "training images and says so)",
    )
    _add_training_options(train)
    train.set_defaults(handler="train")


def _add_evaluate(commands):
    evaluate = commands.add_parser(
        "evaluate",
        formatter_class=_Formatter,
        help="score a saved model on a labelled dataset",
        description=f"Score a saved model on a labelled dataset. {TRUST_WARNING}",
    )
    evaluate.add_argument("model", help="a model file saved by train or search")
    _add_pickle_option(evaluate)
    _add_data_options(evaluate, required=True)
    evaluate.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    evaluate.add_argument(
        "--n-jobs", type=int, default=2, help="threads that decode images"
    )
    evaluate.set_defaults(handler="evaluate")


def _add_predict(commands):
    predict = commands.add_parser(
        "predict",
        formatter_class=_Formatter,
        help="the emotion of every face in image files, videos or folders",
        description="Print one row per face found in each photo: its box "
        "(x, y, width, height in the photo's pixels), label and class "
        "probabilities. A photo without a face gets one row marked 'no face "
        "found', without a label (--no-face whole reads the whole image "
        "instead). A video (.mp4, .mov, .avi, .mkv, .webm...) gets rows for "
        "each sampled frame (--every), each with its time and the number of "
        "the person, who keeps it from frame to frame. An unreadable file is "
        "reported on its "
        "own line and the others are still predicted; the exit status is 1 if "
        "any failed. Without a model, the one shipped with the package is used; "
        f"a model file may also be given as the first PATH. {TRUST_WARNING}",
    )
    predict.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="image files, or folders whose files are read",
    )
    predict.add_argument(
        "--model",
        metavar="FILE",
        help="a model file saved by train or search (default: the shipped model)",
    )
    _add_pickle_option(predict)
    output = predict.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object a line")
    output.add_argument("--csv", action="store_true", help="CSV with a header")
    predict.add_argument(
        "--no-face",
        choices=["report", "whole"],
        default="report",
        help="a photo without a face: 'report' says so, with no label; 'whole' "
        "reads the whole image as a face",
    )
    predict.add_argument(
        "--every",
        metavar="STEP",
        help="in a video, predict one frame each STEP seconds (0.5) or frames "
        "(5f); default: every frame",
    )
    predict.add_argument(
        "--smoothing",
        type=float,
        metavar="SECONDS",
        help="in a video, average each person's probabilities over time, a "
        "frame SECONDS older weighing half as much",
    )
    predict.add_argument(
        "--annotate",
        metavar="DIR",
        help="also write a copy of each photo or video into DIR, same file "
        "name, with each face's box, label (and person, in a video) drawn on it",
    )
    predict.add_argument(
        "--force",
        action="store_true",
        help="let --annotate replace files of the same name in DIR",
    )
    predict.set_defaults(handler="predict")


def _add_export(commands):
    export = commands.add_parser(
        "export",
        formatter_class=_Formatter,
        help="write a model's network as an ONNX graph, to predict without TensorFlow",
        description="Export the network of a model saved by train or search, "
        "with its test-time reading (crop, mirror average, class prior), as one "
        "ONNX graph: it takes the loader's rows of pixels and gives the "
        "model's probabilities. predict reads it with onnxruntime, without "
        "starting TensorFlow; docs/production.rst describes its inputs and "
        f"metadata for use outside Python. Needs tf2onnx. {TRUST_WARNING}",
    )
    export.add_argument("model", metavar="MODEL", help="a model file")
    export.add_argument("out", metavar="OUT", help="the ONNX file to write")
    export.add_argument("--force", action="store_true", help="replace OUT if it exists")
    _add_pickle_option(export)
    export.set_defaults(handler="export")


def _add_search(commands):
    search = commands.add_parser(
        "search",
        formatter_class=_Formatter,
        help="grid-search pipeline parameters on person-grouped folds",
        description="GridSearchCV over the default pipeline with stratified "
        "folds grouped by person; prints a ranked table, saves the best pipeline "
        f"and cv_results_ as CSV beside it. {TRUST_WARNING}",
    )
    _add_data_options(search)
    search.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="STEP__PARAM=V1,V2",
        dest="grid",
        help="values to try, e.g. cnn__filters=16,32; repeatable",
    )
    search.add_argument("--cv", type=int, default=3, help="number of folds")
    search.add_argument(
        "--scoring", default="balanced_accuracy", help="a scikit-learn scorer name"
    )
    _add_output_options(search, "best pipeline")
    _add_training_options(search)
    cluster = search.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on a running Dask cluster, e.g. tcp://HOST:8786; only "
        "image paths travel, so every worker must read the data at the same path "
        "(needs pip install emotion-sklearn[dask])",
    )
    cluster.add_argument(
        "--dask-local",
        type=int,
        metavar="N",
        help="run the fits on a local Dask cluster of N worker processes",
    )
    search.add_argument(
        "--tf-threads",
        type=int,
        default=1,
        help="TensorFlow threads per fit on Dask workers; each Dask thread runs one "
        "fit, so keep workers x threads x this <= cores",
    )
    search.set_defaults(handler="search")


def build_parser():
    """The argument parser, for documentation and tests."""
    parser = argparse.ArgumentParser(
        prog="emotion-sklearn",
        description="Facial emotion recognition with scikit-learn pipelines. "
        + TRUST_WARNING,
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show TensorFlow's and other libraries' warnings and logs",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (
        _add_info,
        _add_train,
        _add_evaluate,
        _add_predict,
        _add_export,
        _add_search,
    ):
        add_command(commands)
    return parser


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for the block.

    TensorFlow's C++ libraries print start-up lines (CUDA stubs, absl's
    "before InitializeLog") straight to the descriptor while they load and
    look for devices, before any log level applies. Python exceptions are
    unaffected: they are printed after the block.
    """
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _show_package_warnings_only(command):
    """Warnings as one line that names the command, not a source line; only the
    package's own (raised from, or attributed to, its modules)."""
    warnings.simplefilter("ignore")
    warnings.filterwarnings("default", module=r"emotion_sklearn(\.|$)")
    for category in _package_warning_categories():
        warnings.filterwarnings("default", category=category)

    def one_line(message, category, filename, lineno, line=None):
        return f"emotion-sklearn {command}: warning: {message}\n"

    warnings.formatwarning = one_line


def _package_warning_categories():
    from ..images._loader import NoFaceFoundWarning
    from ..model_files._fingerprint import ModelFileWarning

    return NoFaceFoundWarning, ModelFileWarning


def _quiet_tensorflow(verbose):
    """TensorFlow's own Python logger (retracing notices) at errors only."""
    if not verbose:
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")


def main(argv=None):
    """Run the command line and return its exit status.

    The user's own mistakes (a missing folder, a bad parameter, a file that
    exists, an unreadable image) are one line on stderr and exit status 2,
    found before TensorFlow starts wherever they can be. Anything else is a
    bug and shows its traceback.
    """
    args = build_parser().parse_args(argv)
    # Before TensorFlow is first imported, which is when it reads it: its C++
    # libraries log benign errors (op registrations) while training.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if args.verbose else "3")
    shown = warnings.formatwarning
    try:
        with warnings.catch_warnings():
            if not args.verbose:
                _show_package_warnings_only(args.command)
            return _run(args)
    finally:
        warnings.formatwarning = shown


def _run(args):
    from . import _before_tensorflow

    try:
        _before_tensorflow.check_before_start(args)
        if args.handler == "info":
            return _before_tensorflow.info(args)
    except (_before_tensorflow.UserError, OSError) as exc:
        print(f"emotion-sklearn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.handler == "predict":
        from . import _predict

        if not _predict.needs_tensorflow(args):
            return _call(_predict.predict, args)
    try:
        # Here, not at the top: --help and the checks above need no TensorFlow.
        with _native_stderr_silenced():
            from . import _commands

            _commands.start_tensorflow()
        _quiet_tensorflow(args.verbose)
    except KeyboardInterrupt:
        print(f"emotion-sklearn {args.command}: interrupted", file=sys.stderr)
        return 130
    return _call(getattr(_commands, args.handler), args)


def _call(handler, args):
    """Run a command's handler, its failures printed as one line."""
    from ..images._decode import ImageLoadError
    from ._before_tensorflow import UserError

    try:
        return handler(args)
    except (UserError, ImageLoadError, OSError) as exc:
        print(f"emotion-sklearn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        saved = getattr(exc, "targets", None)
        done = f" after saving {', '.join(map(str, saved))}" if saved else ""
        print(f"emotion-sklearn {args.command}: interrupted{done}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
