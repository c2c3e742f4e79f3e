import keras
import numpy as np
import pytest

from emotion_sklearn.network._random_layer import SeededRandomLayer


class Draws(SeededRandomLayer):
    """Each image replaced by one draw, so the draws can be read."""

    def call(self, inputs, training=False):
        n_images = keras.ops.shape(inputs)[0]
        return keras.ops.reshape(self._uniform(n_images, 2.0, 3.0), (-1, 1))


def draws(layer, n_images=6):
    return np.asarray(layer(np.zeros((n_images, 1), "float32"))).ravel()


def test_the_same_seed_makes_the_same_draws_in_the_range_asked():
    first, again = draws(Draws(seed=3)), draws(Draws(seed=3))
    np.testing.assert_array_equal(first, again)
    assert ((first >= 2.0) & (first < 3.0)).all()
    assert len(set(first)) == len(first)
    assert not np.array_equal(first, draws(Draws(seed=4)))


@pytest.mark.parametrize("seed", [None, 0, 7])
def test_the_seed_is_in_the_config_and_the_shape_kept(seed):
    layer = Draws(seed=seed, name="draws")
    rebuilt = Draws.from_config(layer.get_config())
    assert rebuilt.seed == seed and rebuilt.name == "draws"
    assert layer.compute_output_shape((None, 48, 48, 1)) == (None, 48, 48, 1)
