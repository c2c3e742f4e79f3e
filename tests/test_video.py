"""Videos: rows per sampled frame, people followed, smoothing, broken files."""

import json

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.data import astronaut

from emotion_sklearn import (
    ImageLoadError,
    VideoReadWarning,
    detect_emotions,
    load_pretrained,
)
from emotion_sklearn._video import FaceTracker, parse_every
from emotion_sklearn.cli import main
from emotion_sklearn.plotting import plot_emotions_over_time

CLASSES = ["anger", "happiness", "neutral", "sadness"]
FPS = 4
# Lossless (FFmpeg's FFV1 in AVI): a frame reads back as the pixels written.
LOSSLESS = "FFV1"


def write_video(path, frames, fps=FPS):
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*LOSSLESS), fps, (width, height)
    )
    assert writer.isOpened()
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def two_people_frames(n_with_faces=8, n_blank=4):
    """Two faces side by side drifting right, then an empty grey scene."""
    face = astronaut()[0:300, 100:400]
    frames = []
    for step in range(n_with_faces):
        pair = np.concatenate([face, face[:, ::-1]], axis=1)
        frames.append(np.roll(pair, 4 * step, axis=1))
    frames += [np.full_like(frames[0], 128)] * n_blank
    return frames


@pytest.fixture(scope="module")
def model():
    return load_pretrained()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    frames = two_people_frames()
    path = tmp_path_factory.mktemp("videos") / "two_people.avi"
    return write_video(path, frames), frames


def test_a_row_per_face_of_each_sampled_frame_with_its_time(model, clip):
    path, _ = clip
    faces = detect_emotions(path, model, every="2f")
    assert list(faces.columns[:6]) == [
        "source",
        "frame",
        "time",
        "person",
        "face",
        "face_found",
    ]
    assert sorted(set(faces["frame"])) == [0, 2, 4, 6, 8, 10]
    np.testing.assert_allclose(faces["time"], faces["frame"] / FPS)
    with_faces = faces[faces["face_found"]]
    assert with_faces.groupby("frame").size().tolist() == [2, 2, 2, 2]
    # Each keeps their number: the left face is always the same person.
    left = with_faces.sort_values("x").groupby("frame").head(1)
    assert left["person"].nunique() == 1
    assert set(with_faces["person"]) == {0, 1}
    blank = faces[~faces["face_found"]]
    assert blank["frame"].tolist() == [8, 10]
    assert blank["label"].isna().all() and blank["person"].isna().all()


def test_a_frame_predicts_as_the_same_image_does(model, clip):
    path, frames = clip
    from_video = detect_emotions(path, model, every="3f", no_face="skip")
    from_images = detect_emotions([frames[i] for i in (0, 3, 6)], model)
    columns = ["face", "x", "y", "width", "height", "label"]
    assert from_video[columns].values.tolist() == from_images[columns].values.tolist()
    np.testing.assert_allclose(
        from_video[CLASSES].to_numpy(float), from_images[CLASSES].to_numpy(float)
    )


def test_every_takes_seconds_or_frames(model, clip):
    path, _ = clip
    assert sorted(set(detect_emotions(path, model, every=0.5)["frame"])) == [
        0,
        2,
        4,
        6,
        8,
        10,
    ]
    assert sorted(set(detect_emotions(path, model, every="1.0s")["frame"])) == [0, 4, 8]
    assert parse_every("5f") == (5, "f") and parse_every(2) == (2.0, "s")
    for bad in (0, -1, "2.5f", "soon"):
        with pytest.raises(ValueError, match="every must be"):
            detect_emotions(path, model, every=bad)


def test_smoothing_averages_each_persons_probabilities_over_time(model, clip):
    path, _ = clip
    raw = detect_emotions(path, model, no_face="skip")
    smooth = detect_emotions(path, model, no_face="skip", smoothing=0.5)
    for person in (0, 1):
        mine = raw[raw["person"] == person]
        expected, previous = [], None
        for time, proba in zip(
            mine["time"], mine[CLASSES].to_numpy(float), strict=True
        ):
            if previous is not None:
                keep = 0.5 ** ((time - previous[0]) / 0.5)
                proba = keep * previous[1] + (1 - keep) * proba
            previous = (time, proba)
            expected.append(proba)
        got = smooth.loc[smooth["person"] == person, CLASSES].to_numpy(float)
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="smoothing"):
        detect_emotions(path, model, smoothing=0)


def test_a_face_keeps_its_number_and_a_new_one_gets_the_next():
    tracker = FaceTracker()
    assert tracker.assign([(0, 0, 10, 10), (50, 0, 10, 10)], 0.0) == [0, 1]
    # Swapped in order, moved a little: the same people.
    assert tracker.assign([(52, 1, 10, 10), (1, 0, 10, 10)], 0.5) == [1, 0]
    assert tracker.assign([(100, 100, 10, 10)], 1.0) == [2]
    # Person 0 unseen for more than 2 s: forgotten, a face there is new.
    assert tracker.assign([(0, 0, 10, 10)], 3.0) == [3]


def test_photos_and_videos_mix_in_order(model, clip):
    path, frames = clip
    faces = detect_emotions([frames[0], path, frames[1]], model, every="4f")
    assert faces["source"].tolist()[:2] == [0, 0]
    assert faces["source"].tolist()[-2:] == [2, 2]
    assert faces["frame"].isna().tolist()[:2] == [True, True]
    assert (faces["source"] == str(path)).sum() == 2 + 2 + 1  # frames 0, 4, 8


@pytest.fixture
def broken(tmp_path):
    """A video cut off after about half its frames."""
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(20)]
    whole = write_video(tmp_path / "whole.avi", frames)
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 6 // 10])
    return cut


def test_a_video_that_breaks_off_keeps_the_frames_before_it(model, broken):
    with pytest.warns(
        VideoReadWarning, match=r"cut\.avi.*stopped at frame \d+ of the 20"
    ):
        faces = detect_emotions(broken, model)
    assert 5 < len(faces) < 20
    assert faces["frame"].tolist() == list(range(len(faces)))
    reported = detect_emotions(broken, model, errors="report")
    assert reported["error"].notna().tolist() == [False] * len(faces) + [True]
    assert "cut.avi" in reported["error"].iloc[-1]


@pytest.mark.parametrize(
    "content", [b"", b"not a video at all" * 50], ids=["empty", "text"]
)
def test_an_unreadable_video_is_named(model, tmp_path, content):
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=r"clip\.mp4.*cannot be read as a video"):
        detect_emotions(path, model)
    reported = detect_emotions([path], model, errors="report")
    assert len(reported) == 1 and "clip.mp4" in reported["error"][0]


def test_emotions_over_time_has_a_panel_per_person(model, clip):
    figure = plot_emotions_over_time(detect_emotions(clip[0], model, every="2f"))
    assert [ax.get_ylabel() for ax in figure.axes] == ["person 0", "person 1"]
    assert len(figure.axes[0].get_lines()) == 4
    with pytest.raises(ValueError, match="'time' and 'person'"):
        plot_emotions_over_time(detect_emotions([clip[1][0]], model))


def test_predict_prints_each_frame_and_annotates_a_copy(clip, tmp_path, capsys):
    path, frames = clip
    out = tmp_path / "annotated"
    assert (
        main(["predict", str(path), "--every", "2f", "--json", "--annotate", str(out)])
        == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["frame"] for row in rows if row["face_found"]] == [
        0,
        0,
        2,
        2,
        4,
        4,
        6,
        6,
    ]
    assert {row["person"] for row in rows if row["face_found"]} == {0, 1}
    copy = cv2.VideoCapture(str(out / path.name))
    assert int(copy.get(cv2.CAP_PROP_FRAME_COUNT)) == len(frames)
    ok, first = copy.read()
    copy.release()
    assert ok and np.abs(first.astype(int) - frames[0][..., ::-1]).max() > 100  # drawn
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no scratch


def test_predict_reports_a_broken_video_in_one_line_after_its_frames(broken, capsys):
    assert main(["predict", str(broken), "--csv"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("path,frame,time,person,face")
    assert lines[1].startswith(f"{broken},0,0.0,")
    assert "stopped at frame" in lines[-1] and len(lines) > 5


@pytest.mark.real_data
def test_a_video_of_dataset_faces_reads_as_its_photos(model, real_faces, tmp_path):
    rng = np.random.default_rng(0)
    paths = rng.choice(real_faces.data, 6, replace=False)
    photos = [
        np.asarray(Image.open(p).convert("RGB").resize((200, 200))) for p in paths
    ]
    video = write_video(tmp_path / "faces.avi", photos, fps=2)
    from_video = detect_emotions(video, model)
    from_photos = detect_emotions(photos, model)
    assert from_video["label"].tolist() == from_photos["label"].tolist()
    np.testing.assert_allclose(
        from_video[CLASSES].to_numpy(float), from_photos[CLASSES].to_numpy(float)
    )
