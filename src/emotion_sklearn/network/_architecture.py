"""The Keras network an :class:`EmotionCNNClassifier` trains.

:func:`build_model` turns the estimator's parameters into a compiled Keras
model: optional histogram equalisation, the :class:`Augmentation` layers
(active only while training), optional per-image standardisation, blocks of
convolutions, pooling and a softmax, or several such networks side by side.
Every random layer and initializer draws its seed from :class:`LayerSeeds`,
so a seeded fit builds the same network every time.
"""

from numbers import Integral

import keras
import numpy as np

from ._affine import RandomAffine
from ._layers import (
    FusedBatchNormalization,
    HistogramEqualization,
    ImageStandardization,
    RandomBlankFrame,
    RandomDownscale,
    RandomTopCut,
    averaged_accuracy,
    member_crossentropy,
)


class LayerSeeds:
    """Seeds for each random layer and initializer, drawn from ``random_state``.

    Keras would otherwise draw them from Python's global ``random``, which
    scikeras seeds but which other threads share: on a Dask worker its event
    loop draws from it too, and the same ``random_state`` gave different
    weights from one run to the next. ``random_state=None`` leaves Keras to
    draw them.
    """

    def __init__(self, random_state):
        self._rng = (
            None if random_state is None else np.random.default_rng(random_state)
        )

    def draw(self):
        if self._rng is None:
            return None
        return int(self._rng.integers(2**31 - 1))

    def glorot(self):
        return keras.initializers.GlorotUniform(seed=self.draw())


def block_convolutions(cnn):
    """Convolutions in each of ``cnn``'s blocks, from ``convolutions_per_block``.

    A tuple gives the counts of the first blocks; its last count goes on for
    the blocks after it, so that one setting fits every ``n_blocks`` a grid
    search tries.

    Parameters
    ----------
    cnn : EmotionCNNClassifier
        Read only: ``n_blocks`` and ``convolutions_per_block``.

    Returns
    -------
    counts : tuple of int
        One count per block.

    Examples
    --------
    >>> from emotion_sklearn import EmotionCNNClassifier
    >>> from emotion_sklearn.network._architecture import block_convolutions
    >>> block_convolutions(EmotionCNNClassifier(n_blocks=3, convolutions_per_block=2))
    (2, 2, 2)
    >>> cnn = EmotionCNNClassifier(n_blocks=4, convolutions_per_block=(1, 2))
    >>> block_convolutions(cnn)
    (1, 2, 2, 2)
    """
    counts = cnn.convolutions_per_block
    if not isinstance(counts, tuple):
        return (counts,) * cnn.n_blocks
    if not 1 <= len(counts) <= cnn.n_blocks or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in counts
    ):
        raise ValueError(
            "The 'convolutions_per_block' parameter of EmotionCNNClassifier must "
            "be an int >= 1 or a tuple of 1 to n_blocks such ints (n_blocks="
            f"{cnn.n_blocks}). Got {counts!r} instead."
        )
    return counts + counts[-1:] * (cnn.n_blocks - len(counts))


def build_model(cnn, seed):
    """Build and compile the Keras model that ``cnn``'s parameters describe.

    Parameters
    ----------
    cnn : EmotionCNNClassifier
        Read only: its parameters, and ``image_size_`` and ``n_classes_``,
        which ``fit`` sets before scikeras asks for the model.
    seed : int or None
        Seed of every random layer and initializer; None leaves Keras to
        draw them.

    Returns
    -------
    model : keras.Model
        Maps rows of ``height * width`` pixels to class probabilities, of
        shape ``(n_samples, n_classes)``, or ``(n_samples, n_networks,
        n_classes)`` for several networks side by side.
    """
    seeds = LayerSeeds(seed)
    height, width = cnn.image_size_
    inputs = keras.Input(shape=(height * width,), name="pixels")
    images = keras.layers.Reshape((height, width, 1))(inputs)
    if cnn.n_networks == 1:
        outputs = _network(cnn, images, seeds)
        loss, accuracy = cnn.loss, "accuracy"
    else:
        # Side by side in one model: one pass over the data trains them
        # all, and the two CPU cores run their layers in parallel.
        members = [
            keras.layers.Reshape((1, cnn.n_classes_))(_network(cnn, images, seeds))
            for _ in range(cnn.n_networks)
        ]
        outputs = keras.layers.Concatenate(axis=1)(members)
        loss = member_crossentropy
        accuracy = keras.metrics.MeanMetricWrapper(averaged_accuracy, name="accuracy")
    model = keras.Model(inputs, outputs, name="emotion_cnn")
    model.compile(
        optimizer=cnn._optimizer().keras_optimizer(),
        loss=loss,
        metrics=[accuracy],
        run_eagerly=cnn.run_eagerly,
    )
    return model


def _network(cnn, images, seeds):
    x = HistogramEqualization()(images) if cnn.histogram_equalization else images
    augmentation = cnn._augmentation()
    if augmentation is not None:
        x = _augmentation_layers(augmentation, x, seeds)
    if cnn.image_standardization:
        x = ImageStandardization()(x)
    for block, n_convolutions in enumerate(block_convolutions(cnn)):
        x = _conv_block(cnn, x, cnn.filters * 2**block, n_convolutions, seeds)
    if cnn.global_pooling:
        x = keras.layers.GlobalAveragePooling2D()(x)
    else:
        x = keras.layers.Flatten()(x)
    if cnn.dense_units:
        x = keras.layers.Dense(
            cnn.dense_units, activation="relu", kernel_initializer=seeds.glorot()
        )(x)
    if cnn.dropout:
        x = keras.layers.Dropout(cnn.dropout, seed=seeds.draw())(x)
    return keras.layers.Dense(
        cnn.n_classes_, activation="softmax", kernel_initializer=seeds.glorot()
    )(x)


def _augmentation_layers(augmentation, x, seeds):
    # Keras' random layers act when training and pass images through
    # unchanged at predict, like the fit-time-only samplers. Rotation, shift
    # and zoom resample each image once, not once each: every bilinear pass
    # blurs it.
    if augmentation.flip:
        x = keras.layers.RandomFlip("horizontal", seed=seeds.draw())(x)
    if augmentation.top_cut:
        # Before rotation, shift and zoom: a cut face is moved like any other.
        x = RandomTopCut(augmentation.top_cut, seed=seeds.draw())(x)
    zoom = augmentation.zoom_range()
    if augmentation.rotation or augmentation.shift or any(zoom):
        x = RandomAffine(
            augmentation.rotation,
            augmentation.shift,
            zoom,
            fill_mode=augmentation.fill_mode,
            seed=seeds.draw(),
        )(x)
    # The loader's pixels are in [0, 1].
    if augmentation.brightness:
        x = keras.layers.RandomBrightness(
            augmentation.brightness, value_range=(0, 1), seed=seeds.draw()
        )(x)
    if augmentation.contrast:
        x = keras.layers.RandomContrast(
            augmentation.contrast, value_range=(0, 1), seed=seeds.draw()
        )(x)
    return _quality_layers(augmentation, x, seeds)


def _quality_layers(augmentation, x, seeds):
    # Film stills and news photos differ in sharpness and grain; blur and
    # noise vary both within every class. Most film stills are a few dozen
    # pixels wide, news photos 350: lower resolution, too, must not tell a
    # class.
    if augmentation.downscale:
        x = RandomDownscale(augmentation.downscale, seed=seeds.draw())(x)
    if augmentation.blur:
        blur = augmentation.blur
        x = keras.layers.RandomGaussianBlur(
            factor=(0.0, 1.0),
            # The kernel reaches 1.5 standard deviations either side, and
            # one pixel at least: a 1-pixel kernel would not blur.
            kernel_size=2 * max(1, round(1.5 * blur)) + 1,
            sigma=(0.1 * blur, blur),
            value_range=(0, 1),
            seed=seeds.draw(),
        )(x)
    if augmentation.noise:
        x = keras.layers.GaussianNoise(augmentation.noise, seed=seeds.draw())(x)
    if augmentation.erasing:
        x = keras.layers.RandomErasing(
            factor=(0.0, augmentation.erasing),
            scale=(0.02, 0.2),
            value_range=(0, 1),
            seed=seeds.draw(),
        )(x)
    if augmentation.blank:
        # Last, so that a blank frame is not cut, moved or re-lit: it stands
        # for what the loader gives from a photo without a face.
        x = RandomBlankFrame(augmentation.blank, seed=seeds.draw())(x)
    return x


def _conv_block(cnn, x, filters, n_convolutions, seeds):
    for _ in range(n_convolutions):
        x = keras.layers.Conv2D(
            filters,
            cnn.kernel_size,
            padding="same",
            use_bias=not cnn.batch_norm,
            kernel_initializer=seeds.glorot(),
        )(x)
        if cnn.batch_norm:
            x = FusedBatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
    x = keras.layers.MaxPooling2D(2, padding="same")(x)
    if cnn.block_dropout:
        x = keras.layers.Dropout(cnn.block_dropout, seed=seeds.draw())(x)
    return x
