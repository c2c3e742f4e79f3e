"""ONNXClassifier: the shipped graph as a scikit-learn classifier."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from emotion_sklearn import ONNXClassifier
from emotion_sklearn._sklearn_seam import InvalidParameterError

ROWS = np.random.default_rng(0).random((3, 48 * 48), dtype=np.float32)


@pytest.fixture(scope="module")
def shipped_graph():
    return ONNXClassifier().fit()


def test_it_predicts_the_graphs_classes(shipped_graph):
    proba = shipped_graph.predict_proba(ROWS)
    assert proba.shape == (3, 4) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    labels = shipped_graph.predict(ROWS)
    assert labels.tolist() == shipped_graph.classes_[proba.argmax(axis=1)].tolist()


def test_a_row_does_not_depend_on_the_rows_beside_it(shipped_graph):
    together = shipped_graph.predict_proba(ROWS)
    alone = np.concatenate([shipped_graph.predict_proba(row[None]) for row in ROWS])
    np.testing.assert_allclose(alone, together, atol=1e-6)


def test_pickled_and_cloned_copies_predict_alike(shipped_graph):
    copy = pickle.loads(pickle.dumps(shipped_graph))
    np.testing.assert_array_equal(
        copy.predict_proba(ROWS), shipped_graph.predict_proba(ROWS)
    )
    assert clone(shipped_graph).get_params() == {"path": None}
    with pytest.raises(NotFittedError):
        clone(shipped_graph).predict(ROWS)


def test_fit_checks_what_it_is_given_against_the_graph(shipped_graph):
    with pytest.raises(ValueError, match="rows of 2304 pixels"):
        ONNXClassifier().fit(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"\['surprise'\].*cannot predict"):
        ONNXClassifier().fit(ROWS[:1], ["surprise"])
    with pytest.raises(ValueError, match="X has 10 features"):
        shipped_graph.predict(np.zeros((1, 10)))
    with pytest.raises(InvalidParameterError, match="'path' parameter"):
        ONNXClassifier(path=3).fit()
