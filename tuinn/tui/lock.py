"""The one lock of a live run, and the rules for holding it.

- The training thread (Session.play) holds it for one kernel call, sized to
  about CHUNK_SECONDS of work, and lets a waiting UI thread go first
  (`UiFirstLock.worker`).
- The UI thread holds it for one key press and its answer on screen
  (`answered`), or to take a frame's snapshot.  Taken twice for one key, the
  worker would slip a whole chunk in between.
- The frame thread never holds it: it draws from the snapshot, whose arrays
  training does not change.
"""

import functools
import threading
import time


class UiFirstLock:
    """The run's lock, which the worker hands over whenever the UI thread waits
    for it: a plain lock, re-taken by the worker right after each chunk, would
    leave a key press waiting for seconds."""

    def __init__(self):
        self._lock = threading.RLock()
        self._count = threading.Lock()
        self._waiting = 0

    def __enter__(self):
        with self._count:
            self._waiting += 1
        self._lock.acquire()
        with self._count:
            self._waiting -= 1
        return self

    def __exit__(self, *exc):
        self._lock.release()

    def worker(self):
        """For the worker: wait until nobody else is waiting, then take the lock
        (use as `with lock.worker():`)."""
        while self._waiting:
            time.sleep(0.0005)
        return self._lock


def answered(action):
    """An app action that runs with its answer on screen under one hold of the
    session's lock (see the rules above)."""
    @functools.wraps(action)
    def run(self, *args):
        with self.session.lock:
            return action(self, *args)
    return run
