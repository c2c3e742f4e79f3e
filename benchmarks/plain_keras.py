"""The plain Keras script of the generalisation issue, as a baseline estimator.

48x48 whole image (no crop); three blocks of two 3x3 convolutions (16, 32, 64
filters, batch norm, ReLU), each followed by 2x2 max pooling; global average
pooling, dropout 0.3, softmax; in-network random horizontal flip,
``RandomRotation(0.04)``, ``RandomTranslation(0.06, 0.06)``; class weights =
balanced weights to the power 0.75; AdamW (learning rate 2e-3 with cosine
decay to zero over all steps, weight decay 1e-4), batch 64, 30 epochs, no
early stopping; prediction averages the image and its mirror.

Written with Keras alone, not with the package's estimator, so that it
measures what a user gets from a short script. ``class_prior="uniform"`` reads
its probabilities under a uniform class prior, as the package's default does:
the tempered class weights leave the network trained for a prior of class
frequency times weight, by which the probabilities are divided.
"""

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight


class PlainKerasScript(ClassifierMixin, BaseEstimator):
    """The script's recipe on flat 48x48 pixel rows in [0, 1]."""

    def __init__(
        self, epochs=30, batch_size=64, class_prior="training", random_state=0
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.class_prior = class_prior
        self.random_state = random_state

    def _model(self, side, n_classes):
        inputs = keras.Input((side * side,))
        x = keras.layers.Reshape((side, side, 1))(inputs)
        x = keras.layers.RandomFlip("horizontal")(x)
        x = keras.layers.RandomRotation(0.04)(x)
        x = keras.layers.RandomTranslation(0.06, 0.06)(x)
        for filters in (16, 32, 64):
            for _ in range(2):
                x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
                x = keras.layers.BatchNormalization()(x)
                x = keras.layers.ReLU()(x)
            x = keras.layers.MaxPooling2D(2)(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        x = keras.layers.Dropout(0.3)(x)
        outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs)

    def fit(self, X, y):
        if self.class_prior not in ("training", "uniform"):
            raise ValueError(
                "PlainKerasScript: class_prior must be 'training' or 'uniform', "
                f"got {self.class_prior!r}."
            )
        keras.utils.set_random_seed(self.random_state)
        X = np.asarray(X, dtype=np.float32)
        self.classes_, codes = np.unique(y, return_inverse=True)
        side = round(X.shape[1] ** 0.5)
        weights = compute_class_weight("balanced", classes=self.classes_, y=y) ** 0.75
        frequency = np.bincount(codes) / len(codes)
        self.training_prior_ = frequency * weights / np.sum(frequency * weights)
        steps = self.epochs * int(np.ceil(len(X) / self.batch_size))
        schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.0)
        self.model_ = self._model(side, len(self.classes_))
        self.model_.compile(
            optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-4),
            loss="sparse_categorical_crossentropy",
        )
        self.model_.fit(
            X,
            codes,
            batch_size=self.batch_size,
            epochs=self.epochs,
            class_weight=dict(enumerate(weights)),
            verbose=0,
        )
        self.side_ = side
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=np.float32)
        mirrored = X.reshape(-1, self.side_, self.side_)[:, :, ::-1].reshape(len(X), -1)
        predict = self.model_.predict
        proba = (predict(X, verbose=0) + predict(mirrored, verbose=0)) / 2
        if self.class_prior == "uniform":
            proba = proba / self.training_prior_
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
