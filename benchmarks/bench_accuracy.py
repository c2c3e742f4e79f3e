"""Accuracy on held-out people and other sources: every method on the same splits.

Usage::

    python benchmarks/bench_accuracy.py [--data DIR] [--split persons|source]
                                        [--stress] [--folds 5] [--only-folds N]
                                        [--fold K ...]
                                        [--methods ...] [--n-images N] [--seed S]
                                        [--set NAME=VALUE ...] [--out results.json]
                                        [--learn-also EMOTION ...]
                                        [--class-priors PRIOR ...]
                                        [--save-proba FILE.npz]

Splits (``splits.py``): ``persons``, five stratified person-disjoint folds of
the 10,459 images of the four default classes (``person_folds(5)``);
``source``, train on the news photos and test on every other image. With
``--stress``, each fitted model is also scored on its test images re-framed
(a central 60% crop; the face cut from the eyes to the chin, as face
databases crop it, 30% to 105% of the height of the face the package's finder
finds and the middle 90% of its width; zoomed out so the photo fills 60% of the
frame, edges repeated; half resolution at JPEG quality 30; brightness and
contrast up or down 30%), and the drop from the unaltered score is reported. Every split
reports balanced accuracy, macro-F1, recall and precision per class, and the
macro one-vs-rest ROC AUC of the probabilities (how well they rank each class,
whatever the decision rule).

``--class-priors uniform None training`` also reads the default's fitted
network on each split's test rows under each ``class_prior`` (``None``: as
trained), its ``class_prior_boost`` kept, without refitting, and reports each
reading: the trade between finding the rare classes and false alarms, for one
set of fits. ``--save-proba FILE.npz`` saves the default's test probabilities
as trained, without the boost (and its ``trained_prior_``) per split, of each
re-framed copy too with ``--stress``, from which any other reading follows
without the network (``read_priors.py``).

``--learn-also disgust`` (any of the dataset's other labels) adds the images of
those expressions to every split's training side where the split allows it
(``with_training_only_rows`` in ``splits.py``: never a test person's images);
the test rows stay the four classes, and each method's prediction is its most
probable of the four (``predict_among``), so a class learned only as a
contrast is never predicted.

Every method that reads the same loader sees the same decoded pixels
(ImageLoader learns nothing, so decoding once is honest). No person, image or
augmented copy is on both sides of a split: augmentation and resampling happen
inside each fit.

Methods (loader in brackets):

- ``default``: ``make_emotion_pipeline()``, what ``emotion-sklearn train`` uses
  [its own loader]; ``--set cnn__dropout=0.0`` (repeatable) changes a parameter
  of its pipeline and ``--set load__image_size=(40,40)`` one of its loader, so a
  variant of the default reruns without a new method;
- ``previous_default``: the recipe before the generalisation work (two
  four-block networks, balanced class weights, early stopping) [central 70%];
- ``face``, ``face_lbp``: ``previous_default``'s network on the square around
  the largest face found by OpenCV's Haar or scikit-image's LBP cascade [face];
- ``face_crop_recipe``: ``FACE_CROP_RECIPE``, the face-crop recipe with class
  weights to the power 0.75, which the variants below change [face];
- ``class_weight_05``: ``FACE_CROP_RECIPE`` with class weights to the power 0.5:
  the default recipe with three convolution blocks instead of four [face];
- ``default_profiles``: ``FACE_CROP_RECIPE``, its face finder also looking for
  faces in profile where no frontal face is found
  (``FaceFinder(profiles=True)``) [face, profiles];
- ``quality_augmentation``, ``mild_augmentation``, ``no_zoom_or_lighting``:
  ``FACE_CROP_RECIPE`` with blur, noise and erasing added; with zoom and
  lighting changes halved; without them [face];
- ``downscale``: ``FACE_CROP_RECIPE``, each training image also shown at lower
  resolutions (``random_downscale=0.6``) [face];
- ``no_dropout``: ``FACE_CROP_RECIPE`` without dropout (``dropout=0.0``) [face];
- ``equalized``: ``FACE_CROP_RECIPE`` with ``histogram_equalization=True`` [face];
- ``class_weight_1``: ``FACE_CROP_RECIPE`` with fully balanced class weights
  (``class_weight_exponent=1.0``) [face];
- ``margin25``: ``FACE_CROP_RECIPE`` on faces cropped with a 25% margin
  (``FaceFinder(margin=0.25)``) [face_margin25];
- ``plain_script``: the plain Keras script of the generalisation issue
  (``plain_keras.py``) [whole image];
- ``plain_script_uniform``: the same network, its probabilities read under a
  uniform class prior as the default's are [whole image];
- ``three_blocks``: ``previous_default`` with three convolution blocks;
- ``mirror_sampler``: a :class:`RotationAugmenter` adding each training image's
  mirror image, 20 epochs, no in-network flip, one network;
- ``ensemble2``: a soft vote of two one-network recipes that differ in their seed;
- ``one_network``: one three-block network, ``n_iter_no_change=6``;
- ``patience6``: ``three_blocks`` with ``n_iter_no_change=6``;
- ``networks3``: ``three_blocks`` with three networks side by side;
- ``plateau``: the one-network recipe with ``lr_schedule="plateau"``;
- ``hog_logreg``: HOG features and ``LogisticRegression(class_weight="balanced")``;
- ``original``: the original work's network (six conv pairs of 2 to 64
  filters, dense 256, no imbalance handling) with its six-orientation
  augmentation.

Prints balanced accuracy, macro-F1 and per-class recall and precision per
split, then mean and standard deviation per method, and each method's ratio to
the HOG baseline.
"""

import argparse
import ast
import contextlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from skimage.feature import hog
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from emotion_sklearn import (
    EmotionCNNClassifier,
    FaceFinder,
    ImageLoader,
    RotationAugmenter,
    make_emotion_pipeline,
)
from emotion_sklearn.datasets import (
    find_facial_expressions,
    load_facial_expressions,
    person_folds,
)
from plain_keras import PlainKerasScript
from splits import (
    REFRAMINGS,
    reframed_paths,
    source_split,
    with_training_only_rows,
)

DEFAULT_DATA = find_facial_expressions(Path(__file__).parent)
CLASSES = ["anger", "happiness", "neutral", "sadness"]
# How each method's images are loaded: ImageLoader parameters.
LOADERS = {
    "central": {"face_finder": None, "crop_fraction": 0.7},
    "whole": {"face_finder": None, "crop_fraction": 1.0},
    "face": {"face_finder": FaceFinder("haar")},
    "face_lbp": {"face_finder": FaceFinder("lbp")},
    "face_profiles": {"face_finder": FaceFinder("haar", profiles=True)},
    "face_margin25": {"face_finder": FaceFinder("haar", margin=0.25)},
}


def default_loader():
    """The LOADERS key of the loader ``make_emotion_pipeline()`` builds."""
    finder = make_emotion_pipeline().named_steps["load"].resolved_face_finder()
    if finder is None:
        return "central"
    return "face" if finder.detector == "haar" else "face_lbp"


def hog_features(X):
    """HOG of each square image row (8x8-pixel cells, 9 orientations)."""
    side = round(X.shape[1] ** 0.5)
    return np.stack(
        [
            hog(
                row.reshape(side, side),
                orientations=9,
                pixels_per_cell=(8, 8),
                cells_per_block=(2, 2),
            )
            for row in X
        ]
    )


# The rows in benchmarks/README.md measured these recipes; they are pinned
# here so that they do not silently follow a later default.
# The recipe before the generalisation work: central crop, two networks of
# four blocks, fully balanced class weights, early stopping.
PREVIOUS_DEFAULT = {
    "n_blocks": 4,
    "dense_units": 64,
    "n_networks": 2,
    "class_weight_exponent": 1.0,
    "learning_rate": 1e-3,
    "lr_schedule": "constant",
    "weight_decay": 0.0,
    "random_rotation": 0.0,
    "random_shift": 0.0,
    "random_zoom": 0.0,
    "random_brightness": 0.0,
    "random_contrast": 0.0,
    "epochs": 25,
    "early_stopping": True,
    "n_iter_no_change": 10,
    # Parameters added or changed since, pinned to what that recipe did.
    "image_standardization": False,
    "class_prior": None,
    "class_prior_boost": None,
    "dropout": 0.25,
    "block_dropout": 0.25,
    "test_time_crop": 1.0,
}
# The default before "Default pipeline: four convolution blocks": two networks
# of three blocks.
THREE_BLOCKS = {**PREVIOUS_DEFAULT, "n_blocks": 3}
# The one-network default before "Default pipeline: two networks side by
# side": the plateau, mirror-sampler and seed-ensemble rows are variants of it.
ONE_NETWORK = {**THREE_BLOCKS, "n_networks": 1, "n_iter_no_change": 6}


# The face-crop recipe with class weights to the power 0.75, which "The default
# recipe" and the variants "With the current network" in benchmarks/README.md
# were measured with; each variant changes one thing of it. Pinned for the same
# reason as the recipes above: `default` follows make_emotion_pipeline(), and
# main() says when the two part.
FACE_CROP_RECIPE = {
    "n_blocks": 3,
    "filters": 16,
    "kernel_size": 3,
    "batch_norm": True,
    "block_dropout": 0.0,
    "global_pooling": True,
    "dense_units": 0,
    "dropout": 0.3,
    "n_networks": 1,
    "histogram_equalization": False,
    "image_standardization": True,
    "class_weight": "balanced",
    "class_weight_exponent": 0.75,
    "class_prior": "uniform",
    "class_prior_boost": None,
    "learning_rate": 2e-3,
    "lr_schedule": "cosine",
    "weight_decay": 1e-4,
    "ema_momentum": None,
    "batch_size": 64,
    "epochs": 30,
    "early_stopping": False,
    "random_flip": True,
    "flip_test_time": True,
    "random_rotation": 14.4,
    "random_shift": 0.06,
    "random_zoom": (0.4, 0.15),
    "fill_mode": "reflect",
    "random_brightness": 0.3,
    "random_contrast": 0.3,
    "random_blur": 0.0,
    "random_noise": 0.0,
    "random_erasing": 0.0,
    "random_downscale": 0.0,
    "test_time_crop": 1.0,
}


def default_departures():
    """The default CNN's parameters that differ from FACE_CROP_RECIPE."""
    current = make_emotion_pipeline().named_steps["cnn"].get_params()
    return {
        name: (value, current[name])
        for name, value in FACE_CROP_RECIPE.items()
        if current[name] != value
    }


def make_methods(epochs=None, seed=0):
    """Each method as an estimator on decoded pixel rows, seeded with ``seed``."""
    cnn_epochs = {} if epochs is None else {"epochs": epochs}

    def variant(steps=None, *recipes, **params):
        """The default pipeline on pixels, ``steps`` replaced, ``cnn__params`` set.

        ``recipes`` are dicts of CNN parameters, applied in order; ``params``
        last.
        """
        settings = {k: v for recipe in recipes for k, v in recipe.items()}
        settings = {**settings, **params, **cnn_epochs}
        cnn = {f"cnn__{name}": value for name, value in settings.items()}
        return make_emotion_pipeline(
            load="passthrough", random_state=seed, **(steps or {}), **cnn
        )

    original_cnn = EmotionCNNClassifier(
        **{
            **PREVIOUS_DEFAULT,
            "n_blocks": 6,
            "filters": 2,
            "dense_units": 256,
            "n_networks": 1,
            "batch_norm": False,
            "global_pooling": False,
            "class_weight": None,
            "random_flip": False,
            "flip_test_time": False,
            "epochs": 20,
            "n_iter_no_change": 6,
        }
    )
    central = {
        "previous_default": variant(None, PREVIOUS_DEFAULT),
        "three_blocks": variant(None, THREE_BLOCKS),
        "one_network": variant(None, ONE_NETWORK),
        "patience6": variant(None, THREE_BLOCKS, n_iter_no_change=6),
        "networks3": variant(None, THREE_BLOCKS, n_networks=3),
        "plateau": variant(None, ONE_NETWORK, lr_schedule="plateau"),
        "mirror_sampler": variant(
            {"augment": RotationAugmenter(orientations=("flip_horizontal",))},
            ONE_NETWORK,
            random_flip=False,
            epochs=20,
        ),
        # The members carry their own seeds and epochs.
        "ensemble2": make_emotion_pipeline(
            load="passthrough", cnn=_seed_ensemble(2, cnn_epochs, seed)
        ),
        "hog_logreg": make_pipeline(
            FunctionTransformer(hog_features),
            StandardScaler(),
            LogisticRegression(class_weight="balanced", max_iter=3000),
        ),
        "original": variant({"augment": RotationAugmenter(), "cnn": original_cnn}),
    }
    faces = default_loader()
    return {
        **{name: ("central", method) for name, method in central.items()},
        "default": (faces, variant()),
        "face": ("face", variant(None, PREVIOUS_DEFAULT)),
        "face_lbp": ("face_lbp", variant(None, PREVIOUS_DEFAULT)),
        "default_profiles": ("face_profiles", variant(None, FACE_CROP_RECIPE)),
        "quality_augmentation": (
            faces,
            variant(
                None,
                FACE_CROP_RECIPE,
                random_blur=1.5,
                random_noise=0.03,
                random_erasing=0.5,
            ),
        ),
        "mild_augmentation": (
            faces,
            variant(
                None,
                FACE_CROP_RECIPE,
                random_zoom=(0.2, 0.1),
                random_brightness=0.15,
                random_contrast=0.15,
            ),
        ),
        "downscale": (faces, variant(None, FACE_CROP_RECIPE, random_downscale=0.6)),
        "class_weight_1": (
            faces,
            variant(None, FACE_CROP_RECIPE, class_weight_exponent=1.0),
        ),
        "face_crop_recipe": (faces, variant(None, FACE_CROP_RECIPE)),
        "class_weight_05": (
            faces,
            variant(None, FACE_CROP_RECIPE, class_weight_exponent=0.5),
        ),
        "no_dropout": (faces, variant(None, FACE_CROP_RECIPE, dropout=0.0)),
        "equalized": (
            faces,
            variant(None, FACE_CROP_RECIPE, histogram_equalization=True),
        ),
        "margin25": ("face_margin25", variant(None, FACE_CROP_RECIPE)),
        "no_zoom_or_lighting": (
            faces,
            variant(
                None,
                FACE_CROP_RECIPE,
                random_zoom=0.0,
                random_brightness=0.0,
                random_contrast=0.0,
            ),
        ),
        "plain_script": ("whole", PlainKerasScript(random_state=seed)),
        "plain_script_uniform": (
            "whole",
            PlainKerasScript(class_prior="uniform", random_state=seed),
        ),
    }


def _seed_ensemble(n_networks, cnn_epochs, first_seed):
    default_cnn = make_emotion_pipeline().named_steps["cnn"]
    members = [
        (
            f"seed{seed}",
            clone(default_cnn).set_params(
                **{**ONE_NETWORK, "random_state": seed, **cnn_epochs}
            ),
        )
        for seed in range(first_seed, first_seed + n_networks)
    ]
    return VotingClassifier(members, voting="soft")


def _subsample(faces, n_images, seed=0):
    if n_images is None or n_images >= len(faces.data):
        return np.arange(len(faces.data))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(len(faces.data), n_images, replace=False))


def _same_share(n_images, faces, extra):
    """How many of ``extra`` a ``n_images`` subset of ``faces`` calls for."""
    if n_images is None:
        return None
    return max(1, round(len(extra.data) * min(1, n_images / len(faces.data))))


def scores(y_true, y_pred):
    """Balanced accuracy, macro-F1, and recall and precision per class."""
    precision, recall, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=CLASSES, zero_division=0
    )
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=CLASSES, average="macro", zero_division=0)
        ),
        "recall": dict(zip(CLASSES, map(float, recall), strict=True)),
        "precision": dict(zip(CLASSES, map(float, precision), strict=True)),
    }


def _scored_proba(estimator, X):
    """``estimator``'s probabilities of the four scored classes, in ``CLASSES`` order.

    Of an estimator that learned other classes too (``--learn-also``), the
    four classes' columns, shares renormalised to sum to 1: its probabilities
    under a class prior of 0 for the others. ``None`` for an estimator without
    probabilities or one that lacks a scored class.
    """
    classes = list(getattr(estimator, "classes_", []))
    if not hasattr(estimator, "predict_proba") or not set(CLASSES) <= set(classes):
        return None
    proba = estimator.predict_proba(X)[:, [classes.index(c) for c in CLASSES]]
    return proba / proba.sum(axis=1, keepdims=True)


def predict_among(estimator, X):
    """``estimator``'s predictions for ``X``, each one of ``CLASSES``.

    An estimator that learned other classes too (``--learn-also``) gives its
    most probable of the four (``_scored_proba``). Any other estimator gives
    its own ``predict``.
    """
    if set(getattr(estimator, "classes_", CLASSES)) <= set(CLASSES):
        return estimator.predict(X)
    return np.asarray(CLASSES, dtype=object)[_scored_proba(estimator, X).argmax(axis=1)]


def _roc_auc(estimator, X, y):
    """Macro one-vs-rest ROC AUC: how well the probabilities rank each class.

    It does not depend on where the decision falls, so it separates two
    recipes with less noise than balanced accuracy on a fold with few angry
    and sad faces. ``None`` for an estimator without probabilities, or a
    test set (a quick run's subset) that lacks a class. It reads what
    ``predict_proba`` returns: the default's under its uniform class prior,
    0.002-0.007 below the same networks read as trained (``class_prior=None``),
    which is how the screening runs in benchmarks/README.md read them; of an
    estimator that learned other classes too, ``_scored_proba``.
    """
    if sorted(set(y)) != CLASSES:
        return None
    proba = _scored_proba(estimator, X)
    if proba is None:
        return None
    return float(roc_auc_score(y, proba, multi_class="ovr", labels=CLASSES))


@contextlib.contextmanager
def _under_prior(estimator, prior, boost="own"):
    """The fitted pipeline ``estimator`` reading under ``prior``; its own after.

    ``class_prior`` and ``class_prior_boost`` act at predict only: the same
    network, without refitting. ``boost="own"`` keeps the pipeline's boost.
    """
    params = estimator.get_params()
    own = {key: params[key] for key in ("cnn__class_prior", "cnn__class_prior_boost")}
    estimator.set_params(cnn__class_prior=prior)
    if boost != "own":
        estimator.set_params(cnn__class_prior_boost=boost)
    try:
        yield estimator
    finally:
        estimator.set_params(**own)


def read_under_priors(estimator, X, y, priors):
    """Scores of the fitted ``estimator`` read under each class prior in turn.

    Each reading adds ``accuracy`` and ``called``, how many faces were
    predicted to be each class. Keyed by the prior's ``repr`` (``'uniform'``,
    ``None``).
    """
    readings = {}
    for prior in priors:
        with _under_prior(estimator, prior):
            predicted = predict_among(estimator, X)
        reading = scores(y, predicted)
        reading["accuracy"] = float(np.mean(predicted == y))
        reading["called"] = {c: int(np.sum(predicted == c)) for c in CLASSES}
        readings[repr(prior)] = reading
    return readings


def evaluate_split(estimator, X, y, train, test, stressed=None, priors=()):
    """Fit on ``train``, score on ``test`` and on each re-framed copy of it.

    ``stressed`` maps a re-framing's name to the re-framed test rows;
    ``priors``, class priors to read the unaltered test rows under as well
    (:func:`read_under_priors`).
    """
    start = time.perf_counter()
    estimator.fit(X[train], y[train])
    fit_seconds = time.perf_counter() - start
    outcome = {**scores(y[test], predict_among(estimator, X[test]))}
    outcome["roc_auc"] = _roc_auc(estimator, X[test], y[test])
    outcome["fit_seconds"] = round(fit_seconds, 1)
    outcome["stress"] = {
        name: scores(y[test], predict_among(estimator, rows))["balanced_accuracy"]
        for name, rows in (stressed or {}).items()
    }
    if priors:
        outcome["priors"] = read_under_priors(estimator, X[test], y[test], priors)
    return outcome


def proba_as_trained(estimator, X):
    """The fitted default's probabilities under ``class_prior=None``, and its prior.

    Any other prior's probabilities follow from these without the network:
    ``class_prior`` rescales them by ``prior / trained_prior_`` after the
    mirror image's are averaged in, and ``class_prior_boost`` by its factors.
    """
    with _under_prior(estimator, None, boost=None):
        proba = estimator.predict_proba(X)
    cnn = estimator.named_steps["cnn"]
    return proba, cnn.trained_prior_, cnn.classes_


def _probabilities_to_save(estimator, index, test, y, rows):
    """``--save-proba``'s arrays for one split, keyed ``split{index}_...``.

    ``rows`` maps ``""`` to the unaltered test rows and each re-framing's
    name to its copy of them.
    """
    arrays = {f"split{index}_test": test, f"split{index}_y": y[test].astype(str)}
    for variant, X in rows.items():
        proba, trained, classes = proba_as_trained(estimator, X)
        arrays[f"split{index}{'_' if variant else ''}{variant}_proba"] = proba
    arrays[f"split{index}_trained_prior"] = trained
    arrays["classes"] = np.asarray(classes, dtype=str)
    return arrays


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def summarise(results):
    hog_mean = None
    if "hog_logreg" in results:
        hog_mean = np.mean([f["balanced_accuracy"] for f in results["hog_logreg"]])
    print(
        f"\n{'method':<16}{'bal. acc.':>16}{'macro-F1':>16}{'ROC AUC':>16}"
        f"{'fit s':>8}{'vs HOG':>8}"
    )
    for name, folds in results.items():
        bacc = [f["balanced_accuracy"] for f in folds]
        ratio = f"{np.mean(bacc) / hog_mean:.2f}" if hog_mean else "-"
        fit = np.mean([f["fit_seconds"] for f in folds])
        f1 = [f["macro_f1"] for f in folds]
        auc = [f.get("roc_auc") for f in folds]
        auc = "-" if None in auc else _mean_sd(auc)
        print(
            f"{name:<16}{_mean_sd(bacc):>16}{_mean_sd(f1):>16}{auc:>16}"
            f"{fit:>8.0f}{ratio:>8}"
        )
    for kind in ("recall", "precision"):
        print(f"\n{kind:<16}" + "".join(f"{c:>16}" for c in CLASSES))
        for name, folds in results.items():
            cells = [_mean_sd([f[kind][c] for f in folds]) for c in CLASSES]
            print(f"{name:<16}" + "".join(f"{c:>16}" for c in cells))
    stressed = [name for name, folds in results.items() if folds[0]["stress"]]
    if stressed:
        variants = list(results[stressed[0]][0]["stress"])
        print("\nre-framing stress: balanced accuracy (change from unaltered)")
        print(f"{'method':<16}" + "".join(f"{v:>18}" for v in variants))
        for name in stressed:
            folds = results[name]
            base = np.mean([f["balanced_accuracy"] for f in folds])
            cells = []
            for variant in variants:
                value = np.mean([f["stress"][variant] for f in folds])
                cells.append(f"{value:.3f} ({value - base:+.3f})")
            print(f"{name:<16}" + "".join(f"{c:>18}" for c in cells))
    for name, folds in results.items():
        if "priors" in folds[0]:
            _summarise_priors(name, folds)


def _summarise_priors(name, folds):
    print(f"\n{name} read under each class prior (mean over splits; called: total)")
    print(
        f"{'prior':<12}{'bal. acc.':>16}{'macro-F1':>16}{'accuracy':>10}"
        + "".join(f"{'R ' + c[:4]:>8}" for c in CLASSES)
        + "".join(f"{'P ' + c[:4]:>8}" for c in CLASSES)
        + "".join(f"{'# ' + c[:4]:>8}" for c in CLASSES)
    )
    for prior in folds[0]["priors"]:
        readings = [f["priors"][prior] for f in folds]
        cells = [
            f"{np.mean([r[kind][c] for r in readings]):>8.2f}"
            for kind in ("recall", "precision")
            for c in CLASSES
        ]
        called = [f"{sum(r['called'][c] for r in readings):>8}" for c in CLASSES]
        print(
            f"{prior:<12}"
            f"{_mean_sd([r['balanced_accuracy'] for r in readings]):>16}"
            f"{_mean_sd([r['macro_f1'] for r in readings]):>16}"
            f"{np.mean([r['accuracy'] for r in readings]):>10.3f}"
            + "".join(cells + called)
        )


def _splits(args, paths, y, groups):
    if args.split == "source":
        return [source_split(paths)]
    folds = list(person_folds(args.folds, random_state=0).split(paths, y, groups))
    if args.fold is not None:
        return [folds[k] for k in args.fold]
    return folds[: args.only_folds]


def parse_setting(text):
    """``NAME=VALUE`` as ``(NAME, value)``: VALUE a Python literal, else a string."""
    name, equals, raw = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return name, raw


def parse_prior(text):
    """A ``class_prior`` value from the command line: ``None`` or a name."""
    return None if text == "None" else text


def _apply_settings(methods, settings):
    """Set ``--set`` parameters on the ``default`` method.

    ``load__`` parameters change the ImageLoader that decodes its pixels (its
    pipeline starts from pixels); the others go to its pipeline, whose
    ``set_params`` names any parameter it does not have.
    """
    loader, estimator = methods["default"]
    load = {
        k.removeprefix("load__"): v
        for k, v in settings.items()
        if k.startswith("load__")
    }
    if load:
        loader_params = {**LOADERS[loader], **load}
        ImageLoader(**loader_params)  # names an unknown parameter
        LOADERS["default_set"] = loader_params
        loader = "default_set"
    estimator.set_params(
        **{k: v for k, v in settings.items() if not k.startswith("load__")}
    )
    methods["default"] = (loader, estimator)
    print(f"note: `default` runs with {settings}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["persons", "source"], default="persons")
    parser.add_argument("--stress", action="store_true", help="score re-framed tests")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only-folds", type=int, help="run only the first N folds")
    parser.add_argument(
        "--fold", type=int, nargs="+", help="run only these folds (0 is development)"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["hog_logreg", "default", "plain_script", "previous_default"],
    )
    parser.add_argument("--n-images", type=int, help="a random subset, for a quick run")
    parser.add_argument("--epochs", type=int, help="override the CNNs' epochs")
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state of the networks (not splits)"
    )
    parser.add_argument(
        "--scratch", type=Path, help="folder for re-framed images (default: a temp one)"
    )
    parser.add_argument(
        "--set",
        type=parse_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter of the default method's pipeline, e.g. cnn__dropout=0.0 "
        "or load__image_size=(40,40)",
    )
    parser.add_argument(
        "--class-priors",
        type=parse_prior,
        nargs="+",
        default=[],
        metavar="PRIOR",
        help="also read the default's test predictions under these class_prior "
        "values, without refitting: uniform, training, None",
    )
    parser.add_argument("--out", type=Path, help="write the per-split results as JSON")
    parser.add_argument(
        "--save-proba",
        type=Path,
        metavar="FILE.npz",
        help="save the default's test probabilities as trained, per split, "
        "to read other class priors later without refitting",
    )
    parser.add_argument(
        "--learn-also",
        nargs="+",
        default=[],
        metavar="EMOTION",
        help="also train on these expressions' images (never tested or predicted)",
    )
    args = parser.parse_args(argv)

    faces = load_facial_expressions(args.data)
    rows = _subsample(faces, args.n_images)
    paths, y, groups = faces.data[rows], faces.target[rows], faces.groups[rows]
    splits = _splits(args, paths, y, groups)
    if args.learn_also:
        extra = load_facial_expressions(args.data, emotions=args.learn_also)
        scored = sorted(set(extra.target) & set(CLASSES))
        if scored:
            parser.error(f"--learn-also: {scored} are scored already; name others")
        # A quick run keeps the same share of them as of the scored images.
        kept = _subsample(extra, _same_share(args.n_images, faces, extra))
        extra_paths, extra_groups = extra.data[kept], extra.groups[kept]
        splits = with_training_only_rows(
            splits, groups, extra_paths, extra_groups, split=args.split
        )
        paths = np.concatenate([paths, extra_paths])
        y = np.concatenate([y, extra.target[kept]])
        groups = np.concatenate([groups, extra_groups])
        print(f"training also on {len(kept)} images: {args.learn_also}")
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    methods = make_methods(args.epochs, args.seed)
    if args.set:
        _apply_settings(methods, dict(args.set))
    departures = default_departures()
    if departures or default_loader() != "face":
        changes = ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in departures.items())
        print(
            "note: the default recipe is no longer FACE_CROP_RECIPE "
            f"({changes or 'its loader'}); the variant methods still change "
            "FACE_CROP_RECIPE, so compare them with each other, not with `default`."
        )
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="reframed-"))
    pixels = {}

    def decoded(loader, files):
        key = (loader, tuple(files[:1]), len(files))
        if key not in pixels:
            pixels[key] = ImageLoader(n_jobs=2, **LOADERS[loader]).transform(files)
        return pixels[key]

    results = {name: [] for name in args.methods}
    saved = {}
    print(
        f"{len(y)} images of {len(set(groups))} people, split {args.split!r}: "
        f"{len(splits)} split(s), {[len(test) for _, test in splits]} test images"
    )
    names = args.fold if args.split == "persons" and args.fold else range(len(splits))
    for index, (train, test) in zip(names, splits, strict=True):
        variants = (
            {v: reframed_paths(paths[test], v, scratch) for v in REFRAMINGS}
            if args.stress
            else {}
        )
        for name in args.methods:
            loader, estimator = methods[name]
            stressed = {v: decoded(loader, files) for v, files in variants.items()}
            priors = args.class_priors if name == "default" else ()
            outcome = evaluate_split(
                estimator, decoded(loader, paths), y, train, test, stressed, priors
            )
            results[name].append(outcome)
            if args.save_proba and name == "default":
                rows = {"": decoded(loader, paths)[test], **stressed}
                saved.update(_probabilities_to_save(estimator, index, test, y, rows))
            recall = " ".join(f"{c} {r:.2f}" for c, r in outcome["recall"].items())
            auc = outcome["roc_auc"]
            auc = "" if auc is None else f" ROC AUC {auc:.3f}"
            print(
                f"split {index} {name:<14} bal. acc. "
                f"{outcome['balanced_accuracy']:.3f} macro-F1 {outcome['macro_f1']:.3f}"
                f"{auc}  recall {recall}  ({outcome['fit_seconds']:.0f} s)",
                flush=True,
            )
    summarise(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    if args.save_proba:
        np.savez_compressed(args.save_proba, **saved)


if __name__ == "__main__":
    main()
