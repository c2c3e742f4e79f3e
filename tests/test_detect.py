"""detect_emotions: a row per face, photos without faces and bad files named."""

import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from skimage.data import astronaut

from _helpers import tiny_cnn_params
from emotion_sklearn import (
    FaceFinder,
    ImageLoader,
    ImageLoadError,
    NoFaceFoundWarning,
    detect_emotions,
    make_emotion_pipeline,
    save_model,
)
from emotion_sklearn._detect import every_face_finder

CLASSES = ["anger", "happiness", "neutral", "sadness"]


@pytest.fixture(scope="module")
def model(small_faces):
    X, y, _ = small_faces
    pipe = make_emotion_pipeline(
        load__image_size=(16, 16),
        load__face_finder="haar",
        random_state=0,
        **tiny_cnn_params("cnn__"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoFaceFoundWarning)  # drawn faces
        return pipe.fit(X, y)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A portrait, a group of two side by side, and a photo without a face."""
    folder = tmp_path_factory.mktemp("photos")
    portrait = astronaut()
    group = np.concatenate([portrait, portrait[:, ::-1]], axis=1)
    blank = np.full((200, 300, 3), 128, dtype=np.uint8)
    paths = []
    for name, pixels in [("portrait", portrait), ("group", group), ("blank", blank)]:
        path = folder / f"{name}.png"
        Image.fromarray(pixels).save(path)
        paths.append(str(path))
    return paths


def test_one_row_per_face_with_box_label_and_probabilities(model, photos):
    with pytest.warns(NoFaceFoundWarning, match="1 of 3"):
        faces = detect_emotions(photos, model)
    assert list(faces.columns) == [
        "source",
        "face",
        "face_found",
        "x",
        "y",
        "width",
        "height",
        "label",
        *CLASSES,
    ]
    assert faces["source"].tolist() == [photos[0], photos[1], photos[1], photos[2]]
    assert faces["face"].tolist() == [0, 0, 1, 0]
    assert faces["face_found"].tolist() == [True, True, True, False]
    found = faces[faces["face_found"]]
    np.testing.assert_allclose(found[CLASSES].sum(axis=1), 1, rtol=1e-5)
    assert (found["label"] == found[CLASSES].idxmax(axis=1)).all()
    # The group's two faces are side by side, each in its own half.
    first, second = sorted(faces.loc[faces.source == photos[1], "x"])
    assert first < 512 <= second
    # No face: the whole image is the box, and no emotion is read into it.
    blank = faces.iloc[3]
    assert (blank.x, blank.y, blank.width, blank.height) == (0, 0, 300, 200)
    assert pd.isna(blank.label) and blank[CLASSES].isna().all()


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1), np.uint8),
        np.full((89, 89), 128, np.uint8),
        np.random.default_rng(0).integers(0, 256, (120, 160), dtype=np.uint8),
    ],
    ids=["one_pixel", "uniform_grey", "noise"],
)
def test_a_frame_without_a_face_gets_no_emotion(model, image):
    with pytest.warns(NoFaceFoundWarning, match="without a label"):
        faces = detect_emotions([image], model)
    assert faces["face_found"].tolist() == [False]
    assert faces["label"].isna().all()
    assert faces[CLASSES].isna().all(axis=None)
    with pytest.warns(NoFaceFoundWarning, match="predicted whole"):
        whole = detect_emotions([image], model, no_face="whole")
    np.testing.assert_allclose(whole[CLASSES].sum(axis=1), 1, rtol=1e-5)


def test_arrays_and_files_give_the_same_rows(model, photos):
    from_files = detect_emotions(photos[:2], model)
    from_arrays = detect_emotions(
        [np.asarray(Image.open(p)) for p in photos[:2]], model
    )
    assert from_arrays["source"].tolist() == [0, 1, 1]
    columns = ["x", "y", "width", "height", "label"]
    pd.testing.assert_frame_equal(from_files[columns], from_arrays[columns])
    np.testing.assert_allclose(from_files[CLASSES], from_arrays[CLASSES], atol=0.02)


def test_photos_without_a_face_can_be_skipped_but_are_counted(model, photos):
    with pytest.warns(NoFaceFoundWarning, match="they have no row"):
        faces = detect_emotions(photos, model, no_face="skip")
    assert photos[2] not in set(faces["source"])


def test_a_bad_file_raises_or_gets_its_own_row(model, photos, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(ImageLoadError, match=r"broken\.jpg"):
        detect_emotions([photos[0], str(bad)], model)
    faces = detect_emotions([photos[0], str(bad), photos[1]], model, errors="report")
    assert faces["source"].tolist() == [photos[0], str(bad), photos[1], photos[1]]
    assert "broken.jpg" in faces.loc[1, "error"]
    assert faces["error"].isna().sum() == 3


def test_a_model_file_is_read_from_its_path(model, photos, tmp_path):
    path = tmp_path / "model.esk"
    save_model(model, path)
    pd.testing.assert_frame_equal(
        detect_emotions(photos[:1], path), detect_emotions(photos[:1], model)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"no_face": "drop"}, "no_face must be one of"),
        ({"errors": "ignore"}, "errors must be one of"),
    ],
)
def test_bad_options_are_named(model, photos, kwargs, message):
    with pytest.raises(ValueError, match=message):
        detect_emotions(photos[:1], model, **kwargs)


def test_a_model_without_a_loader_first_is_refused(model, photos):
    with pytest.raises(TypeError, match="first step is an ImageLoader"):
        detect_emotions(photos[:1], model[-1])


def test_items_that_are_not_photos_are_named(model):
    with pytest.raises(TypeError, match="item 1 is int"):
        detect_emotions([astronaut(), 3], model)


def test_every_face_search_keeps_the_loaders_detector_settings():
    settings = {"margin": 0.2, "faceless_margin": 0.3, "refine": 0.4, "profiles": True}
    loader = ImageLoader(face_finder=FaceFinder("haar", **settings))
    finder = every_face_finder(loader)
    assert {name: getattr(finder, name) for name in settings} == settings
    assert finder.detect_side >= 160 and finder.min_face <= 0.15


def test_a_photo_without_a_face_is_read_as_the_model_reads_it(model, tmp_path):
    # Both pad the whole photo with the finder's faceless_margin; a ramp shows it.
    ramp = np.tile(np.linspace(0, 255, 300), (200, 1)).astype(np.uint8)
    path = tmp_path / "ramp.png"
    Image.fromarray(ramp).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoFaceFoundWarning)
        faces = detect_emotions([str(path)], model, no_face="whole")
        expected = model.predict_proba([str(path)])
    assert not faces["face_found"].item()
    np.testing.assert_allclose(faces[CLASSES].to_numpy(), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((0, 0)), r"empty \(shape \(0, 0\)\)"),
        ([np.zeros((5, 0, 3))], r"image 0 is empty"),
        (np.zeros((2, 2, 4, 4, 3)), r"shape \(2, 2, 4, 4, 3\)"),
        ([np.zeros((4, 4, 7))], r"image 0 has shape \(4, 4, 7\)"),
    ],
    ids=["zero_by_zero", "no_columns", "five_dimensions", "seven_channels"],
)
def test_an_array_that_is_not_one_image_is_named(model, images, message):
    with pytest.raises(ValueError, match=message):
        detect_emotions(images, model)


def test_a_face_box_is_clipped_to_the_photo(model, tmp_path):
    # The portrait cut so that the face touches the top edge: the refined box
    # is searched in a padded region and may reach past it.
    cut = np.asarray(Image.fromarray(astronaut()).convert("L"))[25:275, :]
    wide = np.concatenate([cut, cut[:, ::-1], cut], axis=1)
    path = tmp_path / "wide.png"
    Image.fromarray(wide).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoFaceFoundWarning)
        faces = detect_emotions([str(path), wide], model)
    height, width = wide.shape
    assert (faces[["x", "y"]] >= 0).all().all()
    assert (faces["x"] + faces["width"] <= width).all()
    assert (faces["y"] + faces["height"] <= height).all()
