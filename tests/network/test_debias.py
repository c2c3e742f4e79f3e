import keras
import numpy as np
import pytest

from emotion_sklearn import EmotionCNNClassifier
from emotion_sklearn.network._debias import DebiasBatchNormStatistics
from emotion_sklearn.network._layers import FusedBatchNormalization

# Every batch has the same statistics: mean VALUE, variance 0, so the only
# thing between the moving statistics and them is the starting values' share.
VALUE = 5.0


def _model(momentum=0.99):
    inputs = keras.Input((2, 2, 3))
    model = keras.Model(inputs, FusedBatchNormalization(momentum=momentum)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    return model


def _fit(model, *, steps, callbacks=(), value=VALUE, epochs=1):
    X = np.full((8 * steps, 2, 2, 3), value, dtype=np.float32)
    model.fit(
        X, X, batch_size=8, epochs=epochs, shuffle=False, verbose=0,
        callbacks=list(callbacks),
    )  # fmt: skip
    layer = model.layers[-1]
    return np.asarray(layer.moving_mean), np.asarray(layer.moving_variance)


def test_a_short_fit_ends_on_the_batches_statistics():
    mean, variance = _fit(_model(), steps=3, callbacks=[DebiasBatchNormStatistics()])
    np.testing.assert_allclose(mean, VALUE, rtol=1e-5)
    np.testing.assert_allclose(variance, 0, atol=1e-5)


def test_without_it_the_starting_values_weigh_in():
    mean, variance = _fit(_model(), steps=3)
    share = 0.99**3
    np.testing.assert_allclose(mean, VALUE * (1 - share), rtol=1e-5)
    np.testing.assert_allclose(variance, share, rtol=1e-4)


def test_a_long_fit_is_left_bit_for_bit():
    # momentum 0.5 over 30 steps: a share of 1e-9, below float32's resolution.
    keras.utils.set_random_seed(0)
    plain = _fit(_model(momentum=0.5), steps=30)
    keras.utils.set_random_seed(0)
    debiased = _fit(
        _model(momentum=0.5), steps=30, callbacks=[DebiasBatchNormStatistics()]
    )
    for ours, theirs in zip(debiased, plain, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_a_network_trained_before_keeps_its_statistics():
    model = _model()
    _fit(model, steps=3, callbacks=[DebiasBatchNormStatistics()])
    mean, _ = _fit(model, steps=2, value=7.0, callbacks=[DebiasBatchNormStatistics()])
    # An average of the first fit's 5 and the second's 7, no share removed.
    np.testing.assert_allclose(mean, VALUE * 0.99**2 + 7.0 * (1 - 0.99**2), rtol=1e-5)


class _RestoreFirstEpoch(keras.callbacks.Callback):
    """What early stopping does when the first epoch was the best."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        self.model.set_weights(self.weights)


def test_restored_statistics_lose_the_share_of_their_own_epoch():
    callbacks = [_RestoreFirstEpoch(), DebiasBatchNormStatistics()]
    mean, _ = _fit(_model(), steps=3, epochs=4, callbacks=callbacks)
    # Debiased with the 12 steps of all epochs, it would be 5 * 0.03 / 0.11.
    np.testing.assert_allclose(mean, VALUE, rtol=1e-5)


@pytest.mark.parametrize("batch_norm", [True, False])
def test_the_classifier_closes_every_fit_with_it(batch_norm):
    cnn = EmotionCNNClassifier(batch_norm=batch_norm)
    closing = [type(c) for c in cnn._closing_callbacks()]
    assert closing == ([DebiasBatchNormStatistics] if batch_norm else [])


def _first_statistics(cnn):
    layer = next(
        layer
        for layer in cnn.model_.layers
        if isinstance(layer, FusedBatchNormalization)
    )
    return np.asarray(layer.moving_mean), np.asarray(layer.moving_variance)


def test_a_small_fit_predicts_with_its_own_statistics(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.uniform(0.4, 0.6, size=(32, 64)).astype(np.float32)
    y = np.repeat(["a", "b"], 16)
    params = dict(n_blocks=1, filters=2, epochs=2, batch_size=32, random_state=0)
    mean, variance = _first_statistics(EmotionCNNClassifier(**params).fit(X, y))
    monkeypatch.setattr(EmotionCNNClassifier, "_closing_callbacks", lambda self: [])
    raw_mean, raw_variance = _first_statistics(EmotionCNNClassifier(**params).fit(X, y))
    share = 0.99**2  # two steps
    np.testing.assert_allclose(mean, raw_mean / (1 - share), rtol=1e-4)
    np.testing.assert_allclose(
        variance, (raw_variance - share) / (1 - share), rtol=1e-3
    )
