"""The ``emotion-sklearn`` command line: ``train``, ``evaluate``, ``predict``,
``search`` and ``info`` (also ``python -m emotion_sklearn``).

Parsing and the cheap checks live in ``_main``; each command's work in
``_commands`` (train, evaluate, search), ``_predict`` and ``_report``, which
load TensorFlow only once the arguments are known to be good.
"""

from ._main import main

__all__ = ["main"]
