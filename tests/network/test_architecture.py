import itertools

import numpy as np
import pytest

from _helpers import augmentation_layer_names, network_spec, tiny_cnn_params
from emotion_sklearn import Augmentation, EmotionCNNClassifier
from emotion_sklearn.network._architecture import LayerSeeds, build_model


def _spec(**params):
    """A tiny network spec; Augmentation's parameters go to its object."""
    augmentation = {k: params.pop(k) for k in list(params) if k in _AUGMENTATION_NAMES}
    if augmentation:
        params["augmentation"] = Augmentation(**augmentation)
    return network_spec(**params)


_AUGMENTATION_NAMES = set(Augmentation().get_params())


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_architecture_parameters_shape_the_network():
    small = build_model(_spec(n_blocks=1, filters=4, dense_units=0), seed=0)
    big = build_model(
        _spec(n_blocks=2, filters=8, dense_units=16, batch_norm=False), seed=0
    )
    assert big.count_params() > small.count_params()
    conv_filters = [layer.filters for layer in big.layers if hasattr(layer, "filters")]
    assert conv_filters == [8, 8, 16, 16]  # two convs a block, doubling per block
    assert "Flatten" in _layer_types(build_model(_spec(global_pooling=False), seed=0))


@pytest.mark.parametrize(
    ("counts", "filters"),
    [
        (1, [8, 16]),
        (3, [8, 8, 8, 16, 16, 16]),
        ((1, 2), [8, 16, 16]),
        ((1,), [8, 16]),
    ],
)
def test_convolutions_per_block_sets_each_blocks_depth(counts, filters):
    cnn = _spec(n_blocks=2, filters=8, convolutions_per_block=counts)
    model = build_model(cnn, seed=0)
    conv = [layer.filters for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert conv == filters
    assert _layer_types(model).count("MaxPooling2D") == 2


@pytest.mark.parametrize(
    "counts", [(), (1, 2, 2), (0, 2), (1, 2.0), (True, 2), [1, 2], 0]
)
def test_a_bad_convolutions_per_block_is_named(counts):
    X = np.zeros((6, 64), dtype=np.float32)
    y = np.array(["a", "b"] * 3)
    cnn = EmotionCNNClassifier(
        **{**tiny_cnn_params(), "n_blocks": 2, "convolutions_per_block": counts}
    )
    with pytest.raises(ValueError, match="'convolutions_per_block' parameter"):
        cnn.fit(X, y)


def test_a_short_convolutions_per_block_goes_on_with_its_last_count():
    cnn = _spec(n_blocks=3, filters=8, convolutions_per_block=(1, 2))
    conv = [
        layer.filters
        for layer in build_model(cnn, seed=0).layers
        if type(layer).__name__ == "Conv2D"
    ]
    assert conv == [8, 16, 16, 32, 32]


def test_the_model_maps_pixel_rows_to_class_probabilities():
    model = build_model(_spec(image_size=(12, 20), n_classes=4), seed=0)
    proba = np.asarray(model.predict_on_batch(np.zeros((3, 240), "float32")))
    assert proba.shape == (3, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_several_networks_sit_side_by_side():
    model = build_model(_spec(n_networks=3, n_classes=4), seed=0)
    assert model.output_shape == (None, 3, 4)


def test_a_seed_builds_the_same_weights_and_none_leaves_keras_to_draw():
    def weights(seed):
        model = build_model(_spec(), seed=seed)
        return np.concatenate([w.ravel() for w in model.get_weights()])

    np.testing.assert_array_equal(weights(3), weights(3))
    assert not np.array_equal(weights(3), weights(4))
    assert LayerSeeds(None).draw() is None
    assert LayerSeeds(5).draw() == LayerSeeds(5).draw()


# Each augmentation parameter and the Keras layer it adds, in graph order;
# rotation, shift and zoom share one layer.
_AUGMENTATIONS = {
    "flip": (True, "RandomFlip"),
    "top_cut": (0.3, "RandomTopCut"),
    "rotation": (10, "RandomAffine"),
    "shift": (0.1, "RandomAffine"),
    "zoom": (0.1, "RandomAffine"),
    "brightness": (0.2, "RandomBrightness"),
    "contrast": (0.2, "RandomContrast"),
    "downscale": (0.5, "RandomDownscale"),
    "blur": (1.0, "RandomGaussianBlur"),
    "noise": (0.05, "GaussianNoise"),
    "erasing": (0.5, "RandomErasing"),
    "blank": (0.1, "RandomBlankFrame"),
}


def _random_layers(**params):
    return augmentation_layer_names(build_model(_spec(**params), 0))


def test_augmentation_layers_follow_the_parameters():
    assert _random_layers(**{name: 0 for name in _AUGMENTATIONS}) == []
    assert _random_layers(augmentation=False) == []
    every = {name: value for name, (value, _) in _AUGMENTATIONS.items()}
    layers = [layer for _, layer in _AUGMENTATIONS.values()]
    assert _random_layers(**every) == list(dict.fromkeys(layers))


@pytest.mark.parametrize("moves", ["rotation", "shift", "zoom"])
def test_any_of_rotation_shift_and_zoom_adds_the_affine_layer(moves):
    still = dict.fromkeys(_AUGMENTATIONS, 0)
    assert _random_layers(**{**still, moves: _AUGMENTATIONS[moves][0]}) == [
        "RandomAffine"
    ]


def test_a_zoom_pair_zooms_in_and_out_by_different_amounts():
    model = build_model(_spec(zoom=(0.4, 0.15)), seed=0)
    (affine,) = [
        layer for layer in model.layers if type(layer).__name__ == "RandomAffine"
    ]
    # Keras' convention: negative factors zoom in.
    assert affine.zoom == pytest.approx((-0.4, 0.15))


@pytest.mark.parametrize("zoom", [(0.4,), (0.4, 1.5), (-0.1, 0.1), (True, 0.1)])
def test_zoom_range_names_a_bad_pair(zoom):
    with pytest.raises(ValueError, match="'zoom' parameter"):
        Augmentation(zoom=zoom).zoom_range()


def test_standardization_follows_its_parameter():
    assert "ImageStandardization" in _layer_types(
        build_model(_spec(image_standardization=True), 0)
    )
    assert "ImageStandardization" not in _layer_types(
        build_model(_spec(image_standardization=False), 0)
    )


def test_histogram_equalization_comes_before_augmentation():
    types = _layer_types(build_model(_spec(histogram_equalization=True), 0))
    assert types.index("HistogramEqualization") < types.index("RandomFlip")
    assert "HistogramEqualization" not in _layer_types(
        build_model(_spec(histogram_equalization=False), 0)
    )


@pytest.mark.parametrize(("sigma", "kernel"), [(0.2, 3), (1.0, 5), (2.0, 7)])
def test_blur_kernel_grows_with_its_width_and_always_blurs(sigma, kernel):
    model = build_model(_spec(blur=sigma), seed=0)
    (blur,) = [layer for layer in model.layers if "Blur" in type(layer).__name__]
    assert tuple(blur.kernel_size) == (kernel, kernel)
    assert blur.sigma == pytest.approx((0.1 * sigma, sigma))


def _dropout_positions(model):
    """Dropout rates, each with the class name of the layer it follows."""
    layers = model.layers
    return [
        (type(before).__name__, layer.rate)
        for before, layer in itertools.pairwise(layers)
        if type(layer).__name__ == "Dropout"
    ]


def test_dropout_feeds_the_softmax_and_block_dropout_follows_each_block():
    head_only = build_model(_spec(n_blocks=2, dense_units=0, dropout=0.3), 0)
    assert _dropout_positions(head_only) == [("GlobalAveragePooling2D", 0.3)]
    assert type(head_only.layers[-1]).__name__ == "Dense"
    both = build_model(
        _spec(n_blocks=2, dense_units=8, dropout=0.3, block_dropout=0.2), 0
    )
    assert _dropout_positions(both) == [
        ("MaxPooling2D", 0.2),
        ("MaxPooling2D", 0.2),
        ("Dense", 0.3),
    ]
    assert _dropout_positions(build_model(_spec(dropout=0.0), 0)) == []


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect"])
def test_pixels_moved_in_are_filled_as_fill_mode_says(fill_mode):
    cnn = _spec(rotation=10, shift=0.1, zoom=0.1, fill_mode=fill_mode)
    moving = [
        layer for layer in build_model(cnn, 0).layers if hasattr(layer, "fill_mode")
    ]
    assert [layer.fill_mode for layer in moving] == [fill_mode]


def test_the_default_mirrors_the_border():
    assert Augmentation().fill_mode == "reflect"
