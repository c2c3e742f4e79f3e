"""
Every face in a photo, with the shipped model
=============================================

:func:`~emotion_sklearn.detect_emotions` finds each face in a photo, crops it
as the model was trained to see faces, and predicts its emotion with the model
shipped inside the package (:func:`~emotion_sklearn.load_pretrained`): no
training and no download. Here a "group photo" is made by placing four of the
dataset's portraits side by side.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _data import small_subset
from PIL import Image

from emotion_sklearn import detect_emotions
from emotion_sklearn.plotting import annotate

paths, labels, _ = small_subset(n_per_class=1, random_state=3)
portraits = [np.asarray(Image.open(p).convert("RGB").resize((300, 300))) for p in paths]
group = np.concatenate(portraits, axis=1)
print("left to right, the dataset's labels:", ", ".join(labels))

# %%
# One row per face: where it is (x, y, width, height in the photo's pixels),
# the predicted label and each class's probability.
faces = detect_emotions([group])
print(faces.drop(columns="source").round(2).to_string(index=False))

# %%
# The same rows drawn on a copy of the photo.
classes = list(faces.columns[8:])
figure, ax = plt.subplots(figsize=(12, 3.4), layout="constrained")
ax.imshow(annotate(group, faces, classes))
ax.set_axis_off()
