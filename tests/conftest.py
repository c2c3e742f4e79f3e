"""Shared fixtures: the real dataset beside the checkout, and small image files."""

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REAL_DATA = (
    Path(__file__).resolve().parents[1].parent / "shared/data/facial_expressions"
)


@pytest.fixture(scope="session")
def real_data_dir():
    if not (REAL_DATA / "data" / "legend.csv").is_file():
        pytest.skip(f"the real dataset is not at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture(scope="session")
def real_faces(real_data_dir):
    from emotion_sklearn.datasets import load_facial_expressions

    return load_facial_expressions(real_data_dir)


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


@pytest.fixture(scope="session")
def small_faces(real_faces):
    """About 300 real images, every class present, with their people."""
    rng = np.random.default_rng(0)
    per_class = {"anger": 60, "happiness": 90, "neutral": 90, "sadness": 60}
    picked = np.concatenate(
        [
            rng.choice(np.flatnonzero(real_faces.target == name), n, replace=False)
            for name, n in per_class.items()
        ]
    )
    picked.sort()
    return (
        real_faces.data[picked],
        real_faces.target[picked],
        real_faces.groups[picked],
    )
