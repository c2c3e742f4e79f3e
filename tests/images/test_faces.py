"""FaceFinder and ImageLoader(face_finder=...), on a photo scikit-image ships."""

import warnings

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2gray
from skimage.data import astronaut
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from emotion_sklearn import FaceFinder, ImageLoader, NoFaceFoundWarning
from emotion_sklearn.images import _faces
from emotion_sklearn.images._faces import crop_square

# Where the astronaut's face is in skimage.data.astronaut() (x, y, w, h).
FACE = (175, 65, 100, 100)


@pytest.fixture(scope="module")
def photo():
    return (rgb2gray(astronaut()) * 255).astype(np.uint8)


@pytest.fixture
def photo_file(tmp_path, photo):
    path = tmp_path / "astronaut.png"
    Image.fromarray(photo).save(path)
    return path


def _overlap(box, other):
    (x, y, w, h), (u, v, p, q) = box, other
    width = max(0, min(x + w, u + p) - max(x, u))
    height = max(0, min(y + h, v + q) - max(y, v))
    return width * height / (w * h + p * q - width * height)


@pytest.mark.parametrize("detector", ["haar", "lbp"])
def test_both_detectors_find_the_face(photo, detector):
    boxes = FaceFinder(detector).find(photo)
    assert boxes.shape[1] == 4 and len(boxes) >= 1
    assert _overlap(boxes[0], FACE) > 0.6
    areas = boxes[:, 2] * boxes[:, 3]
    assert (np.diff(areas) <= 0).all()  # largest first


@pytest.mark.parametrize("detector", ["haar", "lbp"])
def test_no_face_in_a_flat_image(detector):
    flat = np.full((200, 200), 128, dtype=np.uint8)
    assert FaceFinder(detector).find(flat).shape == (0, 4)


def test_a_face_that_fills_the_frame_is_found_by_padding(photo):
    x, y, w, h = FACE
    tight = photo[y + 10 : y + h - 10, x + 10 : x + w - 10]
    assert FaceFinder("haar")._search(tight).shape == (0, 4)  # not as it is
    boxes = FaceFinder("haar").find(tight)
    assert len(boxes) >= 1
    assert (boxes[0, :2] < 0).any()  # the box reaches past the edges


@pytest.mark.parametrize("detector", ["haar", "lbp"])
@pytest.mark.parametrize("portrait", [False, True])
def test_find_largest_is_the_first_face_of_find(photo, detector, portrait):
    # A portrait's face is a third of the frame (the quick 96-pixel search
    # finds it); in the whole photo it is a fifth (the full search does).
    image = photo[:300, 80:380] if portrait else photo
    finder = FaceFinder(detector)
    largest = finder.find_largest(image)
    assert largest.shape == (1, 4)
    # The same face; its size may differ by a step of the cascade's scales
    # (scikit-image's are 20% apart).
    assert _overlap(largest[0], finder.find(image)[0]) > 0.7
    flat = np.full((200, 200), 128, dtype=np.uint8)
    assert finder.find_largest(flat).shape == (0, 4)


def test_find_largest_looks_for_large_faces_before_smaller_ones(monkeypatch):
    sizes = []

    def fake(name):
        def search(gray, min_side):
            sizes.append((gray.shape, min_side))
            return [(10, 10, 30, 30)] if min_side <= 24 else []

        return search

    monkeypatch.setattr(_faces, "_detector", fake)
    image = np.zeros((192, 192), dtype=np.uint8)
    # Refining searches once more, around the face found (tested above).
    assert len(FaceFinder("haar", refine=None).find_largest(image)) == 1
    # 40% of the 96-pixel copy, then min_face (OpenCV's 24-pixel window makes
    # that a quarter); the full search is not needed.
    assert sizes == [((96, 96), 38), ((96, 96), 16)]
    sizes.clear()
    FaceFinder("lbp", refine=None).find_largest(image)
    assert sizes == [((96, 96), 16)]  # its scales start at the minimum: once


@pytest.mark.parametrize("side", [180, 200, 220])
def test_the_large_face_search_finds_the_quarter_searchs_face(photo, side):
    # The face is 100 pixels: at least 45% of these portraits' side, so the
    # 40% search finds it; its box is (nearly) the quarter search's.
    x, y, w, h = FACE
    top, left = y + h // 2 - side // 2, x + w // 2 - side // 2
    portrait = photo[top : top + side, left : left + side]
    finder = FaceFinder("haar")
    assert len(finder._search(portrait, 96, min_share=0.4)) >= 1
    quarter = _faces._largest_first(finder._search(portrait, 96))
    assert _overlap(finder.find_largest(portrait)[0], quarter[0]) > 0.8


def _fake_cascades(monkeypatch, *, frontal_finds):
    """Detectors that see a "face turned right" where the left half is brighter."""
    calls = []

    def fake(name):
        def search(gray, min_side):
            calls.append(name)
            if name != _faces._PROFILE:
                return [(2, 2, 20, 20)] if frontal_finds else []
            half = gray.shape[1] // 2
            if gray[:, :half].mean() > gray[:, half:].mean() + 50:
                return [(0, 0, half, half)]
            return []

        return search

    monkeypatch.setattr(_faces, "_detector", fake)
    return calls


def test_a_face_turned_the_other_way_is_found_in_the_mirror(monkeypatch):
    calls = _fake_cascades(monkeypatch, frontal_finds=False)
    image = np.zeros((100, 100), dtype=np.uint8)
    image[:, 50:] = 255  # "turned left": the profile cascade sees it mirrored
    (box,) = FaceFinder("haar", detect_side=100, profiles=True).find(image)
    assert tuple(box) == (50, 0, 50, 50)  # in the image's own coordinates
    assert _faces._PROFILE in calls
    calls.clear()
    assert FaceFinder("haar").find(image).shape == (0, 4)  # off by default
    assert _faces._PROFILE not in calls


def test_profiles_are_looked_for_only_without_a_frontal_face(monkeypatch):
    calls = _fake_cascades(monkeypatch, frontal_finds=True)
    image = np.zeros((100, 100), dtype=np.uint8)
    finder = FaceFinder("haar", profiles=True)
    assert len(finder.find(image)) == 1
    assert len(finder.find_largest(image)) == 1
    assert _faces._PROFILE not in calls


def test_the_profile_cascade_ships_with_opencv(photo):
    # A missing cascade file gives an empty classifier, which raises on use.
    flat = np.full((120, 100), 128, dtype=np.uint8)
    finder = FaceFinder("haar", profiles=True).check()
    assert finder.find(flat).shape == (0, 4)
    assert len(finder.find(photo)) >= 1  # frontal faces come first, as without


def test_a_missing_cascade_file_is_named_by_check(monkeypatch):
    monkeypatch.setitem(_faces._HAAR_CASCADES, _faces._PROFILE, "no_such.xml")
    _faces._detector.cache_clear()
    try:
        FaceFinder("haar").check()  # the frontal cascade is there
        with pytest.raises(FileNotFoundError, match=r"no_such\.xml.*is missing"):
            FaceFinder("haar", profiles=True).check()
    finally:
        _faces._detector.cache_clear()


def _views_with_room(photo, rooms):
    """The astronaut's face with ``room`` of its side around it, per room."""
    x, y, w, h = FACE
    for room in rooms:
        pad = round(w * room)
        yield photo[y - pad : y + h + pad, x - pad : x + w + pad]


def test_refined_boxes_hardly_depend_on_the_room_around_the_face(photo):
    # A cascade's box widens with the room its photo leaves around a face;
    # searched again at one scale, the face keeps nearly one size.
    rooms = (0.0, 0.1, 0.2, 0.4, 0.6)
    widths = {}
    for refine in (None, 0.3):
        finder = FaceFinder("haar", refine=refine)
        boxes = [
            finder.find_largest(view)[0] for view in _views_with_room(photo, rooms)
        ]
        widths[refine] = np.array([box[2] for box in boxes])
    assert np.ptp(widths[0.3]) < np.ptp(widths[None]) / 2
    assert np.ptp(widths[None]) > 20  # what refining is for


def test_find_refines_every_face_as_find_largest_refines_the_largest(photo):
    finder = FaceFinder("haar")
    np.testing.assert_array_equal(finder.find(photo)[:1], finder.find_largest(photo))
    first = FaceFinder("haar", refine=None).find(photo)
    assert _overlap(finder.find(photo)[0], first[0]) > 0.8


def test_a_box_not_found_again_is_kept():
    flat = np.full((200, 200), 128, dtype=np.uint8)
    box = np.array([50, 50, 80, 80])
    np.testing.assert_array_equal(FaceFinder("haar")._refined_box(flat, box), box)


def test_the_finders_repr_rebuilds_it():
    finder = FaceFinder("lbp", margin=0.05, refine=None, faceless_margin=0.2)
    assert eval(repr(finder)) == finder
    assert FaceFinder(**finder.params()) == finder


def test_profiles_are_part_of_the_finders_identity():
    # The detection cache is keyed by it: a cached miss must not hide a profile.
    assert FaceFinder(profiles=True) != FaceFinder()
    assert FaceFinder(profiles=True) == FaceFinder(profiles=True)


def test_crop_square_repeats_edges_past_the_image():
    image = np.arange(16, dtype=np.uint8).reshape(4, 4)
    crop = crop_square(image, (-1, -1, 3, 3))
    assert crop.shape == (4, 4)
    assert crop[0, 0] == image[0, 0] and crop[1, 1] == image[0, 0]
    box = FaceFinder(margin=0.5).crop_box((10, 20, 10, 10))
    assert box == (5.0, 15.0, 25.0, 35.0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"detector": "dnn"}, "'detector' parameter of FaceFinder must be a str among"),
        ({"margin": -0.1}, "'margin' parameter of FaceFinder"),
        ({"faceless_margin": "wide"}, "'faceless_margin' parameter of FaceFinder"),
        ({"refine": 0.0}, "'refine' parameter of FaceFinder must be a float in"),
        ({"refine": 2}, "'refine' parameter of FaceFinder must be a float in"),
        ({"min_face": 1.5}, "'min_face' parameter"),
        ({"detect_side": 8}, "'detect_side' parameter"),
        ({"profiles": "yes"}, "'profiles' parameter of FaceFinder must be an instance"),
        ({"detector": "lbp", "profiles": True}, "profiles=True needs detector='haar'"),
    ],
)
def test_bad_settings_are_named(params, message):
    # FaceFinder is a BaseEstimator: scikit-learn's validation names the
    # parameter, as for every estimator of the package.
    with pytest.raises(ValueError, match=message):
        FaceFinder(**params).check()
    with pytest.raises(ValueError, match=message):
        ImageLoader(face_finder=FaceFinder(**params)).transform(np.zeros((1, 8, 8)))


def test_missing_opencv_is_explained(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)
    _faces._detector.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"opencv-python-headless>=4.8,<5"):
            FaceFinder("haar").check()
    finally:
        _faces._detector.cache_clear()


def test_the_loader_keeps_the_square_around_the_face(photo_file, photo):
    finder = FaceFinder("haar", margin=0.0)
    loader = ImageLoader(image_size=(32, 32), face_finder=finder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoFaceFoundWarning)
        rows = loader.transform([photo_file])
    box = finder.find(photo)[0]
    expected = ImageLoader(
        image_size=(32, 32), face_finder=None, crop_fraction=1.0
    ).transform(crop_square(photo, finder.crop_box(box))[None])
    assert np.abs(rows - expected).mean() < 0.02
    central = ImageLoader(image_size=(32, 32), face_finder=None).transform([photo_file])
    assert np.abs(rows - central).mean() > 0.05  # not the central crop
    # Arrays take the same path as files.
    from_array = loader.transform(photo[None])
    assert np.abs(from_array - rows).mean() < 0.02


def test_images_without_a_face_are_counted_and_named(tmp_path, photo_file):
    flat = tmp_path / "flat.png"
    Image.new("L", (120, 120), 90).save(flat)
    loader = ImageLoader(face_finder=FaceFinder("lbp"))
    with pytest.warns(NoFaceFoundWarning, match=r"1 of 2 images.*flat\.png") as got:
        rows = loader.transform([photo_file, flat])
    whole = ImageLoader(face_finder=None, crop_fraction=1.0).transform([flat])
    np.testing.assert_array_equal(rows[1], whole[0])  # the fallback: all of it
    # The warning names the caller's line, through a pipeline too.
    assert got[0].filename == __file__
    pipe = make_pipeline(loader, FunctionTransformer())
    with pytest.warns(NoFaceFoundWarning) as got:
        pipe.fit_transform([flat])
    assert got[0].filename == __file__


def test_the_margin_is_added_around_a_whole_image_by_repeating_its_edges():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    padded = FaceFinder("haar", faceless_margin=0.25).pad_whole(image)
    assert padded.shape == (5, 6)  # round(0.75) rows, 1 column on each side
    np.testing.assert_array_equal(padded[1:4, 1:5], image)
    np.testing.assert_array_equal(padded[0, 1:5], image[0])
    np.testing.assert_array_equal(padded[1:4, 0], image[:, 0])
    unpadded = FaceFinder("haar", faceless_margin=0.0).pad_whole(image)
    np.testing.assert_array_equal(unpadded, image)


def test_an_image_without_a_face_is_framed_with_the_faceless_margin(tmp_path):
    # A face that fills the frame is the usual reason none is found: the
    # image stands in for the face's box, with a margin of its own.
    ramp = np.tile(np.linspace(0, 255, 90), (120, 1)).astype(np.uint8)
    path = tmp_path / "ramp.png"
    Image.fromarray(ramp).save(path)
    finder = FaceFinder("lbp", faceless_margin=0.2)
    loader = ImageLoader(image_size=(24, 24), face_finder=finder)
    with pytest.warns(NoFaceFoundWarning, match="read whole, with the face finder's"):
        from_file = loader.transform([path])
    with pytest.warns(NoFaceFoundWarning):
        from_array = loader.transform(ramp[None])
    plain = ImageLoader(image_size=(24, 24), face_finder=None, crop_fraction=1.0)
    expected = plain.transform(finder.pad_whole(ramp)[None])
    np.testing.assert_allclose(from_file, expected, atol=0.02)
    np.testing.assert_allclose(from_array, expected, atol=0.02)
    unpadded = plain.transform(ramp[None])
    assert np.abs(from_file - unpadded).max() > 0.1


def test_each_file_is_searched_once(photo_file, monkeypatch):
    finder = FaceFinder("lbp", margin=0.3)
    calls = []
    original = FaceFinder.find_largest

    def counting(self, image):
        calls.append(image.shape)
        return original(self, image)

    monkeypatch.setattr(FaceFinder, "find_largest", counting)
    loader = ImageLoader(face_finder=finder)
    first = loader.transform([photo_file])
    again = ImageLoader(face_finder=FaceFinder("lbp", margin=0.3)).transform(
        [photo_file]
    )
    np.testing.assert_array_equal(first, again)
    assert len(calls) == 1
    Image.open(photo_file).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photo_file)
    loader.transform([photo_file])  # an edited file is searched again
    assert len(calls) == 2


def test_find_every_frames_a_portrait_as_the_loader_does(photo):
    portrait = photo
    finder = FaceFinder(detect_side=400, min_face=0.05)
    every = finder.find_every(portrait)
    assert len(every) == 1
    # The finer search (faces down to half this one) frames it on a larger
    # copy; the refined box moves by a pixel or two.
    np.testing.assert_allclose(every, FaceFinder().find_largest(portrait), atol=3)


def test_find_every_finds_a_group_of_small_faces(photo):
    # Four faces, each 7.5% of the photo's width: too small for the coarse
    # searches, found by the full one.
    face = photo[20:240, 140:360]
    small = np.asarray(Image.fromarray(face).resize((160, 160)))
    row = np.concatenate([np.pad(small, 40, mode="edge")] * 4, axis=1)
    finder = FaceFinder(detect_side=400, min_face=0.05)
    every = finder.find_every(row)
    assert len(every) == 4
    assert sorted(every[:, 0] // 240) == [0, 1, 2, 3]


def test_find_every_looks_for_faces_down_to_half_the_smallest_found(photo):
    portrait = photo[0:300, 100:400]  # a face of 100 pixels
    face = photo[20:240, 140:360]
    smaller = np.asarray(Image.fromarray(face).resize((130, 130)))  # 60 pixels
    beside = np.pad(smaller, ((85, 85), (0, 0)), mode="edge")
    group = np.concatenate([portrait, beside], axis=1)
    finder = FaceFinder(detect_side=400, min_face=0.05)
    every = finder.find_every(group)
    assert len(every) == 2
    assert every[1, 0] >= 300  # the smaller face, right of the portrait
