"""What readers see changes only when curated data is written; a stamp on disk says when.

Every write to a curated model (and every publication) moves the stamp once its transaction commits.
Each server process keeps the current disclaimer, the search index (per_stamp) and rendered public pages
in memory, and drops them as soon as it sees a new stamp: a published edit shows on the very next request,
in every process.
An os.stat or two per request is the whole cost. (Several hosts would need a shared stamp, e.g. Redis.)
"""

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.db import transaction


def _stamp_path() -> Path:
    return Path(settings.MEDINFO_CACHE_STAMP)


def current_stamp() -> int:
    try:
        # Every request asks: stat the setting's string rather than build a Path each time.
        return os.stat(settings.MEDINFO_CACHE_STAMP).st_mtime_ns
    except FileNotFoundError:
        return 0


def bump() -> None:
    """Mark everything readers see as possibly changed (call after the write commits)."""
    path = _stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    # Strictly later than the last stamp, even on a clock with coarse resolution.
    stamp = max(time.time_ns(), current_stamp() + 1)
    os.utime(path, ns=(stamp, stamp))


def bump_on_commit(**_signal_kwargs) -> None:
    """Bump now and again when the transaction commits: a request that cached the old rows between
    the two (it could not see the uncommitted ones) is dropped by the second bump."""
    bump()
    transaction.on_commit(bump)


class _ProcessState:
    """This process's view of the stamp, with what it caches until the stamp moves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.build_locks: dict[str, threading.Lock] = {}
        self.reset()

    def reset(self) -> None:
        self.stamp = None
        self.values: dict[str, object] = {}
        self.pages: OrderedDict[str, object] = OrderedDict()

    def refresh(self) -> None:
        stamp = current_stamp()
        if stamp != self.stamp:
            with self.lock:
                self.reset()
                self.stamp = stamp


state = _ProcessState()


def per_stamp(name: str, build):
    """build(), computed once per stamp in this process: a value that changes only with curated data.

    One thread builds while the others wait for it (the search index takes a moment at 10,000 drugs).
    A value built from rows read before the stamp moved goes into that stamp's values and is dropped with them.
    """
    state.refresh()
    values = state.values
    if name not in values:
        with state.lock:
            build_lock = state.build_locks.setdefault(name, threading.Lock())
        with build_lock:
            if name not in values:
                values[name] = build()
    return values[name]


def current_disclaimer():
    """The current disclaimer, read from the database once per stamp in this process."""
    from drugs.models import Disclaimer

    return per_stamp("disclaimer", Disclaimer.objects.current)


def page_store() -> OrderedDict:
    """The pages stored for the current stamp. A request stores what it renders into the store it was
    given at its start: if the stamp moves meanwhile, that store is dropped with its possibly old page."""
    state.refresh()
    return state.pages


def store_page(store: OrderedDict, key: str, page) -> None:
    with state.lock:
        store[key] = page
        store.move_to_end(key)
        while len(store) > settings.MEDINFO_PAGE_CACHE_ENTRIES:
            store.popitem(last=False)


def reset() -> None:
    """Forget everything cached in this process (tests; a new stamp does it by itself)."""
    state.reset()
