import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler

from _helpers import tiny_cnn_params, toy_faces
from _helpers import toy_faces as _toy
from emotion_sklearn import EarlyStopping, EmotionCNNClassifier
from emotion_sklearn.network._early_stopping import (
    check_groups,
    content_keys,
    validation_split,
)


def _cnn(**params):
    return EmotionCNNClassifier(**{**tiny_cnn_params(), **params})


def test_too_few_people_for_early_stopping():
    X, y = _toy(n=30)
    with pytest.raises(ValueError, match="groups has 3 distinct values"):
        _cnn(early_stopping=EarlyStopping(validation_fraction=0.1)).fit(
            X, y, groups=np.arange(30) % 3
        )


def test_early_stopping_records_validation_history():
    X, y = _toy(n=90)
    stopping = EarlyStopping(patience=2)
    cnn = _cnn(early_stopping=stopping, epochs=50, random_state=0).fit(X, y)
    assert len(cnn.history_["val_loss"]) == len(cnn.history_["loss"]) <= 50
    no_stop = _cnn(early_stopping=False, random_state=0).fit(X, y)
    assert "val_loss" not in no_stop.history_


def test_too_few_images_for_early_stopping():
    X, y = _toy(n=6)
    with pytest.raises(ValueError, match="early_stopping=False"):
        _cnn(early_stopping=EarlyStopping(validation_fraction=0.1)).fit(X, y)


@pytest.mark.parametrize(
    ("param", "value"), [("validation_fraction", 1.0), ("patience", 0)]
)
def test_bad_early_stopping_parameters_are_named(param, value):
    X, y = _toy()
    with pytest.raises(ValueError, match=f"'{param}' parameter of EarlyStopping"):
        _cnn(early_stopping=EarlyStopping(**{param: value})).fit(X, y)


def test_validation_rows_are_distinct_real_images():
    X, y = toy_faces(n=90)
    # An over-sampler appends copies; flipped copies go in too.
    flipped = X.reshape(-1, 8, 8)[:, :, ::-1].reshape(len(X), -1)
    X_aug, y_aug = np.vstack([X, flipped]), np.r_[y, y]
    X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X_aug, y_aug)
    X_res, y_res = np.vstack([X_res, X_res[:5]]), np.r_[y_res, y_res[:5]]
    train, valid = validation_split(X_res, y_res, fraction=0.2, random_state=0)
    keys = content_keys(X_res)
    assert len(set(keys[valid])) == len(valid)  # no image twice
    assert not set(keys[valid]) & set(keys[train])  # no copy of it in training
    assert (valid < len(X)).all()  # the originals, not the appended copies
    assert len(valid) == 18  # a fifth of the 90 distinct images


def test_validation_with_groups_holds_out_whole_people():
    X, y = toy_faces(n=90)
    people = np.repeat([f"person{i}" for i in range(15)], 6)
    train, valid = validation_split(X, y, fraction=0.2, random_state=0, groups=people)
    assert not set(people[valid]) & set(people[train])
    assert len(set(people[valid])) == 3  # a fifth of the 15 people
    assert len(train) + len(valid) == len(X)
    assert set(y[valid]) == set(y)  # stratified: every class is scored


def test_the_same_seed_holds_out_the_same_people():
    X, y = toy_faces(n=90)
    people = np.repeat([f"person{i}" for i in range(15)], 6)
    splits = [
        validation_split(X, y, fraction=0.2, random_state=seed, groups=people)[1]
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(splits[0], splits[1])
    assert not np.array_equal(splits[0], splits[2])


def test_groups_are_one_per_row():
    assert check_groups(None, 5) is None
    assert check_groups([["a"], ["b"]], 2).shape == (2,)
    with pytest.raises(ValueError, match="groups has 1 entries but X has 2 rows"):
        check_groups(["a"], 2)
