"""Learning-rate schedules of EmotionCNNClassifier, as Keras callbacks."""

import math

import keras


class CosineDecayPerStep(keras.callbacks.Callback):
    """Lower the learning rate at every training step along a half cosine.

    From ``start`` at the first step of the first epoch to 0 after the last
    step of epoch ``epochs``, as :class:`keras.optimizers.schedules.CosineDecay`
    does over all steps. A callback rather than a schedule object because the
    number of steps per epoch is known only once ``fit`` has its data (Keras
    passes it to callbacks as ``params["steps"]``), and so that a fit resumed
    at ``initial_epoch`` (scikeras' ``partial_fit``) carries on along the same
    curve. Each epoch's first-step rate is logged as ``learning_rate``.

    Parameters
    ----------
    start : float
        The learning rate at the first step.
    epochs : int
        The epoch after which the rate reaches 0; later epochs keep it at 0.

    Examples
    --------
    >>> from emotion_sklearn.network._schedules import CosineDecayPerStep
    >>> schedule = CosineDecayPerStep(start=0.01, epochs=2)
    >>> schedule.rate_at(step=0, steps_per_epoch=10)
    0.01
    >>> round(schedule.rate_at(step=10, steps_per_epoch=10), 6)
    0.005
    >>> schedule.rate_at(step=25, steps_per_epoch=10)
    0.0
    """

    def __init__(self, start, epochs):
        super().__init__()
        self.start = start
        self.epochs = epochs
        self._epoch = 0

    def rate_at(self, step, steps_per_epoch):
        """The learning rate of training step ``step`` (counted from 0)."""
        total = self.epochs * steps_per_epoch
        return self.start * 0.5 * (1 + math.cos(math.pi * min(step, total) / total))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        # Keras leaves "steps" None when it cannot count the batches; every
        # fit here passes arrays, whose steps it counts.
        steps = self.params["steps"]
        rate = self.rate_at(self._epoch * steps + batch, steps)
        self.model.optimizer.learning_rate = rate

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            steps = self.params["steps"]
            logs["learning_rate"] = self.rate_at(epoch * steps, steps)
