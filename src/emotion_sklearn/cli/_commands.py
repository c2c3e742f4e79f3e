"""What each ``emotion-sklearn`` sub-command does; cli.py parses the arguments."""

import contextlib
import json
import sys
import time
import warnings

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV
from tqdm.auto import tqdm

from .._pipeline import make_emotion_pipeline
from .._sklearn_seam import InvalidParameterError, safe_indexing
from .._steps import frames_training_apart, loading_steps, stack_rows
from ..datasets import person_folds

# cli.py calls each sub-command by name from this module and catches
# ImageLoadError from here.
from ..images._decode import ImageLoadError  # noqa: F401
from ..images._loader import READ_WHOLE, NoFaceFoundWarning
from ..model_files._format import ModelFileError, is_model_file
from ._before_tensorflow import (
    UserError,
    load_dataset,
    parse_assignment,
    parse_grid_values,
)
from ._predict import load_model_file, predict  # noqa: F401
from ._report import (
    check_writable,
    classification_metrics,
    cv_results_path_for,
    format_metrics,
    report_dir_for,
    save_outputs,
)

_DECODE_CHUNK = 256


def export(args):
    """Write the model's network as an ONNX graph (export_onnx)."""
    from ..inference import export_onnx

    # A model file goes by its path: export_onnx loads it once and records
    # its SHA-256. Anything else (a trusted pickle) is loaded here.
    source = args.model
    if not is_model_file(source):
        source = load_model_file(source, allow_pickle=args.allow_pickle)
    try:
        path = export_onnx(source, args.out)
    except (TypeError, ImportError, ModelFileError) as exc:
        # not exportable, tf2onnx missing, or a damaged model file
        raise UserError(str(exc)) from None
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def start_tensorflow():
    """Load TensorFlow and let it look for devices (it logs while doing so)."""
    import tensorflow as tf

    tf.config.list_physical_devices()


# -- shared steps ----------------------------------------------------------------


def _pipeline_from(args, **extra):
    params = dict(parse_assignment(text) for text in args.settings)
    if args.epochs is not None:
        if "cnn__epochs" in params:
            raise UserError(
                "--epochs and --set cnn__epochs both set the epochs; give one"
            )
        params["cnn__epochs"] = args.epochs
    params.setdefault("cnn__verbose", 2)  # one line an epoch
    params.setdefault("load__n_jobs", args.n_jobs)
    params.update(extra)
    try:
        pipeline = make_emotion_pipeline(random_state=args.random_state, **params)
    except ValueError as exc:
        raise UserError(_short_parameter_error(exc, params)) from exc
    _check_step_parameters(pipeline)
    return pipeline


def _short_parameter_error(exc, params):
    """scikit-learn's unknown-parameter error without the estimator's repr."""
    message = str(exc)
    if not message.startswith("Invalid parameter"):
        return message
    name = message.split("'")[1] if "'" in message else "?"
    given = [key for key in params if key.endswith(f"__{name}") or key == name]
    return f"unknown parameter {given[0] if given else name!r}; " + (
        message[message.index("Valid parameters are") :]
        if "Valid parameters are" in message
        else "see the step's documentation"
    )


def _check_step_parameters(pipeline):
    """Validate every step's parameters now, before any image is decoded."""
    for name, step in pipeline.steps:
        validate = getattr(step, "_validate_params", None)
        if validate is None:
            continue
        try:
            validate()
        except InvalidParameterError as exc:
            raise UserError(f"step {name!r}: {exc}") from exc


def decode_with_progress(loader, paths, what="images"):
    """``loader.transform(paths)`` in chunks, with a progress bar on stderr.

    The chunks' NoFaceFoundWarnings become one, counting all of them.
    """
    chunks = []
    with (
        tqdm(
            total=len(paths),
            desc=f"loading {what}",
            unit="img",
            file=sys.stderr,
            disable=None,
        ) as bar,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", NoFaceFoundWarning)
        for start in range(0, len(paths), _DECODE_CHUNK):
            chunk = paths[start : start + _DECODE_CHUNK]
            chunks.append(loader.transform(chunk))
            bar.update(len(chunk))
    missed = [w.message for w in caught if w.category is NoFaceFoundWarning]
    for other in caught:
        if other.category is not NoFaceFoundWarning:
            warnings.warn_explicit(
                other.message, other.category, other.filename, other.lineno
            )
    if missed:
        warnings.warn(
            NoFaceFoundWarning.counting(
                f"loading {what}",
                sum(w.n_missed for w in missed),
                len(paths),
                missed[0].first,
                READ_WHOLE,
            ),
            stacklevel=2,
        )
    return stack_rows(chunks)


def _decode_then(pipeline, paths, *, n_jobs=None):
    """``(X, rest)``: pixels and the steps after loading, or paths and all."""
    head, tail = loading_steps(pipeline)
    if head is None:
        return paths, tail
    if n_jobs is not None and "n_jobs" in head[-1].get_params():
        head[-1].set_params(n_jobs=n_jobs)
    return decode_with_progress(head, paths), tail


def _fit_from_pixels(pipeline, pixels, y, paths):
    """Fit the steps after loading on decoded pixels, then the loading steps.

    Slicing a pipeline shares its steps, so this fits ``pipeline`` itself
    while each image is decoded once. A loader that frames training images
    as ``transform`` does not (``ImageLoader(whole_share=...)``) gives its
    ``fit_transform`` rows instead: the files' faces were found when they
    were first decoded (cached), so that costs one more decode.
    """
    head, tail = loading_steps(pipeline)
    if frames_training_apart(head):
        with warnings.catch_warnings():
            # Counted once already, when the images were first decoded.
            warnings.simplefilter("ignore", NoFaceFoundWarning)
            pixels = head.fit_transform(paths, y)
    else:
        head.fit(paths)
    tail.fit(pixels, y)
    return pipeline


# -- sub-commands ----------------------------------------------------------------


def train(args):
    check_writable(args.out, args.force)
    pipeline = _pipeline_from(args)
    faces = load_dataset(args)
    if loading_steps(pipeline)[0] is None:
        raise UserError("the pipeline needs an ImageLoader step to train from paths")
    pixels, rest = _decode_then(pipeline, faces.data)
    y, start = faces.target, time.perf_counter()
    if args.validation == "person":
        split = person_folds(random_state=args.random_state).split(
            faces.data, y, faces.groups
        )
        fit_rows, eval_rows = next(split)
        evaluated_on = "held-out people"
    else:
        fit_rows = eval_rows = np.arange(len(y))
        evaluated_on = "training images (not held out)"
    print(
        f"training on {len(fit_rows):,} images of "
        f"{len(set(faces.groups[fit_rows])):,} people",
        file=sys.stderr,
    )
    _fit_from_pixels(
        pipeline, safe_indexing(pixels, fit_rows), y[fit_rows], faces.data[fit_rows]
    )
    fit_seconds = time.perf_counter() - start
    y_pred = rest.predict(safe_indexing(pixels, eval_rows))
    labels = list(pipeline.classes_)
    metrics = classification_metrics(y[eval_rows], y_pred, labels=labels)
    print(f"\nmetrics on {evaluated_on}:\n{format_metrics(metrics)}")
    report = {
        "evaluated_on": evaluated_on,
        **metrics,
        "n_train": len(fit_rows),
        "n_train_people": len(set(faces.groups[fit_rows])),
        "epochs_run": len(pipeline[-1].history_["loss"]),
        "fit_seconds": round(fit_seconds, 1),
        "params": {
            k: repr(v) for k, v in pipeline.get_params(deep=True).items() if "__" in k
        },
    }
    save_outputs(
        args.out,
        model=pipeline,
        report={"metrics": report, "y_true": y[eval_rows], "y_pred": y_pred},
    )
    print(f"saved {args.out} and {report_dir_for(args.out)}/")
    return 0


def evaluate(args):
    model = load_model_file(args.model, allow_pickle=args.allow_pickle)
    faces = load_dataset(args)
    X, rest = _decode_then(model, faces.data, n_jobs=args.n_jobs)
    y_pred = rest.predict(X)
    labels = sorted(set(model.classes_) | set(faces.target))
    metrics = classification_metrics(faces.target, y_pred, labels=labels)
    print(json.dumps(metrics) if args.json else format_metrics(metrics))
    return 0


def _search_backend(args):
    """joblib's default backend, or the dask backend on the cluster asked for."""
    stack = contextlib.ExitStack()
    if args.scheduler or args.dask_local:
        from ..parallel import dask_client

        stack.enter_context(
            dask_client(
                args.scheduler,
                local_workers=args.dask_local,
                tf_threads=args.tf_threads,
            )
        )
        stack.enter_context(joblib.parallel_config(backend="dask"))
    return stack


def _fit_search(gs, X, y, groups):
    try:
        gs.fit(X, y, groups=groups)
    except Exception as exc:
        if type(exc).__name__ == "KilledWorker":  # distributed gave up retrying
            raise UserError(
                f"a Dask worker died running a fit and its retries ran out ({exc}); "
                "no model was written"
            ) from exc
        raise


def search(args):
    check_writable(args.out, args.force, extra=[cv_results_path_for(args.out)])
    grid = dict(parse_grid_values(text) for text in args.grid)
    pipeline = _pipeline_from(args)
    faces = load_dataset(args)
    on_dask = bool(args.scheduler or args.dask_local)
    # Locally, decode each image once for the whole search; on a cluster only
    # the paths travel and each worker decodes what it needs.
    head, tail = loading_steps(pipeline)
    head_names = {name for name, _ in head.steps} if head is not None else set()
    decode_once = (
        head is not None
        and not on_dask
        and not any(name.split("__")[0] in head_names for name in grid)
    )
    if decode_once:
        X, searched = decode_with_progress(head, faces.data), tail
    else:
        X, searched = faces.data, pipeline
    folds = person_folds(args.cv, random_state=args.random_state)
    gs = GridSearchCV(
        searched,
        grid,
        cv=folds,
        scoring=args.scoring,
        n_jobs=-1 if on_dask else args.n_jobs,
        error_score="raise",
    )
    with _search_backend(args):
        _fit_search(gs, X, faces.target, faces.groups)
    best = gs.best_estimator_
    if decode_once:
        best = pipeline.__class__([*head.steps, *best.steps])
        head.fit(faces.data)
    results = pd.DataFrame(gs.cv_results_)
    _print_ranking(results, args.scoring)
    csv_path = cv_results_path_for(args.out)
    save_outputs(args.out, model=best, tables={csv_path: results})
    print(f"saved {args.out} (best) and {csv_path}")
    return 0


def _print_ranking(results, scoring):
    table = results.sort_values("rank_test_score")
    print(f"\n{'rank':>4}  {scoring:>18}  params")
    for _, row in table.iterrows():
        params = ", ".join(f"{k}={v!r}" for k, v in row["params"].items())
        print(
            f"{row['rank_test_score']:>4}  {row['mean_test_score']:>10.3f} "
            f"± {row['std_test_score']:.3f}  {params}"
        )
