"""RandomAffine: Keras' rotation, shift and zoom in one resampling."""

import keras
import numpy as np
import pytest

from emotion_sklearn.network._affine import RandomAffine, input_coordinates


def _smooth_faces(n=4, side=24):
    """Slowly varying images, which resampling twice changes little."""
    rows, cols = np.mgrid[0:side, 0:side] / side
    images = [
        np.sin(3 * rows + k) * np.cos(2 * cols - k) + rows * cols for k in range(n)
    ]
    return np.stack(images)[..., None].astype("float32")


def _fixed(angle, shift, zoom, images):
    """The layer's map with every image drawing the same angle, shift, zoom."""
    n, height, width = images.shape[:3]
    draws = [np.full(n, value, dtype="float32") for value in (angle, *shift, zoom)]
    transform = input_coordinates(
        draws[0], draws[1] * width, draws[2] * height, draws[3], height, width
    )
    return np.asarray(
        keras.ops.image.affine_transform(images, transform, fill_mode="reflect")
    )


def _keras_three_layers(degrees, shift, zoom, images):
    """Keras' own layers, one resampling each, with fixed factors."""
    turn = degrees / 360
    layers = [
        keras.layers.RandomRotation((turn, turn), fill_mode="reflect"),
        keras.layers.RandomTranslation(
            (shift[1], shift[1]), (shift[0], shift[0]), fill_mode="reflect"
        ),
        keras.layers.RandomZoom((zoom - 1, zoom - 1), fill_mode="reflect"),
    ]
    for layer in layers:
        images = layer(images, training=True)
    return np.asarray(images)


@pytest.mark.parametrize(
    ("degrees", "shift", "zoom"),
    [
        (10.0, (0.0, 0.0), 1.0),
        (0.0, (0.1, -0.05), 1.0),
        (0.0, (0.0, 0.0), 0.7),
        (12.0, (0.08, 0.04), 0.8),
    ],
)
def test_one_map_moves_pixels_where_keras_three_layers_do(degrees, shift, zoom):
    images = _smooth_faces()
    ours = _fixed(np.radians(degrees), shift, zoom, images)
    theirs = _keras_three_layers(degrees, shift, zoom, images)
    # Away from the border, where "reflect" fills differ after three passes.
    inner = (slice(None), slice(5, -5), slice(5, -5))
    np.testing.assert_allclose(ours[inner], theirs[inner], atol=0.03)


def test_a_pure_zoom_is_keras_zoom_to_the_pixel():
    images = _smooth_faces()
    keras_zoom = keras.layers.RandomZoom((-0.3, -0.3), fill_mode="reflect")
    np.testing.assert_allclose(
        _fixed(0.0, (0.0, 0.0), 0.7, images),
        np.asarray(keras_zoom(images, training=True)),
        atol=1e-6,
    )


def test_one_resampling_blurs_less_than_three():
    rng = np.random.default_rng(0)
    images = rng.random((16, 24, 24, 1)).astype("float32")

    def contrast(x):
        return np.abs(np.diff(x[:, 4:-4, 4:-4], axis=2)).mean()

    ours = _fixed(np.radians(7.0), (0.03, 0.03), 0.95, images)
    theirs = _keras_three_layers(7.0, (0.03, 0.03), 0.95, images)
    assert contrast(ours) > 1.1 * contrast(theirs)


def test_nothing_moves_at_predict_or_with_no_movement_asked():
    images = _smooth_faces()
    layer = RandomAffine(15.0, 0.1, (-0.2, 0.2), seed=0)
    np.testing.assert_array_equal(np.asarray(layer(images)), images)
    still = RandomAffine(0.0, 0.0, (0.0, 0.0), seed=0)
    np.testing.assert_array_equal(np.asarray(still(images, training=True)), images)


def test_draws_are_seeded_and_differ_between_images():
    images = np.repeat(_smooth_faces(1), 8, axis=0)

    def moved(seed):
        layer = RandomAffine(15.0, 0.1, (-0.2, 0.2), seed=seed)
        return np.asarray(layer(images, training=True))

    np.testing.assert_array_equal(moved(3), moved(3))
    assert not np.array_equal(moved(3), moved(4))
    first = moved(3)
    assert not np.allclose(first[0], first[1])


def test_the_layer_round_trips_through_its_config():
    layer = RandomAffine(15.0, 0.1, (-0.4, 0.15), seed=2)
    again = RandomAffine.from_config(layer.get_config())
    assert (again.rotation, again.shift, again.zoom, again.seed) == (
        15.0,
        0.1,
        (-0.4, 0.15),
        2,
    )
    assert again.fill_mode == "reflect"


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect"])
def test_a_zoom_out_fills_the_border_as_fill_mode_says(fill_mode):
    # A ramp that brightens to the right: shrunk to two thirds of the frame,
    # repeated edges leave its left border at the darkest column, where a
    # mirror brings brighter columns back in.
    ramp = np.tile(np.linspace(0, 1, 24, dtype="float32"), (2, 24, 1))[..., None]
    layer = RandomAffine(0.0, 0.0, (0.5, 0.5), fill_mode=fill_mode, seed=0)
    left_border = np.asarray(layer(ramp, training=True))[:, :, :3, 0]
    if fill_mode == "nearest":
        np.testing.assert_allclose(left_border, 0.0, atol=1e-6)
    else:
        assert left_border.min() > 0.05
