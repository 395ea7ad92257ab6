"""The one lock of a live run, and the rules for holding it.

- The training thread (Session.play) holds it for one kernel call, sized to
  about CHUNK_SECONDS of work, and lets a waiting UI thread go first
  (`UiFirstLock.worker`).
- The UI thread holds it for one key press and its answer on screen
  (`answered`), or to take a frame's snapshot.  Taken twice for one key, the
  worker would slip a whole chunk in between.  When one epoch alone takes
  longer than KEY_WAIT (a net of 100,000 units), the key does not wait: it
  says so at once and is carried out as the epoch ends (`KeyActions.defer`).
- The frame thread never holds it: it draws from the snapshot, whose arrays
  training does not change.  The UI's timers wait for it only TIMER_WAIT: while
  a long epoch holds it they skip a tick rather than freeze the screen.
"""

import functools
import threading
import time

KEY_WAIT = 0.1          # seconds a key waits for the lock before it is deferred
TIMER_WAIT = 0.02       # and a timer before it skips its tick (a chunk takes ~10 ms)


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

    def acquire(self, timeout):
        """Take the lock within `timeout` seconds (True) or give up (False);
        the worker stays out meanwhile."""
        with self._count:
            self._waiting += 1
        try:
            return self._lock.acquire(timeout=timeout) if timeout > 0 else \
                self._lock.acquire(blocking=False)
        finally:
            with self._count:
                self._waiting -= 1

    def release(self):
        self._lock.release()

    def hold_off_worker(self, on):
        """Keep the worker from taking the lock (on=True) until called with
        on=False: for keys carried out after a long epoch, in order."""
        with self._count:
            self._waiting += 1 if on else -1

    def worker(self):
        """For the worker: wait until nobody else is waiting, then take the lock
        (use as `with lock.worker():`)."""
        while self._waiting:
            time.sleep(0.0005)
        return self._lock


def answered(action):
    """An app action that runs with its answer on screen under one hold of the
    session's lock (see the rules above); deferred when the lock stays busy."""
    @functools.wraps(action)
    def run(self, *args):
        lock = self.session.lock
        if self.deferred or not lock.acquire(KEY_WAIT):
            self.defer(run, args)
            return None
        try:
            return action(self, *args)
        finally:
            lock.release()
    return run
