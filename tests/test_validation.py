import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler

from _helpers import toy_faces
from emotion_sklearn import RotationAugmenter
from emotion_sklearn._validation import check_groups, content_keys, validation_split


def test_validation_rows_are_distinct_real_images():
    X, y = toy_faces(n=90)
    # An over-sampler appends copies; the augmenter appends flipped copies.
    augmenter = RotationAugmenter(orientations=["flip_horizontal"])
    X_aug, y_aug = augmenter.fit_resample(X, y)
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
