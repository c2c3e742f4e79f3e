"""Reading a folder in the ``muxspace/facial_expressions`` layout."""

import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

DEFAULT_EMOTIONS = ("anger", "happiness", "neutral", "sadness")

# Spellings seen in the wild (and in the legend) mapped to the dataset's own names.
_EMOTION_SYNONYMS = {
    "angry": "anger",
    "mad": "anger",
    "happy": "happiness",
    "joy": "happiness",
    "sad": "sadness",
    "neutrality": "neutral",
    "surprised": "surprise",
    "disgusted": "disgust",
    "afraid": "fear",
    "fearful": "fear",
    "scared": "fear",
    "contemptuous": "contempt",
}

# "Aaron_Peirsol_0003" -> "Aaron_Peirsol", "HrithikRoshan_10" -> "HrithikRoshan".
_PERSON_SUFFIX = re.compile(r"_\d+$")

_MAX_NAMED_FILES = 5


def normalize_emotion(label):
    """Return the canonical spelling of an emotion label.

    Case and surrounding white space are ignored and common synonyms are
    mapped to the dataset's names (``"Sad "`` -> ``"sadness"``).

    Examples
    --------
    >>> from emotion_sklearn.datasets import normalize_emotion
    >>> normalize_emotion(" HAPPY")
    'happiness'
    """
    name = str(label).strip().lower()
    return _EMOTION_SYNONYMS.get(name, name)


def person_from_filename(filename):
    """Return the person's name encoded in an image file name.

    The trailing ``_<number>`` and the extension are removed. A name without
    such a suffix is its own group, so unknown people never merge.

    Examples
    --------
    >>> from emotion_sklearn.datasets import person_from_filename
    >>> person_from_filename("Aaron_Peirsol_0003.jpg")
    'Aaron_Peirsol'
    """
    return _PERSON_SUFFIX.sub("", Path(filename).stem)


def person_folds(n_splits=5, *, random_state=0):
    """The package's split by person: stratified folds no person straddles.

    The command line's validation split is the first fold of
    ``person_folds(5)``, its searches use ``person_folds(cv)``, and the
    benchmarks report on ``person_folds(5)``; split with
    ``.split(X, y, groups)`` where ``groups`` names the person in each image.

    Parameters
    ----------
    n_splits : int, default=5
    random_state : int or None, default=0
        Seeds the shuffle of the people before they are dealt into folds.

    Returns
    -------
    cv : sklearn.model_selection.StratifiedGroupKFold

    Examples
    --------
    >>> import numpy as np
    >>> from emotion_sklearn.datasets import person_folds
    >>> y = np.array(["anger", "neutral"] * 10)
    >>> people = np.repeat(np.arange(10), 2)
    >>> train, test = next(person_folds(5).split(y, y, people))
    >>> bool(set(people[train]) & set(people[test]))
    False
    """
    # Here, not at the top: predicting imports this module and no splitter.
    from sklearn.model_selection import StratifiedGroupKFold

    return StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)


def _read_legend(legend_path):
    # pandas here, not at the top: the command line imports this module to
    # predict, which reads no legend and starts faster without pandas.
    import pandas as pd

    try:
        legend = pd.read_csv(legend_path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"No legend at {str(legend_path)!r}: expected the "
            "muxspace/facial_expressions layout (data/legend.csv and images/)."
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{str(legend_path)!r} is empty; expected a CSV header "
            "'user.id,image,emotion' and one row per image."
        ) from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{str(legend_path)!r} is not UTF-8 text (byte {exc.start}: "
            f"{exc.reason}); save it as UTF-8, e.g. from UTF-16."
        ) from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{str(legend_path)!r} is not a valid CSV: {exc}") from None
    missing = {"image", "emotion"} - set(legend.columns)
    if missing:
        raise ValueError(
            f"{str(legend_path)!r} lacks the column(s) {sorted(missing)}; "
            f"found {list(legend.columns)}."
        )
    legend = legend.dropna(subset=["image", "emotion"])
    legend["image"] = legend["image"].str.strip()
    legend["emotion"] = legend["emotion"].map(normalize_emotion)
    return legend


def _drop_duplicates_and_conflicts(legend):
    labels_per_image = legend.groupby("image", sort=False)["emotion"].nunique()
    conflicting = labels_per_image.index[labels_per_image > 1]
    if len(conflicting):
        warnings.warn(
            f"Dropped {len(conflicting)} image(s) listed with different emotions, "
            f"e.g. {list(conflicting[:_MAX_NAMED_FILES])}.",
            UserWarning,
            stacklevel=3,
        )
        legend = legend[~legend["image"].isin(conflicting)]
    return legend.drop_duplicates(subset="image", keep="first")


def _select_emotions(legend, emotions, legend_path):
    if emotions is None:
        return legend
    if isinstance(emotions, str):
        raise TypeError(
            f"emotions must be a list of names or None, got the string {emotions!r}; "
            f"write emotions=[{emotions!r}]."
        )
    wanted = [normalize_emotion(e) for e in emotions]
    known = set(legend["emotion"])
    unknown = sorted(set(wanted) - known)
    message = f"{str(legend_path)!r} has no image of {unknown}; it has {sorted(known)}."
    if set(wanted) <= set(unknown):
        raise ValueError(message)
    if unknown:
        # A smaller dataset may lack a default class; a typo shows up here too.
        warnings.warn(message, UserWarning, stacklevel=3)
    return legend[legend["emotion"].isin(wanted)]


def _check_files_exist(images_dir, names):
    try:
        present = {p.name for p in images_dir.iterdir()}
    except FileNotFoundError:
        raise FileNotFoundError(f"No image folder at {str(images_dir)!r}.") from None
    missing = [name for name in names if name not in present]
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} image(s) named in the legend are missing from "
            f"{str(images_dir)!r}, e.g. {missing[:_MAX_NAMED_FILES]}."
        )


def load_facial_expressions(root, *, emotions=DEFAULT_EMOTIONS, return_X_y=False):
    """Load a folder in the ``muxspace/facial_expressions`` layout.

    The folder holds ``data/legend.csv`` (columns ``user.id``, ``image``,
    ``emotion``) and ``images/``. Labels are normalised (case, spaces,
    synonyms such as ``sad``). An image listed twice with one label is kept
    once; an image listed with different labels is dropped, with one warning.

    Parameters
    ----------
    root : str or path-like
        The dataset folder.
    emotions : sequence of str or None, default=DEFAULT_EMOTIONS
        The labels to keep (default: anger, happiness, neutral, sadness),
        spelled in any way :func:`normalize_emotion` accepts. ``None`` keeps
        every label. A requested label absent from the legend gives a warning,
        or an error when none of them is present.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: 1-D object array of image paths (str);
        ``target``: 1-D object array of lowercase labels;
        ``groups``: 1-D object array of person names, for ``GroupKFold``-style
        splits; ``target_names``: the sorted labels present;
        ``frame``: a DataFrame with columns ``path``, ``image``, ``emotion``,
        ``person`` and ``user_id``; ``DESCR``: a short description.

    Raises
    ------
    FileNotFoundError
        When the legend or image folder is missing, or when legend rows name
        files that do not exist (the first few names and the count are given).

    Examples
    --------
    >>> from emotion_sklearn.datasets import load_facial_expressions
    >>> faces = load_facial_expressions("../shared/data/facial_expressions")
    ... # doctest: +SKIP
    >>> faces.data.shape, faces.target_names  # doctest: +SKIP
    ((10459,), array(['anger', 'happiness', 'neutral', 'sadness'], dtype=object))
    """
    root = Path(root)
    legend_path = root / "data" / "legend.csv"
    legend = _read_legend(legend_path)
    legend = _drop_duplicates_and_conflicts(legend)
    legend = _select_emotions(legend, emotions, legend_path)
    images_dir = root / "images"
    _check_files_exist(images_dir, legend["image"])

    import pandas as pd

    frame = pd.DataFrame(
        {
            "path": [str(images_dir / name) for name in legend["image"]],
            "image": legend["image"].to_numpy(),
            "emotion": legend["emotion"].to_numpy(),
            "person": [person_from_filename(name) for name in legend["image"]],
            "user_id": legend.get(
                "user.id", pd.Series(pd.NA, index=legend.index)
            ).to_numpy(),
        }
    )
    if return_X_y:
        return _object_array(frame["path"]), _object_array(frame["emotion"])
    return Bunch(
        data=_object_array(frame["path"]),
        target=_object_array(frame["emotion"]),
        groups=_object_array(frame["person"]),
        target_names=np.array(sorted(set(frame["emotion"])), dtype=object),
        frame=frame,
        DESCR=_describe(root, frame),
    )


def _object_array(series):
    return np.asarray(series.to_numpy(), dtype=object)


def _describe(root, frame):
    counts = frame["emotion"].value_counts()
    per_class = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    return (
        f"muxspace/facial_expressions at {root}: {len(frame):,} images of "
        f"{frame['person'].nunique():,} people; {per_class}."
    )
