"""Facial emotion recognition as scikit-learn estimators."""

from ._augment import RotationAugmenter
from ._cnn import EmotionCNNClassifier
from ._decode import ImageLoadError
from ._loader import ImageLoader
from ._pipeline import make_emotion_pipeline

__version__ = "0.1.0.dev0"

__all__ = [
    "EmotionCNNClassifier",
    "ImageLoadError",
    "ImageLoader",
    "RotationAugmenter",
    "__version__",
    "make_emotion_pipeline",
]
