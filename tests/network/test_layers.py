import keras
import numpy as np
import pytest
from skimage.exposure import equalize_hist

from emotion_sklearn import FaceFinder
from emotion_sklearn.network._layers import (
    FusedBatchNormalization,
    HistogramEqualization,
    RandomBlankFrame,
    RandomDownscale,
    RandomTopCut,
    averaged_accuracy,
    member_crossentropy,
)


def _activations(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(3.0, 2.0, size=(32, 5, 5, 4)).astype(np.float32)


def test_fused_batch_norm_matches_keras_batch_norm():
    x = _activations()
    fused = FusedBatchNormalization(momentum=0.5)
    plain = keras.layers.BatchNormalization(momentum=0.5)
    for _ in range(10):
        np.testing.assert_allclose(
            fused(x, training=True), plain(x, training=True), atol=1e-4
        )
    np.testing.assert_allclose(fused.moving_mean, plain.moving_mean, rtol=1e-5)
    # The fused kernel's moving variance uses the unbiased batch variance.
    n = x.shape[0] * x.shape[1] * x.shape[2]
    unbiased = np.asarray(plain.moving_variance) * n / (n - 1)
    np.testing.assert_allclose(fused.moving_variance, unbiased, rtol=1e-3)
    np.testing.assert_allclose(fused(x), plain(x), atol=1e-2)


def test_fused_batch_norm_survives_saving(tmp_path):
    inputs = keras.Input(shape=(5, 5, 4))
    model = keras.Model(inputs, FusedBatchNormalization(momentum=0.8)(inputs))
    model(_activations(), training=True)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[-1].get_config()["momentum"] == 0.8
    np.testing.assert_allclose(loaded(_activations(1)), model(_activations(1)))


def _faces(n=64, side=24):
    """Smooth images with fine stripes, which lower resolutions lose."""
    rng = np.random.default_rng(0)
    stripes = (np.arange(side) % 2).astype(np.float32)
    base = rng.random((n, 1, 1, 1)).astype(np.float32)
    return np.clip(base * 0.5 + 0.5 * stripes[None, None, :, None], 0, 1) * np.ones(
        (n, side, side, 1), np.float32
    )


def test_downscale_blurs_some_training_images_and_keeps_their_brightness():
    x = _faces()
    out = np.asarray(RandomDownscale(0.5, seed=0)(x, training=True))
    changed = np.abs(out - x).max(axis=(1, 2, 3)) > 1e-3
    # One of five resolutions is the full one.
    assert 0.5 < changed.mean() < 0.95
    np.testing.assert_allclose(
        out.mean(axis=(1, 2, 3)), x.mean(axis=(1, 2, 3)), atol=0.02
    )
    # Lost resolution flattens the one-pixel stripes.
    assert out[changed].std(axis=2).mean() < x[changed].std(axis=2).mean()


def test_downscale_passes_images_through_outside_training():
    x = _faces(8)
    np.testing.assert_array_equal(RandomDownscale(0.5, seed=0)(x), x)
    np.testing.assert_array_equal(RandomDownscale(0.0)(x, training=True), x)


def test_downscale_is_repeatable_with_a_seed_and_survives_saving(tmp_path):
    x = _faces(16)
    first = RandomDownscale(0.6, seed=3)(x, training=True)
    np.testing.assert_array_equal(RandomDownscale(0.6, seed=3)(x, training=True), first)
    inputs = keras.Input(shape=(24, 24, 1))
    model = keras.Model(inputs, RandomDownscale(0.6, seed=3)(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[-1].get_config()["factor"] == 0.6


def _row_numbers(n=64, side=20):
    rows = np.arange(side, dtype=np.float32).reshape(1, side, 1, 1)
    return np.broadcast_to(rows, (n, side, side, 1)).copy()


def test_top_cut_repeats_the_first_row_kept_or_frames_the_cut_alone():
    x = _row_numbers()
    out = np.asarray(RandomTopCut(1.0, seed=0)(x, training=True))
    column = out[:, :, 10, 0]
    # Every image loses 15% to 35% of its top rows (3 to 7 of 20).
    assert ((column[:, 0] >= 3 - 1e-4) & (column[:, 0] <= 7 + 1e-4)).all()
    assert (np.diff(column, axis=1) >= -1e-4).all()
    # About half keep the rows below the cut in place; the others show the
    # cut alone, stretched over the frame, its last row repeated below it.
    in_place = np.isclose(column[:, 10:], np.arange(10, 20)).all(axis=1)
    assert 0.3 < in_place.mean() < 0.7
    alone = column[~in_place]
    assert (alone[:, 10] > 10).all() and np.allclose(alone[:, -1], 19)
    # Columns stay the same: the cut moves rows only.
    np.testing.assert_allclose(out, out[:, :, :1].repeat(20, axis=2), atol=1e-5)


def test_top_cut_cuts_the_rate_asked_and_nothing_outside_training():
    x = _row_numbers(400)
    out = np.asarray(RandomTopCut(0.3, seed=1)(x, training=True))
    changed = np.abs(out - x).max(axis=(1, 2, 3)) > 1e-4
    assert 0.22 < changed.mean() < 0.38
    np.testing.assert_array_equal(RandomTopCut(0.3, seed=1)(x), x)
    np.testing.assert_array_equal(RandomTopCut(0.0)(x, training=True), x)


def test_top_cut_is_repeatable_with_a_seed_and_survives_saving(tmp_path):
    x = _row_numbers(16)
    first = RandomTopCut(0.5, seed=3)(x, training=True)
    np.testing.assert_array_equal(RandomTopCut(0.5, seed=3)(x, training=True), first)
    inputs = keras.Input(shape=(20, 20, 1))
    model = keras.Model(inputs, RandomTopCut(0.5, cut=(0.1, 0.2), seed=3)(inputs))
    model.save(tmp_path / "m.keras")
    config = keras.saving.load_model(tmp_path / "m.keras").layers[-1].get_config()
    assert (config["rate"], config["cut"], config["margin"]) == (0.5, [0.1, 0.2], 0.1)


def test_top_cut_frames_a_cut_alone_as_the_default_finder_frames_a_faceless_photo():
    # The network builds the layer with its default margin; a change to the
    # finder's default faceless_margin must move it too.
    assert RandomTopCut(0.3).margin == FaceFinder().faceless_margin


@pytest.mark.parametrize("bins", [16, 64])
def test_histogram_equalization_is_scikit_images(bins):
    rng = np.random.default_rng(0)
    x = rng.random((6, 24, 24, 1), dtype=np.float32) ** rng.uniform(
        0.3, 3, (6, 1, 1, 1)
    )
    out = np.asarray(HistogramEqualization(bins)(x))
    expected = np.stack([equalize_hist(image[..., 0], nbins=bins) for image in x])
    np.testing.assert_allclose(out[..., 0], expected, atol=1e-5)


def test_histogram_equalization_ignores_brightness_and_contrast():
    x = np.random.default_rng(1).random((4, 24, 24, 1), dtype=np.float32)
    darker = np.asarray(HistogramEqualization()(0.1 + 0.5 * x))
    np.testing.assert_allclose(
        darker, np.asarray(HistogramEqualization()(x)), atol=1e-5
    )
    flat = np.full((2, 8, 8, 1), 0.3, dtype=np.float32)
    np.testing.assert_array_equal(HistogramEqualization()(flat), 0.5)


def test_histogram_equalization_survives_saving(tmp_path):
    inputs = keras.Input(shape=(24, 24, 1))
    model = keras.Model(inputs, HistogramEqualization(bins=32)(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[-1].get_config()["bins"] == 32
    x = _faces(4)
    np.testing.assert_allclose(loaded.predict_on_batch(x), model.predict_on_batch(x))


def test_member_losses_are_each_networks_own():
    y_true = np.array([0, 1, 1])
    first = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], dtype=np.float32)
    second = np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]], dtype=np.float32)
    stacked = np.stack([first, second], axis=1)
    expected = (
        keras.losses.sparse_categorical_crossentropy(y_true, first)
        + keras.losses.sparse_categorical_crossentropy(y_true, second)
    ) / 2
    loss = member_crossentropy(y_true, stacked)
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    # Accuracy of the average (0.75, 0.25), (0.25, 0.75), (0.3, 0.7): all right.
    assert np.asarray(averaged_accuracy(y_true, stacked)).tolist() == [1, 1, 1]


@pytest.mark.parametrize("shape", [(3,), (3, 1)])
def test_member_loss_takes_either_label_shape(shape):
    stacked = np.full((3, 2, 4), 0.25, dtype=np.float32)
    loss = member_crossentropy(np.zeros(shape), stacked)
    np.testing.assert_allclose(loss, np.log(4), rtol=1e-6)


def test_blank_frames_replace_the_rate_asked_with_faceless_frames():
    x = np.random.default_rng(0).random((400, 12, 12, 1), dtype="float32")
    out = np.asarray(RandomBlankFrame(0.25, seed=0)(x, training=True))
    replaced = np.abs(out - x).reshape(400, -1).max(axis=1) > 0
    assert 0.15 < replaced.mean() < 0.35
    assert out.min() >= 0 and out.max() <= 1
    # A frame has no face: a grey level, a ramp or noise, never the image.
    frames = out[replaced, :, :, 0]
    row_steps = np.abs(np.diff(frames, axis=1)).reshape(len(frames), -1)
    ramps = row_steps.std(axis=1) < 1e-3
    assert 0.2 < ramps.mean() < 0.8
    np.testing.assert_array_equal(RandomBlankFrame(0.25, seed=0)(x), x)
    np.testing.assert_array_equal(RandomBlankFrame(0.0)(x, training=True), x)


def test_blank_frames_are_repeatable_with_a_seed_and_survive_saving(tmp_path):
    x = np.random.default_rng(1).random((16, 10, 10, 1), dtype="float32")
    first = RandomBlankFrame(0.5, seed=3)(x, training=True)
    np.testing.assert_array_equal(
        RandomBlankFrame(0.5, seed=3)(x, training=True), first
    )
    inputs = keras.Input(shape=(10, 10, 1))
    model = keras.Model(inputs, RandomBlankFrame(0.5, seed=3)(inputs))
    model.save(tmp_path / "m.keras")
    config = keras.saving.load_model(tmp_path / "m.keras").layers[-1].get_config()
    assert (config["rate"], config["seed"]) == (0.5, 3)
