"""Model files that run no code when loaded.

:func:`save_model` writes a fitted pipeline as JSON and plain arrays with
their SHA-256; :func:`load_model` checks and rebuilds it.
"""

from ._fingerprint import ModelFileWarning
from ._format import ModelFileError, load_model, save_model

__all__ = [
    "ModelFileError",
    "ModelFileWarning",
    "load_model",
    "save_model",
]
