"""Faces and emotions in a video: sampled frames, people followed, smoothed.

OpenCV (a dependency, with FFmpeg inside its wheel) reads and writes the
video. :func:`detect_emotions` hands each video file here; the command
line's ``predict`` prints these rows as they come.
"""

import math
import os
import warnings
from pathlib import Path

import numpy as np

from ._files import remove, scratch_dir, written_together
from .images._decode import ImageLoadError

# What OpenCV's FFmpeg reads; other files are read as photos.
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv"}
)
VIDEO_COLUMNS = ["frame", "time", "person"]
# A face is the same person as a face of the last frames if their boxes
# overlap by at least this much (intersection over union).
_SAME_PERSON_IOU = 0.3
# A person not seen for this long is forgotten; a face there later is new.
_FORGET_AFTER_SECONDS = 2.0
# A file whose count of frames falls short of the one it declares by more
# than this share was cut off (containers round their count a little).
_TRUNCATED_SHARE = 0.05


class VideoReadWarning(UserWarning):
    """A video broke off: the rows of the frames read before it are kept."""


def is_video(source):
    """Whether ``source`` is a path with a video file's suffix."""
    return isinstance(source, (str, os.PathLike)) and (
        Path(source).suffix.lower() in VIDEO_SUFFIXES
    )


def parse_every(every):
    """``every`` as ``(amount, unit)``: seconds (``0.5``, ``"0.5s"``), frames ``"5f"``.

    Examples
    --------
    >>> from emotion_sklearn._video import parse_every
    >>> parse_every(0.5), parse_every("10f"), parse_every(None)
    ((0.5, 's'), (10, 'f'), None)
    """
    if every is None:
        return None
    text = str(every).strip().lower()
    unit = text[-1] if text[-1:] in ("s", "f") else "s"
    number = text[:-1] if text[-1:] in ("s", "f") else text
    try:
        amount = float(number)
    except ValueError:
        amount = math.nan
    if not amount > 0 or (unit == "f" and amount != int(amount)):
        raise ValueError(
            "every must be a positive number of seconds (0.5 or '0.5s') or a "
            f"whole number of frames ('5f'), got {every!r}."
        )
    return (int(amount), "f") if unit == "f" else (amount, "s")


def check_smoothing(smoothing):
    """ValueError unless ``smoothing`` is None or a positive half-life in seconds."""
    if smoothing is not None and not smoothing > 0:
        raise ValueError(
            f"smoothing must be a positive half-life in seconds, got {smoothing!r}."
        )


class VideoFrames:
    """The frames of a video file, each with its index, time and whether sampled.

    Iterating yields ``(index, seconds, rgb or None, sampled)``: every frame
    when ``decode_all`` (to write an annotated copy), else the sampled ones
    only (the others are skipped without decoding). After the loop,
    ``stopped`` is None, or says where a broken file stopped.
    """

    def __init__(self, path, every=None, *, decode_all=False):
        import cv2

        self.path = os.fspath(path)
        self._capture = cv2.VideoCapture(self.path)
        if not self._capture.isOpened():
            raise ImageLoadError(
                f"{self.path!r} cannot be read as a video (empty, not a video, "
                "or a format OpenCV's FFmpeg does not read)."
            )
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and math.isfinite(fps) and fps > 0 else 25.0
        self.declared_frames = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._every = parse_every(every)
        self._decode_all = decode_all
        self.frames_read = 0
        self.stopped = None

    def sampled(self, index):
        """Whether frame ``index`` is one to predict."""
        if self._every is None:
            return True
        amount, unit = self._every
        if unit == "f":
            return index % amount == 0
        # The first frame at or after each multiple of the period.
        period = amount * self.fps
        return math.floor(index / period) != math.floor((index - 1) / period)

    def __iter__(self):
        import cv2

        try:
            index = 0
            while True:
                sampled = self.sampled(index)
                if sampled or self._decode_all:
                    ok, frame = self._capture.read()
                    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None
                else:
                    ok, rgb = self._capture.grab(), None
                if not ok:
                    break
                self.frames_read += 1
                yield index, index / self.fps, rgb, sampled
                index += 1
        finally:
            self._capture.release()
        self.stopped = self._stop_reason()

    def _stop_reason(self):
        if self.frames_read == 0:
            return f"{self.path!r} holds no frame that can be read"
        short = self.declared_frames - self.frames_read
        if short > max(1, _TRUNCATED_SHARE * self.declared_frames):
            return (
                f"{self.path!r} stopped at frame {self.frames_read} of the "
                f"{self.declared_frames} it declares (cut off or damaged); the "
                "frames before it are reported"
            )
        return None


class FaceTracker:
    """Give each face a person number that it keeps from frame to frame.

    A face is matched to the person whose last box overlaps it most (at
    least 30% intersection over union), each person to one face a frame;
    a face matching no one is a new person, and a person unseen for 2 s is
    forgotten.
    """

    def __init__(self):
        self._people = {}  # number -> (box, seconds last seen)
        self._next = 0

    def assign(self, boxes, seconds):
        """Person numbers of ``boxes`` (``x, y, width, height``) seen at ``seconds``."""
        self._people = {
            number: seen
            for number, seen in self._people.items()
            if seconds - seen[1] <= _FORGET_AFTER_SECONDS
        }
        pairs = sorted(
            (
                (-_iou(box, seen[0]), face, number)
                for face, box in enumerate(boxes)
                for number, seen in self._people.items()
            ),
        )
        numbers, taken = [None] * len(boxes), set()
        for negative_iou, face, number in pairs:
            if -negative_iou < _SAME_PERSON_IOU:
                break
            if numbers[face] is None and number not in taken:
                numbers[face] = number
                taken.add(number)
        for face, box in enumerate(boxes):
            if numbers[face] is None:
                numbers[face], self._next = self._next, self._next + 1
            self._people[numbers[face]] = (box, seconds)
        return numbers


def _iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    across = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    down = max(0, min(ay + ah, by + bh) - max(ay, by))
    overlap = across * down
    union = aw * ah + bw * bh - overlap
    return overlap / union if union else 0.0


class Smoother:
    """Each person's probabilities averaged over time, older frames weighing less.

    An exponential moving average with the given half-life in seconds: a
    frame ``half_life`` seconds old weighs half as much as the current one.
    """

    def __init__(self, half_life, classes):
        self._half_life = half_life
        self._classes = classes
        self._state = {}  # person -> (probabilities, seconds)

    def smooth(self, row):
        """Replace ``row``'s probabilities and label by their running average."""
        person = row.get("person")
        if person is None or row.get("label") is None:
            return row
        proba = np.array([row[c] for c in self._classes])
        if person in self._state:
            previous, then = self._state[person]
            keep = 0.5 ** ((row["time"] - then) / self._half_life)
            proba = keep * previous + (1 - keep) * proba
        self._state[person] = (proba, row["time"])
        row.update(zip(self._classes, map(float, proba), strict=True))
        row["label"] = self._classes[int(np.argmax(proba))]
        return row


def video_rows(
    detector,
    path,
    *,
    every=None,
    smoothing=None,
    errors="raise",
    no_face="report",
    annotate_to=None,
    chunk_size=32,
):
    """Yield one dict per face of each sampled frame of the video at ``path``.

    Rows carry ``frame`` (its index), ``time`` (seconds) and ``person`` (a
    number each face keeps from frame to frame). With ``annotate_to`` (a
    path), every frame is also written there with the boxes and labels of
    the latest sampled frame drawn on it (:class:`AnnotatedVideo`). A file
    that cannot be opened, or holds no readable frame, raises
    :class:`ImageLoadError` (with ``errors="report"``: gives one ``error``
    row); a file that breaks off gives the rows of the frames before it,
    then a :class:`VideoReadWarning` (an ``error`` row).
    """
    try:
        frames = VideoFrames(path, every, decode_all=annotate_to is not None)
    except ImageLoadError as exc:
        if errors == "raise":
            raise
        yield {"source": os.fspath(path), "error": str(exc)}
        return
    writer = None
    if annotate_to is not None and frames.width and frames.height:
        writer = AnnotatedVideo(annotate_to, frames, detector.classes)
    try:
        yield from _frame_rows(detector, frames, smoothing, no_face, writer, chunk_size)
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    if writer is not None and frames.frames_read:
        writer.finish()
    elif writer is not None:
        writer.abandon()
    if frames.stopped is None:
        return
    if errors == "report":
        yield {"source": frames.path, "error": frames.stopped}
    elif frames.frames_read == 0:
        raise ImageLoadError(frames.stopped)
    else:
        warnings.warn(VideoReadWarning(frames.stopped), stacklevel=3)


def _frame_rows(detector, frames, smoothing, no_face, writer, chunk_size):
    """The rows of ``frames``' sampled frames; each frame drawn by ``writer``."""
    tracker = FaceTracker()
    smoother = None if smoothing is None else Smoother(smoothing, detector.classes)
    pending, latest = [], []
    for index, seconds, rgb, sampled in frames:
        if sampled:
            pending.append((index, seconds, rgb))
        # Annotating draws each frame with its latest sampled frame's rows.
        if len(pending) == chunk_size or (writer is not None and sampled):
            latest = list(_predicted(detector, frames.path, pending, no_face))
            yield from _tracked(latest, tracker, smoother)
            pending = []
        if writer is not None:
            writer(rgb, latest)
    if pending:
        rows = _predicted(detector, frames.path, pending, no_face)
        yield from _tracked(rows, tracker, smoother)


def _predicted(detector, path, frames, no_face):
    found = [(i, rgb, detector.faces_in_array(rgb)) for i, _, rgb in frames]
    times = {index: seconds for index, seconds, _ in frames}
    for row in detector.predicted(found, "raise", read_whole=no_face == "whole"):
        if row["face_found"] is False and no_face == "skip":
            continue
        frame = row["source"]
        yield {**row, "source": path, "frame": frame, "time": times[frame]}


def _tracked(rows, tracker, smoother):
    """Rows with their person numbers, frame by frame, smoothed if asked."""
    by_frame = {}
    for row in rows:
        by_frame.setdefault(row["frame"], []).append(row)
    for frame_rows in by_frame.values():
        faces = [row for row in frame_rows if row["face_found"]]
        numbers = tracker.assign(
            [tuple(row[k] for k in ("x", "y", "width", "height")) for row in faces],
            frame_rows[0]["time"],
        )
        for row, number in zip(faces, numbers, strict=True):
            row["person"] = number
        for row in frame_rows:
            row.setdefault("person", None)
            yield row if smoother is None else smoother.smooth(row)


class AnnotatedVideo:
    """A copy of a video with each face's box, person and emotion drawn on it.

    Frames are written to a scratch file beside ``target``, which replaces
    ``target`` only when :meth:`finish` is called: an interrupted run leaves
    whatever was there before.

    Parameters
    ----------
    target : path
        The video to write (MPEG-4 video, in the container its suffix names).
    frames : VideoFrames
        The source, for its frame rate and size.
    classes : list of str
        The model's classes, which fix each label's colour.
    """

    def __init__(self, target, frames, classes):
        import cv2

        self.target = Path(target)
        self._classes = classes
        self._folder = scratch_dir(self.target)
        self._file = self._folder / self.target.name
        self._writer = cv2.VideoWriter(
            str(self._file),
            cv2.VideoWriter_fourcc(*"mp4v"),
            frames.fps,
            (frames.width, frames.height),
        )
        if not self._writer.isOpened():
            self.abandon()
            raise OSError(f"cannot write a video to {str(self.target)!r}")

    def __call__(self, rgb, rows):
        """Draw ``rows`` (the latest sampled frame's) on ``rgb`` and write it."""
        import cv2
        import pandas as pd

        from .images._annotate import annotate

        drawn = np.asarray(annotate(rgb, pd.DataFrame(rows), self._classes))
        self._writer.write(cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR))

    def finish(self):
        """Close the file and put it in place of ``target``."""
        self._writer.release()
        with written_together() as scratch_for:
            os.replace(self._file, scratch_for(self.target))
        remove(self._folder)

    def abandon(self):
        """Close and remove the scratch file; ``target`` stays as it was."""
        self._writer.release()
        remove(self._folder)
