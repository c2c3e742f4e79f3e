"""Fit-time samplers for imbalanced-learn's Pipeline.

:class:`TemperedOverSampler` repeats the rare classes' images as often as
class weights tempered to a power say: the recipe's ``resample`` step.
Nothing here imports TensorFlow.
"""

from ._tempered import TemperedOverSampler

__all__ = ["TemperedOverSampler"]
