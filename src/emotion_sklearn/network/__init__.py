"""The convolutional network as a scikit-learn classifier.

:class:`EmotionCNNClassifier` and the objects that group its settings
(:class:`Optimizer`, :class:`Augmentation`, :class:`EarlyStopping`,
:class:`TestTimeAugmentation`, :class:`ClassPrior`); the Keras layers,
schedules and the scikeras seam it is built from are private modules here.
Importing it starts TensorFlow.
"""

from ._augmentation import Augmentation
from ._classifier import EmotionCNNClassifier
from ._early_stopping import EarlyStopping
from ._optimizer import Optimizer
from ._priors import ClassPrior
from ._test_time import TestTimeAugmentation

__all__ = [
    "Augmentation",
    "ClassPrior",
    "EarlyStopping",
    "EmotionCNNClassifier",
    "Optimizer",
    "TestTimeAugmentation",
]
