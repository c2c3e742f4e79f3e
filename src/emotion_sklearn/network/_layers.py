"""Pieces of EmotionCNNClassifier's network that Keras lacks, or lacks fast on a CPU."""

import math

import keras
import numpy as np
import tensorflow as tf

from ._affine import input_coordinates
from ._random_layer import SeededRandomLayer


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class FusedBatchNormalization(keras.layers.Layer):
    """Batch normalisation over the last axis in TensorFlow's fused kernel.

    The same computation as :class:`keras.layers.BatchNormalization`, but
    Keras 3 builds it from a dozen separate element-wise operations, each a
    pass over the activations; on a CPU that made batch normalisation about
    half of the training time of the default network. TensorFlow's fused
    kernel does it in one pass. The moving variance is updated with the
    unbiased batch variance, as the fused kernel computes it.

    Parameters
    ----------
    momentum : float, default=0.99
        Weight of the old moving statistics at each training step (Keras'
        default): the statistics used at predict time average about the
        last hundred batches, not the last few.
    epsilon : float, default=1e-3
        Added to the variance before taking its square root.
    **kwargs : dict
        Passed on to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import FusedBatchNormalization
    >>> layer = FusedBatchNormalization()
    >>> x = np.arange(8, dtype="float32").reshape(1, 2, 2, 2)
    >>> out = np.asarray(layer(x, training=True))
    >>> bool(np.allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-6))
    True
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=channels, initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(
            shape=channels, initializer="zeros", trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            shape=channels, initializer="ones", trainable=False, name="moving_variance"
        )

    def call(self, inputs, training=False):
        training = bool(training)
        # With an averaging factor the training kernel returns the updated
        # moving statistics rather than the batch's own.
        averaging = {"exponential_avg_factor": 1.0 - self.momentum} if training else {}
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs,
            self.gamma,
            self.beta,
            mean=self.moving_mean,
            variance=self.moving_variance,
            epsilon=self.epsilon,
            is_training=training,
            **averaging,
        )
        if training:
            self.moving_mean.assign(mean)
            self.moving_variance.assign(variance)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class RandomDownscale(SeededRandomLayer):
    """Training images shrunk by a random factor and resized back to their size.

    Each image of a batch is shown at one of five resolutions from ``1 -
    factor`` of its side up to the full side (area-averaged down, bilinear
    back up), as if the photo had been taken smaller and enlarged, the way
    low-resolution film stills reach the network. Images pass unchanged
    outside training.

    Parameters
    ----------
    factor : float in [0, 1)
        Largest fraction of the side lost; 0 changes nothing.
    seed : int or None, default=None
        Seed of the choice of resolution.
    **kwargs : dict
        Passed on to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import RandomDownscale
    >>> x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    >>> layer = RandomDownscale(0.5, seed=0)
    >>> bool(np.array_equal(np.asarray(layer(x)), x))
    True
    >>> np.asarray(layer(x, training=True)).shape
    (4, 8, 8, 1)
    """

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor

    def call(self, inputs, training=False):
        if not training or not self.factor:
            return inputs
        height, width = inputs.shape[1], inputs.shape[2]
        versions = [inputs]
        for scale in np.linspace(1 - self.factor, 1, 5)[:-1]:
            size = (max(1, round(height * scale)), max(1, round(width * scale)))
            small = tf.image.resize(inputs, size, method="area")
            versions.append(tf.image.resize(small, (height, width), "bilinear"))
        choice = keras.random.randint(
            tf.shape(inputs)[:1], 0, len(versions), seed=self._generator
        )
        stacked = tf.stack(versions, axis=1)
        return tf.gather(stacked, choice, axis=1, batch_dims=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class RandomTopCut(SeededRandomLayer):
    """Training faces cut from the eyes down, as face databases crop them.

    A share ``rate`` of each batch's images lose the top ``cut`` of their
    height (drawn per image), the rows above the cut repeating its first row,
    as the loader repeats the edges of a photo whose face's square reaches past
    it (where the cascade finds a face in such a cut, its box reaches above
    the photo). Half of those are then shown as the loader shows a photo it
    finds no face in: the cut alone, in the middle of the frame with
    ``margin`` of its side repeated around it. Images pass unchanged outside
    training.

    Parameters
    ----------
    rate : float in [0, 1]
        Share of training images cut.
    cut : tuple of (float, float), default=(0.15, 0.35)
        Range of the share of the height cut off the top: the forehead and
        brows, down to the eyes.
    margin : float, default=0.1
        The loader's ``faceless_margin`` on each side of the cut shown alone.
    seed : int or None, default=None
    **kwargs : dict
        Passed on to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import RandomTopCut
    >>> rows = np.arange(8, dtype="float32").reshape(1, 8, 1, 1)
    >>> x = np.repeat(np.repeat(rows, 4, axis=0), 8, axis=2)
    >>> bool(np.array_equal(np.asarray(RandomTopCut(1.0, seed=0)(x)), x))
    True
    >>> cut = np.asarray(RandomTopCut(1.0, seed=0)(x, training=True))
    >>> bool((cut[:, 0] >= 1).all())  # no image keeps its top row
    True
    """

    def __init__(self, rate, cut=(0.15, 0.35), margin=0.1, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = rate
        self.cut = tuple(cut)
        self.margin = margin

    def call(self, inputs, training=False):
        if not training or not self.rate:
            return inputs
        n_images = keras.ops.shape(inputs)[0]
        height, width = inputs.shape[1], inputs.shape[2]
        share = self._uniform(n_images, *self.cut)
        cut = self._uniform(n_images, 0.0, 1.0) < self.rate
        alone = cut & (self._uniform(n_images, 0.0, 1.0) < 0.5)
        # Only the cut faces are gathered, smeared and resampled; the others
        # pass as they are. Resampling every face, most by the identity map,
        # took 5% of a training step.
        cutting = tf.where(cut)
        first_row = tf.gather_nd(keras.ops.floor(share * height), cutting)
        rows = keras.ops.maximum(
            keras.ops.arange(height, dtype="float32")[None, :], first_row[:, None]
        )
        smeared = tf.gather(
            tf.gather_nd(inputs, cutting),
            keras.ops.cast(rows, "int32"),
            axis=1,
            batch_dims=1,
        )
        framing = tf.gather_nd(self._framing(share, alone, height, width), cutting)
        moved = keras.ops.image.affine_transform(
            smeared, framing, interpolation="bilinear", fill_mode="nearest"
        )
        return tf.tensor_scatter_nd_update(inputs, cutting, moved)

    def _framing(self, share, alone, height, width):
        """Keras' 8 numbers per image: the cut, with its margin, fills the frame."""
        zoom = keras.ops.where(
            alone, keras.ops.minimum((1 - share) * (1 + 2 * self.margin), 1.0), 1.0
        )
        centre_y = (height - 1) / 2
        cut_centre = keras.ops.where(alone, (1 + share) / 2 * (height - 1), centre_y)
        still = keras.ops.zeros_like(zoom)
        # Shifting by -(cut_centre - centre) puts the cut's centre mid-frame.
        return input_coordinates(
            still, still, centre_y - cut_centre, zoom, height, width
        )

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "cut": list(self.cut),
            "margin": self.margin,
        }


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class RandomBlankFrame(SeededRandomLayer):
    """Training images replaced by frames with no face in them.

    A share ``rate`` of each batch's images become one of: a grey level, a
    ramp of grey in a random direction, or pixel noise of a random strength
    around a grey level. Each keeps the label of the image it replaces, so
    over an epoch the frames' labels follow the classes' training
    frequencies, and the loss is least when the network answers a faceless
    frame with those frequencies: read under a uniform class prior, that is
    no class above another. Images pass unchanged outside training.

    Parameters
    ----------
    rate : float in [0, 1]
        Share of training images replaced.
    seed : int or None, default=None
    **kwargs : dict
        Passed on to :class:`keras.layers.Layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import RandomBlankFrame
    >>> x = np.random.default_rng(0).random((4, 8, 8, 1), dtype="float32")
    >>> bool(np.array_equal(np.asarray(RandomBlankFrame(1.0, seed=0)(x)), x))
    True
    >>> frames = np.asarray(RandomBlankFrame(1.0, seed=0)(x, training=True))
    >>> bool(((frames >= 0) & (frames <= 1)).all() and not np.allclose(frames, x))
    True
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = rate

    def call(self, inputs, training=False):
        if not training or not self.rate:
            return inputs
        n_images = keras.ops.shape(inputs)[0]
        blank = self._uniform(n_images, 0.0, 1.0) < self.rate
        frames = keras.ops.where(
            self._per_image(self._uniform(n_images, 0.0, 1.0) < 0.5),
            self._ramps(n_images, inputs.shape[1], inputs.shape[2]),
            self._noise(n_images, inputs.shape[1], inputs.shape[2]),
        )
        frames = keras.ops.cast(keras.ops.clip(frames, 0.0, 1.0), inputs.dtype)
        return keras.ops.where(self._per_image(blank), frames, inputs)

    @staticmethod
    def _per_image(values):
        return values[:, None, None, None]

    def _ramps(self, n_images, height, width):
        """A grey level plus a slope of up to the whole range across the frame."""
        level = self._per_image(self._uniform(n_images, 0.0, 1.0))
        slope = self._per_image(self._uniform(n_images, 0.0, 1.0) ** 2)
        angle = self._per_image(self._uniform(n_images, 0.0, 2 * math.pi))
        rows = keras.ops.linspace(-0.5, 0.5, height)[None, :, None, None]
        columns = keras.ops.linspace(-0.5, 0.5, width)[None, None, :, None]
        direction = keras.ops.cos(angle) * columns + keras.ops.sin(angle) * rows
        return level + slope * direction

    def _noise(self, n_images, height, width):
        level = self._per_image(self._uniform(n_images, 0.2, 0.8))
        strength = self._per_image(self._uniform(n_images, 0.0, 1.0))
        noise = keras.random.uniform(
            (n_images, height, width, 1), -0.5, 0.5, seed=self._generator
        )
        return level + strength * noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class HistogramEqualization(keras.layers.Layer):
    """Each image's grey levels spread evenly over [0, 1] (histogram equalisation).

    Computes what :func:`skimage.exposure.equalize_hist` does to a float
    image, for a batch inside the network: a histogram of ``bins`` equal bins
    between the image's darkest and brightest pixel, and each pixel mapped to
    the share of pixels at or below it, interpolated between bin centres. A
    face's grey levels then depend on the order of its pixels' brightness:
    not at all on the photo's brightness and contrast, and little on its
    tone curve (to within a bin). A flat image maps to 0.5.

    Parameters
    ----------
    bins : int, default=64
        Number of histogram bins.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import HistogramEqualization
    >>> x = np.linspace(0, 1, 16, dtype="float32").reshape(1, 4, 4, 1)
    >>> dark = np.asarray(HistogramEqualization()(0.2 + x * 0.5))
    >>> bool(np.allclose(dark, np.asarray(HistogramEqualization()(x)), atol=1e-6))
    True
    """

    def __init__(self, bins=64, **kwargs):
        super().__init__(**kwargs)
        self.bins = bins

    def call(self, inputs):
        ops = keras.ops
        rows = ops.reshape(inputs, (ops.shape(inputs)[0], -1))
        low = ops.min(rows, axis=1, keepdims=True)
        span = ops.max(rows, axis=1, keepdims=True) - low
        # Positions in bin widths; a flat image (span 0) sits mid-range.
        position = ops.where(
            span > 0,
            (rows - low) / ops.maximum(span, 1e-12) * self.bins,
            self.bins / 2,
        )
        counts = ops.bincount(
            ops.clip(ops.floor(position), 0, self.bins - 1), minlength=self.bins
        )
        cdf = ops.cumsum(ops.cast(counts, inputs.dtype), axis=1)
        cdf = cdf / cdf[:, -1:]
        # np.interp between bin centres, held flat beyond the outer ones.
        centre = position - 0.5
        below = ops.floor(centre)
        fraction = centre - below
        lower = ops.clip(below, 0, self.bins - 1)
        upper = ops.clip(below + 1, 0, self.bins - 1)
        cdf_lower = ops.take_along_axis(cdf, ops.cast(lower, "int32"), axis=1)
        cdf_upper = ops.take_along_axis(cdf, ops.cast(upper, "int32"), axis=1)
        equalised = cdf_lower + fraction * (cdf_upper - cdf_lower)
        return ops.reshape(equalised, ops.shape(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "bins": self.bins}


@keras.saving.register_keras_serializable(package="emotion_sklearn")
class ImageStandardization(keras.layers.Layer):
    """Each image shifted and scaled to mean 0 and standard deviation 1.

    As ``tf.image.per_image_standardization``: the standard deviation is
    kept at least ``1 / sqrt(pixels)`` so a flat image stays finite. A
    photo's overall brightness and contrast then do not reach the network.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.network._layers import ImageStandardization
    >>> x = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
    >>> out = np.asarray(ImageStandardization()(x * 0.5 + 0.2))
    >>> bool(np.allclose(out, np.asarray(ImageStandardization()(x)), atol=1e-5))
    True
    """

    def call(self, inputs):
        axes = tuple(range(1, len(inputs.shape)))
        pixels = math.prod(inputs.shape[1:])
        mean = keras.ops.mean(inputs, axis=axes, keepdims=True)
        deviation = keras.ops.sqrt(keras.ops.var(inputs, axis=axes, keepdims=True))
        return (inputs - mean) / keras.ops.maximum(deviation, pixels**-0.5)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="emotion_sklearn")
def member_crossentropy(y_true, y_pred):
    """Mean over networks of each network's sparse categorical cross-entropy.

    ``y_pred`` stacks the probabilities of several networks, shape
    ``(batch, n_networks, n_classes)``, and ``y_true`` holds one class index
    per row. Each network is scored on its own output, so its gradient is
    what it would get if trained alone on the same batches.
    """
    labels = keras.ops.reshape(keras.ops.cast(y_true, "int32"), (-1, 1))
    labels = keras.ops.broadcast_to(labels, keras.ops.shape(y_pred)[:2])
    per_network = keras.losses.sparse_categorical_crossentropy(labels, y_pred)
    return keras.ops.mean(per_network, axis=1)


@keras.saving.register_keras_serializable(package="emotion_sklearn")
def averaged_accuracy(y_true, y_pred):
    """Accuracy of the networks' averaged probabilities (see member_crossentropy)."""
    return keras.metrics.sparse_categorical_accuracy(
        y_true, keras.ops.mean(y_pred, axis=1)
    )
