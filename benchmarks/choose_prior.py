"""Choose the recipe's class prior by macro-F1, balanced accuracy held.

Usage::

    python benchmarks/bench_accuracy.py --methods default --save-proba PROBA
    python benchmarks/choose_prior.py PROBA [--dev 0 1] [--hold 0.01]

Reads the probabilities ``bench_accuracy.py --save-proba`` wrote (the network
as trained on each split, and the priors it learned), reads them under each
candidate :class:`~emotion_sklearn.ClassPrior` without a refit, and picks on
the development splits (``--dev``) the reading with the highest macro-F1
among those whose balanced accuracy is within ``--hold`` of the recipe's
reading. Every candidate is then reported on the other splits, where no
choice was made: macro-F1, balanced accuracy, and recall and precision of
anger and sadness, mean and standard deviation.

Candidates: shares proportional to the test population's class frequencies
raised to the power ``t`` (``t=0`` is ``"uniform"``, ``t=1`` the
frequencies a user meets in photos like the dataset's), each with sadness's
share boosted by 1 to 5.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    precision_recall_fscore_support,
)

from emotion_sklearn import ClassPrior

POWERS = (0.0, 0.25, 0.5, 0.75, 1.0)
SADNESS_BOOSTS = (1.0, 2.0, 3.0, 5.0)
RECIPE = (0.0, 2.0)  # ClassPrior("uniform", boost={"sadness": 2.0})
WATCHED = ("anger", "sadness")


def load_splits(folder):
    """``{index: arrays}`` of every ``default_split*.npz`` in ``folder``."""
    splits = {}
    for path in sorted(Path(folder).glob("default_split*.npz")):
        with np.load(path) as saved:
            splits[int(path.stem.removeprefix("default_split"))] = dict(saved)
    if not splits:
        raise SystemExit(f"no default_split*.npz in {str(folder)!r}")
    return splits


def population_shares(splits):
    """Each class's share among all test images: the photos a user brings."""
    labels = np.concatenate([s["y_true"] for s in splits.values()])
    classes = next(iter(splits.values()))["classes"].tolist()
    return np.array([(labels == c).mean() for c in classes])


def reading(power, sadness_boost, shares, classes):
    prior = shares**power
    return ClassPrior(
        dict(zip(classes, (prior / prior.sum()).tolist(), strict=True)),
        boost={"sadness": sadness_boost},
    )


def scores(split, prior):
    classes = split["classes"].tolist()
    proba = prior.read(
        split["proba_as_trained"],
        classes,
        split["trained_prior"],
        split["class_frequencies"],
    )
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    y = split["y_true"]
    precision, recall, _, _ = precision_recall_fscore_support(
        y, predicted, labels=classes, zero_division=0
    )
    found = {
        f"{kind} {name}": values[classes.index(name)]
        for name in WATCHED
        for kind, values in (("recall", recall), ("precision", precision))
    }
    return {
        "macro-F1": f1_score(y, predicted, labels=classes, average="macro"),
        "bal. acc.": balanced_accuracy_score(y, predicted),
        **found,
    }


def mean_scores(splits, indices, prior):
    per_split = [scores(splits[i], prior) for i in indices]
    return {
        key: (np.mean([s[key] for s in per_split]), np.std([s[key] for s in per_split]))
        for key in per_split[0]
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--dev", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--hold", type=float, default=0.01)
    args = parser.parse_args(argv)
    splits = load_splits(args.folder)
    classes = next(iter(splits.values()))["classes"].tolist()
    shares = population_shares(splits)
    dev = [i for i in args.dev if i in splits]
    held = [i for i in splits if i not in dev]
    candidates = {
        (t, b): reading(t, b, shares, classes) for t in POWERS for b in SADNESS_BOOSTS
    }
    on_dev = {key: mean_scores(splits, dev, prior) for key, prior in candidates.items()}
    floor = on_dev[RECIPE]["bal. acc."][0] - args.hold
    held_up = [key for key in candidates if on_dev[key]["bal. acc."][0] >= floor]
    chosen = max(held_up, key=lambda key: on_dev[key]["macro-F1"][0])
    rounded = dict(zip(classes, shares.round(3).tolist(), strict=True))
    print(f"population shares {rounded}")
    print(f"chosen on splits {dev}: power {chosen[0]}, sadness boost {chosen[1]}")
    for title, indices in (
        (f"splits {dev} (the choice is made here)", dev),
        (f"splits {held} (no choice made on them)", held),
    ):
        print(f"\n{title}, mean ± sd:")
        print_table(splits, indices, candidates, chosen)


def print_table(splits, indices, candidates, chosen):
    columns = None
    for key, prior in candidates.items():
        result = mean_scores(splits, indices, prior)
        if columns is None:
            columns = list(result)
            print(f"{'power':>6}{'boost':>6}" + "".join(f"{c:>20}" for c in columns))
        mark = " <- recipe" if key == RECIPE else " <- chosen" if key == chosen else ""
        cells = "".join(f"{m:>13.3f} ± {s:.3f}" for m, s in result.values())
        print(f"{key[0]:>6}{key[1]:>6}{cells}{mark}")


if __name__ == "__main__":
    main()
