"""An in-process LRU cache of computed dashboard tables, keyed by the data version.

Aggregates change only when a report is approved or amended (or a snapshot, profile or period
changes), not on page views. Every request reads the data version once (``queries.data_version``,
one cheap SQL statement, kept in ``flask.g`` for the rest of the request) and looks the table up
under ``(data version, view, period, options)``. A new approval changes the version, so the next
view misses and recomputes; old entries are never served again and fall out of the LRU.

Several gunicorn workers each hold their own cache (nothing is shared between processes). They
stay consistent because each worker keys on the version it reads from the database: a worker
that has not yet seen an approval simply computes the new table on its next request. The cost is
one computation per worker per data change, bounded by ``DASHBOARD_CACHE_SIZE`` entries per
worker (default 128 tables; the input frames are held separately, at most
``DASHBOARD_FRAME_CACHE_SIZE``, default 2 entries: a window's frames or every report for the trend).

Thread safety: a lock guards the dictionary; computation runs outside it, so two threads that
miss on the same key at once may both compute (same result, the last one stored wins).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "dashboards.cache"
DEFAULT_TABLES = 128
DEFAULT_FRAMES = 2


class LRUCache:
    """A size-bounded mapping with least-recently-used eviction and hit/miss counters."""

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError("cache size must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data


class DashboardCache:
    """The two caches of one app in one process: input frames and computed tables."""

    def __init__(self, tables: int = DEFAULT_TABLES, frames: int = DEFAULT_FRAMES):
        self.tables = LRUCache(tables)
        self.frames = LRUCache(frames)

    def clear(self) -> None:
        self.tables.clear()
        self.frames.clear()


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache (each app, hence each test, starts empty)."""
    app.extensions[EXTENSION_KEY] = DashboardCache(
        tables=int(app.config.get("DASHBOARD_CACHE_SIZE", DEFAULT_TABLES)),
        frames=int(app.config.get("DASHBOARD_FRAME_CACHE_SIZE", DEFAULT_FRAMES)),
    )


def current_cache() -> DashboardCache:
    return current_app.extensions[EXTENSION_KEY]
