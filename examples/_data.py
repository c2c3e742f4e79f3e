"""Where the examples find the dataset (not an example itself)."""

import os
from pathlib import Path

import numpy as np

from emotion_sklearn.datasets import fetch_facial_expressions, load_facial_expressions


def small_subset(n_per_class=60, random_state=0):
    """A few hundred images, every class present: paths, labels and people.

    Reads ``$EMOTION_SKLEARN_EXAMPLE_DATA`` (set by the docs build to the
    checkout's ``../shared/data/facial_expressions``), else fetches the data.
    """
    root = os.environ.get("EMOTION_SKLEARN_EXAMPLE_DATA")
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
