"""A pipeline's loading steps apart from the rest, and their rows together.

Apart from :mod:`._pipeline` so that predicting with an exported model never
imports the network (and TensorFlow) to split its pipeline.
"""

import sys

import numpy as np

from .images import ImageLoader


def loading_steps(pipeline):
    """``(head, tail)``: the pipeline up to its ImageLoader, and the rest.

    The command line decodes each image once with ``head`` (stateless) and
    fits or predicts ``tail`` on the pixels. A pipeline without an
    :class:`ImageLoader` step has no head: ``(None, pipeline)``.
    """
    for index, (_, step) in enumerate(getattr(pipeline, "steps", [])):
        if isinstance(step, ImageLoader):
            return pipeline[: index + 1], pipeline[index + 1 :]
    return None, pipeline


def frames_training_apart(head):
    """Whether ``head``'s ``fit_transform`` frames images as ``transform`` does not.

    True for an :class:`ImageLoader` with a ``whole_share`` and a face
    finder: its training rows must come from ``fit_transform``, not from
    rows decoded for predicting.
    """
    return any(
        isinstance(step, ImageLoader)
        and step.whole_share is not None
        and step.face_finder is not None
        for _, step in getattr(head, "steps", [("", head)])
    )


def stack_rows(chunks):
    """Loader outputs one after another, keeping named pixel columns."""
    # Without pandas imported no chunk is a DataFrame: predicting with an
    # exported model starts faster without importing it.
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(chunks[0], pd.DataFrame):
        return pd.concat(chunks, ignore_index=True)
    return np.concatenate(chunks)
