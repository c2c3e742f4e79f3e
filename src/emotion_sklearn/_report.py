"""Metrics, report folders and safe saving for the command line."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import joblib
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)

from .plotting import plot_confusion_matrix, plot_training_curves


def classification_metrics(y_true, y_pred, labels=None):
    """The metrics the CLI prints and writes, as plain JSON-ready types.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, default=None
        Class order; ``None`` takes the sorted union of both.

    Returns
    -------
    metrics : dict
        ``balanced_accuracy``, ``accuracy``, ``recall``, ``precision``, ``f1``
        and ``support`` (per class name), ``confusion_matrix`` (rows: true
        labels, columns: predictions, both in ``labels`` order), ``labels``
        and ``n_samples``.

    Examples
    --------
    >>> from emotion_sklearn._report import classification_metrics
    >>> classification_metrics(["anger", "sadness"], ["anger", "anger"])["recall"]
    {'anger': 1.0, 'sadness': 0.0}
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = [str(label) for label in labels]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )

    def per_class(values, kind=float):
        return {label: kind(value) for label, value in zip(labels, values, strict=True)}

    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "recall": per_class(recall),
        "precision": per_class(precision),
        "f1": per_class(f1),
        "support": per_class(support, int),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "labels": labels,
        "n_samples": len(y_true),
    }


def format_metrics(metrics):
    """A short human-readable table of :func:`classification_metrics`."""
    lines = [
        f"balanced accuracy {metrics['balanced_accuracy']:.3f}   "
        f"accuracy {metrics['accuracy']:.3f}   n={metrics['n_samples']}",
        f"{'class':<12}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>7}",
    ]
    for label in metrics["labels"]:
        lines.append(
            f"{label:<12}{metrics['precision'][label]:>10.3f}"
            f"{metrics['recall'][label]:>8.3f}{metrics['f1'][label]:>8.3f}"
            f"{metrics['support'][label]:>7d}"
        )
    lines.append("confusion matrix (rows: true, columns: predicted, order as above)")
    lines.extend(
        "  " + " ".join(f"{n:>6d}" for n in row) for row in metrics["confusion_matrix"]
    )
    return "\n".join(lines)


def report_dir_for(model_path):
    """``m.joblib`` -> ``m_report/`` beside it."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + "_report")


def check_writable(model_path, force):
    """Refuse to replace an existing model or report unless ``force``."""
    report = report_dir_for(model_path)
    for target in (Path(model_path), report):
        if target.exists() and not force:
            raise FileExistsError(
                f"{str(target)!r} exists; pass --force to replace it."
            )
    if not Path(model_path).parent.is_dir():
        raise FileNotFoundError(f"No folder {str(Path(model_path).parent)!r}.")


def save_model(model, model_path):
    """``joblib.dump`` to a scratch file, then rename: never half a model."""
    model_path = Path(model_path)
    handle, scratch = tempfile.mkstemp(
        prefix=f".{model_path.name}.", suffix=".tmp", dir=model_path.parent
    )
    os.close(handle)
    try:
        joblib.dump(model, scratch)
        os.replace(scratch, model_path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def write_report(model_path, *, model, metrics, y_true=None, y_pred=None):
    """Write ``<model>_report/`` with the plots and ``metrics.json``, atomically."""
    final = report_dir_for(model_path)
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        if y_true is not None:
            display = plot_confusion_matrix(
                y_true, y_pred, labels=metrics.get("labels")
            )
            display.figure_.savefig(scratch / "confusion_matrix.png", dpi=120)
        plot_training_curves(model).savefig(scratch / "training_curves.png", dpi=120)
        (scratch / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        if final.exists():
            shutil.rmtree(final)
        os.replace(scratch, final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final
