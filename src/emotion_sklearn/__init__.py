"""Facial emotion recognition as scikit-learn estimators.

The estimators load on first use, so that importing the package (or running
``emotion-sklearn --help``) does not start TensorFlow.
"""

import importlib

__version__ = "0.1.0.dev0"

# Public name -> the private module that defines it.
_MODULES = {
    "EmotionCNNClassifier": "._cnn",
    "ImageLoadError": "._decode",
    "ImageLoader": "._loader",
    "RotationAugmenter": "._augment",
    "make_emotion_pipeline": "._pipeline",
}

__all__ = [
    "EmotionCNNClassifier",
    "ImageLoadError",
    "ImageLoader",
    "RotationAugmenter",
    "__version__",
    "make_emotion_pipeline",
]


def __getattr__(name):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *__all__})
