"""Where the model shipped inside the package lies."""

from importlib import resources

# The trainable pipeline (save_model's format) and its network exported to
# ONNX; scripts/train_pretrained.py writes both.
PRETRAINED_STEM = "emotion_cnn"


def shipped_path(suffix):
    """A context manager: the path on disk of the shipped ``.esk`` or ``.onnx``."""
    return resources.as_file(
        resources.files("emotion_sklearn") / "pretrained" / f"{PRETRAINED_STEM}{suffix}"
    )
