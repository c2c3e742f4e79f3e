"""Facial emotion recognition as scikit-learn estimators."""

from ._decode import ImageLoadError
from ._loader import ImageLoader

__version__ = "0.1.0.dev0"

__all__ = [
    "ImageLoadError",
    "ImageLoader",
    "__version__",
]
