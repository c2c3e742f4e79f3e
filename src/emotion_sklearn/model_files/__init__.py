"""Model files that run no code when loaded, and the model shipped inside.

:func:`save_model` writes a fitted pipeline as JSON and plain arrays with
their SHA-256; :func:`load_model` checks and rebuilds it;
:func:`load_pretrained` reads the shipped model.
"""

from ._fingerprint import ModelFileWarning
from ._format import ModelFileError, load_model, save_model
from ._pretrained import load_pretrained

__all__ = [
    "ModelFileError",
    "ModelFileWarning",
    "load_model",
    "load_pretrained",
    "save_model",
]
