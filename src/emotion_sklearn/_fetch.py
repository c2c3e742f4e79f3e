"""Downloading the ``muxspace/facial_expressions`` repository for a real user."""

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from ._dataset import DEFAULT_EMOTIONS, load_facial_expressions

ARCHIVE_URL = (
    "https://github.com/muxspace/facial_expressions/archive/refs/heads/master.zip"
)
DATA_HOME_ENV = "EMOTION_SKLEARN_DATA"
DATASET_DIRNAME = "facial_expressions"
_CHUNK_BYTES = 1 << 20


def get_data_home(data_home=None):
    """Return the folder that holds downloaded datasets, creating it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder. ``None`` takes the environment variable
        ``EMOTION_SKLEARN_DATA``, else ``~/emotion_sklearn_data``.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> from emotion_sklearn.datasets import get_data_home
    >>> get_data_home("/tmp/faces").name
    'faces'
    """
    if data_home is None:
        data_home = (
            os.environ.get(DATA_HOME_ENV) or Path.home() / "emotion_sklearn_data"
        )
    data_home = Path(data_home).expanduser()
    data_home.mkdir(parents=True, exist_ok=True)
    return data_home


def _is_complete(folder):
    return (folder / "data" / "legend.csv").is_file() and (folder / "images").is_dir()


def _download(url, destination, timeout):
    digest = hashlib.sha256()
    with (
        urllib.request.urlopen(url, timeout=timeout) as response,
        open(destination, "wb") as out,
    ):
        while chunk := response.read(_CHUNK_BYTES):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _find_dataset_root(unpacked):
    """The archive wraps the repository in one folder; find the one with the legend."""
    for legend in sorted(unpacked.rglob("legend.csv")):
        candidate = legend.parent.parent
        if legend.parent.name == "data" and _is_complete(candidate):
            return candidate
    raise OSError(
        "The downloaded archive holds no data/legend.csv beside an images/ folder."
    )


def _download_and_unpack(url, final_dir, sha256, timeout):
    # Everything happens in a scratch folder beside the final one and is moved
    # into place with one rename, so an interrupted download never leaves a
    # folder that later looks complete.
    scratch = Path(tempfile.mkdtemp(prefix=".download-", dir=final_dir.parent))
    try:
        archive = scratch / "archive.zip"
        try:
            digest = _download(url, archive, timeout)
        except OSError as exc:
            raise OSError(f"Could not download {url}: {exc}") from exc
        if sha256 is not None and digest != sha256.lower():
            raise OSError(
                f"Checksum mismatch for {url}: expected sha256 {sha256}, got {digest}."
            )
        try:
            with zipfile.ZipFile(archive) as zipped:
                broken = zipped.testzip()
                if broken is not None:
                    raise OSError(f"{url}: archive member {broken!r} is corrupt.")
                zipped.extractall(scratch / "unpacked")
        except zipfile.BadZipFile as exc:
            raise OSError(f"{url} did not yield a valid zip archive: {exc}") from exc
        dataset_root = _find_dataset_root(scratch / "unpacked")
        os.replace(dataset_root, final_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fetch_facial_expressions(
    data_home=None,
    *,
    emotions=DEFAULT_EMOTIONS,
    download_if_missing=True,
    url=ARCHIVE_URL,
    sha256=None,
    timeout=60,
    return_X_y=False,
):
    """Load the ``muxspace/facial_expressions`` dataset, downloading it once.

    If ``data_home/facial_expressions`` already holds the dataset it is
    loaded; otherwise the repository archive (about 400 MB) is downloaded,
    checked, unpacked in a scratch folder and moved into place in one step.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Where datasets live; see :func:`get_data_home`.
    emotions : sequence of str or None, default=DEFAULT_EMOTIONS
        Passed to :func:`load_facial_expressions`.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading.
    url : str, default=ARCHIVE_URL
        The zip archive of the repository.
    sha256 : str, default=None
        The archive's expected SHA-256. GitHub builds branch archives on
        demand, so no checksum is pinned by default; the zip's own CRCs and
        the layout are always checked.
    timeout : float, default=60
        Seconds to wait for the server before giving up.
    return_X_y : bool, default=False
        Passed to :func:`load_facial_expressions`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or tuple
        As returned by :func:`load_facial_expressions`.

    Examples
    --------
    >>> from emotion_sklearn.datasets import fetch_facial_expressions
    >>> faces = fetch_facial_expressions()  # doctest: +SKIP
    """
    final_dir = get_data_home(data_home) / DATASET_DIRNAME
    if not _is_complete(final_dir):
        if final_dir.exists():
            raise OSError(
                f"{str(final_dir)!r} exists but is not a complete dataset "
                "(data/legend.csv and images/); move it away and fetch again."
            )
        if not download_if_missing:
            raise OSError(f"No dataset at {str(final_dir)!r} and downloading is off.")
        _download_and_unpack(url, final_dir, sha256, timeout)
    return load_facial_expressions(final_dir, emotions=emotions, return_X_y=return_X_y)
