"""Grid search on a local Dask cluster of 2 worker processes on 127.0.0.1."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from _helpers import tiny_cnn_params
from emotion_sklearn import ImageLoadError, make_emotion_pipeline
from emotion_sklearn.cli import main

pytest.importorskip("distributed")
from emotion_sklearn.parallel import dask_client

pytestmark = pytest.mark.slow


def _search():
    pipeline = make_emotion_pipeline(
        load__image_size=(24, 24), random_state=0, **tiny_cnn_params("cnn__")
    )
    return GridSearchCV(
        pipeline,
        {"cnn__filters": [2, 4]},
        cv=StratifiedGroupKFold(2),
        n_jobs=-1,
        error_score="raise",
    )


@pytest.fixture(scope="module")
def cluster():
    with dask_client(local_workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def subset(small_faces):
    # All 160 images: each fold's early stopping holds out one image per class.
    return small_faces


_SERIAL_SEARCH = """
import json, sys
import numpy as np
from emotion_sklearn.parallel import limit_tensorflow_threads
limit_tensorflow_threads(1)
sys.path.insert(0, sys.argv[2])
from test_parallel import _search
data = np.load(sys.argv[1], allow_pickle=True)
search = _search().set_params(n_jobs=None)
search.fit(data["X"], data["y"], groups=data["groups"])
print(json.dumps({k: search.cv_results_[k].tolist() for k in sys.argv[3:]}))
"""


def _serial_scores(X, y, groups, keys, tmp_path):
    """The serial search in a fresh process, with the workers' one TF thread.

    Summation order inside TensorFlow's kernels depends on the thread count, so
    a fit with 2 threads and one with 1 can differ in the last bits and, on a
    tiny test network, flip a prediction. Equal settings give equal scores.
    """
    data = tmp_path / "subset.npz"
    np.savez(data, X=X, y=y, groups=groups)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _SERIAL_SEARCH,
            str(data),
            str(Path(__file__).parent),
            *keys,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_same_scores_as_the_serial_search(cluster, subset, tmp_path):
    X, y, groups = subset
    keys = ("split0_test_score", "split1_test_score", "mean_test_score")
    serial = _serial_scores(X, y, groups, keys, tmp_path)
    with parallel_config(backend="dask"):
        spread = _search().fit(X, y, groups=groups)
    assert len(cluster.scheduler_info()["workers"]) == 2
    for key in keys:
        np.testing.assert_array_equal(spread.cv_results_[key], serial[key])


def test_workers_tensorflow_threads_are_bounded(cluster):
    def threads():
        import os

        import tensorflow as tf

        return (
            os.environ["TF_NUM_INTRAOP_THREADS"],
            tf.config.threading.get_intra_op_parallelism_threads(),
        )

    assert set(cluster.run(threads).values()) == {("1", 1)}


def test_an_unreadable_image_on_a_worker_is_named(cluster, subset, tmp_path):
    X, y, groups = subset
    bad = tmp_path / "unreadable.jpg"
    bad.write_text("not an image")
    X = X.copy()
    X[5] = str(bad)
    with (
        parallel_config(backend="dask"),
        pytest.raises(ImageLoadError, match=r"unreadable\.jpg"),
    ):
        _search().fit(X, y, groups=groups)


def test_cli_search_on_a_local_cluster(synthetic_data_dir, tmp_path, capsys):
    out = tmp_path / "best.joblib"
    data = synthetic_data_dir
    status = main(
        [
            "search",
            "--data",
            str(data),
            "--out",
            str(out),
            "--cv",
            "2",
            "--param",
            "cnn__filters=2,4",
            "--dask-local",
            "2",
            "--set",
            "cnn__n_blocks=1",
            "--set",
            "cnn__dense_units=8",
            "--set",
            "cnn__n_networks=1",
            "--set",
            "cnn__run_eagerly=True",
            "--set",
            "load__image_size=(24,24)",
            "--epochs",
            "1",
        ]
    )
    assert status == 0 and out.is_file()


def test_a_worker_dying_past_its_retries_is_one_clear_error():
    from types import SimpleNamespace

    from distributed import KilledWorker

    from emotion_sklearn.cli._commands import UserError, _fit_search

    class DyingSearch:
        def fit(self, X, y, groups=None):
            worker = SimpleNamespace(address="tcp://127.0.0.1:1")
            raise KilledWorker("fit-task", worker, 3)

    with pytest.raises(UserError, match="no model was written"):
        _fit_search(DyingSearch(), [], [], [])
