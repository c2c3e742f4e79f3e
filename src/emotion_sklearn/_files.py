"""Writing output files: scratch names beside the target, the user's umask,
and a set of files replaced together.

Guarantees, for the files written through here: a reader never sees half a
file; a run interrupted by Ctrl-C or ``SIGTERM`` leaves either all the old
outputs or all the new ones (the renames that swap them in run with those
signals held back); scratch files are named ``.<target>.<random>.tmp`` and the
next run for the same target removes any a killed run left. Not guaranteed:
the same after ``SIGKILL`` or a power loss in the microseconds of the swap
(the old outputs are then kept as ``.<target>.<random>.old``).
"""

import contextlib
import os
import secrets
import shutil
import signal
import tempfile
import threading
from pathlib import Path

_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _scratch_prefix(target):
    return f".{Path(target).name}."


def scratch_file(target):
    """A new empty file beside ``target``, with the mode ``open`` would give."""
    target = Path(target)
    handle, name = tempfile.mkstemp(
        prefix=_scratch_prefix(target), suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    os.chmod(name, 0o666 & ~_umask())
    return Path(name)


def scratch_dir(target):
    """A new empty folder beside ``target``, with the mode ``mkdir`` would give."""
    target = Path(target)
    name = tempfile.mkdtemp(
        prefix=_scratch_prefix(target), suffix=".tmp", dir=target.parent
    )
    os.chmod(name, 0o777 & ~_umask())
    return Path(name)


def takes_new_files(folder):
    """The OSError that creating a file in ``folder`` raises, or None.

    A real attempt, not a permission check: read-only mounts and ACLs answer
    too. The probe file is removed at once.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=".probe.", dir=folder)
    except OSError as exc:
        return exc
    os.close(handle)
    os.unlink(name)
    return None


def remove(path):
    """Remove a file or a folder tree, if it is there."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_scratch(target):
    """Remove scratch files and folders an interrupted run left for ``target``."""
    target = Path(target)
    prefix = _scratch_prefix(target)
    if not target.parent.is_dir():
        return []
    stale = [
        p
        for p in target.parent.iterdir()
        if p.name.startswith(prefix) and p.name.endswith((".tmp", ".old"))
    ]
    for path in stale:
        remove(path)
    return stale


@contextlib.contextmanager
def signals_deferred():
    """Hold Ctrl-C and SIGTERM back until the block ends, then deliver them.

    Python handlers, not a signal mask: the kernel may hand a process-wide
    signal to any thread (TensorFlow's, say) that does not block it, while
    Python runs its handlers in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def hold(signum, frame):
        received.append(signum)

    previous = {number: signal.signal(number, hold) for number in _DEFERRED_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in received:
            signal.raise_signal(number)


class InterruptedAfterSaving(KeyboardInterrupt):
    """Ctrl-C or SIGTERM that arrived while outputs were swapped in: all of
    them were written completely before it was let through."""

    def __init__(self, targets):
        super().__init__(targets)
        self.targets = targets


@contextlib.contextmanager
def written_together():
    """Scratch paths for outputs written as one unit.

    Yields ``scratch_for(target, folder=False)``, which gives a new scratch
    file (or folder) beside ``target``. When the block ends, every scratch
    path replaces its target together (:func:`replace_together`); when it
    raises, or a signal interrupts it, the scratch paths are removed and the
    targets are left as they were.
    """
    moves = {}

    def scratch_for(target, folder=False):
        scratch = (scratch_dir if folder else scratch_file)(target)
        moves[scratch] = Path(target)
        return scratch

    try:
        yield scratch_for
        replace_together(moves)
    except KeyboardInterrupt as exc:
        if moves and not any(scratch.exists() for scratch in moves):
            # Delivered as the swap ended: every output is complete.
            raise InterruptedAfterSaving(list(moves.values())) from exc
        for scratch in moves:
            remove(scratch)
        raise
    except BaseException:
        for scratch in moves:
            remove(scratch)
        raise


def replace_together(moves):
    """Move each scratch path onto its target, all or none.

    ``moves`` maps scratch paths (files or folders) to their targets. The old
    targets are first renamed aside, then the new ones renamed in, with
    Ctrl-C and SIGTERM held back until the old ones are deleted too. If a
    rename fails, the old targets are put back and the error is raised.
    """
    moves = {Path(s): Path(t) for s, t in moves.items()}
    with signals_deferred():
        aside, done = {}, []
        try:
            for target in moves.values():
                if target.exists():
                    old = target.with_name(
                        f"{_scratch_prefix(target)}{secrets.token_hex(4)}.old"
                    )
                    os.replace(target, old)
                    aside[target] = old
            for scratch, target in moves.items():
                os.replace(scratch, target)
                done.append(target)
        except BaseException:
            for target in done:
                remove(target)
            for target, old in aside.items():
                os.replace(old, target)
            raise
        for old in aside.values():
            remove(old)
