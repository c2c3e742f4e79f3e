"""
Cross-validating the emotion pipeline on held-out people
========================================================

A face pipeline must be scored on people it never saw: the same person smiling
in two photos makes a split that shares people far too easy. This example
cross-validates :func:`~emotion_sklearn.make_emotion_pipeline` with
:class:`~sklearn.model_selection.StratifiedGroupKFold`, grouping images by the
person's name, and reports balanced accuracy, which weighs the rare anger and
sadness classes as much as the common ones.
"""

# %%
# Load a small subset of the real data: image paths, labels and people.
import numpy as np
from _data import small_subset
from sklearn.model_selection import StratifiedGroupKFold, cross_validate

from emotion_sklearn import make_emotion_pipeline

paths, labels, people = small_subset(n_per_class=60)
print(f"{len(paths)} images of {len(set(people))} people")

# %%
# A small network at 32x32 pixels keeps this example to a minute or two.
pipeline = make_emotion_pipeline(
    load__image_size=(32, 32),
    cnn__n_blocks=2,
    cnn__filters=8,
    cnn__dense_units=32,
    cnn__epochs=8,
    random_state=0,
)
scores = cross_validate(
    pipeline,
    paths,
    labels,
    groups=people,
    cv=StratifiedGroupKFold(n_splits=3),
    scoring=["balanced_accuracy", "accuracy"],
)
for name in ("test_balanced_accuracy", "test_accuracy"):
    print(f"{name}: {np.mean(scores[name]):.3f} +- {np.std(scores[name]):.3f}")

# %%
# Check that no person appears on both sides of any split.
for train, test in StratifiedGroupKFold(n_splits=3).split(paths, labels, people):
    assert not set(people[train]) & set(people[test])

# %%
# The confusion matrix of one held-out fold shows where the errors go: each
# row is a true class, normalised to its recall.
import matplotlib.pyplot as plt

from emotion_sklearn.plotting import plot_confusion_matrix, plot_sample_images

train, test = next(StratifiedGroupKFold(n_splits=3).split(paths, labels, people))
pipeline.fit(paths[train], labels[train])
predicted = pipeline.predict(paths[test])
figure, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
plot_confusion_matrix(labels[test], predicted, ax=ax)

# %%
# Some of the held-out faces as the network sees them (the loader's output),
# titled with their true and predicted labels; wrong ones in red.
shown = test[:12]
pixels = pipeline.named_steps["load"].transform(paths[shown])
plot_sample_images(
    pixels, labels[shown], predicted[:12], n_columns=6, figure=plt.figure()
)
