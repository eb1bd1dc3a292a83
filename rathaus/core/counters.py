"""Counting in memory and adding to database totals every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


class BufferedCounter(Generic[K]):
    """Collect counts per key and hand them to ``write`` at most every ``flush_after`` seconds.

    A database write per event would make the busiest moments slower still; losing a few
    seconds of counts when a process dies is acceptable for statistics. Writing never happens
    inside a transaction of the caller and never fails the caller's request.
    """

    def __init__(self, write: Callable[[Counter[K]], None], flush_after: float = 5.0) -> None:
        self.write = write
        self.flush_after = flush_after
        self._lock = threading.Lock()
        self._pending: Counter[K] = Counter()
        self._last_flush = time.monotonic()

    def add(self, key: K, n: int = 1) -> None:
        with self._lock:
            self._pending[key] += n
            due = time.monotonic() - self._last_flush >= self.flush_after
        # Inside a transaction the write would join it (and hold its locks until it ends).
        if due and not connection.in_atomic_block:
            self.flush()

    def reset(self) -> None:
        """Forget counts not yet written (tests start from a clean slate)."""
        with self._lock:
            self._pending = Counter()
            self._last_flush = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            self.write(pending)
        except DatabaseError:
            log.warning("could not write %d counts; keeping them for the next try", len(pending),
                        exc_info=True)
            with self._lock:
                self._pending.update(pending)
