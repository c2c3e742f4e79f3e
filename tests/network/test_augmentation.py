import numpy as np
import pytest

from _helpers import augmentation_layer_names, tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import Augmentation, EmotionCNNClassifier


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


def test_random_augmentation_acts_in_training_only():
    X, y = _toy()
    params = dict(
        flip=True,
        shift=0.1,
        rotation=10.0,
        zoom=0.1,
        brightness=0.3,
        contrast=0.3,
        downscale=0.5,
        blur=1.0,
        noise=0.05,
        erasing=0.5,
        top_cut=0.3,
        blank=0.1,
    )
    cnn = _cnn(random_state=0, augmentation=Augmentation(**params)).fit(X, y)
    assert augmentation_layer_names(cnn.model_) == [
        "RandomFlip",
        "RandomTopCut",
        "RandomAffine",
        "RandomBrightness",
        "RandomContrast",
        "RandomDownscale",
        "RandomGaussianBlur",
        "GaussianNoise",
        "RandomErasing",
        "RandomBlankFrame",
    ]
    # At predict the random layers pass images through: repeated calls agree.
    np.testing.assert_array_equal(cnn.predict_proba(X), cnn.predict_proba(X))
    again = _cnn(random_state=0, augmentation=Augmentation(**params)).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), cnn.predict_proba(X), rtol=1e-5)
    no_augmentation = {name: 0.0 for name in params if name != "flip"}
    still = Augmentation(flip=False, **no_augmentation)
    plain = _cnn(random_state=0, augmentation=still).fit(X, y).model_
    assert augmentation_layer_names(plain) == []
    off = _cnn(random_state=0, augmentation=False).fit(X, y).model_
    assert augmentation_layer_names(off) == []


@pytest.mark.parametrize(
    "zoom", [(0.4,), (0.4, 1.5), (-0.1, 0.1), (True, 0.1), [0.4, 0.1]]
)
def test_a_bad_zoom_pair_is_named(zoom):
    X, y = _toy()
    with pytest.raises(ValueError, match="'zoom' parameter of Augmentation"):
        _cnn(augmentation=Augmentation(zoom=zoom)).fit(X, y)


@pytest.mark.parametrize(
    "param, value",
    [
        ("rotation", 200.0),
        ("shift", 1.5),
        ("fill_mode", "edge"),
        ("brightness", 1.5),
        ("contrast", -0.1),
        ("downscale", 1.0),
        ("blur", -1.0),
        ("noise", -0.1),
        ("erasing", 1.5),
        ("top_cut", 1.5),
        ("blank", -0.1),
    ],
)
def test_bad_augmentation_parameters_are_named(param, value):
    X, y = _toy()
    with pytest.raises(ValueError, match=f"'{param}' parameter of Augmentation"):
        _cnn(augmentation=Augmentation(**{param: value})).fit(X, y)


def test_an_augmentation_setting_is_searchable_through_a_pipeline():
    from emotion_sklearn import make_emotion_pipeline

    pipe = make_emotion_pipeline(cnn__augmentation__rotation=5.0)
    assert pipe.named_steps["cnn"].augmentation.rotation == 5.0
