"""EmotionCNNClassifier: a Keras CNN that is a scikit-learn classifier."""

import contextlib
from collections.abc import Mapping
from contextvars import ContextVar
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from ._affine import FILL_MODES, input_coordinates
from ._architecture import block_convolutions, build_model, zoom_range
from ._class_weights import (
    check_repeatable,
    class_repeats,
    repeated_rows,
    tempered_class_weights,
)
from ._debias import DebiasBatchNormStatistics
from ._priors import boost_factors, learned_priors, reweighted, target_prior
from ._schedules import CosineDecayPerStep
from ._scikeras_seam import ScikerasSeam
from ._shapes import resolve_image_size
from ._sklearn_seam import Interval, StrOptions
from ._validation import check_groups, validation_split

# Rows per call into the network at predict time.
_PREDICT_BATCH = 512
# CPU float32 kernels work on blocks of rows (8 with AVX2, as measured; 16
# covers AVX-512's wider registers) and sum a partial block another way, so a
# row's probabilities would change in the last bit with the rows predicted
# beside it. Padding every call to whole blocks keeps predict_proba(X)[idx]
# equal to predict_proba(X[idx]).
_ROW_BLOCK = 16
# The class weights of the fit in progress, when they act by repeating rows.
_REPEAT_WEIGHTS = ContextVar("repeat_weights", default=None)


class EmotionCNNClassifier(ScikerasSeam):
    """A convolutional network for face images, as a scikit-learn classifier.

    It takes the flat grayscale rows that :class:`ImageLoader` makes,
    reshapes them to images inside the network and learns ``n_blocks``
    convolution blocks. Each block is ``convolutions_per_block`` (two by
    default) ``kernel_size`` convolutions (optionally batch-normalised), max
    pooling and optional dropout; block
    ``b`` (counting from 0) has ``filters * 2**b`` filters. A global average
    pooling (or a flatten) layer, an optional dense layer, optional dropout
    and a softmax follow.

    The defaults are the package's recommended recipe: one network of four
    blocks (16 to 128 filters) trained for a fixed 22 epochs with AdamW and
    a cosine learning rate, the rare classes' images repeated as often as
    balanced class weights to the power 0.5 say, each training image
    mirrored, rotated, shifted, zoomed (in more than out) and lit
    differently at random every epoch and standardised to
    mean 0 and standard deviation 1 (so that a face framed or lit another way
    is still known), and each prediction made on the central 90% of the
    image, averaged with its mirror image's and read under a uniform class
    prior. ``benchmarks/README.md`` has what it scores, which split each
    choice was made on, and what was measured against it.

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
        first block's second convolution, the most costly one, which works on
        the full-size image, whatever ``n_blocks`` is.
    dropout : float, default=0.3
        Dropout rate of the features the softmax reads (after the pooling,
        or after the dense layer when there is one).
    block_dropout : float, default=0.0
        Dropout rate after each convolution block; 0 leaves it out.
    dense_units : int, default=0
        Units of the hidden dense layer; 0 leaves it out.
    n_networks : int, default=1
        Train this many networks of this architecture side by side, from
        different initial weights and with their own dropout and augmentation
        draws, on the same batches; predictions average their probabilities
        (an ensemble). They early-stop together, on their mean validation
        loss. Each network adds about the training time of one.
    batch_norm : bool, default=True
        Batch-normalise each convolution. The moving statistics used at
        predict time start at mean 0 and variance 1; at the end of a fit
        of a new network the share those starting values still have is
        removed, so that a short fit on a small folder predicts with its
        own images' statistics (a fit of thousands of steps is unchanged).
    global_pooling : bool, default=True
        Global average pooling after the blocks; False flattens instead.
    learning_rate : float, default=2e-3
        Adam's (initial) learning rate.
    weight_decay : float, default=1e-4
        Decoupled weight decay (AdamW) per step, as a fraction of the
        learning rate's step; 0 trains with Adam.
    lr_schedule : {"constant", "cosine", "plateau"}, default="cosine"
        "cosine" lowers the learning rate at every training step along a
        half cosine, from ``learning_rate`` at the first step to 0 after the
        last step of epoch ``epochs``.
        "plateau" multiplies it by 0.3 whenever the validation loss (the
        training loss without early stopping) has not improved for
        ``max(1, n_iter_no_change // 3)`` epochs, down to 1% of
        ``learning_rate``.
    ema_momentum : float or None, default=None
        Keep an exponential moving average of the weights (Polyak averaging,
        Keras' ``use_ema``) with this momentum per training step, and
        validate, early-stop and predict with the averaged weights; ``None``
        uses the raw weights.
    random_flip : bool, default=True
        Mirror each training image left-right with probability 1/2, afresh
        every epoch (inside the network, at training time only).
    random_shift : float, default=0.06
        Shift training images by up to this fraction of their height and
        width, afresh every epoch; 0 leaves them in place.
    random_rotation : float, default=14.4
        Rotate training images by up to this many degrees either way.
    random_zoom : float or (float, float), default=(0.4, 0.15)
        Zoom training images in or out by up to this fraction; a pair
        ``(zoom_in, zoom_out)`` sets each way apart: ``(0.4, 0.15)`` shows
        between 60% and 115% of the image's height and width, so that the
        network also sees faces cropped tighter than the loader crops them.
        Rotation, shift and zoom are drawn for each image and applied as one
        affine map, so each training image is interpolated once, as the
        images it predicts from are (``test_time_crop``).
    fill_mode : {"reflect", "nearest", "constant", "wrap"}, default="reflect"
        How rotation, shift and zoom fill the pixels they move in from
        outside the frame: "reflect" mirrors the image across its edge,
        "nearest" repeats the edge pixels (as the loader pads a face's square
        that reaches past the photo), "constant" fills with black and "wrap"
        with the opposite side. On this dataset "nearest" scored within a
        seed's spread of "reflect" (``benchmarks/README.md``).
    random_top_cut : float in [0, 1], default=0.3
        Share of training images whose face is cut from the eyes down, as
        face databases crop faces: the top 15% to 35% of the height replaced
        by repeats of the first row kept, and half of those shown as the
        loader shows a photo without a face (the cut alone with a 10% margin
        of repeated edges), before rotation, shift and zoom. 0 cuts none.
        Eyes-to-chin photos of new people score about 0.04 higher with it
        and whole faces the same (``benchmarks/README.md``).
    random_brightness : float, default=0.3
        Brighten or darken training images by up to this fraction of the
        pixel range.
    random_contrast : float, default=0.3
        Raise or lower training images' contrast by up to this fraction.
    random_downscale : float in [0, 1), default=0.0
        Show each training image at a resolution drawn from ``1 -
        random_downscale`` of its side to its full side (shrunk, then
        enlarged back), so that a low-resolution photo does not tell a class.
        0 keeps every image sharp.
    random_blur : float, default=0.0
        Blur about half the training images with a Gaussian whose standard
        deviation, drawn afresh for each batch, is up to this many pixels
        (Keras' ``RandomGaussianBlur``), so that sharpness varies within
        every class. 0 blurs nothing.
    random_noise : float, default=0.0
        Add Gaussian noise of this standard deviation (pixels are in [0, 1])
        to training images. 0 adds none.
    random_erasing : float, default=0.0
        Replace a random rectangle (2% to 20% of the image) of a training
        image with noise, with a probability drawn between 0 and this for each
        image (Keras' ``RandomErasing``), so that no one part of the face
        decides. 0 erases nothing.
    histogram_equalization : bool, default=False
        Spread each image's grey levels evenly over [0, 1] inside the
        network, before augmentation, when training and predicting alike
        (histogram equalisation, as :func:`skimage.exposure.equalize_hist`
        with 64 bins): a photo's brightness and contrast then do not matter,
        and its tone curve little.
    image_standardization : bool, default=True
        Shift and scale each image to mean 0 and standard deviation 1 inside
        the network, after augmentation, when training and predicting alike:
        a photo's overall brightness and contrast then do not matter.
    epochs : int, default=22
        Maximum passes over the training rows (with ``class_weight_mode=
        "resample"``, over the rows and their repeats).
    batch_size : int, default=64
    class_weight : dict, "balanced" or None, default="balanced"
        Weights per class, as in scikit-learn; "balanced" weights classes
        inversely to their frequency, raised to ``class_weight_exponent``.
    class_weight_exponent : float in [0, 1], default=0.5
        The power of the "balanced" weights: 1 makes every class weigh the
        same in the loss, 0 leaves classes at their training frequencies.
        Below 1 the rarest classes weigh less than fully balanced: in the
        dataset of ``benchmarks/README.md`` an angry face weighs 27 neutral
        ones fully balanced, about 5 at the square root. The network then
        learns the common classes better and, read under the uniform
        ``class_prior``, still calls the rare ones. Ignored unless
        ``class_weight="balanced"``.
    class_weight_mode : {"resample", "reweight"}, default="resample"
        How the class weights act. "resample" repeats each class's training
        images in proportion to its weight (the lightest class's images once
        each; the repeats drawn at random, with replacement, in every fit, as
        imbalanced-learn's ``RandomOverSampler`` draws them), so the network
        sees rare faces more often, each time transformed anew by the
        augmentation; "reweight" multiplies each image's loss by its class's
        weight instead. Both train under the same class prior
        (``trained_prior_``); in ``benchmarks/README.md`` repetition ranks
        faces better and calls rare classes with fewer false alarms. Weights
        that would repeat the rows into more than 100 times as many, or that
        give a class no weight, are refused: use "reweight" for those.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the distinct images, stop when
        their loss has not improved for ``n_iter_no_change`` epochs and keep
        the best weights. Copies of a held-out image (over-sampled duplicates,
        flips and 90-degree rotations) are dropped from training rather than
        leaking into it.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    flip_test_time : bool, default=True
        Test-time augmentation: average the probabilities of each image and
        its mirror image (twice the prediction cost).
    test_time_crop : float in (0, 1], default=0.9
        Predict from the central part of each image, this share of its
        height and width, enlarged back to ``image_size`` (bilinear). The zoom
        augmentation shows the network faces larger than the loader frames
        them (``random_zoom=(0.4, 0.15)`` shows 60% to 115% of the side,
        87.5% on average), so a face enlarged by as much is nearer what it
        learned from. 1 predicts from the image as it is. The view replaces
        the image (no extra pass of the network) and needs no refit:
        ``set_params(test_time_crop=...)`` applies at the next predict.
    class_prior : {"uniform", "training"}, array-like, dict or None, default="uniform"
        How often each class is assumed to occur among the images to
        predict. ``None`` takes the network's probabilities as trained, so
        ``class_weight`` decides. ``"uniform"``: every class equally often,
        which gives the best balanced accuracy of the named priors and the
        highest recall of rare classes; ``"training"``: as often as in the
        training rows, which calls rare classes less often and with fewer
        false alarms (higher precision); an array gives one non-negative
        value per class, in ``classes_`` order, and a dict maps classes to
        their values, the classes it leaves out getting 0:
        ``{"anger": 1, "sadness": 1}`` picks between those two only. The
        probabilities are moved from the prior the network was trained under
        (``trained_prior_``: class and sample weights included) to this one.
        It needs no refit: ``set_params(class_prior=...)`` applies at the
        next predict. In ``benchmarks/README.md`` the default network read
        as if its repeats had taught it no class frequency
        (``class_prior=trained_prior_ / class_frequencies_``: every class
        equally often, from the raw training frequencies) scores higher
        balanced accuracy still on new people, with more false alarms.
    class_prior_boost : dict or None, default=None
        Multiplies the share ``class_prior`` gives each named class (with
        ``class_prior=None``, the share the network learned), e.g.
        ``{"sadness": 5.0}``: a class the network finds too seldom is
        called more often, the others as before. Names that are not classes
        are ignored, so one setting serves any set of labels. Like
        ``class_prior`` it needs no refit. :func:`make_emotion_pipeline`
        sets ``{"sadness": 5.0}``: on new people the default network called
        too few sad faces sad under the uniform prior (``benchmarks/README.md``,
        *Sadness called five times as readily*).
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
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"constant", "cosine", "plateau"})],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
        "random_flip": ["boolean"],
        "random_shift": [Interval(Real, 0, 1, closed="left")],
        "random_rotation": [Interval(Real, 0, 180, closed="both")],
        "random_zoom": [Interval(Real, 0, 1, closed="left"), tuple],
        "fill_mode": [StrOptions(set(FILL_MODES))],
        "random_top_cut": [Interval(Real, 0, 1, closed="both")],
        "random_brightness": [Interval(Real, 0, 1, closed="left")],
        "random_contrast": [Interval(Real, 0, 1, closed="left")],
        "random_downscale": [Interval(Real, 0, 1, closed="left")],
        "random_blur": [Interval(Real, 0, None, closed="left")],
        "random_noise": [Interval(Real, 0, None, closed="left")],
        "random_erasing": [Interval(Real, 0, 1, closed="both")],
        "histogram_equalization": ["boolean"],
        "image_standardization": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "class_weight_exponent": [Interval(Real, 0, 1, closed="both")],
        "class_weight_mode": [StrOptions({"resample", "reweight"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "flip_test_time": ["boolean"],
        "test_time_crop": [Interval(Real, 0, 1, closed="right")],
        "class_prior": [
            StrOptions({"uniform", "training"}),
            "array-like",
            Mapping,
            None,
        ],
        "class_prior_boost": [Mapping, None],
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
        learning_rate=2e-3,
        weight_decay=1e-4,
        lr_schedule="cosine",
        ema_momentum=None,
        random_flip=True,
        random_shift=0.06,
        random_rotation=14.4,
        random_zoom=(0.4, 0.15),
        fill_mode="reflect",
        random_top_cut=0.3,
        random_brightness=0.3,
        random_contrast=0.3,
        random_downscale=0.0,
        random_blur=0.0,
        random_noise=0.0,
        random_erasing=0.0,
        histogram_equalization=False,
        image_standardization=True,
        epochs=22,
        batch_size=64,
        class_weight="balanced",
        class_weight_exponent=0.5,
        class_weight_mode="resample",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        flip_test_time=True,
        test_time_crop=0.9,
        class_prior="uniform",
        class_prior_boost=None,
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
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.ema_momentum = ema_momentum
        self.random_flip = random_flip
        self.random_shift = random_shift
        self.random_rotation = random_rotation
        self.random_zoom = random_zoom
        self.fill_mode = fill_mode
        self.random_top_cut = random_top_cut
        self.random_brightness = random_brightness
        self.random_contrast = random_contrast
        self.random_downscale = random_downscale
        self.random_blur = random_blur
        self.random_noise = random_noise
        self.random_erasing = random_erasing
        self.histogram_equalization = histogram_equalization
        self.image_standardization = image_standardization
        self.epochs = epochs
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.class_weight_exponent = class_weight_exponent
        self.class_weight_mode = class_weight_mode
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.flip_test_time = flip_test_time
        self.test_time_crop = test_time_crop
        self.class_prior = class_prior
        self.class_prior_boost = class_prior_boost
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
            network never trains on, so that it stops when it stops getting
            better on new people rather than on new photos of people it has
            seen. In a pipeline: ``pipe.fit(paths, y, cnn__groups=people)``.

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
        target_prior(self.class_prior, classes)
        boost_factors(self.class_prior_boost, classes)
        if sample_weight is not None:
            # scikeras multiplies class weights into it in place: keep the
            # caller's array as it was.
            sample_weight = np.array(sample_weight, dtype=np.float64)
        with self._weighting_classes(y, groups=check_groups(groups, len(y))):
            return super().fit(X, y, sample_weight=sample_weight)

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
        with self._weighting_classes(column_or_1d(y, warn=True), partial=True):
            return super().partial_fit(X, y, sample_weight=sample_weight)

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
        # The constraints cannot say what each element of a tuple may be;
        # these name a bad one before any training starts.
        zoom_range(self.random_zoom)
        block_convolutions(self)

    @contextlib.contextmanager
    def _weighting_classes(self, y, **fit_context):
        """scikeras' fit context, ``y``'s class weights in the loss or as repeats.

        ``_training_plan`` repeats the rows after the validation split, so it
        finds the weights in ``_REPEAT_WEIGHTS``: scikeras reads
        ``class_weight`` itself, and must see None when rows are repeated.
        """
        weights = self._class_weights(y)
        repeat = self.class_weight_mode == "resample"
        if repeat and weights is not None:
            check_repeatable(weights, y)
        token = _REPEAT_WEIGHTS.set(weights if repeat else None)
        try:
            with self._scikeras_fit(
                class_weight=None if repeat else weights, **fit_context
            ):
                yield
        finally:
            _REPEAT_WEIGHTS.reset(token)

    def _class_weights(self, y):
        """``class_weight`` as a dict for these labels, or None."""
        return tempered_class_weights(self.class_weight, y, self.class_weight_exponent)

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
        X = self._test_time_view(X)
        if not self.flip_test_time:
            return self._reweighted(self._run_network(X))
        images = np.asarray(X, dtype=np.float32).reshape(-1, *self.image_size_)
        mirrored = images[:, :, ::-1].reshape(len(images), -1)
        # One pass over both halves: half the calls into Keras.
        both = self._run_network(
            np.concatenate([images.reshape(len(images), -1), mirrored])
        )
        return self._reweighted((both[: len(images)] + both[len(images) :]) / 2)

    def _test_time_view(self, X):
        """Rows of the central ``test_time_crop`` of each image, enlarged back."""
        share = self.test_time_crop
        # set_params after fit skips fit's validation.
        if not (isinstance(share, Real) and 0 < share <= 1):
            raise ValueError(
                "The 'test_time_crop' parameter of EmotionCNNClassifier must be "
                f"a float in (0, 1]. Got {share!r} instead."
            )
        if share == 1:
            return X
        height, width = self.image_size_
        images = np.asarray(X, dtype=np.float32).reshape(-1, height, width, 1)
        # The augmentation's zoom, centred on the image, so that a mirror
        # image's view is the view's mirror.
        still = np.zeros(1, dtype=np.float32)
        to_input = input_coordinates(still, still, still, share, height, width)
        enlarged = keras.ops.image.affine_transform(
            images, to_input[0], interpolation="bilinear"
        )
        return keras.ops.convert_to_numpy(enlarged).reshape(len(images), -1)

    def _reweighted(self, proba):
        """``proba`` moved from the prior the network learned to ``class_prior``.

        ``class_prior_boost`` then multiplies the named classes' shares.
        """
        prior = target_prior(self.class_prior, self.classes_, self.class_frequencies_)
        boost = boost_factors(self.class_prior_boost, self.classes_)
        return reweighted(proba, self.trained_prior_, prior, boost)

    def _training_plan(self, X, y, sample_weight, *, groups, partial):
        """The rows Keras trains on, its extra fit arguments and callbacks."""
        validate = self.early_stopping and not partial
        repeats = self._repeats(np.ravel(y).astype(np.intp))
        if not partial or not hasattr(self, "trained_prior_"):
            self._learn_priors(y, sample_weight, repeats)
        fit_kwargs = {}
        if validate:
            X, y, sample_weight, fit_kwargs["validation_data"] = self._train_split(
                X, y, sample_weight, groups
            )
        if repeats is not None:
            # After the split: a held-out image's repeats would leak into
            # training.
            X, y, sample_weight = self._resampled(X, y, sample_weight, repeats)
        return X, y, sample_weight, fit_kwargs, self._training_callbacks(validate)

    def _repeats(self, codes):
        """How many times each class's images are shown, or None.

        The class weights over the lightest weight among the classes in
        ``codes``, when they act by resampling.
        """
        weights = _REPEAT_WEIGHTS.get()
        if weights is None:
            return None
        return class_repeats(weights, self.classes_, codes)

    def _resampled(self, X, y, sample_weight, repeats):
        """The rows with each class's images repeated ``repeats`` times."""
        rows = repeated_rows(np.ravel(y).astype(np.intp), repeats, self._seed)
        weight = None if sample_weight is None else sample_weight[rows]
        return X[rows], y[rows], weight

    def _learn_priors(self, y, sample_weight, repeats=None):
        self.class_frequencies_, self.trained_prior_ = learned_priors(
            np.ravel(y).astype(np.intp), self.n_classes_, sample_weight, repeats
        )

    def _train_split(self, X, y, sample_weight, groups):
        """Training rows and Keras' ``validation_data`` for early stopping."""
        train, valid = validation_split(
            X,
            y,
            fraction=self.validation_fraction,
            random_state=self._seed,
            groups=groups,
        )
        validation_data = (X[valid], y[valid])
        if sample_weight is not None:
            validation_data += (sample_weight[valid],)
            sample_weight = sample_weight[train]
        return X[train], y[train], sample_weight, validation_data

    def _closing_callbacks(self):
        """Callbacks that act on the weights every other callback leaves.

        After the caller's ``callbacks`` too, so that they see the weights of
        the epoch that early stopping restores.
        """
        return [DebiasBatchNormStatistics()] if self.batch_norm else []

    def _training_callbacks(self, validate):
        """The Keras callbacks the parameters ask for, in the order they act."""
        callbacks = []
        if self.lr_schedule == "cosine":
            callbacks.append(CosineDecayPerStep(self.learning_rate, self.epochs))
        if self.ema_momentum is not None:
            # Before EarlyStopping: the averaged weights are in the model when
            # it scores and keeps the best epoch. Without early stopping Keras
            # writes the averages into the model when fit ends.
            callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
        if validate:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=self.n_iter_no_change, restore_best_weights=True
                )
            )
        if self.lr_schedule == "plateau":
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss" if validate else "loss",
                    factor=0.3,
                    patience=max(1, self.n_iter_no_change // 3),
                    min_lr=self.learning_rate / 100,
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
