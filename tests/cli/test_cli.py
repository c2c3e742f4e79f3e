"""The command line end to end on a small synthetic dataset, in a temporary folder."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

from emotion_sklearn.cli import main
from emotion_sklearn.cli._report import save_outputs

TINY = [
    "--set",
    "cnn__n_blocks=1",
    "--set",
    "cnn__filters=4",
    "--set",
    "cnn__dense_units=8",
    "--set",
    "cnn__n_networks=1",
    "--set",
    "cnn__run_eagerly=True",
    "--set",
    "load__image_size=(24,24)",
    "--epochs",
    "2",
]


@pytest.fixture(scope="module")
def subset(synthetic_data_dir):
    """A dataset folder of 160 drawn faces of 32 people, 40 of each emotion."""
    return synthetic_data_dir


@pytest.fixture(scope="module")
def trained(subset, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "m.esk"
    assert main(["train", "--data", str(subset), "--out", str(out), *TINY]) == 0
    return out


def _is_png(path):
    with Image.open(path) as image:
        return image.format == "PNG" and image.size[0] > 100


def test_train_writes_model_and_report(trained):
    report = trained.with_name("m_report")
    assert trained.is_file()
    assert _is_png(report / "confusion_matrix.png")
    assert _is_png(report / "training_curves.png")
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["evaluated_on"] == "held-out people"
    assert set(metrics["recall"]) == {"anger", "happiness", "neutral", "sadness"}
    assert (
        0 < metrics["n_samples"] < 160
        and metrics["n_train"] + metrics["n_samples"] == 160
    )
    assert not [p for p in trained.parent.iterdir() if p.name.startswith(".")]


def test_train_refuses_to_overwrite(trained, subset, capsys):
    before = trained.read_bytes()
    status = main(["train", "--data", str(subset), "--out", str(trained), *TINY])
    assert status == 2
    assert "--force" in capsys.readouterr().err
    assert trained.read_bytes() == before


def test_evaluate_json(trained, subset, capsys):
    assert main(["evaluate", str(trained), "--data", str(subset), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in (
        "balanced_accuracy",
        "accuracy",
        "recall",
        "precision",
        "f1",
        "confusion_matrix",
        "labels",
        "n_samples",
    ):
        assert key in result
    assert result["n_samples"] == 160
    assert np.asarray(result["confusion_matrix"]).sum() == 160


def test_predict_reports_a_bad_file_and_predicts_the_rest(
    trained, subset, tmp_path, capsys
):
    bad = tmp_path / "broken.jpg"
    bad.write_text("not an image")
    good = sorted((subset / "images").iterdir())[:2]
    status = main(
        ["predict", str(trained), str(good[0]), str(bad), str(good[1]), "--json"]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [("error" in line) for line in lines] == [False, True, False]
    assert "broken.jpg" in lines[1]["error"]
    assert lines[0]["label"] in lines[0]["probabilities"]
    assert abs(sum(lines[2]["probabilities"].values()) - 1) < 1e-4


def test_predict_a_folder_as_csv(trained, subset, capsys):
    assert main(["predict", str(trained), str(subset / "images"), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "path,face,face_found,x,y,width,height,label,"
        "anger,happiness,neutral,sadness,error"
    )
    assert len(lines) == 161


@pytest.mark.slow
def test_search_saves_best_and_results(subset, tmp_path, capsys):
    out = tmp_path / "best.joblib"
    status = main(
        [
            "search",
            "--data",
            str(subset),
            "--out",
            str(out),
            "--cv",
            "2",
            "--param",
            "cnn__filters=2,4",
            *TINY,
        ]
    )
    assert status == 0
    assert out.is_file()
    results = (tmp_path / "best_cv_results.csv").read_text().splitlines()
    assert len(results) == 3  # header and two candidates
    assert "rank" in capsys.readouterr().out


def test_user_mistakes_are_one_line(tmp_path, capsys):
    assert (
        main(["evaluate", str(tmp_path / "none.joblib"), "--data", str(tmp_path)]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no model file" in err
    assert main(["info", "--data", str(tmp_path / "missing")]) == 2
    assert "no folder" in capsys.readouterr().err
    assert main(["info", "--data", str(tmp_path)]) == 2
    assert "has no data/legend.csv" in capsys.readouterr().err
    assert (
        main(
            [
                "train",
                "--data",
                str(tmp_path),
                "--out",
                str(tmp_path / "m.joblib"),
                "--set",
                "filters=3",
            ]
        )
        == 2
    )
    assert "STEP__PARAM=VALUE" in capsys.readouterr().err


def test_help_warns_about_pickled_models():
    result = subprocess.run(
        [sys.executable, "-m", "emotion_sklearn", "predict", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())
    assert "runs code when loaded" in text and "--allow-pickle" in text
    assert "--json" in text


def test_a_failed_save_leaves_nothing(tmp_path, monkeypatch):
    import joblib

    def broken_dump(model, path):
        with open(path, "wb") as handle:
            handle.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(joblib, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        save_outputs(tmp_path / "m.joblib", model={"a": 1})
    assert list(tmp_path.iterdir()) == []


def test_a_bad_step_parameter_is_refused_before_decoding(subset, tmp_path, capsys):
    out = str(tmp_path / "m.joblib")
    for setting, expected in [
        ("cnn__dropout=1.5", "'dropout' parameter"),
        ("cnn__nope=1", "unknown parameter 'cnn__nope'"),
    ]:
        status = main(["train", "--data", str(subset), "--out", out, "--set", setting])
        err = capsys.readouterr().err
        assert status == 2 and expected in err, err
        assert err.count("\n") == 1  # no estimator repr over many lines
        assert "loading images" not in err
    assert not list(tmp_path.iterdir())


def test_epochs_given_twice_is_refused(subset, tmp_path, capsys):
    args = ["train", "--data", str(subset), "--out", str(tmp_path / "m.joblib")]
    assert main([*args, "--epochs", "2", "--set", "cnn__epochs=3"]) == 2
    assert "give one" in capsys.readouterr().err


def test_a_bug_shows_its_traceback(subset, tmp_path, monkeypatch):
    from emotion_sklearn.cli import _commands

    def broken(*args, **kwargs):
        raise ValueError("an internal mistake")

    monkeypatch.setattr(_commands, "classification_metrics", broken)
    with pytest.raises(ValueError, match="an internal mistake"):
        main(
            ["train", "--data", str(subset), "--out", str(tmp_path / "m.joblib"), *TINY]
        )


def test_predict_and_evaluate_find_the_loader_wherever_it_is(
    subset, small_faces, tmp_path, capsys
):
    import joblib
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from _helpers import tiny_cnn_params
    from emotion_sklearn import EmotionCNNClassifier, ImageLoader

    X, y, _ = small_faces
    model = Pipeline(
        [
            ("paths", FunctionTransformer()),
            ("load", ImageLoader(image_size=(16, 16))),
            ("cnn", EmotionCNNClassifier(random_state=0, **tiny_cnn_params())),
        ]
    ).fit(X, y)
    path = tmp_path / "custom.joblib"
    joblib.dump(model, path)
    trust = "--allow-pickle"  # a FunctionTransformer needs joblib
    assert main(["predict", str(path), X[0], "--json", trust]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["label"] == model.predict(X[:1])[0]
    assert main(["evaluate", str(path), "--data", str(subset), "--json", trust]) == 0
    assert json.loads(capsys.readouterr().out)["n_samples"] == len(y)


def test_a_pickle_is_read_only_when_allowed(subset, tmp_path, capsys):
    out = tmp_path / "m.joblib"
    assert main(["train", "--data", str(subset), "--out", str(out), *TINY]) == 0
    image = str(sorted((subset / "images").iterdir())[0])
    capsys.readouterr()
    assert main(["predict", str(out), image]) == 2
    err = capsys.readouterr().err
    assert "--allow-pickle" in err and err.count("\n") == 1
    assert main(["predict", str(out), image, "--allow-pickle", "--json"]) == 0
    assert "label" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a model\n", bytes(range(256)) * 4, b"pickled dict"],
    ids=["empty", "text", "random", "pickled_dict"],
)
def test_a_bad_model_file_is_one_line(subset, tmp_path, capsys, content):
    import pickle

    if content == b"pickled dict":
        content = pickle.dumps({"a": 1})
    model = tmp_path / "bad.joblib"
    model.write_bytes(content)
    image = str(sorted((subset / "images").iterdir())[0])
    for extra in ([], ["--allow-pickle"]):
        assert main(["predict", str(model), image, *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "bad.joblib" in err, err


def test_a_named_pipe_is_refused_not_waited_on(trained, tmp_path, capsys):
    import os

    pipe = tmp_path / "photo.jpg"
    os.mkfifo(pipe)
    assert main(["predict", str(trained), str(pipe), "--json"]) == 1
    row = json.loads(capsys.readouterr().out)
    assert "not a regular file" in row["error"]
    assert main(["predict", "--model", str(pipe), str(trained)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_an_empty_folder_is_an_error_not_silence(trained, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["predict", str(trained), str(empty)]) == 2
    assert "holds no files" in capsys.readouterr().err


def test_predictions_come_a_chunk_at_a_time_in_order(
    trained, subset, monkeypatch, capsys
):
    from emotion_sklearn.cli import _predict as _predicting

    monkeypatch.setattr(_predicting, "PREDICT_CHUNK", 3)
    images = sorted((subset / "images").iterdir())[:7]
    assert main(["predict", str(trained), *map(str, images), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["path"] for row in rows] == list(map(str, images))


def test_cheap_mistakes_and_info_are_answered_before_tensorflow_starts(
    synthetic_data_dir, tmp_path
):
    folder = tmp_path / "existing"
    folder.mkdir()
    script = (
        "import sys\n"
        "from emotion_sklearn.cli import main\n"
        "data, folder = sys.argv[1], sys.argv[2]\n"
        "codes = [\n"
        "    main(['train', '--data', folder + '/no', '--out', folder + '/m.esk']),\n"
        "    main(['train', '--data', data, '--out', folder, '--force']),\n"
        "    main(['evaluate', folder + '/missing.esk', '--data', data]),\n"
        "    main(['predict', folder + '/missing.jpg']),\n"
        "    main(['info', '--data', data]),\n"
        "]\n"
        "print(codes, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(synthetic_data_dir), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[2, 2, 2, 2, 0] False"
    errors = done.stderr
    assert "no folder" in errors
    assert "is a folder; give a file name" in errors
    assert "no model file at" in errors
    assert "no such file or folder" in errors


def test_a_warning_is_one_line_naming_the_command():
    from emotion_sklearn import NoFaceFoundWarning
    from emotion_sklearn.cli._main import _show_package_warnings_only

    shown = warnings.formatwarning
    try:
        with warnings.catch_warnings(record=True) as caught:
            _show_package_warnings_only("info")
            warnings.warn("a library's warning", DeprecationWarning, stacklevel=1)
            warnings.warn("a package warning", NoFaceFoundWarning, stacklevel=1)
            text = warnings.formatwarning(
                "a package warning", NoFaceFoundWarning, "/src/loader.py", 9
            )
    finally:
        warnings.formatwarning = shown
    assert [str(w.message) for w in caught] == ["a package warning"]
    assert text == "emotion-sklearn info: warning: a package warning\n"


def test_export_writes_a_graph_that_predicts_as_the_model_does(
    trained, subset, tmp_path, capsys
):
    out = tmp_path / "m.onnx"
    assert main(["export", str(trained), str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    photos = sorted((subset / "images").iterdir())[:6]
    rows = {}
    for model in (trained, out):
        assert (
            main(["predict", "--model", str(model), *map(str, photos), "--json"]) == 0
        )
        rows[model] = [
            json.loads(line) for line in capsys.readouterr().out.split("\n")[:-1]
        ]
    for esk, onnx in zip(rows[trained], rows[out], strict=True):
        assert (esk["box"], esk["label"]) == (onnx["box"], onnx["label"])
        for name, value in esk["probabilities"].items():
            assert onnx["probabilities"][name] == pytest.approx(value, abs=1e-5)


def test_export_replaces_a_file_only_with_force(trained, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    out.write_text("mine")
    assert main(["export", str(trained), str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "mine"
    assert main(["export", str(trained), str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "none.esk"), str(out)]) == 2
    assert main(["export", str(trained), str(out), "--force"]) == 0
    assert out.stat().st_size > 1000


def test_predict_names_a_file_that_is_not_an_exported_graph(tmp_path, capsys):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not a graph")
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((40, 40), 100, np.uint8)).save(photo)
    assert main(["predict", "--model", str(fake), str(photo)]) == 2
    err = capsys.readouterr().err
    assert "fake.onnx" in err and "cannot be read as an ONNX model" in err


def test_export_without_tf2onnx_says_what_to_install(
    trained, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import tf2onnx fails
    assert main(["export", str(trained), str(tmp_path / "m.onnx")]) == 2
    assert "pip install 'emotion-sklearn[onnx]'" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_training_fits_on_the_loaders_fit_transform(tmp_path):
    # The command decodes every image once, then fits on fit_transform's rows:
    # the faces the loader reads whole at fit time are read whole.
    from skimage.data import astronaut
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline

    from emotion_sklearn import FaceFinder, ImageLoader
    from emotion_sklearn.cli._commands import _fit_from_pixels

    paths = []
    for name, pixels in [
        ("face", astronaut()),
        ("face2", np.roll(astronaut(), 5, axis=1)),
        ("blank", np.full((90, 90), 128, np.uint8)),
    ]:
        paths.append(str(tmp_path / f"{name}.png"))
        Image.fromarray(pixels).save(paths[-1])
    loader = ImageLoader(
        image_size=(16, 16),
        face_finder=FaceFinder(),
        whole_share="matched",
        random_state=0,
    )
    pipe = Pipeline([("load", loader), ("cnn", DummyClassifier())])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the blank image has no face
        decoded = loader.transform(paths)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit_from_pixels(pipe, decoded, np.array(["a", "b", "b"]), np.array(paths))
    # b's share read whole is one of two (the blank), so a's one face is too.
    assert pipe["load"].whole_indices_.tolist() == [0]
    assert not caught  # the faceless image was counted when first decoded
