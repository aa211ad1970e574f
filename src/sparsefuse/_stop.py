"""Stopping kernels that run in worker threads.

Ctrl-C raises ``KeyboardInterrupt`` in the main thread only: the kernels
notice it at their periodic checks when they run there, but the folds of a
cross-validation run by joblib's threads would go on to the end of their
paths after the main thread has given up on them. Work done in worker
threads registers an event with :func:`stoppable`; setting it makes each
kernel of that work raise ``KeyboardInterrupt`` at its next check (the
kernels call :func:`stop_requested` there, holding the GIL, when some work
is registered).
"""

import threading
from contextlib import contextmanager

# thread ident -> the event that stops the work it runs (the kernels hold
# this dict and skip the check while it is empty: mutate it, never rebind it)
_events = {}


class StopEvent:
    """A ``threading.Event`` that pickles: the copy a process backend of
    joblib sends to its workers is a fresh, unset event (a terminal's Ctrl-C
    reaches those processes itself)."""

    def __init__(self):
        self._event = threading.Event()

    def set(self):
        self._event.set()

    def is_set(self):
        return self._event.is_set()

    def __reduce__(self):
        return StopEvent, ()


def stop_requested():
    """Whether the work of the calling thread has been asked to stop."""
    event = _events.get(threading.get_ident())
    return event is not None and event.is_set()


@contextmanager
def stoppable(event):
    """Let ``event.set()`` stop the kernels this thread runs in the block."""
    ident = threading.get_ident()
    outer = _events.get(ident)
    _events[ident] = event
    try:
        yield
    finally:
        if outer is None:
            del _events[ident]
        else:
            _events[ident] = outer
