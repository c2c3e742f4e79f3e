"""Plots for models and data: confusion matrix, training curves, sample faces,
emotions over a video.

Every function draws on a new :class:`matplotlib.figure.Figure` (or on the
``ax`` given) and never touches pyplot's global state, so it works without a
display and inside servers; save with ``figure.savefig(path)``.
:func:`annotate` draws :func:`~emotion_sklearn.detect_emotions`' boxes and
labels on a copy of a photo (a Pillow image).
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay

from ._shapes import resolve_image_size
from .images._annotate import annotate

__all__ = [
    "annotate",
    "plot_confusion_matrix",
    "plot_emotions_over_time",
    "plot_sample_images",
    "plot_training_curves",
]


def _drawing_figure(figure, size):
    if figure is None:
        return Figure(figsize=size, layout="constrained")
    if figure.axes:
        raise ValueError("figure must be empty: these plots make their own axes.")
    figure.set_size_inches(size)
    figure.set_layout_engine("constrained")
    return figure


def _history_of(model):
    """The per-epoch history of a classifier or of a pipeline ending in one."""
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    history = getattr(estimator, "history_", None)
    if history is None:
        history = model if isinstance(model, dict) else None
    if not history or "loss" not in history:
        raise ValueError(
            "No training history: pass a fitted EmotionCNNClassifier, a pipeline "
            "ending in one, or its history_ dict."
        )
    return history


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize="true", ax=None):
    """Confusion matrix of labels, rows normalised to recall by default.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, default=None
        Order of the classes; ``None`` takes the sorted labels present.
    normalize : {"true", "pred", "all"} or None, default="true"
        As in :func:`sklearn.metrics.confusion_matrix`.
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
        Its ``figure_`` attribute is the figure.

    Examples
    --------
    >>> from emotion_sklearn.plotting import plot_confusion_matrix
    >>> display = plot_confusion_matrix(["anger", "sadness"], ["anger", "anger"])
    >>> display.confusion_matrix.tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    if ax is None:
        ax = Figure(figsize=(5.5, 4.5), layout="constrained").subplots()
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        normalize=normalize,
        ax=ax,
        cmap="Blues",
        values_format=".2f" if normalize else "d",
        colorbar=False,
    )
    ax.set_title("Recall per class" if normalize == "true" else "Confusion matrix")
    return display


def plot_training_curves(model, *, figure=None):
    """Loss and accuracy per epoch, for training and validation rows.

    Parameters
    ----------
    model : EmotionCNNClassifier, Pipeline ending in one, or dict
        A fitted classifier, a pipeline ending in one, or its ``history_``.
    figure : matplotlib.figure.Figure or None, default=None
        Draw on this (empty) figure, for example ``pyplot.figure()`` so that
        pyplot, notebooks and sphinx-gallery show it; ``None`` draws on a new
        :class:`~matplotlib.figure.Figure` that pyplot does not know.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from emotion_sklearn.plotting import plot_training_curves
    >>> history = {"loss": [1.2, 0.9], "val_loss": [1.3, 1.1],
    ...            "accuracy": [0.4, 0.6], "val_accuracy": [0.4, 0.5]}
    >>> len(plot_training_curves(history).axes)
    2
    """
    history = _history_of(model)
    figure = _drawing_figure(figure, (9, 3.5))
    for ax, metric in zip(figure.subplots(1, 2), ("loss", "accuracy"), strict=True):
        epochs = np.arange(1, len(history.get(metric, [])) + 1)
        for prefix, name in (("", "training"), ("val_", "early-stopping rows")):
            values = history.get(prefix + metric)
            if values:
                ax.plot(epochs, values, marker="o", markersize=3, label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric)
        if ax.lines:  # a history without this metric leaves the panel empty
            ax.legend()
    return figure


def plot_sample_images(
    images, y_true, y_pred=None, *, image_size=None, n_columns=6, figure=None
):
    """A grid of faces titled with their true (and predicted) labels.

    Parameters
    ----------
    images : array-like of shape (n, height * width) or (n, height, width)
        Pixel rows as :class:`ImageLoader` makes them, or image arrays.
    y_true : array-like of shape (n,)
    y_pred : array-like of shape (n,), default=None
        Wrong predictions are titled in red.
    image_size : (int, int), default=None
        ``(height, width)`` of flat rows; ``None`` reads it from
        ``pixel_<row>_<col>`` column names, else takes square images.
    n_columns : int, default=6
    figure : matplotlib.figure.Figure or None, default=None
        Draw on this (empty) figure, for example ``pyplot.figure()`` so that
        pyplot, notebooks and sphinx-gallery show it; ``None`` draws on a new
        :class:`~matplotlib.figure.Figure` that pyplot does not know.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.plotting import plot_sample_images
    >>> figure = plot_sample_images(np.zeros((2, 16)), ["anger", "sadness"])
    >>> len(figure.axes)
    2
    """
    names = getattr(images, "columns", None)
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        size = resolve_image_size(
            image_size,
            images.shape[1],
            feature_names=names,
            owner="plot_sample_images",
        )
        images = images.reshape(len(images), *size)
    n_rows = -(-len(images) // n_columns)
    n_cols = min(n_columns, len(images))
    figure = _drawing_figure(figure, (1.8 * n_cols, 2.0 * n_rows))
    axes = np.atleast_1d(figure.subplots(n_rows, n_cols)).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=1)
        title = str(y_true[i])
        color = "black"
        if y_pred is not None:
            title = f"{y_true[i]}\npredicted {y_pred[i]}"
            color = "black" if y_pred[i] == y_true[i] else "tab:red"
        ax.set_title(title, fontsize=8, color=color)
    return figure


def plot_emotions_over_time(faces, *, classes=None, figure=None):
    """Each person's emotion probabilities along a video, one panel per person.

    Parameters
    ----------
    faces : pandas.DataFrame
        :func:`~emotion_sklearn.detect_emotions`' rows of one video (its
        ``time`` and ``person`` columns); frames without a face are left out.
    classes : list of str or None, default=None
        The probability columns to draw; None takes those after ``label``.
    figure : matplotlib.figure.Figure or None, default=None
        Draw on this (empty) figure, for example ``pyplot.figure()`` so that
        pyplot, notebooks and sphinx-gallery show it; ``None`` draws on a new
        :class:`~matplotlib.figure.Figure` that pyplot does not know.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from emotion_sklearn.plotting import plot_emotions_over_time
    >>> faces = pd.DataFrame({"time": [0.0, 0.5, 0.0], "person": [0, 0, 1],
    ...                       "face_found": True, "label": "happy",
    ...                       "happy": [0.9, 0.7, 0.2], "sad": [0.1, 0.3, 0.8]})
    >>> len(plot_emotions_over_time(faces).axes)
    2
    """
    if not {"time", "person"} <= set(faces.columns):
        raise ValueError(
            "faces has no 'time' and 'person' columns: pass detect_emotions' "
            "rows of a video."
        )
    if classes is None:
        columns = list(faces.columns)
        classes = [c for c in columns[columns.index("label") + 1 :] if c != "error"]
    seen = faces[faces["person"].notna() & (faces["face_found"] == True)]  # noqa: E712
    people = sorted(seen["person"].unique())
    if not people:
        raise ValueError("faces holds no face followed in a video: nothing to plot.")
    figure = _drawing_figure(figure, (8, 1.8 + 1.6 * len(people)))
    axes = np.atleast_1d(figure.subplots(len(people), 1, sharex=True, squeeze=False))
    for ax, person in zip(axes.ravel(), people, strict=True):
        rows = seen[seen["person"] == person].sort_values("time")
        for index, name in enumerate(classes):
            ax.plot(rows["time"], rows[name], label=name, color=f"C{index}")
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"person {int(person)}")
    handles, names = axes.ravel()[0].get_legend_handles_labels()
    figure.legend(handles, names, loc="outside upper center", ncols=len(classes))
    axes.ravel()[-1].set_xlabel("time (s)")
    return figure
