"""Running grid searches on a Dask cluster through joblib's dask backend.

Only image paths travel to the workers; each worker decodes its own images, so
the data must be on storage every worker can read at the same path (a shared
file system or the same copy on every machine).

Start a real cluster with ``dask scheduler`` on one machine and
``dask worker tcp://SCHEDULER:8786 --nworkers 2 --nthreads 1`` on each of the
others; dask-jobqueue starts workers through HPC batch systems (SLURM, PBS) and
dask-kubernetes on Kubernetes. Then::

    from joblib import parallel_config
    from emotion_sklearn.parallel import dask_client

    with dask_client("tcp://SCHEDULER:8786"), parallel_config(backend="dask"):
        search = GridSearchCV(make_emotion_pipeline(), grid, n_jobs=-1)
        search.fit(paths, y, groups=groups)

The thread rule: each Dask thread runs one fit at a time, and each fit's
TensorFlow uses ``tf_threads`` threads (default 1). A machine therefore runs
``nworkers * nthreads`` fits at once with as many TensorFlow threads, which
should not exceed its cores. With fewer fits than cores, give workers fewer
Dask threads and more ``tf_threads``.
"""

import contextlib
import os

_THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
)


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "Dask support needs the 'dask' extra: pip install emotion-sklearn[dask]"
        ) from exc
    return distributed


def limit_tensorflow_threads(n_threads):
    """Make this process's TensorFlow use at most ``n_threads`` threads an op.

    Effective only before TensorFlow runs its first operation in the process,
    which is the case in a fresh Dask worker.
    """
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(n_threads)
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    except (ImportError, RuntimeError):
        # RuntimeError: TensorFlow is already running; the variables above
        # still hold for any process started from this one.
        pass
    return n_threads


def _worker_plugin_class():
    distributed = _import_distributed()

    class TensorFlowThreads(distributed.WorkerPlugin):
        """A worker plugin giving each worker's TensorFlow a bounded thread count.

        Parameters
        ----------
        n_threads : int, default=1
            Threads per TensorFlow op in each worker; see the module's thread
            rule.
        """

        name = "emotion-sklearn-tensorflow-threads"

        def __init__(self, n_threads=1):
            self.n_threads = n_threads

        def setup(self, worker):
            limit_tensorflow_threads(self.n_threads)

    return TensorFlowThreads


def __getattr__(name):
    # The plugin subclasses distributed.WorkerPlugin, so it is built only when
    # asked for: importing this module must not need the optional dask extra.
    if name == "TensorFlowThreads":
        return _worker_plugin_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextlib.contextmanager
def dask_client(scheduler=None, *, local_workers=None, tf_threads=1):
    """A Dask client for joblib's dask backend, with TensorFlow threads bounded.

    Parameters
    ----------
    scheduler : str or None, default=None
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    local_workers : int or None, default=None
        Without ``scheduler``: start a local cluster of this many worker
        processes on 127.0.0.1, sharing this machine's cores between them.
    tf_threads : int, default=1
        TensorFlow threads per fit; see the module's thread rule.

    Yields
    ------
    client : distributed.Client
    """
    distributed = _import_distributed()
    if (scheduler is None) == (local_workers is None):
        raise ValueError("give exactly one of scheduler and local_workers")
    cluster = None
    if local_workers is not None:
        cores = os.cpu_count() or 1
        cluster = distributed.LocalCluster(
            n_workers=local_workers,
            threads_per_worker=max(1, cores // (local_workers * tf_threads)),
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        )
        scheduler = cluster
    try:
        with distributed.Client(scheduler) as client:
            client.register_plugin(_worker_plugin_class()(tf_threads))
            yield client
    finally:
        if cluster is not None:
            cluster.close()
