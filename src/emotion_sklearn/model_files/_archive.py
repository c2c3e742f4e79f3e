"""Reading a model file's parts within bounds, and naming what is malformed.

A model file is a zip archive a stranger may have crafted. Each member's
declared size is checked before anything is inflated (zipfile never inflates
a member past its declared size), an array's header before its data is
allocated, and every failure after the file is opened becomes one
:class:`ModelFileError` naming the file and the part.
"""

import contextlib
import io
import json
import zipfile

import numpy as np

# The most a model file may unpack to. The shipped model is about 1 MB; a
# network of 64 million float32 weights fits.
MAX_UNPACKED_BYTES = 256 * 2**20
# Array kinds a network's weights may have: booleans, integers, floats.
_NUMERIC_KINDS = "biuf"


class ModelFileError(ValueError):
    """A model file that cannot be read or trusted; the message says why."""


@contextlib.contextmanager
def reading(path, part):
    """Turn any failure inside the block into a ModelFileError naming ``part``."""
    try:
        yield
    except ModelFileError:
        raise
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        RecursionError,
        zipfile.BadZipFile,
    ) as exc:
        raise ModelFileError(
            f"{str(path)!r}: {part} is malformed ({type(exc).__name__}: {exc})."
        ) from None


def read_parts(path, max_bytes=None):
    """Every member of the archive at ``path``, by name, within ``max_bytes``
    (default :data:`MAX_UNPACKED_BYTES`)."""
    max_bytes = MAX_UNPACKED_BYTES if max_bytes is None else max_bytes
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > max_bytes:
                raise ModelFileError(
                    f"{str(path)!r} unpacks to {total:,} bytes, more than a model "
                    f"file may ({max_bytes:,}); refused before reading it."
                )
            return {m.filename: archive.read(m) for m in members}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{str(path)!r} cannot be read: {exc}") from None


def read_json(path, parts, name):
    """The JSON object in part ``name``."""
    with reading(path, name):
        value = json.loads(parts[name])
        if not isinstance(value, dict):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        return value


def load_array(path, name, data):
    """The array in part ``name``: numeric, and no larger than its bytes."""
    with reading(path, name):
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        shape, _, dtype = _header(stream, version)
        if dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"holds {dtype} values, not numbers")
        needed = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if needed > len(data):
            raise ValueError(
                f"declares shape {shape}, more than its {len(data):,} bytes hold"
            )
        return np.load(io.BytesIO(data), allow_pickle=False)


def _header(stream, version):
    """``(shape, fortran_order, dtype)`` from a ``.npy`` header (numpy's public
    readers, which refuse a header that is not a plain literal)."""
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f"unsupported .npy format version {version}")
