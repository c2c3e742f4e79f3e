import itertools

import keras
import numpy as np
import pytest

from emotion_sklearn.network._schedules import CosineDecayPerStep


def _rates_while_fitting(schedule, n_rows, batch_size, epochs, initial_epoch=0):
    """The optimizer's learning rate at every step of a tiny Keras fit."""
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse", run_eagerly=True)
    X = np.zeros((n_rows, 2), "float32")
    history = model.fit(
        X,
        np.zeros(n_rows, "float32"),
        batch_size=batch_size,
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        callbacks=[schedule, Record()],
        verbose=0,
    )
    return seen, history.history


def test_the_rate_falls_at_every_step_from_start_to_zero():
    schedule = CosineDecayPerStep(start=0.01, epochs=3)
    rates, history = _rates_while_fitting(schedule, 40, 10, epochs=3)
    assert len(rates) == 12
    assert rates[0] == pytest.approx(0.01)
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))
    assert rates[-1] == pytest.approx(schedule.rate_at(11, 4))
    assert schedule.rate_at(12, 4) == pytest.approx(0.0, abs=1e-12)
    # The logged rate of each epoch is the one its first step trained with.
    assert history["learning_rate"] == pytest.approx([rates[0], rates[4], rates[8]])


def test_a_resumed_fit_carries_on_along_the_same_curve():
    whole, _ = _rates_while_fitting(CosineDecayPerStep(0.01, 3), 40, 10, epochs=3)
    resumed, _ = _rates_while_fitting(
        CosineDecayPerStep(0.01, 3), 40, 10, epochs=1, initial_epoch=2
    )
    assert resumed == pytest.approx(whole[8:])


def test_epochs_past_the_end_train_at_zero():
    schedule = CosineDecayPerStep(start=0.01, epochs=1)
    rates, _ = _rates_while_fitting(schedule, 20, 10, epochs=2)
    assert rates[2:] == pytest.approx([0.0, 0.0], abs=1e-12)
