"""The project's promises about itself: CI runs the README's test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _last_command(text):
    return [line for line in text.splitlines() if line.startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command():
    readme = _last_command((ROOT / "README.md").read_text())
    ci = _last_command((ROOT / ".ci" / "run").read_text())
    assert len(ci) == 1
    assert ci[0] in readme
    assert "pytest" in ci[0]


def test_public_api_is_exported():
    import emotion_sklearn

    for name in emotion_sklearn.__all__:
        assert hasattr(emotion_sklearn, name), name
