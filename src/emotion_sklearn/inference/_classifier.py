"""ONNXClassifier: an exported network, predicting with onnxruntime."""

import os

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted

from .._sklearn_seam import fit_context
from ._graph_file import INPUT_NAME, inference_session, read_graph_file
from ._shipped import shipped_path

# Rows per call into onnxruntime: its buffers stay a few tens of MB.
_RUN_BATCH = 1024


class ONNXClassifier(ClassifierMixin, BaseEstimator):
    """A network exported with :func:`export_onnx`, predicting without TensorFlow.

    It predicts what the exported :class:`EmotionCNNClassifier` predicted
    (test-time crop, mirror images and class prior included, as they were
    set at export) with onnxruntime: importing it and building its session
    take a fraction of a second. It does not learn: ``fit`` reads the graph,
    so that it composes with pipelines, ``clone`` and ``joblib``; train with
    :class:`EmotionCNNClassifier` and export again to change it.
    :func:`load_onnx` and :func:`load_pretrained` put it behind the loader
    that makes its rows.

    Parameters
    ----------
    path : str, path-like or None, default=None
        The file :func:`export_onnx` wrote; None is the graph of the model
        shipped with the package.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Pixels per row: ``height * width`` of ``image_size_``.
    image_size_ : (int, int)
    metadata_ : dict
        What the file records: its loader, the reading built into the graph,
        the model file it was exported from.
    graph_ : bytes
        The ONNX model itself; a pickled classifier carries it.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn import ONNXClassifier
    >>> cnn = ONNXClassifier().fit()
    >>> cnn.classes_.tolist()
    ['anger', 'happiness', 'neutral', 'sadness']
    >>> cnn.predict_proba(np.full((1, 48 * 48), 0.5, dtype=np.float32)).shape
    (1, 4)
    """

    _parameter_constraints = {"path": [str, os.PathLike, None]}

    def __init__(self, path=None):
        self.path = path

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Read the graph; ``X`` and ``y`` are not learned from.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), default=None
            Checked to have the graph's row width, if given.
        y : array-like of shape (n_samples,), default=None
            Checked to hold only the graph's classes, if given.

        Returns
        -------
        self : ONNXClassifier
        """
        if self.path is None:
            with shipped_path(".onnx") as path:
                graph, session, metadata = read_graph_file(path)
        else:
            graph, session, metadata = read_graph_file(self.path)
        self.graph_ = graph
        self.metadata_ = metadata
        self.classes_ = np.asarray(metadata["classes"])
        self.image_size_ = tuple(metadata["image_size"])
        self.n_features_in_ = self.image_size_[0] * self.image_size_[1]
        self._session = session
        if X is not None:
            self._rows(X)
        if y is not None:
            unknown = sorted(set(np.asarray(y).tolist()) - set(self.classes_.tolist()))
            if unknown:
                raise ValueError(
                    f"y holds {unknown!r}, which the exported network cannot "
                    f"predict; its classes are {self.classes_.tolist()!r}."
                )
        return self

    def predict_proba(self, X):
        """Class probabilities, one row per image, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._rows(X)
        session = self._inference_session()
        return np.concatenate(
            [
                session.run(None, {INPUT_NAME: X[start : start + _RUN_BATCH]})[0]
                for start in range(0, len(X), _RUN_BATCH)
            ]
        )

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # first: it checks that self is fitted
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _rows(self, X):
        X = check_array(X, dtype=np.float32, order="C")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} takes "
                f"rows of {self.n_features_in_} pixels (images of "
                f"{self.image_size_[0]}x{self.image_size_[1]})."
            )
        return X

    def _inference_session(self):
        # A session cannot be pickled or copied: a copy builds its own.
        if getattr(self, "_session", None) is None:
            self._session = inference_session(self.graph_, self.path)
        return self._session

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_session", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        return tags
