"""Model files written with the classifier's earlier flat parameters.

Such files name each setting of the optimizer, augmentation, early stopping,
test-time view and class prior as a parameter of the classifier, and repeat
rare classes inside it (``class_weight_mode="resample"``). :func:`upgrade`
rewrites their manifest, as JSON, into today's: the classifier's settings as
objects, and a ``resample`` step that repeats the rare classes as the
classifier did, so a refit trains the same way. They load as the same model:
the same network (the recorded fingerprint is checked as for any file) and the
same predictions. Fit-time augmentation samplers, which acted at fit time only,
are left out.
"""

CLASSIFIER = "emotion_sklearn.EmotionCNNClassifier"
AUGMENTER = "emotion_sklearn.RotationAugmenter"

# Today's object, and its parameters by their earlier flat names.
_OBJECTS = {
    "optimizer": (
        "emotion_sklearn.Optimizer",
        {
            "learning_rate": "learning_rate",
            "weight_decay": "weight_decay",
            "lr_schedule": "schedule",
            "ema_momentum": "ema_momentum",
        },
    ),
    "augmentation": (
        "emotion_sklearn.Augmentation",
        {
            "random_flip": "flip",
            "random_shift": "shift",
            "random_rotation": "rotation",
            "random_zoom": "zoom",
            "fill_mode": "fill_mode",
            "random_top_cut": "top_cut",
            "random_brightness": "brightness",
            "random_contrast": "contrast",
            "random_downscale": "downscale",
            "random_blur": "blur",
            "random_noise": "noise",
            "random_erasing": "erasing",
        },
    ),
    "test_time_augmentation": (
        "emotion_sklearn.TestTimeAugmentation",
        {"test_time_crop": "crop", "flip_test_time": "flip"},
    ),
    "class_prior": (
        "emotion_sklearn.ClassPrior",
        {"class_prior": "shares", "class_prior_boost": "boost"},
    ),
}
_EARLY_STOPPING = {"validation_fraction": "validation_fraction"}
_DROPPED = (
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "class_weight_exponent",
    "class_weight_mode",
)

# Parameters added to the classifier after files were written without them,
# with the value those files were made with.
_ADDED = {
    "test_time_crop": 1.0,
    "convolutions_per_block": 2,
    "class_weight_mode": "reweight",
    "random_top_cut": 0.0,
}


def upgrade(manifest):
    """``manifest`` (parsed JSON) in today's terms; a current one unchanged."""
    if "estimator" in manifest:
        manifest["estimator"], _ = _upgraded_step(manifest["estimator"])
        return manifest
    if "steps" not in manifest:
        return manifest
    steps, sampler = [], None
    for described in manifest["steps"]:
        step, repeats = _upgraded_step(described)
        sampler = sampler or repeats
        steps.append(step)
    manifest["steps"] = _with_resample_step(steps, sampler) if sampler else steps
    return manifest


def _upgraded_step(described):
    if described.get("class") == AUGMENTER:
        return {"name": described["name"], "class": None}, None
    params = described.get("params")
    if described.get("class") != CLASSIFIER or "random_flip" not in params:
        return described, None
    new, sampler = _upgraded_classifier({**_ADDED, **params})
    return {**described, "params": new}, sampler


def _upgraded_classifier(flat):
    """Today's parameters (as JSON) and, where rows were repeated, the sampler."""
    renamed = {old for _, names in _OBJECTS.values() for old in names}
    new = {k: v for k, v in flat.items() if k not in renamed and k not in _DROPPED}
    for name, (cls, names) in _OBJECTS.items():
        inner = {names[old]: value for old, value in flat.items() if old in names}
        new[name] = _object(cls, inner)
    # The plateau schedule waited a third of early stopping's patience.
    patience = max(1, flat.get("n_iter_no_change", 10) // 3)
    new["optimizer"]["object"]["params"]["plateau_patience"] = patience
    new["early_stopping"] = False
    if flat.get("early_stopping"):
        inner = {"validation_fraction": flat.get("validation_fraction", 0.1)}
        inner["patience"] = flat.get("n_iter_no_change", 10)
        new["early_stopping"] = _object("emotion_sklearn.EarlyStopping", inner)
    sampler = None
    repeated = flat.get("class_weight_mode") == "resample"
    if repeated and flat.get("class_weight") == "balanced":
        new["class_weight"] = None
        sampler = {
            "name": "resample",
            "class": "emotion_sklearn.TemperedOverSampler",
            "params": {
                "exponent": flat.get("class_weight_exponent", 1.0),
                "random_state": flat.get("random_state"),
            },
        }
    return new, sampler


def _object(cls, params):
    return {"object": {"class": cls, "params": params}}


def _with_resample_step(steps, sampler):
    """``steps`` with ``sampler`` in the place of a pass-through ``resample``
    step, or before the last step; the pass-through ``augment`` step, where
    fit-time augmentation samplers stood, is left out."""
    steps = [
        s for s in steps if not (s["name"] == "augment" and s.get("class") is None)
    ]
    for index, step in enumerate(steps):
        if step["name"] == "resample" and step.get("class") is None:
            steps[index] = sampler
            return steps
    return [*steps[:-1], sampler, steps[-1]]
