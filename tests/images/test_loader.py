from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emotion_sklearn import ImageLoader, ImageLoadError

SIZE = (8, 8)


def _loader(**params):
    """An ImageLoader without face finding: these tests are about decoding.

    Face finding has its own tests (test_faces.py).
    """
    return ImageLoader(**{"face_finder": None, **params})


def _save(tmp_path, name, image, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def _load_one(path, **params):
    params = {"image_size": SIZE, "crop_fraction": 1.0, **params}
    return _loader(**params).transform([path]).reshape(SIZE)


# -- real data ------------------------------------------------------------------


@pytest.mark.real_data
def test_real_images_to_rows(real_faces):
    X = ImageLoader().fit_transform(real_faces.data[:50])
    assert X.shape == (50, 48 * 48)
    assert X.dtype == np.float32
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert X.std() > 0.05


@pytest.mark.real_data
def test_real_webp_named_jpg_and_rgb_files(real_data_dir):
    images = real_data_dir / "images"
    webp = images / "facial-expressions_2868588k.jpg"
    assert Image.open(webp).format == "WEBP"
    rgb = next(
        p
        for p in sorted(images.glob("*.jpg"))
        if Image.open(p).mode == "RGB" and Image.open(p).format == "JPEG"
    )
    X = _loader().transform([webp, rgb])
    assert X.shape == (2, 48 * 48)
    assert np.isfinite(X).all() and X.std(axis=1).min() > 0.02


def test_draft_decoding_matches_a_full_decode(tmp_path):
    # Reduced-scale JPEG decoding must not change what the model sees.
    rows, cols = np.mgrid[0:350, 0:350]
    smooth = 128 + 100 * np.sin(rows / 20) * np.cos(cols / 15)
    path = _save(tmp_path, "big.jpg", Image.fromarray(smooth.astype(np.uint8)))
    fast = _loader(crop_fraction=1.0).transform([path]).reshape(48, 48)
    full = Image.open(path).convert("L").resize((48, 48), Image.Resampling.BILINEAR)
    assert np.abs(fast - np.asarray(full) / 255.0).mean() < 0.03


def test_parallel_decoding_gives_the_same_rows(synthetic_faces):
    paths = synthetic_faces.data
    one = _loader(n_jobs=1).transform(paths)
    two = _loader(n_jobs=2).transform(paths)
    np.testing.assert_array_equal(one, two)


def test_rows_feed_scikit_learn_steps(synthetic_faces):
    faces = synthetic_faces
    idx = np.r_[
        np.flatnonzero(faces.target == "happiness")[:20],
        np.flatnonzero(faces.target == "neutral")[:20],
    ]
    model = make_pipeline(
        _loader(image_size=(16, 16)), StandardScaler(), PCA(5), LogisticRegression()
    )
    model.fit(faces.data[idx], faces.target[idx])
    assert model.predict(faces.data[idx]).shape == (40,)


# -- input forms ----------------------------------------------------------------


def test_paths_in_any_container_agree(tmp_path):
    paths = [
        _save(tmp_path, f"{i}.png", Image.new("L", (10, 10), 40 * i)) for i in range(3)
    ]
    loader = _loader(image_size=SIZE)
    expected = loader.transform([str(p) for p in paths])
    assert np.allclose(expected[:, 0], [0, 40 / 255, 80 / 255])
    for form in (
        paths,
        np.array(paths, dtype=object),
        pd.Series(map(str, paths)),
        np.array([[str(p)] for p in paths]),
    ):
        np.testing.assert_array_equal(loader.transform(form), expected)
    frame = pd.DataFrame({"file": [str(p) for p in paths]})
    np.testing.assert_array_equal(loader.fit(frame).transform(frame), expected)
    assert list(loader.feature_names_in_) == ["file"]


def test_arrays_of_every_layout_agree():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (2, 8, 8), dtype=np.uint8)
    loader = _loader(image_size=SIZE, crop_fraction=1.0)
    expected = gray.reshape(2, -1) / 255.0
    np.testing.assert_allclose(loader.transform(gray), expected, atol=1e-6)
    np.testing.assert_allclose(loader.transform(gray[..., None]), expected, atol=1e-6)
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    np.testing.assert_allclose(loader.transform(rgb), expected, atol=1e-5)
    np.testing.assert_allclose(
        loader.transform(gray.reshape(2, -1)), expected, atol=1e-6
    )
    np.testing.assert_allclose(
        loader.transform(gray.astype(np.uint16) * 257), expected, atol=1e-6
    )
    np.testing.assert_allclose(loader.transform(gray / 255.0), expected, atol=1e-6)


def test_flattened_non_square_rows_need_input_size():
    rows = np.zeros((2, 6 * 4))
    with pytest.raises(ValueError, match="input_size"):
        _loader(image_size=SIZE).transform(rows)
    out = _loader(image_size=(6, 4), input_size=(6, -1)).transform(rows)
    assert out.shape == (2, 24)
    # Named pixel columns say the size themselves.
    named = _loader(image_size=(6, 4)).set_output(transform="pandas")
    frame = named.fit_transform(np.zeros((2, 6, 4)))
    assert _loader(image_size=(3, 2)).fit_transform(frame).shape == (2, 6)


def test_arrays_are_resized_and_cropped_like_files():
    image = np.zeros((1, 20, 40), dtype=np.uint8)
    image[:, :, 10:30] = 255  # a bright centre square, dark sides
    cropped = _loader(image_size=(10, 10)).transform(image)
    assert cropped.mean() > 0.95  # the centre crop is the bright square
    padded = _loader(image_size=(10, 10), fit_mode="pad").transform(image)
    assert padded.reshape(10, 10)[0].max() == 0  # black letterbox rows
    stretched = _loader(image_size=(10, 10), fit_mode="stretch").transform(image)
    assert stretched.reshape(10, 10)[:, 0].max() < 0.1


def test_feature_names_and_pandas_output(tmp_path):
    loader = _loader(image_size=(2, 3)).set_output(transform="pandas")
    names = loader.get_feature_names_out()
    assert list(names) == [f"pixel_{r}_{c}" for r in range(2) for c in range(3)]
    out = loader.fit_transform(np.zeros((4, 2, 3)))
    assert list(out.columns) == list(names)


# -- real-world files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "color", "expected"),
    [
        ("L", 100, 100),
        ("RGB", (255, 0, 0), 76),
        ("CMYK", (0, 0, 0, 0), 255),
        ("P", 3, None),
        ("I;16", 65535, 255),
        ("1", 1, 255),
    ],
)
def test_file_modes_become_grayscale(tmp_path, mode, color, expected):
    image = Image.new(mode, (12, 10), color)
    fmt = {"CMYK": "JPEG", "I;16": "PNG"}.get(mode, "PNG")
    path = _save(tmp_path, f"img.{fmt.lower()}", image, format=fmt)
    pixels = _load_one(path)
    if expected is None:
        expected = np.asarray(image.convert("L"))[0, 0]
    assert np.allclose(pixels, expected / 255.0, atol=2 / 255)


def test_transparent_areas_become_white(tmp_path):
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    path = _save(tmp_path, "clear.png", image)
    assert np.allclose(_load_one(path), 1.0)


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("L", (16, 8), 0)
    image.paste(255, (8, 0, 16, 8))  # right half bright
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the bright half ends up below
    path = _save(tmp_path, "rot.jpg", image, format="JPEG", exif=exif)
    pixels = _loader(image_size=(8, 4), fit_mode="stretch").transform([path])
    pixels = pixels.reshape(8, 4)
    assert pixels[:3].mean() < 0.2 and pixels[5:].mean() > 0.8


def test_content_decides_the_format_not_the_name(tmp_path):
    path = _save(tmp_path, "really_png.jpg", Image.new("L", (9, 9), 200), format="PNG")
    assert np.allclose(_load_one(path), 200 / 255)


# -- bad input -------------------------------------------------------------------


def _bad_files(tmp_path):
    good = _save(tmp_path, "good.png", Image.new("L", (8, 8)))
    empty = tmp_path / "empty.jpg"
    empty.touch()
    text = tmp_path / "notes.jpg"
    text.write_text("hello, not an image")
    buffer = tmp_path / "whole.jpg"
    Image.new("L", (64, 64), 90).save(buffer, format="JPEG")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(buffer.read_bytes()[:200])
    return good, {
        "missing": (tmp_path / "missing.jpg", "no such file"),
        "directory": (tmp_path, "directory"),
        "empty": (empty, "empty"),
        "not an image": (text, "not an image"),
        "truncated": (truncated, "truncated or corrupt"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "directory", "empty", "not an image", "truncated"]
)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bad_files_are_named_with_their_position(tmp_path, case, n_jobs):
    good, bad = _bad_files(tmp_path)
    path, reason = bad[case]
    paths = [good] * 70 + [path] + [good] * 5
    with pytest.raises(ImageLoadError, match=reason) as info:
        _loader(image_size=SIZE, n_jobs=n_jobs).transform(paths)
    assert str(path) in str(info.value) and "position 70" in str(info.value)
    assert info.value.index == 70 and Path(info.value.path) == path
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_arrays_are_refused(bad):
    images = np.zeros((3, 4, 4))
    images[2, 1, 1] = bad
    with pytest.raises(ValueError, match=r"NaN or infinity.*position 2"):
        _loader(image_size=SIZE).transform(images)


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.zeros((2, 3, 4, 5, 1)), ValueError, "5-D"),
        (np.zeros((2, 4, 4, 7)), ValueError, "1 to 4 channels"),
        (np.zeros(16), ValueError, "Reshape your data"),
        (["a.jpg", 3.5], TypeError, r"item 1 is float"),
        ("one.jpg", TypeError, "single path"),
        (pd.DataFrame({"a": ["x.jpg"], "b": ["y.jpg"]}), ValueError, "one column"),
        (np.empty((0, 4, 4)), ValueError, "no images"),
    ],
)
def test_malformed_input_is_explained(X, error, message):
    with pytest.raises(error, match=message):
        _loader(image_size=SIZE).fit_transform(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"image_size": (0, 5)}, "image_size"),
        ({"image_size": 48}, "image_size"),
        ({"fit_mode": "zoom"}, "fit_mode"),
        ({"input_size": (-1, -1)}, "input_size"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        _loader(**params).fit_transform(np.zeros((1, 16)))


def test_crop_fraction_keeps_the_centre(tmp_path):
    image = Image.new("L", (40, 40), 0)
    image.paste(255, (10, 10, 30, 30))  # a bright centre half
    path = _save(tmp_path, "centre.png", image)
    whole = _loader(image_size=SIZE, crop_fraction=1.0).transform([path])
    centre = _loader(image_size=SIZE, crop_fraction=0.5).transform([path])
    assert whole.mean() < 0.4 and centre.min() > 0.95
    array = np.asarray(image)[None]
    np.testing.assert_allclose(
        _loader(image_size=SIZE, crop_fraction=0.5).transform(array),
        centre,
        atol=1e-6,
    )
