"""Each private scikeras and TensorFlow name the package relies on, as installed.

A failure here names what an upgrade changed; ``_scikeras_seam.py`` says why
each name is used.
"""

import inspect
import os

import numpy as np
import pytest
import scikeras
from scikeras.utils.random_state import tensorflow_random_state
from scikeras.wrappers import BaseWrapper, KerasClassifier

from _helpers import tiny_cnn_params, toy_faces
from emotion_sklearn import EmotionCNNClassifier
from emotion_sklearn.network._scikeras_seam import ScikerasSeam, seed_from, tf_config

# scikeras' _fit and _fit_keras_model take the same arguments.
_FIT_PARAMETERS = [
    "self",
    "X",
    "y",
    "sample_weight",
    "warm_start",
    "epochs",
    "initial_epoch",
    "kwargs",
]


def _parameters(function):
    return list(inspect.signature(function).parameters)


def test_scikeras_is_a_version_the_seam_was_written_for():
    major, minor = (int(part) for part in scikeras.__version__.split(".")[:2])
    assert (major, minor) == (0, 13), scikeras.__version__


@pytest.mark.parametrize(
    "method, parameters",
    [
        ("_initialize", ["self", "X", "y"]),
        ("_validate_data", ["self", "X", "y", "reset", "y_numeric"]),
        ("_fit", _FIT_PARAMETERS),
        ("_predict_raw", ["self", "X", "kwargs"]),
        ("_fit_keras_model", _FIT_PARAMETERS),
    ],
)
def test_overridden_hooks_keep_their_signatures(method, parameters):
    assert _parameters(getattr(BaseWrapper, method)) == parameters


def test_fit_reaches_the_keras_fit_hook_through_initialize():
    # _fit -> _initialize (sets _random_state, _fit_callbacks) ->
    # _fit_keras_model(**kwargs): the order the seam's overrides rely on, and
    # the route by which its FitRequest reaches the training step.
    source = inspect.getsource(BaseWrapper._fit)
    assert source.index("self._initialize(") < source.index("self._fit_keras_model(")
    assert "**kwargs" in source[source.index("self._fit_keras_model(") :]
    assert "self._fit_callbacks" in inspect.getsource(BaseWrapper._fit_keras_model)


def test_the_seam_initializes_as_scikeras_does_but_for_the_seed():
    # ScikerasSeam._initialize replaces scikeras' own; each step it copies is
    # still there, in the same order.
    theirs = inspect.getsource(BaseWrapper._initialize)
    steps = [
        "self._random_state",
        "self._validate_data(X, y, reset=True)",
        "self.target_encoder_ = self.target_encoder.fit(y)",
        "self.feature_encoder_ = self.feature_encoder.fit(X)",
        "self.model_ = self._build_keras_model()",
        "self._initialize_callbacks()",
    ]
    positions = [theirs.index(step) for step in steps]
    assert positions == sorted(positions)
    ours = inspect.getsource(ScikerasSeam._initialize)
    assert all(step in ours for step in steps[1:])


def test_scikeras_still_turns_every_random_state_instance_into_seed_0():
    # The bug seed_from works around; when this fails, scikeras fixed it.
    class Probe(KerasClassifier):
        def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
            raise StopIteration

    seeds = []
    for n in (1, 2):
        probe = Probe(random_state=np.random.RandomState(n))
        with pytest.raises(StopIteration):
            probe._initialize(np.zeros((2, 1)), np.array([0, 1]))
        seeds.append(probe._random_state)
    assert seeds == [0, 0]


def test_seed_from_draws_from_a_random_state():
    assert seed_from(None) is None and seed_from(7) == 7
    first = seed_from(np.random.RandomState(1))
    assert first != seed_from(np.random.RandomState(2))
    assert first == seed_from(np.random.RandomState(1))


def test_tensorflow_op_determinism_switches_are_where_the_seam_reads_them():
    assert not tf_config.is_op_determinism_enabled()
    tf_config.enable_op_determinism()
    try:
        assert tf_config.is_op_determinism_enabled()
    finally:
        tf_config.disable_op_determinism()
    assert not tf_config.is_op_determinism_enabled()


def test_scikeras_random_state_context_sets_the_switch_the_seam_restores():
    source = inspect.getsource(tensorflow_random_state)
    assert "TF_DETERMINISTIC_OPS" in source
    assert "tf_enable_op_determinism()" in source
    with tensorflow_random_state(0):
        assert tf_config.is_op_determinism_enabled()
    assert "TF_DETERMINISTIC_OPS" not in os.environ


def test_a_seeded_fit_leaves_op_determinism_off():
    X, y = toy_faces()
    EmotionCNNClassifier(random_state=0, **tiny_cnn_params()).fit(X, y)
    assert not tf_config.is_op_determinism_enabled()


def test_fixed_attributes_are_what_scikeras_reads_as_parameters():
    init = set(_parameters(KerasClassifier.__init__))
    fixed = {
        "model",
        "build_fn",
        "warm_start",
        "class_weight",
        "loss",
        "metrics",
        "validation_batch_size",
        "validation_split",
        "shuffle",
    }
    assert fixed <= init
    assert all(hasattr(ScikerasSeam, name) for name in fixed)
    # scikeras reads its own optimizer only to compile a model left uncompiled;
    # the estimator's network comes compiled, and its optimizer is an object.
    compile_source = inspect.getsource(BaseWrapper._ensure_compiled_model)
    assert "if not self.model_.compiled" in compile_source


def test_the_estimator_names_no_scikeras_private_attribute():
    import emotion_sklearn.network._classifier as cnn_module

    source = inspect.getsource(cnn_module)
    for private in (
        "_fit_keras_model",
        "_predict_raw",
        "_random_state",
        "_fit_callbacks",
    ):
        assert private not in source, private
    assert "tensorflow.python" not in source
