"""make_emotion_pipeline: the package's recommended pipeline."""

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline

from ._cnn import EmotionCNNClassifier
from ._loader import ImageLoader

STEP_NAMES = ("load", "augment", "resample", "cnn")
# The one setting of the recipe that is not a class default: it names a label
# of the four-emotion dataset, and the estimator's defaults serve any labels.
# Chosen on the development folds (benchmarks/README.md, "Sadness called five
# times as readily"); labels without "sadness" read under the plain prior.
RECIPE_PRIOR_BOOST = (("sadness", 5.0),)
_EXAMPLE_STEPS = {"augment": "RotationAugmenter()", "resample": "RandomOverSampler()"}


def make_emotion_pipeline(*, random_state=None, memory=None, **params):
    """The recommended pipeline from image paths to emotion labels.

    Each step is its class with its defaults, which are the recommended
    recipe, but for one setting that names a label: the CNN calls sadness five
    times as readily as its uniform prior says
    (``cnn__class_prior_boost={"sadness": 5.0}``; labels without ``"sadness"``
    are read under the uniform prior alone). Steps, in order (any may be set
    to ``"passthrough"``):

    - ``load``: :class:`ImageLoader`, 48x48 grayscale rows of the square
      around the largest face in each photo (OpenCV's Haar cascade; the
      whole photo where none is found), as a DataFrame whose
      ``pixel_<row>_<col>`` columns tell the later steps the image size, so
      ``load__image_size`` is the only size to set;
    - ``augment``: ``"passthrough"``; put a :class:`RotationAugmenter` here for
      rotated or mirrored copies of the training images (fit time only);
    - ``resample``: ``"passthrough"``; put an imbalanced-learn sampler here
      (``RandomOverSampler()``), it acts at fit time only;
    - ``cnn``: :class:`EmotionCNNClassifier`, one network of four
      convolution blocks (16 to 128 filters), 22 epochs of AdamW with a cosine
      learning rate, the rare classes' images repeated as often as balanced
      class weights to the power 0.5 say (``class_weight_mode``), each training
      image flipped, rotated, shifted, zoomed (in more than out) and lit
      differently at random every epoch, each image standardised inside the
      network, and at predict the central 90% of each image
      (``test_time_crop``) averaged with its mirror image (``flip_test_time``)
      under a uniform class prior (``class_prior``), sadness boosted five
      times (``class_prior_boost``).

    What the recipe scores, and what was measured against it, is in
    ``benchmarks/README.md``.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Given to every step that has a ``random_state`` and was not given one
        in ``params``.
    memory : str, joblib.Memory or None, default=None
        Caches the fitted ``load`` step, so that a grid search over the CNN
        decodes each fold's images once.
    **params : dict
        ``step__param=value`` settings, as for ``Pipeline.set_params``; a
        step name alone replaces the step (``resample=RandomOverSampler()``).

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline

    Examples
    --------
    >>> from emotion_sklearn import make_emotion_pipeline
    >>> pipe = make_emotion_pipeline(load__image_size=(64, 80), cnn__epochs=1)
    >>> [name for name, _ in pipe.steps]
    ['load', 'augment', 'resample', 'cnn']
    """
    pipeline = Pipeline(
        [
            ("load", ImageLoader()),
            ("augment", "passthrough"),
            ("resample", "passthrough"),
            ("cnn", EmotionCNNClassifier(class_prior_boost=dict(RECIPE_PRIOR_BOOST))),
        ],
        memory=memory,
    )
    # Steps first, so that step parameters apply to the replaced steps.
    steps = {name: value for name, value in params.items() if "__" not in name}
    pipeline.set_params(**steps)
    step_params = {k: v for k, v in params.items() if k not in steps}
    _check_steps_take_parameters(pipeline, step_params)
    pipeline.set_params(**step_params)
    if random_state is not None:
        _seed_steps(pipeline, random_state, params)
    # Named pixel columns carry the image size from the loader to the steps
    # after it.
    return pipeline.set_output(transform="pandas")


def _check_steps_take_parameters(pipeline, step_params):
    # Pipeline.set_params would fail on a "passthrough" step with an
    # AttributeError about 'str' that names neither the step nor the parameter.
    for key in step_params:
        name = key.split("__", 1)[0]
        if name not in pipeline.named_steps:
            continue  # set_params's own error lists the valid names
        step = pipeline.named_steps[name]
        if step is None or step == "passthrough":
            raise ValueError(
                f"{key!r} sets a parameter of the {name!r} step, which is "
                f"{step!r} in this pipeline; give the step itself too, e.g. "
                f"{name}={_EXAMPLE_STEPS.get(name, 'an estimator')}."
            )


def _seed_steps(pipeline, random_state, params):
    for name, step in pipeline.steps:
        key = f"{name}__random_state"
        if key in params or not hasattr(step, "get_params"):
            continue
        if "random_state" in step.get_params(deep=False):
            pipeline.set_params(**{key: random_state})


def loading_steps(pipeline):
    """``(head, tail)``: the pipeline up to its ImageLoader, and the rest.

    The command line decodes each image once with ``head`` (stateless) and
    fits or predicts ``tail`` on the pixels. A pipeline without an
    :class:`ImageLoader` step has no head: ``(None, pipeline)``.
    """
    for index, (_, step) in enumerate(pipeline.steps):
        if isinstance(step, ImageLoader):
            return pipeline[: index + 1], pipeline[index + 1 :]
    return None, pipeline


def stack_rows(chunks):
    """Loader outputs one after another, keeping named pixel columns."""
    if isinstance(chunks[0], pd.DataFrame):
        return pd.concat(chunks, ignore_index=True)
    return np.concatenate(chunks)
