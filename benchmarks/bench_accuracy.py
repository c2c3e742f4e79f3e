"""Accuracy on held-out people and other sources: the recipe and its baselines.

Usage::

    python benchmarks/bench_accuracy.py [--data DIR] [--split persons|source]
                                        [--stress] [--folds 5] [--only-folds N]
                                        [--fold K ...] [--methods ...]
                                        [--n-images N] [--seed S]
                                        [--set NAME=VALUE ...] [--out results.json]
                                        [--save-proba DIR]

Splits (``splits.py``): ``persons``, five stratified person-disjoint folds of
the 10,459 images of the four default classes (``person_folds(5)``; fold 0 is
the development fold, where choices are made); ``source``, train on the news
photos and test on every other image. With ``--stress``, each fitted model is
also scored on its test images re-framed (``splits.REFRAMINGS``: a central 60%
crop, the face cut from the eyes to the chin, a face that fills 60% of the
frame, half resolution at JPEG quality 30, lighting 30% up or down), and the
drop from the unaltered score is reported.

Methods:

- ``default``: ``make_emotion_pipeline()``, what ``emotion-sklearn train``
  trains; ``--set cnn__augmentation__rotation=10.0`` (repeatable) changes a
  parameter of its pipeline, ``--set load__image_size=(40,40)`` one of its
  loader, so any variant of the recipe reruns without a new method;
- ``plain_script``: the plain Keras script (``plain_keras.py``) on the whole
  image, what a user gets from a short script;
- ``hog_logreg``: HOG features and a balanced logistic regression.

Every split reports macro-F1 (the headline: it falls when a class is called
where it is not, which balanced accuracy does not see), balanced accuracy,
precision and recall per class and the macro one-vs-rest ROC AUC, then mean
and standard deviation per method and each method's ratio to the HOG
baseline. The re-framing stress is reported in balanced accuracy. Each method's loader
decodes the images once; augmentation and resampling happen inside each fit,
so no person, image or augmented copy is on both sides of a split.

``--save-proba DIR`` also writes, per method and split, the test labels and
probabilities (``DIR/METHOD_splitK.npz``); for the recipe, the network's
probabilities as trained (``class_prior=None``) and the priors every
:class:`ClassPrior` reading needs, so that readings are compared without a
refit.
"""

import argparse
import ast
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from skimage.feature import hog
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from emotion_sklearn import ImageLoader, make_emotion_pipeline
from emotion_sklearn._steps import frames_training_apart
from emotion_sklearn.datasets import (
    find_facial_expressions,
    load_facial_expressions,
    person_folds,
)
from plain_keras import PlainKerasScript
from splits import REFRAMINGS, reframed_paths, source_split

CLASSES = ["anger", "happiness", "neutral", "sadness"]
METHODS = ("default", "plain_script", "hog_logreg")


def hog_features(X):
    """HOG of each square image row (8x8-pixel cells, 9 orientations)."""
    side = round(X.shape[1] ** 0.5)
    return np.stack(
        [
            hog(row.reshape(side, side), pixels_per_cell=(8, 8), cells_per_block=(2, 2))
            for row in X
        ]
    )


def make_methods(seed=0, epochs=None, settings=None):
    """Each method as ``(loader, estimator on decoded pixel rows)``.

    ``settings`` (``--set``) change the default's pipeline; ``load__`` ones
    its loader.
    """
    settings = dict(settings or {})
    recipe = make_emotion_pipeline(random_state=seed)
    loader = recipe.named_steps["load"]
    loader.set_params(
        **{k.removeprefix("load__"): v for k, v in settings.items() if "load__" in k}
    )
    default = recipe.set_params(load="passthrough")
    default.set_params(**{k: v for k, v in settings.items() if "load__" not in k})
    if epochs is not None:
        default.set_params(cnn__epochs=epochs)
    whole = ImageLoader(face_finder=None, crop_fraction=1.0)
    baseline_epochs = {} if epochs is None else {"epochs": epochs}
    return {
        "default": (loader, default),
        "plain_script": (whole, PlainKerasScript(random_state=seed, **baseline_epochs)),
        "hog_logreg": (
            loader,
            make_pipeline(
                FunctionTransformer(hog_features),
                StandardScaler(),
                LogisticRegression(class_weight="balanced", max_iter=3000),
            ),
        ),
    }


def scores(y_true, y_pred):
    """Macro-F1, balanced accuracy, and recall and precision per class."""
    precision, recall, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=CLASSES, zero_division=0
    )
    return {
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=CLASSES, average="macro", zero_division=0)
        ),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "recall": dict(zip(CLASSES, map(float, recall), strict=True)),
        "precision": dict(zip(CLASSES, map(float, precision), strict=True)),
    }


def roc_auc(estimator, X, y):
    """Macro one-vs-rest ROC AUC of ``predict_proba``, or None.

    None for an estimator without probabilities, or test rows (a quick run's
    subset) that lack a class.
    """
    if sorted(set(y)) != CLASSES or not hasattr(estimator, "predict_proba"):
        return None
    proba = estimator.predict_proba(X)
    return float(roc_auc_score(y, proba, multi_class="ovr", labels=CLASSES))


def saved_probabilities(estimator, X, y):
    """Arrays to compare test-time readings with: labels, probabilities, priors."""
    saved = {"y_true": np.asarray(y).astype(str), "proba": estimator.predict_proba(X)}
    cnn = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if hasattr(cnn, "trained_prior_"):
        reading = cnn.class_prior
        cnn.set_params(class_prior=None)
        saved["proba_as_trained"] = estimator.predict_proba(X)
        cnn.set_params(class_prior=reading)
        saved["trained_prior"] = cnn.trained_prior_
        saved["class_frequencies"] = cnn.class_frequencies_
    saved["classes"] = np.asarray(estimator.classes_).astype(str)
    return saved


def evaluate_split(estimator, train, test, stressed=None):
    """Fit on ``train``, score on ``test`` and on each re-framed copy of it.

    ``train`` and ``test`` are ``(pixel rows, labels)``.
    """
    (X_train, y_train), (X_test, y_test) = train, test
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    outcome = {
        **scores(y_test, estimator.predict(X_test)),
        "roc_auc": roc_auc(estimator, X_test, y_test),
        "fit_seconds": round(time.perf_counter() - start, 1),
    }
    outcome["stress"] = {
        name: scores(y_test, estimator.predict(rows))["balanced_accuracy"]
        for name, rows in (stressed or {}).items()
    }
    return outcome


def training_pixels(loader, files, y, decoded):
    """The training rows as the loader's ``fit_transform`` makes them.

    A loader that frames a share of each class's faces as faceless photos
    (``whole_share``) does so at fit time only, as in a pipeline; its face
    boxes are cached, so this costs a decode, not a face search.
    """
    if not frames_training_apart(loader):
        return decoded
    return np.asarray(loader.fit_transform(files, y), dtype=np.float32)


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def summarise(results):
    """Print each method's mean and spread over the splits."""
    hog = [f["balanced_accuracy"] for f in results.get("hog_logreg", [])]
    print(
        f"\n{'method':<14}{'macro-F1':>16}{'bal. acc.':>16}{'ROC AUC':>16}"
        f"{'fit s':>8}{'vs HOG':>8}"
    )
    for name, folds in results.items():
        bacc = [f["balanced_accuracy"] for f in folds]
        auc = [f["roc_auc"] for f in folds]
        print(
            f"{name:<14}{_mean_sd([f['macro_f1'] for f in folds]):>16}"
            f"{_mean_sd(bacc):>16}{'-' if None in auc else _mean_sd(auc):>16}"
            f"{np.mean([f['fit_seconds'] for f in folds]):>8.0f}"
            f"{f'{np.mean(bacc) / np.mean(hog):.2f}' if hog else '-':>8}"
        )
    for kind in ("recall", "precision"):
        print(f"\n{kind:<14}" + "".join(f"{c:>16}" for c in CLASSES))
        for name, folds in results.items():
            cells = [_mean_sd([f[kind][c] for f in folds]) for c in CLASSES]
            print(f"{name:<14}" + "".join(f"{c:>16}" for c in cells))
    _summarise_stress(results)


def _summarise_stress(results):
    stressed = [name for name, folds in results.items() if folds[0]["stress"]]
    if not stressed:
        return
    variants = list(results[stressed[0]][0]["stress"])
    print("\nre-framing stress: balanced accuracy (change from unaltered)")
    print(f"{'method':<14}" + "".join(f"{v:>18}" for v in variants))
    for name in stressed:
        folds = results[name]
        base = np.mean([f["balanced_accuracy"] for f in folds])
        cells = []
        for variant in variants:
            value = np.mean([f["stress"][variant] for f in folds])
            cells.append(f"{value:.3f} ({value - base:+.3f})")
        print(f"{name:<14}" + "".join(f"{c:>18}" for c in cells))


def parse_setting(text):
    """``NAME=VALUE`` as ``(NAME, value)``: VALUE a Python literal, else a string."""
    name, equals, raw = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return name, raw


def _splits(args, paths, y, groups):
    if args.split == "source":
        return [(0, source_split(paths))]
    folds = list(person_folds(args.folds, random_state=0).split(paths, y, groups))
    indices = args.fold if args.fold is not None else range(len(folds))
    return [(k, folds[k]) for k in indices][: args.only_folds]


def _subsample(n_total, n_images):
    if n_images is None or n_images >= n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(0).choice(n_total, n_images, replace=False))


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=find_facial_expressions())
    parser.add_argument("--split", choices=["persons", "source"], default="persons")
    parser.add_argument("--stress", action="store_true", help="score re-framed tests")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only-folds", type=int, help="run only the first N folds")
    parser.add_argument("--fold", type=int, nargs="+", help="run only these folds")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--n-images", type=int, help="a random subset, for a quick run")
    parser.add_argument("--epochs", type=int, help="override the networks' epochs")
    parser.add_argument("--seed", type=int, default=0, help="the methods' random_state")
    parser.add_argument("--scratch", type=Path, help="folder for re-framed images")
    parser.add_argument(
        "--set",
        type=parse_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the default's pipeline, e.g. cnn__dropout=0.0",
    )
    parser.add_argument("--out", type=Path, help="write the per-split results as JSON")
    parser.add_argument(
        "--save-proba", type=Path, metavar="DIR", help="write test probabilities"
    )
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.data is None:
        _parser().error("no dataset found: give --data or set $EMOTION_SKLEARN_DATASET")
    faces = load_facial_expressions(args.data)
    rows = _subsample(len(faces.data), args.n_images)
    paths, y, groups = faces.data[rows], faces.target[rows], faces.groups[rows]
    splits = _splits(args, paths, y, groups)
    for _, (train, test) in splits:
        assert not set(groups[train]) & set(groups[test])
    methods = make_methods(args.seed, args.epochs, dict(args.set))
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="reframed-"))
    decoded = {}

    def pixels(loader, files):
        key = (repr(loader), files[0], len(files))
        if key not in decoded:
            rows = loader.set_params(n_jobs=2).transform(files)
            decoded[key] = np.asarray(rows, dtype=np.float32)
        return decoded[key]

    print(f"{len(y)} images of {len(set(groups))} people, split {args.split!r}")
    results = {name: [] for name in args.methods}
    for index, (train, test) in splits:
        variants = {}
        if args.stress:
            variants = {v: reframed_paths(paths[test], v, scratch) for v in REFRAMINGS}
        for name in args.methods:
            loader, estimator = methods[name]
            stressed = {v: pixels(loader, files) for v, files in variants.items()}
            X = pixels(loader, paths)
            X_train = training_pixels(loader, paths[train], y[train], X[train])
            outcome = evaluate_split(
                estimator, (X_train, y[train]), (X[test], y[test]), stressed
            )
            results[name].append(outcome)
            if args.save_proba:
                args.save_proba.mkdir(parents=True, exist_ok=True)
                saved = saved_probabilities(estimator, X[test], y[test])
                np.savez(args.save_proba / f"{name}_split{index}.npz", **saved)
            print(
                f"split {index} {name:<13} macro-F1 {outcome['macro_f1']:.3f} "
                f"bal. acc. {outcome['balanced_accuracy']:.3f}  "
                f"({outcome['fit_seconds']:.0f} s)",
                flush=True,
            )
    summarise(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
