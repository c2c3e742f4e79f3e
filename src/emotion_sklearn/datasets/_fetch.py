"""Downloading the ``muxspace/facial_expressions`` repository for a real user."""

import hashlib
import http.client
import os
import shutil
import zipfile
from pathlib import Path

from .._files import remove_stale_scratch, scratch_dir
from ._facial_expressions import DEFAULT_EMOTIONS, load_facial_expressions
from ._http import Deadline, open_url

ARCHIVE_URL = (
    "https://github.com/muxspace/facial_expressions/archive/refs/heads/master.zip"
)
DATA_HOME_ENV = "EMOTION_SKLEARN_DATA"
DATASET_ENV = "EMOTION_SKLEARN_DATASET"
DATASET_DIRNAME = "facial_expressions"
DATA_HOME_NAME = "emotion_sklearn_data"
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
        data_home = os.environ.get(DATA_HOME_ENV) or Path.home() / DATA_HOME_NAME
    data_home = Path(data_home).expanduser()
    data_home.mkdir(parents=True, exist_ok=True)
    return data_home


def _is_complete(folder):
    return (folder / "data" / "legend.csv").is_file() and (folder / "images").is_dir()


def find_facial_expressions(folder=None, *, data_home=None):
    """The folder of a local copy of the dataset, or None if there is none.

    Looks only where it is told, in this order: ``folder``; the folder named
    by ``$EMOTION_SKLEARN_DATASET``; the copy :func:`fetch_facial_expressions`
    downloaded into the data home (``data_home``, else
    ``$EMOTION_SKLEARN_DATA``, else ``~/emotion_sklearn_data``). Nothing is
    downloaded or created. Tests, benchmarks and examples all find the data
    this way.

    Parameters
    ----------
    folder : str or path-like, default=None
        A dataset folder to use if it holds the dataset (``data/legend.csv``
        and ``images/``).
    data_home : str or path-like, default=None
        The data home to look in.

    Returns
    -------
    folder : pathlib.Path or None

    Examples
    --------
    >>> from emotion_sklearn.datasets import find_facial_expressions
    >>> folder = find_facial_expressions()
    >>> folder is None or (folder / "data" / "legend.csv").is_file()
    True
    """
    named = [folder, os.environ.get(DATASET_ENV)]
    home = data_home or os.environ.get(DATA_HOME_ENV) or Path.home() / DATA_HOME_NAME
    for candidate in [*named, Path(home) / DATASET_DIRNAME]:
        if candidate and _is_complete(Path(candidate).expanduser()):
            return Path(candidate).expanduser()
    return None


def _download(url, destination, timeout, deadline, max_bytes):
    digest, size = hashlib.sha256(), 0
    with Deadline(deadline) as clock:
        try:
            with (
                open_url(url, timeout=timeout, deadline=clock) as response,
                open(destination, "wb") as out,
            ):
                # read1 returns what has arrived, so a server that trickles
                # bytes still meets the deadline check between reads.
                while chunk := response.read1(_CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise OSError(
                            f"the archive is larger than max_bytes={max_bytes:,}"
                        )
                    if clock.passed():
                        break
                    digest.update(chunk)
                    out.write(chunk)
        except (OSError, http.client.HTTPException) as exc:
            if not clock.passed():
                raise OSError(str(exc)) from exc
        if clock.passed():
            raise OSError(
                f"the download took longer than deadline={deadline} s "
                f"({size:,} bytes received)"
            )
    return digest.hexdigest()


def _check_unpacked_size(zipped, url, max_bytes):
    # zipfile never inflates a member past its declared size, so the sum of
    # the declared sizes bounds what extraction writes.
    total = sum(member.file_size for member in zipped.infolist())
    if total > max_bytes:
        raise OSError(
            f"{url}: the archive unpacks to {total:,} bytes, above "
            f"max_bytes={max_bytes:,}; nothing was extracted."
        )


def _find_dataset_root(unpacked):
    """The archive wraps the repository in one folder; find the one with the legend."""
    for legend in sorted(unpacked.rglob("legend.csv")):
        candidate = legend.parent.parent
        if legend.parent.name == "data" and _is_complete(candidate):
            return candidate
    raise OSError(
        "The downloaded archive holds no data/legend.csv beside an images/ folder."
    )


def _download_and_unpack(url, final_dir, sha256, timeout, deadline, max_bytes):
    # Everything happens in a scratch folder beside the final one and is moved
    # into place with one rename once it loads, so an interrupted or invalid
    # download never leaves a folder that later looks complete. A killed
    # download's scratch folder is removed by the next fetch.
    remove_stale_scratch(final_dir)
    scratch = scratch_dir(final_dir)
    try:
        archive = scratch / "archive.zip"
        try:
            digest = _download(url, archive, timeout, deadline, max_bytes)
        except OSError as exc:
            raise OSError(f"Could not download {url}: {exc}") from exc
        if sha256 is not None and digest != sha256.lower():
            raise OSError(
                f"Checksum mismatch for {url}: expected sha256 {sha256}, got {digest}."
            )
        try:
            with zipfile.ZipFile(archive) as zipped:
                # The declared sizes first: testzip inflates every member.
                _check_unpacked_size(zipped, url, max_bytes)
                broken = zipped.testzip()
                if broken is not None:
                    raise OSError(f"{url}: archive member {broken!r} is corrupt.")
                zipped.extractall(scratch / "unpacked")
        except zipfile.BadZipFile as exc:
            raise OSError(f"{url} did not yield a valid zip archive: {exc}") from exc
        dataset_root = _find_dataset_root(scratch / "unpacked")
        try:
            load_facial_expressions(dataset_root, emotions=None)
        except (OSError, ValueError) as exc:
            raise OSError(
                f"{url} does not hold a loadable dataset ({exc}); nothing was kept."
            ) from exc
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
    deadline=3600,
    max_bytes=4 * 2**30,
    return_X_y=False,
):
    """Load the ``muxspace/facial_expressions`` dataset, downloading it once.

    If ``data_home/facial_expressions`` already holds the dataset it is
    loaded; otherwise the repository archive (about 400 MB) is downloaded,
    checked, unpacked in a scratch folder, loaded once there and only then
    moved into place in one step: a download that fails any check leaves
    nothing behind.

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
        Seconds to wait for each answer from the server before giving up.
    deadline : float, default=3600
        Seconds the whole download may take; a server that sends a trickle
        is given up on when it passes.
    max_bytes : int, default=4 GiB
        The most the archive may weigh, downloaded and unpacked (each); the
        real archive is about 400 MB.
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
        _download_and_unpack(url, final_dir, sha256, timeout, deadline, max_bytes)
    return load_facial_expressions(final_dir, emotions=emotions, return_X_y=return_X_y)
