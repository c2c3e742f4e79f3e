"""Shared fixtures: a synthetic dataset every run builds, the real one where present."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _helpers import write_synthetic_dataset


@pytest.fixture(scope="session")
def real_data_dir():
    """The real dataset; a test that needs it fails (never skips) without it.

    Deselect such tests with ``-m "not real_data"``.
    """
    from emotion_sklearn.datasets import find_facial_expressions

    folder = find_facial_expressions()
    if folder is None:
        pytest.fail(
            "the real dataset is not at $EMOTION_SKLEARN_DATASET (the README's "
            "test command sets it to ../shared/data/facial_expressions) nor in "
            "the data home; run with -m 'not real_data' to leave its tests out"
        )
    return folder


@pytest.fixture(scope="session")
def real_faces(real_data_dir):
    from emotion_sklearn.datasets import load_facial_expressions

    return load_facial_expressions(real_data_dir)


@pytest.fixture(scope="session")
def synthetic_data_dir(tmp_path_factory):
    """A dataset folder in the real layout: 160 drawn faces of 32 people."""
    return write_synthetic_dataset(tmp_path_factory.mktemp("synthetic_faces"))


@pytest.fixture(scope="session")
def synthetic_faces(synthetic_data_dir):
    from emotion_sklearn.datasets import load_facial_expressions

    return load_facial_expressions(synthetic_data_dir)


@pytest.fixture(scope="session")
def small_faces(synthetic_faces):
    """Paths, labels and people of the synthetic dataset."""
    return synthetic_faces.data, synthetic_faces.target, synthetic_faces.groups


@pytest.fixture
def make_dataset(tmp_path):
    """Build a dataset folder: a legend of ``(image, emotion)`` rows, tiny JPEGs."""

    def make(rows, *, root=None, header="user.id,image,emotion"):
        return _write_dataset(root or tmp_path, rows, header)

    return make


def _write_dataset(root, rows, header):
    from PIL import Image

    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    lines = [header] + [f"1,{image},{emotion}" for image, emotion in rows]
    (root / "data" / "legend.csv").write_text("\n".join(lines) + "\n")
    rng = np.random.default_rng(0)
    for image, _ in rows:
        pixels = rng.integers(0, 256, (20, 20), dtype=np.uint8)
        Image.fromarray(pixels).save(root / "images" / image, format="JPEG")
    return root
