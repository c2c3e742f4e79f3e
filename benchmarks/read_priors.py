"""Readings of saved probabilities under class priors past the uniform one.

Usage::

    python benchmarks/read_priors.py FILE.npz [FILE.npz ...] [--k 1 1.25 1.5 2]
                                     [--boost CLASS=FACTOR ...]

Each file is one ``bench_accuracy.py --save-proba`` run: the default's test
probabilities as trained (``class_prior=None``), its ``trained_prior_``, and with
``--stress`` each re-framed copy's. A reading predicts the class of highest
``proba / trained_prior_ ** k``: ``k`` = 0 is the network as trained, 1 the
uniform prior (the default), and above 1 the rare classes are called more often
than a uniform prior asks. With the class weights at the power 0.5, ``k`` = 2
divides by the raw training frequencies (``class_prior=trained_prior_ /
class_frequencies_``). ``--boost sadness=5`` multiplies a class's score
after that, as ``class_prior_boost={"sadness": 5}`` does (the default's
reading is ``--k 1 --boost sadness=5``). No network is needed: the readings
follow from the probabilities, so every reading is of the same fits.

For each ``k`` it prints each split's balanced accuracy, macro-F1, recall and
precision of anger and sadness, recall of neutral, and each re-framing's drop
from the unaltered score; then the mean and standard deviation over the files.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from emotion_sklearn._class_weights import per_class

sys.path.insert(0, str(Path(__file__).parent))
from bench_accuracy import scores


def splits_in(saved):
    """The ``split{index}`` prefixes of one ``--save-proba`` file."""
    suffix = "_trained_prior"
    return sorted(key.removesuffix(suffix) for key in saved if key.endswith(suffix))


def read(saved, split, k, boost=None):
    """Scores of ``split``'s unaltered rows and each re-framing's drop, at ``k``.

    ``boost`` maps classes to factors that multiply their scores, as
    ``class_prior_boost`` does.
    """
    classes = saved["classes"]
    push = saved[f"{split}_trained_prior"] ** -float(k)
    push = push * per_class(boost or {}, classes)
    truth = saved[f"{split}_y"]

    def scored(key):
        return scores(truth, classes[(saved[key] * push).argmax(axis=1)])

    outcome = scored(f"{split}_proba")
    reframed = [
        key
        for key in saved
        if key.startswith(f"{split}_")
        and key.endswith("_proba")
        and key != f"{split}_proba"
    ]
    unaltered = outcome["balanced_accuracy"]
    outcome["drops"] = {
        key.removeprefix(f"{split}_").removesuffix("_proba"): unaltered
        - scored(key)["balanced_accuracy"]
        for key in reframed
    }
    return outcome


def _boost_of(text):
    """``CLASS=FACTOR`` from the command line as ``(class, factor)``."""
    name, sep, factor = text.partition("=")
    try:
        value = float(factor)
    except ValueError:
        value = None
    if not sep or not name or value is None or not value > 0:
        raise argparse.ArgumentTypeError(
            "expected CLASS=FACTOR with a positive factor, e.g. sadness=5; "
            f"got {text!r}"
        )
    return name, value


def _line(name, outcome):
    recall, precision = outcome["recall"], outcome["precision"]
    drops = " ".join(f"{v} {d:+.3f}" for v, d in outcome["drops"].items())
    return (
        f"{name:<28}{outcome['balanced_accuracy']:>9.3f}{outcome['macro_f1']:>10.3f}"
        f"{recall['anger']:>8.2f}{recall['sadness']:>6.2f}{recall['neutral']:>7.2f}"
        f"{precision['anger']:>8.2f}{precision['sadness']:>6.2f}   {drops}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.npz")
    parser.add_argument("--k", nargs="+", type=float, default=[1.0, 1.25, 1.5, 2.0])
    parser.add_argument(
        "--boost",
        nargs="+",
        type=_boost_of,
        default=[],
        metavar="CLASS=FACTOR",
        help="multiply a class's score after the prior, as class_prior_boost does",
    )
    args = parser.parse_args(argv)
    boost = dict(args.boost)
    saved = {path: np.load(path) for path in args.files}
    header = "split                       bal. acc.  macro-F1  recall: anger sad. neut."
    for k in args.k:
        boosted = "".join(f", {c} x{f:g}" for c, f in boost.items())
        print(
            f"\nk = {k:g}{boosted}\n{header}  precision: anger sad.   re-framing drops"
        )
        outcomes = []
        for path, arrays in saved.items():
            for split in splits_in(arrays):
                outcome = read(arrays, split, k, boost)
                outcomes.append(outcome)
                print(_line(f"{path.stem} {split}", outcome))
        if len(outcomes) > 1:
            accuracy = [o["balanced_accuracy"] for o in outcomes]
            f1 = [o["macro_f1"] for o in outcomes]
            largest = {
                v: max(o["drops"][v] for o in outcomes) for v in outcomes[0]["drops"]
            }
            print(
                f"{len(outcomes)} splits: balanced accuracy {np.mean(accuracy):.3f} ± "
                f"{np.std(accuracy):.3f}, macro-F1 {np.mean(f1):.3f} ± {np.std(f1):.3f}"
                + "".join(f", largest {v} drop {d:.3f}" for v, d in largest.items())
            )


if __name__ == "__main__":
    main()
