"""Where the examples find the dataset (not an example itself)."""

from pathlib import Path

import numpy as np

from emotion_sklearn.datasets import (
    fetch_facial_expressions,
    find_facial_expressions,
    load_facial_expressions,
)


def small_subset(n_per_class=60, random_state=0):
    """A few hundred images, every class present: paths, labels and people.

    Reads a local copy where :func:`find_facial_expressions` finds one
    (``$EMOTION_SKLEARN_DATASET`` or the data home), else fetches the data.
    """
    root = find_facial_expressions()
    faces = load_facial_expressions(root) if root else fetch_facial_expressions()
    rng = np.random.default_rng(random_state)
    picked = np.concatenate(
        [
            rng.choice(np.flatnonzero(faces.target == name), n_per_class, replace=False)
            for name in faces.target_names
        ]
    )
    return faces.data[picked], faces.target[picked], faces.groups[picked]


EXAMPLES_DIR = Path(__file__).resolve().parent
