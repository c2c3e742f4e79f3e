"""Fit-time faceless framing: the share of each class read whole."""

import warnings

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2gray
from skimage.data import astronaut

from emotion_sklearn import FaceFinder, ImageLoader, NoFaceFoundWarning
from emotion_sklearn.images._framing import whole_framed_indices


def _whole_share(y, found, indices):
    whole = ~found
    whole[indices] = True
    return {label: whole[y == label].mean() for label in np.unique(y)}


def test_matched_gives_every_class_the_largest_faceless_share():
    rng = np.random.RandomState(0)
    y = np.repeat(["anger", "neutral", "sadness"], [20, 100, 40])
    found = np.ones(len(y), dtype=bool)
    found[[0, 120, 121, 122, 123, 124, 125, 126, 127]] = False  # sadness: 8 of 40
    indices = whole_framed_indices(y, found, "matched", rng)
    assert found[indices].all()
    assert np.all(np.diff(indices) > 0)
    shares = _whole_share(y, found, indices)
    assert shares == pytest.approx({"anger": 0.2, "neutral": 0.2, "sadness": 0.2})


def test_a_share_leaves_classes_above_it_alone():
    y = np.repeat(["a", "b"], 10)
    found = np.ones(20, dtype=bool)
    found[:5] = False  # a: half faceless
    indices = whole_framed_indices(y, found, 0.3, np.random.RandomState(0))
    shares = _whole_share(y, found, indices)
    assert shares == pytest.approx({"a": 0.5, "b": 0.3})
    assert not whole_framed_indices(y, found, 0.0, np.random.RandomState(0)).size


def test_no_faceless_image_frames_nothing():
    y = np.repeat(["a", "b"], 5)
    indices = whole_framed_indices(
        y, np.ones(10, bool), "matched", np.random.RandomState(0)
    )
    assert indices.size == 0 and indices.dtype.kind == "i"


# -- the loader -----------------------------------------------------------------


@pytest.fixture(scope="module")
def faces_and_blanks(tmp_path_factory):
    """Four astronaut portraits and two flat images; labels a, a, b, b, b, b."""
    root = tmp_path_factory.mktemp("framing")
    gray = (rgb2gray(astronaut()) * 255).astype(np.uint8)
    paths = []
    for i in range(4):
        path = root / f"face_{i}.png"
        Image.fromarray(np.roll(gray, 3 * i, axis=1)).save(path)
        paths.append(str(path))
    for i in range(2):
        path = root / f"blank_{i}.png"
        Image.fromarray(np.full((200, 200), 90 + 40 * i, np.uint8)).save(path)
        paths.append(str(path))
    return np.array(paths), np.array(["a"] * 2 + ["b"] * 4)


def _loader(**params):
    params = {"whole_share": "matched", **params}
    return ImageLoader(
        image_size=(24, 24), face_finder=FaceFinder(), random_state=0, **params
    )


def test_fit_transform_reads_a_matched_share_of_faces_whole(faces_and_blanks):
    paths, y = faces_and_blanks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the blank images have no face
        loader = _loader()
        fitted = loader.fit_transform(paths, y)
        read = loader.transform(paths)
    # b has 2 faceless images of 4, so one of a's two faces is read whole.
    assert loader.whole_indices_.tolist() in ([0], [1])
    changed = np.flatnonzero(np.abs(fitted - read).max(axis=1) > 0)
    assert changed.tolist() == loader.whole_indices_.tolist()
    faceless = loader.set_params(face_finder=FaceFinder(min_face=0.99))
    with pytest.warns(NoFaceFoundWarning):
        whole = faceless.transform(paths[loader.whole_indices_])
    np.testing.assert_allclose(fitted[loader.whole_indices_], whole, atol=1e-6)


def test_fit_transform_without_labels_or_share_reads_as_transform(faces_and_blanks):
    paths, y = faces_and_blanks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = _loader().transform(paths)
        for loader, labels in [(_loader(), None), (_loader(whole_share=None), y)]:
            np.testing.assert_array_equal(loader.fit_transform(paths, labels), read)
            assert loader.whole_indices_.size == 0


def test_arrays_are_framed_as_files_are(faces_and_blanks):
    paths, y = faces_and_blanks
    stack = np.stack([np.asarray(Image.open(p).resize((200, 200))) for p in paths])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loader = _loader(whole_share=1.0)
        loader.fit_transform(stack, y)
    assert loader.whole_indices_.tolist() == [0, 1, 2, 3]


def test_a_bad_share_is_named():
    with pytest.raises(ValueError, match="whole_share"):
        _loader(whole_share=1.5).fit_transform(np.zeros((2, 8, 8)), ["a", "b"])
