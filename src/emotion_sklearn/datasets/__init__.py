"""Loading and fetching the ``muxspace/facial_expressions`` face dataset."""

from ._facial_expressions import (
    DEFAULT_EMOTIONS,
    load_facial_expressions,
    normalize_emotion,
    person_folds,
    person_from_filename,
)
from ._fetch import (
    ARCHIVE_URL,
    fetch_facial_expressions,
    find_facial_expressions,
    get_data_home,
)

__all__ = [
    "ARCHIVE_URL",
    "DEFAULT_EMOTIONS",
    "fetch_facial_expressions",
    "find_facial_expressions",
    "get_data_home",
    "load_facial_expressions",
    "normalize_emotion",
    "person_folds",
    "person_from_filename",
]
