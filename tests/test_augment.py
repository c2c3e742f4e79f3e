import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.dummy import DummyClassifier

from emotion_sklearn import RotationAugmenter

# A 3x3 image with one bright corner shows where every pixel went.
CORNER = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]])


def _augment(**params):
    X = np.stack([CORNER.ravel(), 2 * CORNER.ravel()])
    return RotationAugmenter(**params).fit_resample(X, np.array(["anger", "sadness"]))


def test_default_is_the_original_works_six_orientations():
    X_aug, y_aug = _augment()
    assert X_aug.shape == (12, 9)
    assert list(y_aug) == ["anger", "sadness"] * 6
    images = X_aug.reshape(12, 3, 3)
    np.testing.assert_array_equal(images[0], CORNER)  # originals first
    # The bright corner: as is, mirrored, upside down, and three quarter-turns.
    corners = [tuple(np.argwhere(img == 1.0)[0]) for img in images[::2]]
    assert corners == [(0, 0), (0, 2), (2, 0), (2, 0), (2, 2), (0, 2)]
    # Labels stay with their images: the second image is twice as bright.
    assert (images[1::2].max(axis=(1, 2)) == 2.0).all()


def test_a_subset_keeps_faces_upright():
    X_aug, _ = _augment(orientations=["flip_horizontal"])
    assert X_aug.shape == (4, 9)
    np.testing.assert_array_equal(X_aug[2].reshape(3, 3), CORNER[:, ::-1])
    assert _augment(orientations=())[0].shape == (2, 9)


def test_random_rotations_are_seeded():
    first, _ = _augment(orientations=["original"], max_angle=20, random_state=0)
    again, _ = _augment(orientations=["original"], max_angle=20, random_state=0)
    other, _ = _augment(orientations=["original"], max_angle=20, random_state=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    np.testing.assert_array_equal(first[:2], _augment(orientations=())[0])


def test_quarter_turns_need_square_images():
    X = np.zeros((2, 6))
    with pytest.raises(ValueError, match=r"need square images, got 2x3"):
        RotationAugmenter(image_size=(2, 3)).fit_resample(X, [0, 1])
    flipped, _ = RotationAugmenter(
        image_size=(2, -1), orientations=["flip_vertical", "rotate_180"]
    ).fit_resample(X, [0, 1])
    assert flipped.shape == (6, 6)


@pytest.mark.parametrize("orientations", ["flip_horizontal", ["upside_down"]])
def test_bad_orientations_are_named(orientations):
    with pytest.raises(ValueError, match=r"orientations.*must be"):
        _augment(orientations=orientations)


def test_rows_that_are_not_square_images():
    with pytest.raises(ValueError, match=r"rows of 5 pixels.*image_size"):
        RotationAugmenter().fit_resample(np.zeros((2, 5)), [0, 1])


def test_sample_indices_trace_each_copy_to_its_row():
    augmenter = RotationAugmenter(orientations=["flip_horizontal", "rotate_180"])
    X = np.stack([CORNER.ravel(), 2 * CORNER.ravel()])
    X_aug, _ = augmenter.fit_resample(X, np.array(["anger", "sadness"]))
    assert augmenter.sample_indices_.tolist() == [0, 1, 0, 1, 0, 1]
    np.testing.assert_array_equal(
        X_aug.max(axis=1), X[augmenter.sample_indices_].max(axis=1)
    )


def test_dataframes_and_lists_come_back_in_their_own_type():
    from emotion_sklearn._shapes import pixel_feature_names

    names = pixel_feature_names((2, 3))
    frame = pd.DataFrame(np.arange(12.0).reshape(2, 6), columns=names)
    augmenter = RotationAugmenter(orientations=["flip_horizontal"])
    X_aug, y_aug = augmenter.fit_resample(frame, pd.Series(["anger", "sadness"]))
    assert isinstance(X_aug, pd.DataFrame) and list(X_aug.columns) == list(names)
    assert isinstance(y_aug, pd.Series)
    assert augmenter.image_size_ == (2, 3)  # read from the column names
    np.testing.assert_array_equal(X_aug.iloc[2], [2.0, 1, 0, 5, 4, 3])
    X_list, y_list = augmenter.set_params(image_size=(2, 3)).fit_resample(
        frame.to_numpy().tolist(), ["a", "b"]
    )
    assert isinstance(X_list, list) and isinstance(y_list, list)


def test_acts_at_fit_time_only():
    X, y = np.random.default_rng(0).random((10, 9)), np.array([0, 1] * 5)
    pipe = make_pipeline(RotationAugmenter(), DummyClassifier()).fit(X, y)
    assert pipe.predict(X).shape == (10,)
