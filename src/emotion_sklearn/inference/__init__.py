"""Predicting without TensorFlow: ONNX export, its runtime, the shipped model.

:func:`export_onnx` writes a fitted network and its test-time reading as one
ONNX graph; :class:`ONNXClassifier` runs such a graph with onnxruntime and
:func:`load_onnx` puts it behind its loader. :func:`load_pretrained` gives
the shipped model this way by default. Importing this subpackage does not
start TensorFlow; only exporting does.
"""

from ._classifier import ONNXClassifier
from ._graph_file import export_onnx
from ._load import load_onnx
from ._pretrained import load_pretrained

__all__ = ["ONNXClassifier", "export_onnx", "load_onnx", "load_pretrained"]
