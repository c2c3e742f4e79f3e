"""The import order docs/architecture.rst promises: each subpackage imports only
those before it."""

import ast
from pathlib import Path

import emotion_sklearn

PACKAGE = Path(emotion_sklearn.__file__).parent
BASE = {"_files", "_sklearn_seam", "_shapes"}
TOP = {"__init__", "_pipeline", "_steps", "_detect", "_video", "plotting", "parallel"}
# What each part may import, besides itself.
SUBPACKAGES = {
    "base": set(),
    "datasets": {"base"},
    "images": {"base"},
    "sampling": {"base"},
    "network": {"base"},
    "model_files": {"base", "images"},
    # network only to trace a graph in export_onnx, imported there.
    "inference": {"base", "images", "model_files", "network"},
}
# The top-level modules may import every subpackage; the command line, those too.
ALLOWED = {
    **SUBPACKAGES,
    "top": set(SUBPACKAGES),
    "cli": set(SUBPACKAGES) | {"top"},
}


def _part(dotted):
    """The part of the package a module (``emotion_sklearn.a.b``) belongs to."""
    first = dotted.split(".")[1] if "." in dotted else "__init__"
    if first in BASE:
        return "base"
    if first in TOP:
        return "top"
    if first == "__main__":  # python -m emotion_sklearn: the command line
        return "cli"
    return first


def _imported_modules(path):
    """Every ``emotion_sklearn`` module ``path`` imports, at any depth."""
    module = ".".join(
        ["emotion_sklearn", *path.relative_to(PACKAGE).with_suffix("").parts]
    )
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                names = (
                    [target]
                    if node.module
                    else [f"{target}.{alias.name}" for alias in node.names]
                )
            else:
                names = [node.module or ""]
            yield from (name for name in names if name.startswith("emotion_sklearn."))
        elif isinstance(node, ast.Import):
            yield from (
                a.name for a in node.names if a.name.startswith("emotion_sklearn.")
            )


def test_each_part_imports_only_the_parts_before_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(
            ["emotion_sklearn", *path.relative_to(PACKAGE).with_suffix("").parts]
        )
        own = _part(module)
        for imported in _imported_modules(path):
            other = _part(imported)
            if other != own and other not in ALLOWED[own]:
                wrong.append(f"{module} ({own}) imports {imported} ({other})")
    assert wrong == []


def test_the_parts_are_the_subpackages_on_disk():
    on_disk = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert on_disk == set(ALLOWED) - {"base", "top"}
