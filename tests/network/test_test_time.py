import numpy as np
import pytest
from scipy import ndimage

from _helpers import tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import EmotionCNNClassifier, TestTimeAugmentation


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


def test_flip_averages_an_image_and_its_mirror():
    X, y = _toy()
    view = TestTimeAugmentation(flip=False)
    cnn = _cnn(random_state=0, test_time_augmentation=view).fit(X, y)
    mirrored = X.reshape(-1, 8, 8)[:, :, ::-1].reshape(len(X), -1)
    expected = (cnn.predict_proba(X) + cnn.predict_proba(mirrored)) / 2
    cnn.set_params(test_time_augmentation__flip=True)
    np.testing.assert_allclose(cnn.predict_proba(X), expected, rtol=1e-5)


def _central_zoom(images, share):
    """Bilinear view of the central ``share`` of each image (as RandomZoom)."""
    side = images.shape[1]
    rows, cols = np.mgrid[0:side, 0:side] * share + (side - 1) / 2 * (1 - share)
    return np.stack(
        [ndimage.map_coordinates(image, [rows, cols], order=1) for image in images]
    )


@pytest.mark.parametrize("flip", [False, True])
def test_a_crop_predicts_from_the_enlarged_centre(flip):
    X, y = _toy()
    view = TestTimeAugmentation(flip=flip)
    cnn = _cnn(random_state=0, test_time_augmentation=view).fit(X, y)
    enlarged = _central_zoom(X.reshape(-1, 8, 8), 0.5).reshape(len(X), -1)
    expected = cnn.set_params(test_time_augmentation__crop=1.0).predict_proba(enlarged)
    cropped = cnn.set_params(test_time_augmentation__crop=0.5).predict_proba(X)
    np.testing.assert_allclose(cropped, expected, rtol=1e-4, atol=1e-6)
    # The central half spans pixels 1.75 to 5.25: the outer ring does not count.
    other_ring = X.copy().reshape(-1, 8, 8)
    other_ring[:, [0, -1], :] = other_ring[:, :, [0, -1]] = 1.0
    np.testing.assert_array_equal(
        cnn.predict_proba(other_ring.reshape(len(X), -1)), cropped
    )


@pytest.mark.parametrize("side", [8, 9])
def test_a_mirror_image_gets_the_same_probabilities_with_flip(side):
    X, y = _toy(side=side)
    view = TestTimeAugmentation(crop=0.9, flip=True)
    cnn = _cnn(random_state=0, test_time_augmentation=view).fit(X, y)
    mirrored = X.reshape(-1, side, side)[:, :, ::-1].reshape(len(X), -1)
    np.testing.assert_allclose(
        cnn.predict_proba(mirrored), cnn.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_a_test_time_crop_of_one_predicts_from_the_image_as_it_is():
    X, y = _toy()
    view = TestTimeAugmentation(flip=False)
    cnn = _cnn(random_state=0, test_time_augmentation=view).fit(X, y)
    raw = cnn.model_.predict_on_batch(X)
    proba = cnn.set_params(
        class_prior=None, test_time_augmentation__crop=1.0
    ).predict_proba(X)
    # Two code paths into the same float32 kernels: equal to a few units in
    # the last place, which differ between CPUs.
    np.testing.assert_allclose(proba, raw, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("crop", [0.0, 1.5, -0.1, "0.9"])
def test_a_bad_crop_is_named_at_fit_and_at_predict(crop):
    X, y = _toy()
    message = "'crop' parameter of TestTimeAugmentation"
    with pytest.raises(ValueError, match=message):
        _cnn(test_time_augmentation=TestTimeAugmentation(crop=crop)).fit(X, y)
    cnn = _cnn(random_state=0, test_time_augmentation=TestTimeAugmentation())
    cnn.fit(X, y)
    with pytest.raises(ValueError, match=message):
        cnn.set_params(test_time_augmentation__crop=crop).predict(X)
