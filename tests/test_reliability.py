"""Bad input and interruptions: each case of the docs' reliability section."""

import json
import os
import signal
import subprocess
import sys
import warnings

import pytest
from PIL import Image

from emotion_sklearn import ImageLoader, ImageLoadError, _files
from emotion_sklearn.cli import _report, main
from emotion_sklearn.datasets import load_facial_expressions

OLD, NEW = {"loss": [1.0, 0.5], "tag": "old"}, {"loss": [0.9, 0.4], "tag": "new"}
METRICS = {"labels": ["anger", "happiness"], "tag": None}


def _save_pair(out, model):
    _report.save_outputs(
        out,
        model=model,
        report={
            "metrics": {**METRICS, "tag": model["tag"]},
            "y_true": ["anger", "happiness"],
            "y_pred": ["anger", "anger"],
        },
    )


def _pair_tags(out):
    import joblib

    model = joblib.load(out)["tag"]
    report = json.loads((out.with_name("m_report") / "metrics.json").read_text())
    return model, report["tag"]


@pytest.fixture
def decoding_spy(monkeypatch):
    """Counts the images the command line decodes."""
    from emotion_sklearn.cli import _commands

    decoded = []
    original = _commands.decode_with_progress

    def spy(loader, paths, what="images"):
        decoded.append(len(paths))
        return original(loader, paths, what)

    monkeypatch.setattr(_commands, "decode_with_progress", spy)
    return decoded


def test_train_into_an_unwritable_folder_fails_before_decoding(
    synthetic_data_dir, tmp_path, monkeypatch, decoding_spy, capsys
):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # As root every folder is writable, so the refusal is simulated.
    monkeypatch.setattr(_files.tempfile, "mkstemp", refuse)
    out = tmp_path / "m.joblib"
    assert main(["train", "--data", str(synthetic_data_dir), "--out", str(out)]) == 2
    assert "cannot write to" in capsys.readouterr().err
    assert decoding_spy == [] and list(tmp_path.iterdir()) == []


def test_train_onto_a_folder_fails_before_decoding(
    synthetic_data_dir, tmp_path, decoding_spy, capsys
):
    folder = tmp_path / "models"
    folder.mkdir()
    args = ["train", "--data", str(synthetic_data_dir), "--out", str(folder)]
    assert main([*args, "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert decoding_spy == [] and folder.is_dir()


@pytest.fixture
def python_sigint():
    """Python's own Ctrl-C handler, installed and unblocked for the test.

    A process started in the background by a non-interactive shell
    (``pytest &``, ``nohup pytest &``, some CI runners) inherits SIGINT
    ignored, and Python then installs no KeyboardInterrupt handler at start:
    the test would see nothing to interrupt. Installing Python's handler
    keeps this test about save_outputs however the suite was started; the
    warning says what was found.
    """
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.SIGINT in blocked or previous is not signal.default_int_handler:
        warnings.warn(
            f"SIGINT was {'blocked' if signal.SIGINT in blocked else 'unblocked'}"
            f" with handler {previous!r} when the test started (SIG_IGN: the"
            " suite was started in the background by a non-interactive shell)",
            stacklevel=1,
        )
    yield
    signal.signal(signal.SIGINT, previous)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@pytest.mark.parametrize("step", range(6))
def test_an_interruption_at_each_file_operation_leaves_a_matching_pair(
    tmp_path, monkeypatch, step, python_sigint
):
    out = tmp_path / "m.joblib"
    _save_pair(out, OLD)
    operations = []

    def interrupting(real):
        def operation(*args, **kwargs):
            operations.append(real.__name__)
            if len(operations) - 1 == step:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as a user would
            return real(*args, **kwargs)

        return operation

    monkeypatch.setattr(_report.joblib, "dump", interrupting(_report.joblib.dump))
    monkeypatch.setattr(
        _report, "write_report_files", interrupting(_report.write_report_files)
    )
    monkeypatch.setattr(_files.os, "replace", interrupting(os.replace))
    with pytest.raises(KeyboardInterrupt):
        _save_pair(out, NEW)
    # dump, report, old model aside, old report aside, new model in, new report in
    assert len(operations) > step
    assert _pair_tags(out) in {("old", "old"), ("new", "new")}
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_ctrl_c_during_the_swap_says_the_outputs_were_saved(
    tmp_path, monkeypatch, python_sigint, capsys
):
    out = tmp_path / "m.joblib"
    real = os.replace

    def interrupted_rename(*args):
        os.kill(os.getpid(), signal.SIGINT)  # held back until the swap ends
        return real(*args)

    monkeypatch.setattr(_files.os, "replace", interrupted_rename)
    with pytest.raises(_files.InterruptedAfterSaving) as caught:
        _save_pair(out, NEW)
    assert _pair_tags(out) == ("new", "new")
    assert out in caught.value.targets

    from emotion_sklearn.cli import _commands

    def train(args):
        raise caught.value

    monkeypatch.setattr(_commands, "start_tensorflow", lambda: None)
    monkeypatch.setattr(_commands, "train", train)
    monkeypatch.setattr(_files.os, "replace", real)
    data = tmp_path / "data"
    (data / "data").mkdir(parents=True)
    (data / "data" / "legend.csv").write_text("user.id,image,emotion\n")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "x.esk")]) == 130
    assert f"interrupted after saving {out}" in capsys.readouterr().err


def test_an_ignored_ctrl_c_stays_ignored_while_files_are_replaced(tmp_path):
    # A background job inherits SIGINT ignored; holding Ctrl-C back during
    # the renames must not turn an ignored signal into an interruption.
    scratch, target = tmp_path / "new.txt", tmp_path / "out.txt"
    scratch.write_text("new")
    target.write_text("old")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _files.signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
        _files.replace_together({scratch: target})
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert target.read_text() == "new"


def test_a_failed_rename_puts_the_old_pair_back(tmp_path, monkeypatch):
    out = tmp_path / "m.joblib"
    _save_pair(out, OLD)
    real, calls = os.replace, []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 4:  # the new report's move
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(_files.os, "replace", failing)
    with pytest.raises(OSError, match="No space"):
        _save_pair(out, NEW)
    monkeypatch.setattr(_files.os, "replace", real)
    assert _pair_tags(out) == ("old", "old")


def test_stale_scratch_files_of_a_killed_run_are_removed(synthetic_data_dir, tmp_path):
    (tmp_path / ".m.joblib.abc123.tmp").write_bytes(b"half a model")
    (tmp_path / ".m_report.xyz789.tmp").mkdir()
    (tmp_path / ".other.joblib.abc.tmp").write_bytes(b"not ours")
    _report.check_writable(tmp_path / "m.joblib", force=False)
    assert [p.name for p in tmp_path.iterdir()] == [".other.joblib.abc.tmp"]


def test_search_removes_the_stale_scratch_of_a_killed_runs_cv_results(tmp_path):
    (tmp_path / ".best_cv_results.csv.abc123.tmp").write_text("half a table")
    results = _report.cv_results_path_for(tmp_path / "best.esk")
    _report.check_writable(tmp_path / "best.esk", force=False, extra=[results])
    assert list(tmp_path.iterdir()) == []


def test_search_refuses_to_overwrite_its_cv_results(
    synthetic_data_dir, tmp_path, decoding_spy, capsys
):
    results = tmp_path / "best_cv_results.csv"
    results.write_text("keep me\n")
    args = ["search", "--data", str(synthetic_data_dir), "--out"]
    status = main([*args, str(tmp_path / "best.joblib"), "--param", "cnn__filters=2,4"])
    assert status == 2 and "--force" in capsys.readouterr().err
    assert results.read_text() == "keep me\n" and decoding_spy == []


def test_outputs_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        _save_pair(tmp_path / "m.joblib", NEW)
    finally:
        os.umask(previous)
    assert (tmp_path / "m.joblib").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "m_report").stat().st_mode & 0o777 == 0o750


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        ("user.id,image,emotion\n1,a.jpg,anger\n".encode("utf-16"), "not UTF-8"),
    ],
    ids=["empty", "utf16"],
)
def test_a_bad_legend_is_named(tmp_path, content, message):
    (tmp_path / "data").mkdir()
    (tmp_path / "images").mkdir()
    (tmp_path / "data" / "legend.csv").write_bytes(content)
    with pytest.raises(ValueError, match=message) as error:
        load_facial_expressions(tmp_path)
    assert "legend.csv" in str(error.value)


def test_a_huge_image_is_refused_naming_it(tmp_path):
    path = tmp_path / "huge.png"
    # A 9000x9000 image, stored small: PNG compresses a flat picture.
    Image.new("L", (9000, 9000), 128).save(path)
    with pytest.raises(ImageLoadError, match=r"huge\.png.*81,000,000 pixels"):
        ImageLoader().transform([path])


def test_ctrl_c_while_starting_is_one_line(
    monkeypatch, synthetic_data_dir, tmp_path, capsys
):
    from emotion_sklearn.cli import _commands

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(_commands, "start_tensorflow", interrupted)
    out = str(tmp_path / "m.esk")
    assert main(["train", "--data", str(synthetic_data_dir), "--out", out]) == 130
    assert capsys.readouterr().err == "emotion-sklearn train: interrupted\n"


def test_help_does_not_start_tensorflow():
    script = (
        "import sys\n"
        "from emotion_sklearn.cli import main\n"
        "try:\n    main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('tensorflow' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip() == "False"
    assert "--out" in result.stdout


def test_commands_print_no_tensorflow_start_up_lines(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "emotion_sklearn", "info", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("emotion-sklearn info: error:")
