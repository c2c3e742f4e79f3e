"""Photos in, pixel rows out: decoding, face finding and the loader.

:class:`ImageLoader` turns paths or arrays into the grayscale rows the
network reads, around the face a :class:`FaceFinder` finds. Nothing here
imports TensorFlow.
"""

from ._decode import ImageLoadError
from ._faces import FaceFinder
from ._loader import ImageLoader, NoFaceFoundWarning

__all__ = [
    "FaceFinder",
    "ImageLoadError",
    "ImageLoader",
    "NoFaceFoundWarning",
]
