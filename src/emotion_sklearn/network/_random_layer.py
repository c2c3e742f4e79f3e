"""The base of the network's layers that change training images at random."""

import keras


class SeededRandomLayer(keras.layers.Layer):
    """A layer drawing per-image random numbers from its own seed, in training.

    Two layers given the same seed make the same draws, and the seed is part
    of the layer's config, so a saved network is rebuilt with it. Subclasses
    change the images of a batch in training only and keep their shape.

    Parameters
    ----------
    seed : int or None, default=None
    **kwargs : dict
        Passed on to :class:`keras.layers.Layer`.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = keras.random.SeedGenerator(seed)

    def _uniform(self, n_images, low, high):
        """One number per image, uniform from ``low`` to ``high``."""
        return keras.random.uniform((n_images,), low, high, seed=self._generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
