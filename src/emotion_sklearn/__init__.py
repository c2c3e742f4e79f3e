"""Facial emotion recognition as scikit-learn estimators.

The estimators load on first use, so that importing the package (or running
``emotion-sklearn --help``) does not start TensorFlow.
"""

import importlib

__version__ = "0.1.0.dev0"

# Public name -> the private module that defines it.
_MODULES = {
    "Augmentation": ".network",
    "ClassPrior": ".network",
    "EarlyStopping": ".network",
    "EmotionCNNClassifier": ".network",
    "Optimizer": ".network",
    "TemperedOverSampler": ".sampling",
    "TestTimeAugmentation": ".network",
    "FaceFinder": ".images",
    "ImageLoadError": ".images",
    "ImageLoader": ".images",
    "NoFaceFoundWarning": ".images",
    "ModelFileError": ".model_files",
    "ModelFileWarning": ".model_files",
    "detect_emotions": "._detect",
    "load_pretrained": ".inference",
    "load_onnx": ".inference",
    "export_onnx": ".inference",
    "ONNXClassifier": ".inference",
    "VideoReadWarning": "._video",
    "load_model": ".model_files",
    "make_emotion_pipeline": "._pipeline",
    "save_model": ".model_files",
}

__all__ = [
    "Augmentation",
    "ClassPrior",
    "EarlyStopping",
    "EmotionCNNClassifier",
    "FaceFinder",
    "ImageLoadError",
    "ImageLoader",
    "ModelFileError",
    "ModelFileWarning",
    "NoFaceFoundWarning",
    "ONNXClassifier",
    "Optimizer",
    "TemperedOverSampler",
    "TestTimeAugmentation",
    "VideoReadWarning",
    "__version__",
    "detect_emotions",
    "export_onnx",
    "load_model",
    "load_onnx",
    "load_pretrained",
    "make_emotion_pipeline",
    "save_model",
]


def __getattr__(name):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *__all__})
