import itertools

import numpy as np
import pytest

from _helpers import tiny_cnn_params
from _helpers import toy_faces as _toy
from emotion_sklearn import EarlyStopping, EmotionCNNClassifier, Optimizer


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


def test_cosine_schedule_lowers_the_learning_rate_from_epoch_to_epoch():
    X, y = _toy()
    optimizer = Optimizer(schedule="cosine", learning_rate=0.01)
    cnn = _cnn(epochs=4, optimizer=optimizer, random_state=0)
    rates = cnn.fit(X, y).history_["learning_rate"]
    assert rates[0] == pytest.approx(0.01)
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))


@pytest.mark.parametrize("early_stopping", [False, True])
def test_plateau_schedule_cuts_the_rate_after_an_epoch_without_progress(
    early_stopping,
):
    X, y = _toy()
    # A large rate makes the loss bounce; a patience of 1 cuts at every stall.
    optimizer = Optimizer(schedule="plateau", learning_rate=0.3, plateau_patience=1)
    cnn = _cnn(
        epochs=8,
        optimizer=optimizer,
        early_stopping=EarlyStopping(patience=3) if early_stopping else False,
        random_state=0,
    ).fit(X, y)
    rates = cnn.history_["learning_rate"]
    losses = cnn.history_["val_loss" if early_stopping else "loss"]
    assert rates[0] == pytest.approx(0.3)
    assert min(rates) >= 0.3 / 100 * (1 - 1e-6)
    for epoch in range(1, len(rates)):
        stalled = losses[epoch - 1] >= min(losses[: epoch - 1], default=np.inf)
        expected = max(rates[epoch - 1] * 0.3, 0.003) if stalled else rates[epoch - 1]
        assert rates[epoch] == pytest.approx(expected, rel=1e-5)
    assert min(rates) < 0.3  # the rule was exercised, not only "never cut"


def _trainable(cnn):
    return cnn.model_.trainable_weights


@pytest.mark.parametrize("early_stopping", [False, True])
def test_weight_averaging_keeps_the_averaged_weights(early_stopping):
    X, y = _toy()
    params = dict(random_state=0, early_stopping=early_stopping, epochs=3)
    # Trainable weights only: batch norm's statistics are not averaged.
    initial = [w.numpy() for w in _trainable(_cnn(**params).initialize(X, y))]

    def moved(cnn):
        trained = [w.numpy() for w in _trainable(cnn.fit(X, y))]
        return max(np.abs(a - b).max() for a, b in zip(initial, trained, strict=True))

    raw = _cnn(**params)
    # Momentum near 1: the average barely leaves the initial weights, and
    # early stopping must keep that average, not the raw weights.
    slow = _cnn(optimizer=Optimizer(ema_momentum=1 - 1e-7), **params)
    assert moved(slow) < moved(raw) / 3
    # Momentum near 0: the average is the last weights.
    fast = _cnn(optimizer=Optimizer(ema_momentum=1e-7), **params).fit(X, y)
    np.testing.assert_allclose(fast.predict_proba(X), raw.predict_proba(X), atol=1e-5)


def test_weight_decay_trains_with_adamw():
    X, y = _toy()
    decayed = _cnn(optimizer=Optimizer(weight_decay=0.05), random_state=0).fit(X, y)
    assert type(decayed.model_.optimizer).__name__ == "AdamW"
    assert decayed.model_.optimizer.weight_decay == pytest.approx(0.05)
    adam = _cnn(optimizer=Optimizer(weight_decay=0.0), random_state=0).fit(X, y)
    assert type(adam.model_.optimizer).__name__ == "Adam"


@pytest.mark.parametrize(
    "param, value",
    [
        ("schedule", "step"),
        ("ema_momentum", 1.0),
        ("weight_decay", -1e-4),
        ("learning_rate", 0.0),
    ],
)
def test_bad_optimizer_parameters_are_named(param, value):
    X, y = _toy()
    with pytest.raises(ValueError, match=f"'{param}' parameter of Optimizer"):
        _cnn(optimizer=Optimizer(**{param: value})).fit(X, y)
