"""The ``predict`` command: a row per face, printed as it is done."""

import csv
import itertools
import json
import sys
from pathlib import Path

import joblib
import numpy as np

from .._detect import BOX_COLUMNS, FaceDetections
from .._files import remove_stale_scratch, takes_new_files, written_together
from .._steps import loading_steps, stack_rows
from .._video import VIDEO_COLUMNS, is_video, video_rows
from ..images._annotate import annotate
from ..images._decode import ImageLoadError
from ..images._loader import ImageLoader
from ..inference._graph_file import is_graph_path
from ..model_files._format import ModelFileError, is_model_file, load_model
from ._before_tensorflow import UserError

# Photos predicted together: rows come out a chunk at a time.
PREDICT_CHUNK = 64
MODEL_SUFFIXES = {".esk", ".onnx", ".joblib", ".pkl", ".pickle"}


def predict(args):
    """Print a row per face of each photo and video frame; status 1 if a file failed."""
    model_path, photos = split_model_argument(args)
    if model_path is None:
        from ..inference._pretrained import load_pretrained

        model = load_pretrained()
    else:
        model = load_model_file(model_path, allow_pickle=args.allow_pickle)
    if loading_steps(model)[0] is None:
        raise UserError(f"{model_path!r} has no ImageLoader step to read images with")
    classes = [str(c) for c in model.classes_]
    paths = list(expand_paths(photos))  # folders checked before any output
    annotator = args.annotate and Annotator(args.annotate, paths, force=args.force)
    printer = row_printer(classes, args, video=any(map(is_video, paths)))
    failed = 0
    for video, group in itertools.groupby(paths, key=is_video):
        group = list(group)
        if video:
            for path in group:
                failed += _predict_video(model, path, args, printer, annotator)
            continue
        predicted = predicted_rows(model, group, no_face=args.no_face)
        for path, rows in _rows_by_photo(predicted):
            for row in rows:
                printer(row)
            failed += "error" in rows[0]
            if annotator and "error" not in rows[0]:
                annotator.write(path, rows, classes)
    return 1 if failed else 0


def _predict_video(model, path, args, printer, annotator):
    """Print the rows of one video's sampled frames; 1 if it failed or broke off."""
    rows = video_rows(
        FaceDetections(model),
        path,
        errors="report",
        no_face=args.no_face,
        every=args.every,
        smoothing=args.smoothing,
        annotate_to=annotator.target_of(path) if annotator else None,
    )
    failed = 0
    for row in rows:
        printer(row)
        failed = failed or "error" in row
    return int(failed)


def needs_tensorflow(args):
    """Whether ``predict`` with ``args`` runs a Keras network.

    The shipped model and exported graphs run on onnxruntime.
    """
    model_path, _ = split_model_argument(args)
    return model_path is not None and not is_graph_path(model_path)


def load_model_file(path, *, allow_pickle=False):
    """The model at ``path``: the safe format or an exported graph, or a
    pickle only when allowed."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no model file at {str(path)!r}")
    if not path.is_file():
        raise UserError(f"{str(path)!r} is not a regular file")
    if is_graph_path(path):
        from ..inference._load import load_onnx

        try:
            return load_onnx(path)
        except ModelFileError as exc:
            raise UserError(str(exc)) from None
    if is_model_file(path):
        try:
            return load_model(path)
        except ModelFileError as exc:
            raise UserError(str(exc)) from None
    if not allow_pickle:
        raise UserError(
            f"{str(path)!r} is not an emotion-sklearn model file; if it is a "
            "joblib or pickle file from a source you trust, pass --allow-pickle "
            "(loading a pickle runs the code it contains)"
        )
    try:
        model = joblib.load(path)
    except Exception as exc:  # a corrupt pickle raises many kinds of error
        raise UserError(
            f"{str(path)!r} cannot be read as a joblib file "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise UserError(
            f"{str(path)!r} holds an object of type {type(model).__name__}, "
            "not a fitted pipeline"
        )
    return model


def split_model_argument(args):
    """``(model path or None, photo paths)``: a model file may come first."""
    paths = list(args.paths)
    if args.model is not None:
        return args.model, paths
    first = Path(paths[0])
    if len(paths) > 1 and first.is_file() and _looks_like_a_model(first):
        return str(first), paths[1:]
    return None, paths


def _looks_like_a_model(path):
    return path.suffix.lower() in MODEL_SUFFIXES or is_model_file(path)


def expand_paths(paths):
    """Files named, and the files of folders named, in order."""
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
            )
            if not files:
                raise UserError(f"{str(path)!r} holds no files to predict")
            yield from files
        else:
            yield path


def predicted_rows(model, paths, *, no_face="report"):
    """One dict per face, or per photo, in order, a chunk at a time.

    A pipeline that starts with an :class:`ImageLoader` that finds faces (the
    default) gives a row per face (``no_face`` as :func:`detect_emotions`
    takes it); any other sees each photo whole.
    """
    first = model.steps[0][1]
    if isinstance(first, ImageLoader) and first.face_finder is not None:
        detections = FaceDetections(model)
        yield from detections.rows(
            paths, errors="report", no_face=no_face, chunk_size=PREDICT_CHUNK
        )
    else:
        for start in range(0, len(paths), PREDICT_CHUNK):
            yield from _whole_photo_rows(model, paths[start : start + PREDICT_CHUNK])


def _whole_photo_rows(model, paths):
    head, rest = loading_steps(model)
    classes = [str(c) for c in model.classes_]
    rows, pixels = [], []
    for path in paths:
        try:  # one at a time, so that one bad file does not stop the others
            pixels.append(head.transform([path]))
            rows.append({"source": str(path), "face": 0, "face_found": None})
        except ImageLoadError as exc:
            rows.append({"source": str(path), "error": str(exc)})
    probas = iter(rest.predict_proba(stack_rows(pixels)) if pixels else ())
    for row in rows:
        if "error" not in row:
            proba = next(probas)
            row["label"] = classes[int(np.argmax(proba))]
            row.update(zip(classes, map(float, proba), strict=True))
    return rows


def _rows_by_photo(rows):
    """``(path, rows)`` per photo, from rows that come in photo order."""
    current, group = None, []
    for row in rows:
        if group and row["source"] != current:
            yield current, group
            group = []
        current = row["source"]
        group.append(row)
    if group:
        yield current, group


def row_printer(classes, args, *, video=False):
    """A function printing one row as the output format asks, header first.

    With ``video``, CSV rows have ``frame``, ``time`` and ``person`` columns
    (empty for photos).
    """
    if args.json:
        return lambda row: print(json.dumps(_json_row(row, classes)), flush=True)
    if args.csv:
        writer = csv.writer(sys.stdout)
        extra = VIDEO_COLUMNS if video else []
        header = ["path", *extra, "face", "face_found", *BOX_COLUMNS, "label"]
        writer.writerow([*header, *classes, "error"])
        return lambda row: _write_csv_row(writer, row, classes, extra)
    return lambda row: print(_text_row(row, classes), flush=True)


def _json_row(row, classes):
    if "error" in row:
        return {"path": row["source"], "error": row["error"]}
    box = [row[c] for c in BOX_COLUMNS] if "x" in row else None
    in_video = {c: row[c] for c in VIDEO_COLUMNS if c in row}
    return {
        "path": row["source"],
        **in_video,
        "face": row["face"],
        "face_found": row["face_found"],
        "box": box,
        "label": row["label"],
        "probabilities": None if row["label"] is None else {c: row[c] for c in classes},
    }


def _write_csv_row(writer, row, classes, extra):
    found = row.get("face_found")
    writer.writerow(
        [
            row["source"],
            *(_blank_if_none(row.get(c)) for c in extra),
            row.get("face", ""),
            "" if found is None else found,
            *(row.get(c, "") for c in BOX_COLUMNS),
            row.get("label") or "",
            *(f"{row[c]:.4f}" if row.get("label") else "" for c in classes),
            row.get("error", ""),
        ]
    )
    sys.stdout.flush()


def _blank_if_none(value):
    return "" if value is None else value


def _text_row(row, classes):
    if "error" in row:
        return f"{row['source']}: ERROR {row['error']}"
    source = row["source"]
    if "frame" in row:
        person = "" if row["person"] is None else f" person {row['person']}"
        source = f"{source} frame {row['frame']} at {row['time']:.2f} s{person}"
    if row["label"] is None:
        return f"{source} no face found"
    shares = ", ".join(f"{c} {row[c]:.2f}" for c in classes)
    if row["face_found"] is None:
        where = ""
    elif row["face_found"]:
        box = ",".join(str(row[c]) for c in BOX_COLUMNS)
        where = f" face {row['face']} at x,y,w,h={box}"
    else:
        where = " no face found, whole image"
    return f"{source}{where}: {row['label']} ({shares})"


class Annotator:
    """Writes each photo's annotated copy into a folder, never over a file.

    Every target is checked before any photo is read: a name two photos
    share, a photo's own path, or an existing file without ``force`` is an
    error naming it.
    """

    def __init__(self, folder, paths, *, force=False):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise UserError(f"--annotate: {str(self.folder)!r} is not a folder")
        self._targets = {}
        for path in paths:
            target = self.folder / Path(path).name
            if target in self._targets.values():
                raise UserError(
                    f"--annotate: two photos are named {Path(path).name!r}; their "
                    "annotated copies would overwrite each other"
                )
            if target.exists() and target.resolve() == Path(path).resolve():
                raise UserError(
                    f"--annotate: {str(target)!r} is the photo itself; choose "
                    "another folder"
                )
            if target.exists() and not force:
                raise UserError(
                    f"--annotate: {str(target)!r} exists; pass --force to replace it"
                )
            self._targets[str(path)] = target
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            refused = exc
        else:
            refused = takes_new_files(self.folder)
        if refused is not None:
            raise UserError(
                f"--annotate: cannot write to {str(self.folder)!r} ({refused.strerror})"
            )

    def target_of(self, path):
        """Where the annotated copy of ``path`` goes."""
        return self._targets[str(path)]

    def write(self, path, rows, classes):
        """Draw one photo's ``rows`` on a copy of it and save that."""
        target = self._targets[str(path)]
        import pandas as pd  # only to annotate: predicting starts faster without

        image = annotate(path, pd.DataFrame(rows), classes)
        remove_stale_scratch(target)
        with written_together() as scratch_for:
            image.save(scratch_for(target), format=_format_for(target))


def _format_for(target):
    from PIL import Image

    Image.init()
    return Image.EXTENSION.get(target.suffix.lower(), "PNG")
