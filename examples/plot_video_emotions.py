"""
Emotions over a video, person by person
=======================================

:func:`~emotion_sklearn.detect_emotions` reads a video file as it reads
photos: a row per face of each sampled frame, with the frame's time and a
person number that each face keeps while it stays in view. Here a short video
is made from the dataset's portraits: two people side by side, each showing
one photo after another (one per emotion), then an empty frame. The shipped
model predicts on onnxruntime: no TensorFlow starts.
"""

# %%
import tempfile
from pathlib import Path

import cv2
import numpy as np
from _data import small_subset
from PIL import Image

from emotion_sklearn import detect_emotions
from emotion_sklearn.plotting import plot_emotions_over_time

FPS = 8
paths, labels, _ = small_subset(n_per_class=2, random_state=5)
faces = [np.asarray(Image.open(p).convert("RGB").resize((240, 240))) for p in paths]
left, right = faces[0::2], faces[1::2]  # one photo of each emotion per side
frames = []
for shown_left, shown_right in zip(left, right, strict=True):
    pair = np.concatenate([shown_left, shown_right], axis=1)
    frames += [pair] * FPS  # each pair stays one second
frames += [np.full_like(frames[0], 128)] * FPS  # then nobody

video = Path(tempfile.mkdtemp()) / "two_people.avi"
writer = cv2.VideoWriter(
    str(video), cv2.VideoWriter_fourcc(*"FFV1"), FPS, frames[0].shape[1::-1]
)
for rgb in frames:
    writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
writer.release()
print("left:", ", ".join(labels[0::2]))
print("right:", ", ".join(labels[1::2]))

# %%
# Four readings a second, each person's probabilities smoothed over a
# quarter of a second. The last second has no face: its rows say so and carry
# no emotion.
rows = detect_emotions(video, every=0.25, smoothing=0.25)
print(rows[["time", "person", "face_found", "label"]].head(10).to_string(index=False))

# %%
# Each person's emotions over time: the dataset's label of the photo shown
# changes every second.
figure = plot_emotions_over_time(rows)
figure
