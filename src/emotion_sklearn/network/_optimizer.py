"""Optimizer: how the network's weights learn, step by step."""

from numbers import Integral, Real

from sklearn.base import BaseEstimator

from .._sklearn_seam import Interval, StrOptions


class Optimizer(BaseEstimator):
    """Adam with decoupled weight decay, its learning-rate schedule and averaging.

    Give it to :class:`EmotionCNNClassifier` as ``optimizer``; each parameter
    is searchable as ``cnn__optimizer__<name>``. The defaults are the
    recommended recipe.

    Parameters
    ----------
    learning_rate : float, default=2e-3
        The initial learning rate.
    weight_decay : float, default=1e-4
        Decoupled weight decay (AdamW) per step, as a fraction of the
        learning rate's step; 0 trains with plain Adam.
    schedule : {"cosine", "constant", "plateau"}, default="cosine"
        "cosine" lowers the rate at every step along a half cosine, from
        ``learning_rate`` to 0 after the last step of the last epoch;
        "plateau" multiplies it by 0.3 whenever the validation loss (the
        training loss without early stopping) has not improved for
        ``plateau_patience`` epochs, down to 1% of ``learning_rate``.
    plateau_patience : int, default=3
        Epochs without progress before the "plateau" schedule cuts the rate.
    ema_momentum : float in (0, 1) or None, default=None
        Keep an exponential moving average of the weights with this momentum
        per step (Keras' ``use_ema``), and validate, early-stop and predict
        with the averaged weights; None uses the raw weights.

    Examples
    --------
    >>> from emotion_sklearn import EmotionCNNClassifier, Optimizer
    >>> cnn = EmotionCNNClassifier(optimizer=Optimizer(learning_rate=1e-3))
    >>> cnn.get_params()["optimizer__schedule"]
    'cosine'
    """

    _parameter_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "schedule": [StrOptions({"constant", "cosine", "plateau"})],
        "plateau_patience": [Interval(Integral, 1, None, closed="left")],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
    }

    def __init__(
        self,
        *,
        learning_rate=2e-3,
        weight_decay=1e-4,
        schedule="cosine",
        plateau_patience=3,
        ema_momentum=None,
    ):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.plateau_patience = plateau_patience
        self.ema_momentum = ema_momentum

    def keras_optimizer(self):
        """A new Keras optimizer with these settings."""
        import keras

        settings = {
            "learning_rate": self.learning_rate,
            "use_ema": self.ema_momentum is not None,
            "ema_momentum": self.ema_momentum or 0.99,
        }
        if self.weight_decay:
            return keras.optimizers.AdamW(weight_decay=self.weight_decay, **settings)
        return keras.optimizers.Adam(**settings)
