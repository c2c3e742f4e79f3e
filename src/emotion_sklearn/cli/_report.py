"""Metrics, report folders and safe saving for the command line."""

import json
from pathlib import Path

import joblib
import numpy as np

from .._files import remove_stale_scratch, takes_new_files, written_together
from ..model_files._format import write_model_file


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
    >>> from emotion_sklearn.cli._report import classification_metrics
    >>> classification_metrics(["anger", "sadness"], ["anger", "anger"])["recall"]
    {'anger': 1.0, 'sadness': 0.0}
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = [str(label) for label in labels]
    # Here, not at the top: predict checks its arguments with this module.
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
    )

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


def cv_results_path_for(model_path):
    """``m.joblib`` -> ``m_cv_results.csv`` beside it."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + "_cv_results.csv")


def check_writable(model_path, force, *, extra=()):
    """Before any work: refuse to replace outputs unless ``force``, and check
    that the folder takes new files.

    ``extra`` names further output files (a search's CSV) checked the same way.
    """
    model_path = Path(model_path)
    folder = model_path.parent
    if model_path.is_dir():  # --force would not help
        raise IsADirectoryError(
            f"{str(model_path)!r} is a folder; give a file name for the model, "
            f"e.g. {str(model_path / 'model.esk')!r}."
        )
    for target in (model_path, report_dir_for(model_path), *map(Path, extra)):
        if target.exists() and not force:
            raise FileExistsError(
                f"{str(target)!r} exists; pass --force to replace it."
            )
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder {str(folder)!r}.")
    for target in (model_path, report_dir_for(model_path), *map(Path, extra)):
        remove_stale_scratch(target)
    refused = takes_new_files(folder)
    if refused is not None:
        raise PermissionError(
            f"cannot write to {str(folder)!r} ({refused.strerror}); choose another "
            "--out."
        )


PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def is_pickle_name(path):
    """Whether ``path``'s name asks for a joblib pickle rather than the safe format."""
    return Path(path).suffix.lower() in PICKLE_SUFFIXES


def save_outputs(model_path, *, model, report=None, tables=None):
    """Write the model and, if given, its report folder as one unit.

    A ``.joblib``, ``.pkl`` or ``.pickle`` name gets ``joblib.dump``; any
    other the safe format of :func:`emotion_sklearn.save_model`. Both are
    written to scratch names beside their targets and then swapped in
    together (:func:`written_together`): after an interruption there is the
    old model and report or the new ones, never one of each.

    Parameters
    ----------
    model_path : path-like
    model : estimator
    report : dict or None
        Keyword arguments of :func:`write_report_files` (``metrics``,
        ``y_true``, ``y_pred``).
    tables : dict or None
        ``{path: DataFrame}`` written as CSV files in the same unit.
    """
    model_path = Path(model_path)
    with written_together() as scratch_for:
        model_scratch = scratch_for(model_path)
        if is_pickle_name(model_path):
            joblib.dump(model, model_scratch)
        else:
            write_model_file(model, model_scratch)
        if report is not None:
            report_scratch = scratch_for(report_dir_for(model_path), folder=True)
            write_report_files(report_scratch, model=model, **report)
        for path, table in (tables or {}).items():
            table.to_csv(scratch_for(path), index=False)


def write_report_files(folder, *, model, metrics, y_true=None, y_pred=None):
    """The plots and ``metrics.json`` of a report, written into ``folder``."""
    # Here, not at the top: predict checks its arguments with this module
    # and needs no matplotlib.
    from ..plotting import plot_confusion_matrix, plot_training_curves

    folder = Path(folder)
    if y_true is not None:
        display = plot_confusion_matrix(y_true, y_pred, labels=metrics.get("labels"))
        display.figure_.savefig(folder / "confusion_matrix.png", dpi=120)
    plot_training_curves(model).savefig(folder / "training_curves.png", dpi=120)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
