"""make_emotion_pipeline on real images: fit-time samplers, CV, grid search, joblib."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_score

from _helpers import tiny_cnn_params
from emotion_sklearn import (
    Augmentation,
    ClassPrior,
    EmotionCNNClassifier,
    FaceFinder,
    ImageLoader,
    Optimizer,
    TemperedOverSampler,
    TestTimeAugmentation,
    make_emotion_pipeline,
)


def _fast_pipeline(**params):
    """The default pipeline at 24x24 with one tiny network."""
    defaults = {"load__image_size": (24, 24), **tiny_cnn_params("cnn__")}
    return make_emotion_pipeline(**{**defaults, **params})


# -- construction ----------------------------------------------------------------


def test_steps_and_defaults():
    pipe = make_emotion_pipeline()
    assert [name for name, _ in pipe.steps] == ["load", "resample", "cnn"]
    loader = pipe.named_steps["load"]
    assert isinstance(loader, ImageLoader) and loader.image_size == (48, 48)
    assert loader.face_finder == FaceFinder()
    sampler = pipe.named_steps["resample"]
    assert isinstance(sampler, TemperedOverSampler) and sampler.exponent == 0.5
    cnn = pipe.named_steps["cnn"]
    assert isinstance(cnn, EmotionCNNClassifier)
    assert cnn.n_networks == 1 and cnn.n_blocks == 4 and cnn.epochs == 22
    assert cnn.class_weight is None and not cnn.early_stopping
    assert cnn.test_time_augmentation.crop == 0.9 and cnn.test_time_augmentation.flip
    # One recipe: every object is its class's defaults, given explicitly so
    # that the pipeline shows it, but for the one setting that names a label.
    for name, cls in [
        ("optimizer", Optimizer),
        ("augmentation", Augmentation),
        ("test_time_augmentation", TestTimeAugmentation),
    ]:
        assert getattr(cnn, name).get_params() == cls().get_params()
    assert cnn.class_prior.get_params() == {
        "shares": "uniform",
        "boost": {"sadness": 2.0},
    }
    defaults = EmotionCNNClassifier().get_params(deep=False)
    given = {"optimizer", "augmentation", "test_time_augmentation", "class_prior"}
    assert {k: v for k, v in cnn.get_params(deep=False).items() if k not in given} == {
        k: v for k, v in defaults.items() if k not in given
    }
    assert loader.get_params(deep=False) == {
        **ImageLoader().get_params(deep=False),
        "face_finder": FaceFinder(),
    }


def test_the_recipes_settings_are_searchable_by_name():
    params = make_emotion_pipeline().get_params()
    for name in (
        "load__face_finder__margin",
        "resample__exponent",
        "cnn__optimizer__learning_rate",
        "cnn__augmentation__rotation",
        "cnn__test_time_augmentation__crop",
        "cnn__class_prior__boost",
    ):
        assert name in params, name


def test_the_classifier_keeps_at_most_25_parameters():
    assert len(EmotionCNNClassifier().get_params(deep=False)) <= 25


def test_the_image_size_is_set_once_and_may_be_non_square(small_faces):
    X, y, _ = small_faces
    pipe = _fast_pipeline(load__image_size=(20, 12), random_state=0).fit(X, y)
    assert pipe.named_steps["cnn"].image_size_ == (20, 12)
    assert pipe.predict_proba(X[:3]).shape == (3, 4)


def test_keywords_set_steps_and_parameters():
    pipe = make_emotion_pipeline(
        cnn__epochs=1,
        resample=RandomOverSampler(),
        resample__shrinkage=0.1,
        random_state=7,
    )
    assert pipe.named_steps["cnn"].epochs == 1
    assert pipe.named_steps["resample"].shrinkage == 0.1
    assert pipe.named_steps["resample"].random_state == 7
    assert pipe.named_steps["cnn"].random_state == 7
    own = make_emotion_pipeline(random_state=7, cnn__random_state=1)
    assert own.named_steps["cnn"].random_state == 1
    assert own.named_steps["resample"].random_state == 7


def test_the_recipe_prior_is_its_own_per_pipeline_and_may_be_replaced():
    first, second = make_emotion_pipeline(), make_emotion_pipeline()
    first.named_steps["cnn"].class_prior.boost["sadness"] = 1.0
    assert second.named_steps["cnn"].class_prior.boost == {"sadness": 2.0}
    plain = make_emotion_pipeline(cnn__class_prior__boost=None)
    assert plain.named_steps["cnn"].class_prior.boost is None
    # A cnn step given whole is left as given.
    given = EmotionCNNClassifier(class_prior=ClassPrior(boost={"anger": 2.0}))
    assert make_emotion_pipeline(cnn=given).named_steps["cnn"] is given
    assert given.class_prior.boost == {"anger": 2.0}


def test_unknown_parameter_is_named():
    with pytest.raises(ValueError, match="n_layers"):
        make_emotion_pipeline(cnn__n_layers=3)
    with pytest.raises(ValueError, match="Invalid parameter 'model'"):
        make_emotion_pipeline(model__epochs=3)


def test_parameter_of_a_passthrough_step_is_named():
    key = "resample__exponent"
    with pytest.raises(ValueError, match=f"'{key}'.*'passthrough'"):
        make_emotion_pipeline(resample="passthrough", **{key: 0.1})


def test_pipeline_pickles_before_fit():
    # No lambdas or closures anywhere in it.
    clone = pickle.loads(pickle.dumps(make_emotion_pipeline(random_state=0)))
    assert clone.get_params()["cnn__filters"] == 16


# -- on image files ----------------------------------------------------------------


@pytest.mark.parametrize(
    "resample",
    [
        TemperedOverSampler(random_state=0),
        RandomOverSampler(random_state=0),
        RandomUnderSampler(random_state=0),
        SMOTE(random_state=0, k_neighbors=3),
    ],
    ids=["tempered", "over", "under", "smote"],
)
def test_samplers_act_at_fit_time_only(small_faces, resample):
    X, y, _ = small_faces
    pipe = _fast_pipeline(resample=resample, random_state=0).fit(X, y)
    assert pipe.predict(X[:37]).shape == (37,)
    assert set(pipe.predict(X[:37])) <= set(y)
    assert pipe.predict_proba(X[:37]).shape == (37, 4)


def test_cross_validation_by_person(small_faces):
    X, y, groups = small_faces
    scores = cross_val_score(
        _fast_pipeline(random_state=0),
        X,
        y,
        groups=groups,
        cv=StratifiedGroupKFold(3),
        scoring="balanced_accuracy",
    )
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_seed_ensemble_with_voting_classifier(small_faces, tmp_path):
    # The user guide's ensemble recipe: scikit-learn's soft vote over CNNs
    # that differ only in their seed, in place of the cnn step.
    X, y, _ = small_faces
    members = [
        (f"seed{seed}", EmotionCNNClassifier(random_state=seed, **tiny_cnn_params()))
        for seed in range(2)
    ]
    pipe = make_emotion_pipeline(
        load__image_size=(24, 24), cnn=VotingClassifier(members, voting="soft")
    )
    pipe.fit(X[::2], y[::2])
    fitted = pipe.named_steps["cnn"].estimators_
    expected = np.mean(
        [m.predict_proba(pipe[:1].transform(X[1::2])) for m in fitted], 0
    )
    np.testing.assert_allclose(pipe.predict_proba(X[1::2]), expected, rtol=1e-5)
    assert set(pipe.predict(X[1::2])) <= set(y)
    joblib.dump(pipe, tmp_path / "ensemble.joblib")
    loaded = joblib.load(tmp_path / "ensemble.joblib")
    np.testing.assert_allclose(
        loaded.predict_proba(X[1::2]), pipe.predict_proba(X[1::2]), rtol=1e-5
    )


@pytest.mark.slow
def test_grid_search_with_groups_then_joblib_in_a_new_process(small_faces, tmp_path):
    X, y, groups = small_faces
    search = GridSearchCV(
        _fast_pipeline(random_state=0),
        {"cnn__filters": [4, 8], "cnn__n_blocks": [1, 2]},
        cv=StratifiedGroupKFold(3),
        scoring="balanced_accuracy",
    ).fit(X, y, groups=groups)
    assert len(search.cv_results_["params"]) == 4
    path = tmp_path / "best.joblib"
    joblib.dump(search.best_estimator_, path)
    expected = search.best_estimator_.predict_proba(X[:20])
    np.save(tmp_path / "paths.npy", X[:20])
    script = (
        "import sys, joblib, numpy as np;"
        "model = joblib.load(sys.argv[1]);"
        "paths = np.load(sys.argv[2], allow_pickle=True);"
        "np.save(sys.argv[3], model.predict_proba(paths))"
    )
    out = tmp_path / "proba.npy"
    subprocess.run(
        [sys.executable, "-c", script, path, tmp_path / "paths.npy", out], check=True
    )
    np.testing.assert_array_equal(np.load(out), expected)
