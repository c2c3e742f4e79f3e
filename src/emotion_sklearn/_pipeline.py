"""make_emotion_pipeline: the package's recommended pipeline."""

from imblearn.pipeline import Pipeline

from .images import FaceFinder, ImageLoader
from .network import (
    Augmentation,
    ClassPrior,
    EmotionCNNClassifier,
    Optimizer,
    TestTimeAugmentation,
)
from .sampling import TemperedOverSampler

# The one setting of the recipe that is not a class default: it names a label
# of the four-emotion dataset, and the estimator's defaults serve any labels.
# Chosen on the development folds (benchmarks/README.md); labels without
# "sadness" read under the plain uniform prior.
RECIPE_PRIOR_BOOST = (("sadness", 2.0),)


def make_emotion_pipeline(*, random_state=None, memory=None, **params):
    """The recommended pipeline from image paths to emotion labels.

    Each step is its class with its defaults, which are the recommended
    recipe, and every object that groups settings is given explicitly, so
    that the pipeline shows the recipe and each setting can be searched
    (``cnn__augmentation__rotation``, ``load__face_finder__margin``):

    - ``load``: :class:`ImageLoader` with a :class:`FaceFinder`: 48x48
      grayscale rows of the square around the largest face in each photo
      (OpenCV's Haar cascade; the whole photo with a margin where none is
      found), as a DataFrame whose ``pixel_<row>_<col>`` columns tell the
      later steps the image size;
    - ``resample``: :class:`TemperedOverSampler`, the rare classes' images
      repeated as often as balanced class weights to the power 0.5 say (fit
      time only);
    - ``cnn``: :class:`EmotionCNNClassifier` with its :class:`Optimizer`
      (AdamW, cosine learning rate, 22 epochs), :class:`Augmentation`
      (flips, rotation, shift, zoom, lighting and eyes-down cuts inside the
      network, afresh every epoch),
      :class:`TestTimeAugmentation` (the central 90% of each image, averaged
      with its mirror image) and :class:`ClassPrior` (uniform, sadness's
      share doubled: the one setting that names a label).

    What the recipe scores is in ``benchmarks/README.md``.

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
        step name alone replaces the step (``resample="passthrough"``).

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline

    Examples
    --------
    >>> from emotion_sklearn import make_emotion_pipeline
    >>> pipe = make_emotion_pipeline(load__image_size=(64, 80), cnn__epochs=1)
    >>> [name for name, _ in pipe.steps]
    ['load', 'resample', 'cnn']
    >>> pipe.get_params()["cnn__augmentation__rotation"]
    14.4
    """
    pipeline = Pipeline(
        [
            ("load", ImageLoader(face_finder=FaceFinder())),
            ("resample", TemperedOverSampler()),
            ("cnn", recipe_classifier()),
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


def recipe_classifier():
    """The recipe's :class:`EmotionCNNClassifier`, every object given."""
    return EmotionCNNClassifier(
        optimizer=Optimizer(),
        augmentation=Augmentation(),
        test_time_augmentation=TestTimeAugmentation(),
        class_prior=ClassPrior("uniform", boost=dict(RECIPE_PRIOR_BOOST)),
    )


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
                f"{name}=TemperedOverSampler()."
            )


def _seed_steps(pipeline, random_state, params):
    for name, step in pipeline.steps:
        key = f"{name}__random_state"
        if key in params or not hasattr(step, "get_params"):
            continue
        if "random_state" in step.get_params(deep=False):
            pipeline.set_params(**{key: random_state})
