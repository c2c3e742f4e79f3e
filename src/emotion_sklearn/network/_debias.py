"""Moving batch-norm statistics freed of the values they started from."""

import keras
import numpy as np

from ._layers import FusedBatchNormalization

# Below this share the starting values are lost in float32 rounding anyway:
# leaving the statistics untouched keeps long fits bit for bit as they were.
_NEGLIGIBLE_SHARE = float(np.finfo(np.float32).eps)


class DebiasBatchNormStatistics(keras.callbacks.Callback):
    """Remove the starting values' share from moving batch-norm statistics.

    A :class:`~emotion_sklearn.network._layers.FusedBatchNormalization` layer starts
    its moving mean at 0 and its moving variance at 1 and moves them towards
    each batch's by ``1 - momentum`` per training step, so after ``t`` steps
    the starting values still weigh ``momentum ** t`` in the statistics used
    at predict time. At the default momentum of 0.99 that share is below
    1e-17 after the 4,000 steps of a fit on the whole dataset, but 0.30 after the
    120 steps of 30 epochs on 240 images: enough to leave a small folder's
    predictions at chance. When training ends, this callback divides the
    share out, as Adam corrects its moment estimates (Kingma and Ba, 2015)::

        mean = moving_mean / (1 - share)
        variance = (moving_variance - share) / (1 - share)

    It acts only on a fit that trained a new network (the optimizer had
    taken no step when training began): a network trained before has no
    starting values left to remove. The share is that of the epoch whose
    statistics the network ends with, which is the best epoch's where early
    stopping restored it; the callback must therefore come after any that
    restore weights. Where the share is below float32's resolution the
    statistics are left exactly as they are.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from emotion_sklearn.network._debias import DebiasBatchNormStatistics
    >>> from emotion_sklearn.network._layers import FusedBatchNormalization
    >>> model = keras.Sequential([keras.Input((1, 1, 4)), FusedBatchNormalization()])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X = np.full((8, 1, 1, 4), 5.0, dtype="float32")
    >>> _ = model.fit(X, X, batch_size=8, epochs=3, verbose=0,
    ...               callbacks=[DebiasBatchNormStatistics()])
    >>> np.asarray(model.layers[0].moving_mean).round(3).tolist()
    [5.0, 5.0, 5.0, 5.0]
    """

    def on_train_begin(self, logs=None):
        self._layers = [
            layer
            for layer in self.model.layers
            if isinstance(layer, FusedBatchNormalization)
        ]
        self._new_network = int(self.model.optimizer.iterations) == 0
        self._epoch_ends = []

    def on_epoch_end(self, epoch, logs=None):
        if self._new_network and self._layers:
            self._epoch_ends.append(
                (self._first_moving_mean(), int(self.model.optimizer.iterations))
            )

    def on_train_end(self, logs=None):
        if not (self._new_network and self._layers):
            return
        steps = self._steps_behind_statistics()
        for layer in self._layers:
            share = layer.momentum**steps
            if steps == 0 or share < _NEGLIGIBLE_SHARE:
                continue
            mean = _numpy(layer.moving_mean) / (1 - share)
            variance = (_numpy(layer.moving_variance) - share) / (1 - share)
            layer.moving_mean.assign(mean)
            # Rounding can take a near-zero variance just below 0.
            layer.moving_variance.assign(np.maximum(variance, 0))

    def _first_moving_mean(self):
        return _numpy(self._layers[0].moving_mean)

    def _steps_behind_statistics(self):
        """Training steps behind the statistics the network now holds.

        The last epoch whose end left these statistics: a callback that
        restored an earlier epoch's weights took that epoch's back.
        """
        current = self._first_moving_mean()
        for statistics, steps in reversed(self._epoch_ends):
            if np.array_equal(statistics, current):
                return steps
        return int(self.model.optimizer.iterations)


def _numpy(variable):
    """A copy of ``variable``'s values, which later training steps leave alone."""
    return np.array(keras.ops.convert_to_numpy(variable))
