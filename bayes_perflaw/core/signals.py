"""Signals as exceptions: SIGTERM (and SIGINT) interrupt the work so that temporary files are removed.

:func:`handled` turns SIGTERM into :class:`Terminated` and SIGINT into ``KeyboardInterrupt`` in the main
thread. Both derive from ``BaseException``, so every ``atomic_write`` removes its temporary file on the way
out; the CLI's error boundary then prints one line and exits 143 or 130. Samplers that catch
``KeyboardInterrupt`` themselves (and return a partial trace) are caught out by :func:`check`, called when
sampling returns: an interrupted fit is never saved.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_received: list[int] = []


class Terminated(BaseException):
    """The process received SIGTERM."""


def _on_signal(signum: int, frame) -> None:
    _received.append(signum)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


@contextmanager
def handled() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` and SIGINT ``KeyboardInterrupt`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    _received.clear()
    for s in previous:
        signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def check() -> None:
    """Raise again if a signal arrived while a library swallowed its exception."""
    if signal.SIGTERM in _received:
        raise Terminated()
    if signal.SIGINT in _received:
        raise KeyboardInterrupt()
