"""Helpers the test modules import (conftest holds the fixtures)."""

import hashlib
import json
import zipfile

import numpy as np

EMOTIONS = ("anger", "happiness", "neutral", "sadness")


def augmentation_layer_names(model):
    """Class names of ``model``'s training-time augmentation layers, in order.

    Keras names its random image layers ``Random*``; additive noise is
    ``GaussianNoise``.
    """
    names = [type(layer).__name__ for layer in model.layers]
    return [n for n in names if n.startswith("Random") or n == "GaussianNoise"]


def tiny_cnn_params(prefix=""):
    """Parameters that make EmotionCNNClassifier train in about a second.

    Eager: on a few dozen rows Keras spends seconds compiling a graph for
    steps that take milliseconds. No image standardisation: the toy faces
    below tell their class by brightness alone, which it would remove.
    """
    params = dict(
        n_blocks=1,
        filters=4,
        dense_units=8,
        n_networks=1,
        epochs=2,
        batch_size=32,
        run_eagerly=True,
        image_standardization=False,
    )
    return {prefix + key: value for key, value in params.items()}


def network_spec(image_size=(16, 16), n_classes=3, **params):
    """An unfitted tiny CNN with the two fitted attributes ``build_model`` reads."""
    from emotion_sklearn import EmotionCNNClassifier

    cnn = EmotionCNNClassifier(**{**tiny_cnn_params(), **params})
    cnn.image_size_, cnn.n_classes_ = image_size, n_classes
    return cnn


def toy_faces(n=60, side=8, seed=0):
    """Bright faces are 'happiness', dark ones 'sadness', grey ones 'neutral'."""
    rng = np.random.default_rng(seed)
    y = np.array(["happiness", "neutral", "sadness"] * (n // 3))
    level = {"happiness": 0.8, "neutral": 0.5, "sadness": 0.2}
    X = np.stack([level[label] + 0.1 * rng.standard_normal(side * side) for label in y])
    return X.astype(np.float32), y


def draw_face(emotion, rng, side=40):
    """A grey oval face whose mouth and brows say ``emotion``, with noise."""
    rows, cols = np.mgrid[0:side, 0:side] / (side - 1) - 0.5
    face = np.where((rows / 0.45) ** 2 + (cols / 0.35) ** 2 < 1, 0.6, 0.2)
    curve = {"happiness": -0.12, "sadness": 0.12}.get(emotion, 0.0)
    mouth_row = 0.22 - curve * (1 - (cols / 0.15) ** 2)
    face[(np.abs(rows - mouth_row) < 0.03) & (np.abs(cols) < 0.15)] = 0.05
    tilt = {"anger": 0.5, "sadness": -0.3}.get(emotion, 0.0)
    brow_row = -0.18 + tilt * (np.abs(cols) - 0.15)
    face[(np.abs(rows - brow_row) < 0.025) & (np.abs(cols) > 0.05)] = 0.05
    noisy = face + rng.normal(0, 0.05, face.shape) + rng.uniform(-0.1, 0.1)
    return (np.clip(noisy, 0, 1) * 255).astype(np.uint8)


def write_synthetic_dataset(root, n_people=32, per_person=5, seed=0):
    """A dataset folder in the muxspace layout, drawn rather than copied.

    ``First_Last_000k.jpg`` names (so the person is in the name); each person
    shows one or two emotions; every emotion has eight people or more.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    lines = ["user.id,image,emotion"]
    for person in range(n_people):
        own = [EMOTIONS[person % 4], EMOTIONS[(person // 4) % 4]]
        for k in range(per_person):
            emotion = own[k % 2]
            name = f"Person_{person:02d}_{k + 1:04d}.jpg"
            Image.fromarray(draw_face(emotion, rng)).save(root / "images" / name)
            lines.append(f"1,{name},{emotion.upper() if k == 0 else emotion}")
    (root / "data" / "legend.csv").write_text("\n".join(lines) + "\n")
    return root


def model_file_parts(path):
    """The parts of a model file, by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_manifest(parts, manifest):
    """``parts`` with ``manifest`` in place and its checksum recomputed."""
    parts = dict(parts)
    parts["manifest.json"] = json.dumps(manifest).encode()
    checksums = json.loads(parts["checksums.json"])
    checksums["manifest.json"] = hashlib.sha256(parts["manifest.json"]).hexdigest()
    parts["checksums.json"] = json.dumps(checksums).encode()
    return parts


def zip_parts(parts, path):
    """Write ``parts`` as a zip at ``path``; returns ``path``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path
