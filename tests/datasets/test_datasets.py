import warnings

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold

from emotion_sklearn.datasets import (
    find_facial_expressions,
    load_facial_expressions,
    normalize_emotion,
    person_folds,
    person_from_filename,
)


@pytest.mark.real_data
def test_real_dataset_default_counts(real_faces):
    counts = dict(zip(*np.unique(real_faces.target, return_counts=True), strict=True))
    assert len(real_faces.data) == 10_459
    assert counts == {"anger": 201, "happiness": 4553, "neutral": 5491, "sadness": 214}
    assert list(real_faces.target_names) == ["anger", "happiness", "neutral", "sadness"]
    assert real_faces.data.ndim == real_faces.target.ndim == real_faces.groups.ndim == 1
    assert len(real_faces.groups) == len(real_faces.data)
    assert list(real_faces.frame.columns) == [
        "path",
        "image",
        "emotion",
        "person",
        "user_id",
    ]


@pytest.mark.real_data
def test_real_dataset_groups_are_people(real_faces):
    frame = real_faces.frame.set_index("image")
    assert frame.loc["Aaron_Eckhart_0001.jpg", "person"] == "Aaron_Eckhart"
    assert frame.loc["HrithikRoshan_10.jpg", "person"] == "HrithikRoshan"
    people = frame.loc[frame["person"] == "HrithikRoshan"]
    assert len(people) > 100
    # A person-grouped split keeps each person on one side.
    train, test = next(GroupKFold(5).split(real_faces.data, groups=real_faces.groups))
    assert not set(real_faces.groups[train]) & set(real_faces.groups[test])


@pytest.mark.real_data
def test_real_dataset_all_labels(real_data_dir):
    faces = load_facial_expressions(real_data_dir, emotions=None)
    counts = dict(zip(*np.unique(faces.target, return_counts=True), strict=True))
    assert len(faces.data) == 10_968
    assert counts["surprise"] == 294 and counts["fear"] == 17
    assert counts["contempt"] == 7 and counts["disgust"] == 191


@pytest.mark.real_data
def test_real_dataset_keeps_the_webp_named_jpg(real_faces):
    assert any(p.endswith("facial-expressions_2868588k.jpg") for p in real_faces.data)


def test_return_x_y(synthetic_data_dir):
    X, y = load_facial_expressions(
        synthetic_data_dir, emotions=["SAD"], return_X_y=True
    )
    assert X.shape == y.shape == (40,)
    assert set(y) == {"sadness"}


def test_person_folds_keep_each_person_on_one_side(synthetic_faces):
    faces = synthetic_faces
    folds = list(person_folds(4).split(faces.data, faces.target, faces.groups))
    assert len(folds) == 4
    for train, test in folds:
        assert not set(faces.groups[train]) & set(faces.groups[test])
        assert set(faces.target[test]) == set(faces.target)  # stratified
    again = person_folds(4).split(faces.data, faces.target, faces.groups)
    np.testing.assert_array_equal(next(again)[1], folds[0][1])


def test_find_facial_expressions_looks_only_where_it_is_told(
    tmp_path, monkeypatch, make_dataset
):
    monkeypatch.delenv("EMOTION_SKLEARN_DATASET", raising=False)
    monkeypatch.setenv("EMOTION_SKLEARN_DATA", str(tmp_path / "home"))
    # A copy beside the working folder is not looked for.
    make_dataset([("a_0001.jpg", "anger")], root=tmp_path / "shared" / "data" / "fe")
    monkeypatch.chdir(tmp_path)
    assert find_facial_expressions() is None
    downloaded = make_dataset(
        [("b_0001.jpg", "anger")], root=tmp_path / "home" / "facial_expressions"
    )
    assert find_facial_expressions() == downloaded
    other = make_dataset([("c_0001.jpg", "anger")], root=tmp_path / "named")
    monkeypatch.setenv("EMOTION_SKLEARN_DATASET", str(other))
    assert find_facial_expressions() == other  # before the data home
    given = make_dataset([("d_0001.jpg", "anger")], root=tmp_path / "given")
    assert find_facial_expressions(given) == given  # before the variable
    assert find_facial_expressions(tmp_path / "nowhere") == other
    monkeypatch.setenv("EMOTION_SKLEARN_DATASET", str(tmp_path / "nowhere"))
    assert find_facial_expressions() == downloaded
    elsewhere = tmp_path / "elsewhere"
    assert find_facial_expressions(data_home=elsewhere) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HAPPINESS", "happiness"),
        (" sadness ", "sadness"),
        ("Sad", "sadness"),
        ("angry", "anger"),
        ("Neutral", "neutral"),
    ],
)
def test_normalize_emotion(raw, expected):
    assert normalize_emotion(raw) == expected


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Aaron_Peirsol_0003.jpg", "Aaron_Peirsol"),
        ("Dileep_101.jpg", "Dileep"),
        ("facial-expressions_2868588k.jpg", "facial-expressions_2868588k"),
        ("solo.png", "solo"),
    ],
)
def test_person_from_filename(name, person):
    assert person_from_filename(name) == person


def test_duplicates_kept_once_and_conflicts_dropped(tmp_path, make_dataset):
    make_dataset(
        [
            ("A_0001.jpg", "happiness"),
            ("A_0001.jpg", "HAPPINESS "),
            ("B_0001.jpg", "sadness"),
            ("B_0001.jpg", "anger"),
            ("C_0001.jpg", "neutral"),
            ("D_0001.jpg", "Sad"),
            ("E_0001.jpg", "anger"),
            ("E_0001.jpg", "neutral"),
        ]
    )
    with pytest.warns(UserWarning, match="Dropped 2 image") as record:
        faces = load_facial_expressions(tmp_path, emotions=None)
    assert len(record) == 1
    assert list(faces.frame["image"]) == ["A_0001.jpg", "C_0001.jpg", "D_0001.jpg"]
    assert list(faces.target) == ["happiness", "neutral", "sadness"]


def test_no_warning_without_conflicts(tmp_path, make_dataset):
    make_dataset([("A_0001.jpg", "anger"), ("A_0001.jpg", "anger")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_facial_expressions(tmp_path, emotions=["anger"]).data) == 1


def test_missing_files_are_named_with_count(tmp_path, make_dataset):
    make_dataset([(f"P_{i:04d}.jpg", "neutral") for i in range(8)])
    for i in range(7):
        (tmp_path / "images" / f"P_{i:04d}.jpg").unlink()
    with pytest.raises(FileNotFoundError, match=r"7 image\(s\).*P_0000\.jpg"):
        load_facial_expressions(tmp_path, emotions=None)


def test_missing_legend_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"legend\.csv"):
        load_facial_expressions(tmp_path)


def test_unknown_emotion_lists_the_known_ones(tmp_path, make_dataset):
    make_dataset([("A_0001.jpg", "anger")])
    with pytest.raises(ValueError, match=r"no image of \['joyful'\].*\['anger'\]"):
        load_facial_expressions(tmp_path, emotions=["joyful"])
    with pytest.warns(UserWarning, match=r"no image of \['joyful'\]"):
        faces = load_facial_expressions(tmp_path, emotions=["joyful", "anger"])
    assert list(faces.target) == ["anger"]


def test_a_single_string_for_emotions_is_refused(tmp_path, make_dataset):
    make_dataset([("A_0001.jpg", "anger")])
    with pytest.raises(TypeError, match=r"emotions=\['anger'\]"):
        load_facial_expressions(tmp_path, emotions="anger")


def test_legend_without_needed_columns(tmp_path, make_dataset):
    make_dataset([("A_0001.jpg", "anger")], header="user.id,file,label")
    with pytest.raises(ValueError, match="lacks the column"):
        load_facial_expressions(tmp_path)
