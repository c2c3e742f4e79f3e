"""Crafted and malformed model files: each refused with one ModelFileError
naming the file and the part, within bounds on memory."""

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from _helpers import model_file_parts, tiny_cnn_params, toy_faces, zip_parts
from emotion_sklearn import EmotionCNNClassifier, ModelFileError, load_model, save_model
from emotion_sklearn.model_files import _archive


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    X, y = toy_faces()
    cnn = EmotionCNNClassifier(random_state=0, **tiny_cnn_params()).fit(X, y)
    path = tmp_path_factory.mktemp("model") / "model.esk"
    save_model(cnn, path)
    return model_file_parts(path)


def _signed(parts, **changed):
    """``parts`` with some replaced and every checksum recomputed to match."""
    parts = {**parts, **changed}
    checksums = {
        name: hashlib.sha256(data).hexdigest()
        for name, data in parts.items()
        if name != "checksums.json"
    }
    return {**parts, "checksums.json": json.dumps(checksums).encode()}


def _manifest(parts):
    return json.loads(parts["manifest.json"])


def _with_manifest(parts, manifest):
    return _signed(parts, **{"manifest.json": json.dumps(manifest).encode()})


def _npy(array_text_header, payload=b""):
    """A .npy file whose header is ``array_text_header``."""
    header = array_text_header.encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def _first_array(parts):
    return next(name for name in parts if name.endswith(".npy"))


def _estimator(parts):
    return _manifest(parts)["estimator"]


MALFORMED = {
    "bad_json_in_the_manifest": lambda p: _signed(p, **{"manifest.json": b"{not json"}),
    "a_list_for_the_manifest": lambda p: _signed(p, **{"manifest.json": b"[1, 2]"}),
    "steps_missing": lambda p: _with_manifest(
        p, {**_manifest(p), "pipeline": "sklearn.pipeline.Pipeline", "estimator": None}
    ),
    "a_list_where_an_object_is_expected": lambda p: _with_manifest(
        p, {**_manifest(p), "estimator": {**_estimator(p), "params": [1, 2]}}
    ),
    "an_unknown_parameter": lambda p: _with_manifest(
        p,
        {
            **_manifest(p),
            "estimator": {
                **_estimator(p),
                "params": {**_estimator(p)["params"], "n_layers": 3},
            },
        },
    ),
    "a_weight_of_the_wrong_shape": lambda p: _signed(
        p, **{_first_array(p): _npy_of(np.zeros((2, 2), np.float32))}
    ),
    "an_object_dtype_array": lambda p: _signed(
        p,
        **{
            _first_array(p): _npy(
                "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
            )
        },
    ),
    "an_enormous_shape": lambda p: _signed(
        p,
        **{
            _first_array(p): _npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (10**12,), }"
            )
        },
    ),
    "a_garbled_checksums_file": lambda p: {**p, "checksums.json": b"{garbled"},
}


def _npy_of(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_one_model_file_error_naming_it(parts, tmp_path, case):
    path = zip_parts(MALFORMED[case](parts), tmp_path / f"{case}.esk")
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    message = str(caught.value)
    assert str(path) in message
    assert "malformed" in message or "format" in message


def test_a_zip_bomb_is_refused_before_anything_is_inflated(
    parts, tmp_path, monkeypatch
):
    # The bound made small, so that the bomb is quick to build.
    monkeypatch.setattr(_archive, "MAX_UNPACKED_BYTES", 4 * 2**20)
    path = tmp_path / "bomb.esk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        # 8 MiB of zeros compress to about 8 kB.
        archive.writestr("arrays/padding.npy", bytes(8 * 2**20))
    assert path.stat().st_size < 2**20
    with pytest.raises(ModelFileError, match=r"unpacks to .* refused before reading"):
        load_model(path)


def test_a_missing_file_is_no_such_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such model file"):
        load_model(tmp_path / "missing.esk")
