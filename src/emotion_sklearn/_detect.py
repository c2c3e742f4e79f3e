"""detect_emotions: every face in each photo, with its emotion."""

import itertools
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone

from ._video import (
    VIDEO_COLUMNS,
    check_smoothing,
    is_video,
    parse_every,
    video_rows,
)
from .images._decode import (
    ImageLoadError,
    array_to_grayscale,
    decode_faces,
    faces_in_gray,
)
from .images._faces import FaceFinder
from .images._loader import ImageLoader, NoFaceFoundWarning
from .inference._graph_file import is_graph_path

NO_FACE_OPTIONS = ("report", "whole", "skip")
ERROR_OPTIONS = ("raise", "report")
BOX_COLUMNS = ["x", "y", "width", "height"]
_NO_FACE_NOTES = {
    "report": "each has a row without a label (face_found is False).",
    "whole": "each was predicted whole, with the finder's faceless_margin around "
    "it (face_found is False).",
    "skip": "they have no row.",
}
# Photos decoded and predicted together: large enough that the network's
# per-call cost is shared, small enough that rows come out steadily.
_CHUNK = 64
# Faces down to 5% of the shorter side of a 400-pixel copy: the faces of a
# group of a dozen people in one row. FaceFinder.find_every searches that
# copy only when the coarser ones show no large face.
EVERY_FACE_SIDE = 400
EVERY_FACE_MIN = 0.05


def detect_emotions(
    images,
    model=None,
    *,
    face_finder=None,
    no_face="report",
    errors="raise",
    every=None,
    smoothing=None,
    n_jobs=None,
):
    """Find every face in each photo or video frame and predict its emotion.

    Parameters
    ----------
    images : path, list of paths or image arrays, or ndarray
        Image files (any format Pillow reads), video files (``.mp4``,
        ``.mov``, ``.avi``, ``.mkv``, ``.webm``...: a row per face of each
        sampled frame), or pixel arrays: a 2-D array is one grayscale image,
        a 3-D or 4-D array a stack of images as :class:`ImageLoader` takes
        them, a list may hold arrays of any size.
    model : fitted pipeline, path or None, default=None
        A fitted pipeline whose first step is an :class:`ImageLoader` (as
        :func:`make_emotion_pipeline` builds), the path of a model file
        saved with :func:`save_model`, or of an ``.onnx`` file exported with
        :func:`export_onnx`; ``None`` uses the model shipped with the package
        (:func:`load_pretrained`).
    face_finder : FaceFinder or None, default=None
        How faces are found. ``None`` takes the settings of the model's
        loader's finder (else ``FaceFinder()``'s) and looks for faces down
        to 5% of the shorter side of a copy of at most 400 pixels, coarse
        to fine (:meth:`FaceFinder.find_every`): each face of a group photo
        is found, not only the largest, and a portrait costs one search on
        the loader's 160-pixel copy. A finder given here searches with
        :meth:`FaceFinder.find`, at its own settings. Each face is refined
        and cropped as the finder does in training, and resized as the
        loader resizes its images.
    no_face : {"report", "whole", "skip"}, default="report"
        A photo without a face: ``"report"`` gives it one row with
        ``face_found`` False, the whole image as its box, and no label or
        probabilities (a blank or faceless frame carries no expression to
        read); ``"whole"`` predicts the whole image instead, with the
        finder's ``faceless_margin`` around it, as a loader reads such a photo
        in training; ``"skip"`` gives it no row. Either way a
        :class:`NoFaceFoundWarning` counts them.
    errors : {"raise", "report"}, default="raise"
        A file that cannot be read raises :class:`ImageLoadError`
        (``"raise"``) or gets one row with its message in an ``error`` column
        (``"report"``), the other photos still predicted. A video that breaks
        off keeps the rows of the frames before; it then raises (a
        :class:`VideoReadWarning` instead, so those rows are returned) or
        gets its ``error`` row.
    every : float, str or None, default=None
        Which frames of a video to predict: ``None`` every frame, a number
        (or ``"0.5s"``) one frame each so many seconds, ``"5f"`` every fifth
        frame. Photos ignore it.
    smoothing : float or None, default=None
        Average each person's probabilities in a video over time, a frame
        this many seconds older weighing half as much (an exponential moving
        average), and label by the average: a face's expression changes
        more slowly than single frames' readings jitter. None reports each
        frame's own reading.
    n_jobs : int or None, default=None
        Threads decoding photos and finding faces; ``None`` means 1, -1 all
        cores.

    Returns
    -------
    faces : pandas.DataFrame
        One row per face: ``source`` (the path, or the array's position),
        ``face`` (0 for the largest, then by size), ``face_found``, the box
        ``x``, ``y``, ``width``, ``height`` in the photo's pixels, ``label``
        and one probability column per class. With a video among the
        sources, also ``frame`` (its index), ``time`` (seconds) and
        ``person`` (a number each face keeps from frame to frame while it
        stays in view); these are empty for photos.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from emotion_sklearn import detect_emotions
    >>> faces = detect_emotions([astronaut()])
    >>> faces[["source", "face", "face_found"]].to_dict("records")
    [{'source': 0, 'face': 0, 'face_found': True}]
    >>> sorted(faces.columns[7:])
    ['anger', 'happiness', 'label', 'neutral', 'sadness']
    """
    model = _resolve_model(model)
    if no_face not in NO_FACE_OPTIONS:
        raise ValueError(f"no_face must be one of {NO_FACE_OPTIONS}, got {no_face!r}.")
    if errors not in ERROR_OPTIONS:
        raise ValueError(f"errors must be one of {ERROR_OPTIONS}, got {errors!r}.")
    parse_every(every)
    check_smoothing(smoothing)
    detector = FaceDetections(model, face_finder=face_finder, n_jobs=n_jobs)
    sources = _sources(images)
    rows = list(
        detector.mixed_rows(
            sources, errors=errors, no_face=no_face, every=every, smoothing=smoothing
        )
    )
    photo_rows = [row for row in rows if "frame" not in row]
    missed = {row["source"] for row in photo_rows if row.get("face_found") is False}
    if missed:
        warnings.warn(
            NoFaceFoundWarning.counting(
                "detect_emotions",
                len(missed),
                len({row["source"] for row in photo_rows}),
                next(
                    str(r["source"]) for r in photo_rows if r.get("face_found") is False
                ),
                _NO_FACE_NOTES[no_face],
            ),
            stacklevel=2,
        )
    if no_face == "skip":
        rows = [row for row in rows if row.get("face_found") is not False]
    columns = detector.columns
    if any(is_video(source) for source in sources):
        columns = columns[:1] + VIDEO_COLUMNS + columns[1:]
    columns += ["error"] if errors == "report" else []
    import pandas as pd  # here: the command line's predict needs no DataFrame

    faces = pd.DataFrame(rows, columns=columns)
    if "person" in faces:  # numbers, empty for photos and faceless frames
        faces["person"] = faces["person"].astype("Int64")
    return faces


class FaceDetections:
    """Rows of faces and predictions for a fitted pipeline, a chunk at a time.

    The command line's ``predict`` prints these rows as they come.
    """

    def __init__(self, model, *, face_finder=None, n_jobs=None):
        loader, self._rest = _split_at_loader(model)
        self.classes = [str(c) for c in model.classes_]
        self.columns = ["source", "face", "face_found", *BOX_COLUMNS, "label"]
        self.columns += self.classes
        self._finder = (face_finder or every_face_finder(loader)).check()
        self._search = "find" if face_finder is not None else "find_every"
        self._size = tuple(loader.image_size)
        self._fit = loader.fit_mode
        # Formats the face pixels as the loader formats its output (pandas
        # columns where the pipeline asks for them); they are already resized.
        self._format = clone(loader).set_params(face_finder=None, crop_fraction=1.0)
        self._n_jobs = max(1, effective_n_jobs(n_jobs))

    def rows(
        self,
        sources,
        *,
        errors="raise",
        no_face="report",
        chunk_size=_CHUNK,
        first_index=0,
    ):
        """Yield one dict per face (or per unreadable file with ``errors="report"``).

        Photos are read and predicted ``chunk_size`` at a time, so rows come
        out as each chunk is done. A photo without a face is predicted whole
        only with ``no_face="whole"``. An array's ``source`` is its position,
        counted from ``first_index``.
        """
        read_whole = no_face == "whole"
        with ThreadPoolExecutor(self._n_jobs) as pool:
            searching = None
            for start in range(0, len(sources), chunk_size):
                chunk = enumerate(
                    sources[start : start + chunk_size], first_index + start
                )
                # The next chunk's faces are searched for while this one's
                # are predicted.
                submitted = [pool.submit(self._faces_of, item) for item in chunk]
                if searching is not None:
                    found = [future.result() for future in searching]
                    yield from self.predicted(found, errors, read_whole=read_whole)
                searching = submitted
            if searching is not None:
                found = [future.result() for future in searching]
                yield from self.predicted(found, errors, read_whole=read_whole)

    def mixed_rows(self, sources, *, errors, no_face, every=None, smoothing=None):
        """Rows of photos and videos in the order given, each video frame by frame."""
        position = 0
        for video, group in itertools.groupby(sources, key=is_video):
            group = list(group)
            if video:
                for path in group:
                    yield from video_rows(
                        self,
                        path,
                        errors=errors,
                        no_face=no_face,
                        every=every,
                        smoothing=smoothing,
                    )
            else:
                yield from self.rows(
                    group, errors=errors, no_face=no_face, first_index=position
                )
            position += len(group)

    def _faces_of(self, indexed_source):
        index, source = indexed_source
        try:
            if isinstance(source, np.ndarray):
                return index, source, self.faces_in_array(source)
            return index, os.fspath(source), self._faces_in_file(source, index)
        except ImageLoadError as exc:
            return index, os.fspath(source), exc

    def _faces_in_file(self, path, index):
        return decode_faces(
            path,
            self._size,
            self._fit,
            # A photo without a face is read whole with the finder's
            # faceless_margin (faces_in_gray pads it), as the loader reads it.
            crop_fraction=1.0,
            face_finder=self._finder,
            index=index,
            search=self._search,
        )

    def faces_in_array(self, image):
        """``(boxes, pixels, found)`` of one image array, as of a file."""
        gray = array_to_grayscale(image[np.newaxis])[0]
        boxes = getattr(self._finder, self._search)(gray)
        return faces_in_gray(gray, boxes, self._size, self._fit, 1.0, self._finder)

    def predicted(self, found, errors, read_whole):
        """Rows of ``(index, source, faces or error)`` triples, predicted together."""
        readable = [
            faces
            for _, _, faces in found
            if not isinstance(faces, Exception) and (faces[2] or read_whole)
        ]
        probas = iter(())
        if readable:
            pixels = np.concatenate([faces[1] for faces in readable])
            probas = iter(self._rest.predict_proba(self._format.transform(pixels)))
        for index, source, faces in found:
            source_id = index if not isinstance(source, str) else source
            if isinstance(faces, Exception):
                if errors == "raise":
                    raise faces
                yield {"source": source_id, "error": str(faces)}
                continue
            boxes, _, face_found = faces
            for face, box in enumerate(boxes):
                row = {
                    "source": source_id,
                    "face": face,
                    "face_found": face_found,
                    **dict(zip(BOX_COLUMNS, map(int, box), strict=True)),
                }
                if face_found or read_whole:
                    proba = next(probas)
                    row["label"] = self.classes[int(np.argmax(proba))]
                    row.update(zip(self.classes, map(float, proba), strict=True))
                else:
                    row["label"] = None
                    row.update(dict.fromkeys(self.classes, np.nan))
                yield row


def every_face_finder(loader):
    """The loader's finder, tuned to find every face of a photo.

    Training needs the largest face of a portrait, which a 160-pixel copy
    shows; a group photo's faces need a larger copy and a smaller minimum.
    """
    finder = loader.resolved_face_finder() or FaceFinder()
    return FaceFinder(
        **{
            **finder.params(),
            "detect_side": max(finder.detect_side, EVERY_FACE_SIDE),
            "min_face": min(finder.min_face, EVERY_FACE_MIN),
        }
    )


def _sources(images):
    """A list of paths and 2-D or 3-D arrays, one per photo."""
    if isinstance(images, (str, os.PathLike)):
        return [images]
    if isinstance(images, np.ndarray) and images.dtype.kind in "biuf":
        if images.ndim not in (2, 3, 4):
            raise ValueError(
                f"images has shape {images.shape}: expected one image (height, "
                "width) or a stack of images (n, height, width[, channels])."
            )
        sources = [images] if images.ndim == 2 else list(images)
    else:
        sources = list(images)
    for index, source in enumerate(sources):
        if isinstance(source, np.ndarray):
            _check_image_array(source, index)
        elif not isinstance(source, (str, os.PathLike)):
            raise TypeError(
                f"images must be paths or pixel arrays; item {index} is "
                f"{type(source).__name__}."
            )
    if not sources:
        raise ValueError("images holds no photos.")
    return sources


def _check_image_array(image, index):
    """ValueError naming image ``index`` unless it is one non-empty image."""
    if image.dtype.kind not in "biuf":
        raise TypeError(f"image {index} holds {image.dtype} values, not pixels.")
    shape = image.shape
    if image.ndim not in (2, 3) or (image.ndim == 3 and shape[-1] not in (1, 2, 3, 4)):
        raise ValueError(
            f"image {index} has shape {shape}: expected (height, width) or "
            "(height, width, channels) with 1 to 4 channels."
        )
    if min(shape[:2]) == 0:
        raise ValueError(f"image {index} is empty (shape {shape}).")


def _split_at_loader(model):
    steps = getattr(model, "steps", None)
    if not steps or not isinstance(steps[0][1], ImageLoader):
        raise TypeError(
            "detect_emotions needs a fitted pipeline whose first step is an "
            "ImageLoader (as make_emotion_pipeline builds), got "
            f"{type(model).__name__}."
        )
    return steps[0][1], model[1:]


def _resolve_model(model):
    if model is None:
        from .inference._pretrained import shared_pretrained

        return shared_pretrained()
    if isinstance(model, (str, os.PathLike)):
        if is_graph_path(model):
            from .inference._load import load_onnx

            return load_onnx(model)
        from .model_files._format import load_model

        return load_model(model)
    return model
