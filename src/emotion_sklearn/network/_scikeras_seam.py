"""The one place that touches private names of scikeras and TensorFlow.

:class:`EmotionCNNClassifier` is a scikeras ``KerasClassifier``; this module
is the layer between the two. Everything below that scikeras or TensorFlow
does not promise to keep is named here, with why it is used, and
``tests/test_scikeras_seam.py`` checks each one against the installed
versions, so that an upgrade that changes one fails a test by name instead
of a fit. No upstream issue is filed for the RandomState seed bug below; it
is in scikeras 0.13.0, its latest release.

scikeras (``pyproject.toml`` pins ``scikeras>=0.13,<0.14``):

``BaseWrapper._fit``
    Called by ``fit`` and ``partial_fit`` in place of scikeras' public ones,
    with a :class:`FitRequest` that carries what the fit needs (groups,
    whether it is partial, class weights as sample weights) down to
    ``_fit_keras_model`` explicitly: scikeras routes extra ``_fit`` keywords
    there unchanged.
``BaseWrapper._initialize``
    Replaced, as scikeras 0.13 writes it, but for the seed: scikeras copies a
    ``RandomState`` instance and calls ``randint(low=1)``, which is always 0,
    so every instance gave the same network; here a seed is drawn from it.
``BaseWrapper._random_state``
    Set and read: the integer seed scikeras trains under, which also seeds
    the layers.
``BaseWrapper._validate_data``
    Overridden to check pixel rows as float32 and learn the image size
    before scikeras' own checks.
``BaseWrapper._predict_raw``
    Overridden: scikeras always calls ``Model.predict``, which builds a
    ``tf.data`` pipeline per call (tens of milliseconds for one image).
``BaseWrapper._fit_keras_model``
    Overridden to hold out the validation rows and add the callbacks that
    the estimator's parameters ask for, just before Keras trains, with the
    closing ones (batch-norm statistics) after the caller's.
``BaseWrapper._fit_callbacks``
    Extended for the length of one fit (and restored, so that no callback,
    which holds the model, is pickled with the estimator): scikeras passes
    only this list to ``Model.fit`` as its callbacks.
``BaseWrapper._initialize_callbacks``, ``target_encoder``, ``feature_encoder``
    Called and read by ``_initialize`` as scikeras' own does.
``BaseWrapper.set_params`` / ``_get_param_names`` / ``__repr__``
    Replaced by scikit-learn's: the network is built from this estimator's
    own parameters, so scikeras' routed ``model__*`` parameters have nothing
    to reach, and unknown names get scikit-learn's error.
Class attributes ``model``, ``build_fn``, ``loss`` ...
    scikeras reads these as constructor parameters; here they are fixed.
    ``optimizer`` is scikeras' too, read only to compile a model that its
    build function left uncompiled; the network here comes compiled, so the
    estimator's own ``optimizer`` parameter takes the name.

TensorFlow:

``tensorflow.python.framework.config`` (``is_op_determinism_enabled``,
``disable_op_determinism``)
    scikeras' ``tensorflow_random_state`` switches op determinism on for a
    seeded fit after setting ``TF_DETERMINISTIC_OPS=1``; with TensorFlow
    versions that read that variable when asked whether determinism was on,
    it never switched it off again, and a later unseeded fit failed with
    "Random ops require a seed". TensorFlow 2.21 restores it correctly; the
    guard stays while older TensorFlow (>=2.16) is allowed. scikeras itself
    imports the same module.
"""

import contextlib
from dataclasses import dataclass

import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags, check_random_state
from sklearn.utils.validation import check_is_fitted

try:  # scikeras itself reaches for the same private module.
    from tensorflow.python.framework import config as tf_config
except ImportError:  # pragma: no cover - other Keras backends
    tf_config = None


@dataclass(frozen=True)
class FitRequest:
    """What one call to ``fit`` or ``partial_fit`` asks of the training step.

    Passed from the estimator's ``fit`` through scikeras' ``_fit`` to
    ``_fit_keras_model``; nothing of it outlives the call.
    """

    groups: object = None
    partial: bool = False


@contextlib.contextmanager
def restore_op_determinism():
    """Switch TensorFlow's op determinism back off if scikeras left it on."""
    was_enabled = tf_config is not None and tf_config.is_op_determinism_enabled()
    try:
        yield
    finally:
        if tf_config is not None and not was_enabled:
            tf_config.disable_op_determinism()


def seed_from(random_state):
    """An integer seed for Keras, or None; a RandomState gives a draw from it."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        return int(check_random_state(random_state).randint(2**31 - 1))
    return int(random_state)


class ScikerasSeam(KerasClassifier):
    """A ``KerasClassifier`` that defers to three hooks of its subclass.

    The subclass implements ``_check_rows(X, reset)`` (validated rows),
    ``_proba_from_rows(X)`` (class probabilities of encoded rows) and
    ``_training_plan(X, y, sample_weight, request)`` (the rows to train on,
    extra ``Model.fit`` arguments and callbacks), and calls ``_fit_with``
    from its ``fit`` and ``partial_fit``.
    """

    # scikeras reads these attributes; they are fixed here, not parameters.
    model = None
    build_fn = None
    warm_start = False
    loss = "sparse_categorical_crossentropy"
    metrics = None
    validation_batch_size = None
    validation_split = 0.0
    shuffle = True
    # scikeras' own class weighting; the estimator weighs classes itself.
    class_weight = None

    __repr__ = BaseEstimator.__repr__
    set_params = BaseEstimator.set_params
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)

    def _fit_with(self, X, y, sample_weight, request):
        """scikeras' ``_fit``, with ``request`` carried to the training step."""
        with restore_op_determinism():
            self._fit(
                X=X,
                y=y,
                sample_weight=sample_weight,
                warm_start=request.partial,
                epochs=1 if request.partial else self.epochs,
                initial_epoch=self.current_epoch if request.partial else 0,
                request=request,
            )
        return self

    def initialize(self, X, y=None):
        """Build the network for ``X`` and ``y`` without training it."""
        with restore_op_determinism():
            return super().initialize(X, y)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __sklearn_tags__(self):
        # scikeras 0.13 predates scikit-learn 1.6's tags and lists
        # ClassifierMixin after BaseEstimator, whose tags then never apply:
        # is_classifier() was False and cross-validation stopped stratifying.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags

    # -- scikeras' private hooks --------------------------------------------

    def _initialize(self, X, y=None):
        self._random_state = seed_from(self.random_state)
        X, y = self._validate_data(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(**getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(**getattr(self.feature_encoder, "get_metadata", dict)())
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        return X, y

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is not None:
            X = self._check_rows(X, reset=reset)
        return super()._validate_data(X=X, y=y, reset=reset, y_numeric=y_numeric)

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self)
        X, _ = self._validate_data(X=X, y=None)
        return self._proba_from_rows(self.feature_encoder_.transform(X))

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        request = kwargs.pop("request", None) or FitRequest()
        X, y, sample_weight, fit_kwargs, callbacks = self._training_plan(
            X, y, sample_weight, request
        )
        given_callbacks = self._fit_callbacks
        self._fit_callbacks = [*callbacks, *given_callbacks, *self._closing_callbacks()]
        try:
            return super()._fit_keras_model(
                X,
                y,
                sample_weight,
                warm_start,
                epochs,
                initial_epoch,
                **{**kwargs, **fit_kwargs},
            )
        finally:
            self._fit_callbacks = given_callbacks

    @property
    def _seed(self):
        """The integer seed of the current fit, or None."""
        return self._random_state
