"""EmotionCNNClassifier: a Keras CNN that is a scikit-learn classifier."""

from collections.abc import Mapping
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from .._shapes import resolve_image_size
from .._sklearn_seam import Interval, StrOptions
from ._architecture import block_convolutions, build_model
from ._augmentation import Augmentation
from ._debias import DebiasBatchNormStatistics
from ._early_stopping import EarlyStopping, check_groups
from ._optimizer import Optimizer
from ._priors import ClassPrior, as_class_prior, learned_priors
from ._schedules import CosineDecayPerStep
from ._scikeras_seam import FitRequest, ScikerasSeam
from ._test_time import TestTimeAugmentation

# Rows per call into the network at predict time.
_PREDICT_BATCH = 512
# CPU float32 kernels work on blocks of rows (8 with AVX2, as measured; 16
# covers AVX-512's wider registers) and sum a partial block another way, so a
# row's probabilities would change in the last bit with the rows predicted
# beside it. Padding every call to whole blocks keeps predict_proba(X)[idx]
# equal to predict_proba(X[idx]).
_ROW_BLOCK = 16


class EmotionCNNClassifier(ScikerasSeam):
    """A convolutional network for face images, as a scikit-learn classifier.

    It takes the flat grayscale rows that :class:`ImageLoader` makes,
    reshapes them to images inside the network and learns ``n_blocks``
    convolution blocks. Each block is ``convolutions_per_block`` (two by
    default) ``kernel_size`` convolutions (optionally batch-normalised), max
    pooling and optional dropout; block ``b`` (counting from 0) has
    ``filters * 2**b`` filters. A global average pooling (or a flatten)
    layer, an optional dense layer, optional dropout and a softmax follow.

    The defaults are the package's recommended network: four blocks (16 to
    128 filters) trained for 22 epochs with AdamW and a cosine learning rate
    (:class:`Optimizer`), each training image mirrored, rotated, shifted,
    zoomed and lit differently at random every epoch (:class:`Augmentation`)
    and standardised, and each prediction made on the central 90% of the
    image averaged with its mirror image's (:class:`TestTimeAugmentation`)
    under a uniform class prior (:class:`ClassPrior`). Objects group the
    settings that belong together; pass one to search its parameters
    (``cnn__augmentation__rotation``). :func:`make_emotion_pipeline` puts a
    :class:`TemperedOverSampler` before it, which repeats the rare classes'
    images.

    Parameters
    ----------
    image_size : (int, int) or None, default=None
        ``(height, width)`` of the images in each row; one side may be -1.
        ``None`` reads it from ``pixel_<row>_<col>`` column names (a
        DataFrame from :class:`ImageLoader` with pandas output, as in
        :func:`make_emotion_pipeline`), else takes square images.
    n_blocks : int, default=4
        Number of convolution blocks. Each halves the image's side, so four
        blocks on a 48x48 face end on a 3x3 map whose every cell sees most
        of the face.
    filters : int, default=16
        Filters in the first block; each further block doubles them.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    convolutions_per_block : int or tuple of int, default=2
        Convolutions in each block, or the counts of the first blocks, the
        last count going on for the blocks after them: ``(1, 2)`` skips the
        first block's second convolution, the most costly one.
    dropout : float, default=0.3
        Dropout rate of the features the softmax reads.
    block_dropout : float, default=0.0
        Dropout rate after each convolution block; 0 leaves it out.
    dense_units : int, default=0
        Units of a hidden dense layer before the softmax; 0 leaves it out.
    n_networks : int, default=1
        Train this many networks side by side, from different initial
        weights and with their own dropout and augmentation draws, on the
        same batches; predictions average their probabilities.
    batch_norm : bool, default=True
        Batch-normalise each convolution. At the end of a fit the share
        that the moving statistics' starting values still have is removed,
        so that a short fit predicts with its own images' statistics.
    global_pooling : bool, default=True
        Global average pooling after the blocks; False flattens instead.
    histogram_equalization : bool, default=False
        Spread each image's grey levels evenly over [0, 1] inside the
        network, before augmentation, when training and predicting alike.
    image_standardization : bool, default=True
        Shift and scale each image to mean 0 and standard deviation 1 inside
        the network, after augmentation, when training and predicting alike:
        a photo's overall brightness and contrast then do not matter.
    optimizer : Optimizer or None, default=None
        Learning rate, weight decay, schedule and weight averaging; None
        stands for ``Optimizer()``.
    augmentation : Augmentation or bool, default=True
        The random changes each training image goes through, inside the
        network so that every epoch draws them afresh (they pass images
        through unchanged at predict time). True stands for
        ``Augmentation()``, False for none.
    epochs : int, default=22
        Passes over the training rows.
    batch_size : int, default=64
    class_weight : dict, "balanced" or None, default=None
        Weights of each class's rows in the loss, as in scikit-learn. The
        recipe weighs rare classes by repeating their images instead (a
        :class:`TemperedOverSampler` step), which ranked faces better.
    early_stopping : EarlyStopping or bool, default=False
        Hold out images and stop when their loss stops improving; True
        stands for ``EarlyStopping()``.
    test_time_augmentation : TestTimeAugmentation or bool, default=True
        The view of each image the network predicts from; True stands for
        ``TestTimeAugmentation()``, False for the image as it is. Needs no
        refit.
    class_prior : ClassPrior, {"uniform", "training"}, array-like, dict or None, \
default="uniform"
        How often each class is assumed to occur among the images to predict;
        anything but a :class:`ClassPrior` stands for ``ClassPrior(shares)``.
        Needs no refit: ``set_params(class_prior=...)`` applies at the next
        predict.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for every fit, run after the estimator's own
        (learning-rate schedule, weight averaging, early stopping).
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling, dropout and the validation split. A
        ``RandomState`` instance is drawn from once per fit, so different
        instances (or later fits with the same one) give different networks.
    verbose : int, default=0
        Keras' progress output: 0 silent, 1 progress bar, 2 one line an epoch.
    run_eagerly : bool, default=False
        Run Keras step by step instead of compiling each step into a graph:
        slower on real data, but a few times faster on a few dozen rows, where
        compiling dominates (the test suite uses it), and easier to debug.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
    image_size_ : (int, int)
        The image shape the network was built for.
    model_ : keras.Model
    history_ : dict
        Per-epoch ``loss`` and ``accuracy``, and ``val_*`` with early stopping.
    class_frequencies_ : ndarray of shape (n_classes,)
        Each class's share of the training rows.
    trained_prior_ : ndarray of shape (n_classes,)
        Each class's share of the training rows' total weight (class and
        sample weights included): the prior the network's outputs assume.

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn import EmotionCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((20, 64), dtype=np.float32)
    >>> y = np.array(["happiness", "sadness"] * 10)
    >>> cnn = EmotionCNNClassifier(n_blocks=1, filters=4, n_networks=1, epochs=1,
    ...                            early_stopping=False, random_state=0)
    >>> cnn.fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        "image_size": ["array-like", None],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "convolutions_per_block": [Interval(Integral, 1, None, closed="left"), tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "block_dropout": [Interval(Real, 0, 1, closed="left")],
        "dense_units": [Interval(Integral, 0, None, closed="left")],
        "n_networks": [Interval(Integral, 1, None, closed="left")],
        "batch_norm": ["boolean"],
        "global_pooling": ["boolean"],
        "histogram_equalization": ["boolean"],
        "image_standardization": ["boolean"],
        "optimizer": [Optimizer, None],
        "augmentation": [Augmentation, "boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping": [EarlyStopping, "boolean"],
        "test_time_augmentation": [TestTimeAugmentation, "boolean"],
        "class_prior": [
            ClassPrior,
            StrOptions({"uniform", "training"}),
            "array-like",
            Mapping,
            None,
        ],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "run_eagerly": ["boolean"],
    }

    def __init__(
        self,
        *,
        image_size=None,
        n_blocks=4,
        filters=16,
        kernel_size=3,
        convolutions_per_block=2,
        dropout=0.3,
        block_dropout=0.0,
        dense_units=0,
        n_networks=1,
        batch_norm=True,
        global_pooling=True,
        histogram_equalization=False,
        image_standardization=True,
        optimizer=None,
        augmentation=True,
        epochs=22,
        batch_size=64,
        class_weight=None,
        early_stopping=False,
        test_time_augmentation=True,
        class_prior="uniform",
        callbacks=None,
        random_state=None,
        verbose=0,
        run_eagerly=False,
    ):
        self.image_size = image_size
        self.n_blocks = n_blocks
        self.filters = filters
        self.kernel_size = kernel_size
        self.convolutions_per_block = convolutions_per_block
        self.dropout = dropout
        self.block_dropout = block_dropout
        self.dense_units = dense_units
        self.n_networks = n_networks
        self.batch_norm = batch_norm
        self.global_pooling = global_pooling
        self.histogram_equalization = histogram_equalization
        self.image_standardization = image_standardization
        self.optimizer = optimizer
        self.augmentation = augmentation
        self.epochs = epochs
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.test_time_augmentation = test_time_augmentation
        self.class_prior = class_prior
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.run_eagerly = run_eagerly

    # -- scikit-learn API -------------------------------------------------

    def fit(self, X, y, sample_weight=None, groups=None):
        """Build a new network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)
            Pixel rows, as :class:`ImageLoader` makes them.
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Who is in each image (the person's name, say). With early
            stopping, the validation images are then whole people that the
            network never trains on. In a pipeline without a resampling
            step: ``pipe.fit(paths, y, cnn__groups=people)``.

        Returns
        -------
        self : EmotionCNNClassifier
        """
        self._check_parameters()
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y, got 1 class: "
                f"{classes.tolist()}."
            )
        as_class_prior(self.class_prior).check(classes)
        request = FitRequest(groups=check_groups(groups, len(y)))
        # scikeras' target encoder learns the classes afresh in every fit.
        self.classes_ = None
        return self._fit_with(X, y, self._weighted(y, sample_weight), request)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one more epoch on ``(X, y)``, keeping the network.

        As scikit-learn's MLP does, ``partial_fit`` trains on every row it is
        given: no validation rows are held out and nothing stops early (the
        caller decides when to stop). Learning-rate schedules that follow the
        validation loss follow the training loss instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            Ignored; the classes are those of the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : EmotionCNNClassifier
        """
        self._check_parameters()
        y = column_or_1d(y, warn=True)
        self.classes_ = getattr(self, "classes_", None)
        request = FitRequest(partial=True)
        return self._fit_with(X, y, self._weighted(y, sample_weight), request)

    def predict_proba(self, X):
        """Class probabilities, one row per image, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            A row's probabilities do not depend on the other rows predicted
            with it or on their order.
        """
        # scikeras' target encoder squeezes a single row to shape (n_classes,).
        return np.atleast_2d(super().predict_proba(X))

    def _check_parameters(self):
        self._validate_params()
        # Each object checks its own parameters and names the bad one.
        self._optimizer()._validate_params()
        if self._augmentation() is not None:
            self._augmentation().check()
        if self._early_stopping() is not None:
            self._early_stopping()._validate_params()
        self._test_time()._validate_params()
        # The constraints cannot say what each element of a tuple may be.
        block_convolutions(self)

    def _weighted(self, y, sample_weight):
        """``sample_weight`` times ``class_weight``'s weight of each row, or None.

        A new array: the caller's is never changed.
        """
        if sample_weight is not None:
            sample_weight = np.array(sample_weight, dtype=np.float64)
        if self.class_weight is None:
            return sample_weight
        weights = compute_sample_weight(class_weight=self.class_weight, y=y)
        return weights if sample_weight is None else sample_weight * weights

    # -- the objects the parameters stand for -------------------------------

    def _optimizer(self):
        return self.optimizer if self.optimizer is not None else Optimizer()

    def _augmentation(self):
        """The :class:`Augmentation` to train with, or None."""
        return _stand_in(self.augmentation, Augmentation)

    def _early_stopping(self):
        """The :class:`EarlyStopping` of this fit, or None."""
        return _stand_in(self.early_stopping, EarlyStopping)

    def _test_time(self):
        found = _stand_in(self.test_time_augmentation, TestTimeAugmentation)
        return found or TestTimeAugmentation(crop=1.0, flip=False)

    # -- hooks the scikeras seam calls ------------------------------------

    def _check_rows(self, X, *, reset):
        X = validate_data(self, X, reset=reset, dtype=np.float32)
        image_size = resolve_image_size(
            self.image_size,
            X.shape[1],
            feature_names=getattr(self, "feature_names_in_", None),
            owner=type(self).__name__,
        )
        if reset:
            self.image_size_ = image_size
        return X

    def _proba_from_rows(self, X):
        test_time = self._test_time()
        # Every view in one pass: half the calls into Keras with a mirror.
        views = test_time.views(X, self.image_size_)
        proba = test_time.average(self._run_network(views), len(X))
        return as_class_prior(self.class_prior).read(
            proba, self.classes_, self.trained_prior_, self.class_frequencies_
        )

    def _prior_factors(self):
        """Each class's factor under ``class_prior`` (None: read as trained)."""
        return as_class_prior(self.class_prior).factors(
            self.classes_, self.trained_prior_, self.class_frequencies_
        )

    def _training_plan(self, X, y, sample_weight, request):
        """The rows Keras trains on, its extra fit arguments and callbacks."""
        stopping = None if request.partial else self._early_stopping()
        if not request.partial or not hasattr(self, "trained_prior_"):
            self.class_frequencies_, self.trained_prior_ = learned_priors(
                np.ravel(y).astype(np.intp), self.n_classes_, sample_weight
            )
        fit_kwargs = {}
        if stopping is not None:
            train, valid = stopping.split(
                X, y, random_state=self._seed, groups=request.groups
            )
            fit_kwargs["validation_data"] = (X[valid], y[valid])
            if sample_weight is not None:
                fit_kwargs["validation_data"] += (sample_weight[valid],)
                sample_weight = sample_weight[train]
            X, y = X[train], y[train]
        return X, y, sample_weight, fit_kwargs, self._training_callbacks(stopping)

    def _closing_callbacks(self):
        """Callbacks that act on the weights every other callback leaves.

        After the caller's ``callbacks`` too, so that they see the weights of
        the epoch that early stopping restores.
        """
        return [DebiasBatchNormStatistics()] if self.batch_norm else []

    def _training_callbacks(self, stopping):
        """The Keras callbacks the parameters ask for, in the order they act."""
        optimizer = self._optimizer()
        callbacks = []
        if optimizer.schedule == "cosine":
            callbacks.append(CosineDecayPerStep(optimizer.learning_rate, self.epochs))
        if optimizer.ema_momentum is not None:
            # Before EarlyStopping: the averaged weights are in the model when
            # it scores and keeps the best epoch. Without early stopping Keras
            # writes the averages into the model when fit ends.
            callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
        if stopping is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=stopping.patience, restore_best_weights=True
                )
            )
        if optimizer.schedule == "plateau":
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss" if stopping is not None else "loss",
                    factor=0.3,
                    patience=optimizer.plateau_patience,
                    min_lr=optimizer.learning_rate / 100,
                )
            )
        return callbacks

    # -- the network --------------------------------------------------------

    def _run_network(self, X):
        # predict_on_batch on large slices: Model.predict builds a dataset
        # and runs callbacks on every call, which costs more than the
        # network itself on a few hundred 48x48 images.
        step = max(self.batch_size, _PREDICT_BATCH)
        proba = np.concatenate(
            [
                self._run_whole_blocks(X[start : start + step])
                for start in range(0, len(X), step)
            ]
        )
        # Several networks side by side: (n_samples, n_networks, n_classes).
        return proba.mean(axis=1) if proba.ndim == 3 else proba

    def _run_whole_blocks(self, rows):
        """The network's output for ``rows``, zero-padded to whole row blocks."""
        padding = -len(rows) % _ROW_BLOCK
        if padding:
            rows = np.concatenate(
                [rows, np.zeros((padding, *rows.shape[1:]), rows.dtype)]
            )
        return np.asarray(self.model_.predict_on_batch(rows))[: len(rows) - padding]

    def _keras_build_fn(self):
        return build_model(self, self._seed)


def _stand_in(value, cls):
    """``value`` as a ``cls`` object: True stands for ``cls()``, False for None."""
    if isinstance(value, bool):
        return cls() if value else None
    return value
