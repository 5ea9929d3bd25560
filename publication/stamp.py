"""The public change signal: raised by every write of public data, read by the page cache.

Writing: ``changed()`` raises ``PublicState.counter`` inside the caller's transaction (see
``PublicState`` for why that orders changes by commit). Services that write many rows wrap
their work in ``batch()`` so the counter moves once, at the end, still inside the transaction.

Derived public data (``feedback.summaries``) is brought up to date by ``before_raise(func)``:
at the end of the batch, still inside it and its transaction, or at once outside one.

Reading: ``current()`` gives ``Stamp(counter, changed_at)``. A process keeps what it read for
at most ``settings.PUBLIC_STAMP_TTL`` seconds (1 by default; 0 reads it on every call) and
forgets it at once when it writes public data itself, so a change is visible on the next
request of the server that made it and within a second on every other server.
"""

import functools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils import timezone

from publication.models import PublicState

_local = threading.local()
_held_lock = threading.Lock()
_held = None  # (Stamp, monotonic time it was read)


@dataclass(frozen=True)
class Stamp:
    counter: int
    changed_at: datetime | None


def changed(using=DEFAULT_DB_ALIAS):
    """Record that public data changed, in the current transaction (or at once outside one)."""
    if getattr(_local, "depth", 0):
        _local.pending.add(using)
        return
    _raise_counter(using)


@contextmanager
def batch(using=DEFAULT_DB_ALIAS):
    """Raise the counter once for all the writes inside, when the block ends without error.

    Use it inside the transaction (``with transaction.atomic(), stamp.batch():``): the
    counter is raised before the commit, so it still orders the commit.
    """
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        _local.pending = set()
        _local.before = {}
    _local.depth = depth + 1
    try:
        yield
        while depth == 0 and _local.before:
            # Still inside the batch: what they write raises the counter with the rest.
            func = next(iter(_local.before))
            del _local.before[func]
            func()
    except BaseException:
        _local.depth = depth
        if depth == 0:
            _local.pending = set()
            _local.before = {}
        raise
    _local.depth = depth
    if depth == 0:
        pending, _local.pending = _local.pending, set()
        for alias in sorted(pending):
            _raise_counter(alias)


def before_raise(func):
    """Run ``func()`` once when the current batch ends, before the counter is raised, however
    often it is asked for; outside a batch, at once.

    For data kept from other public data (``feedback.summaries``): written at the end of the
    batch, in its transaction, it is committed with the writes it follows and raises the
    counter with them, so no reader sees the counter of the new data with the old summary.
    """
    if getattr(_local, "depth", 0):
        _local.before.setdefault(func, None)
        return
    func()


def public_write(func):
    """Decorate a service that writes public data: one transaction, the signal raised once."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), batch():
            return func(*args, **kwargs)

    return wrapper


def _raise_counter(using):
    now = timezone.now()
    rows = (
        PublicState.objects.using(using)
        .filter(pk=1)
        .update(counter=F("counter") + 1, changed_at=now)
    )
    if not rows:
        # The row is made by migration 0001; a test database flushed between tests has none.
        PublicState.objects.using(using).get_or_create(
            pk=1, defaults={"counter": 1, "changed_at": now}
        )
    forget()
    if connections[using].in_atomic_block:
        # A read between this write and its commit may have kept the old value.
        transaction.on_commit(forget, using=using)


def forget():
    """Drop this process's held stamp: the next ``current()`` reads the row."""
    global _held
    with _held_lock:
        _held = None


def current(using=DEFAULT_DB_ALIAS):
    """The stamp, from this process's memory when it was read less than a TTL ago."""
    global _held
    ttl = getattr(settings, "PUBLIC_STAMP_TTL", 1.0)
    now = time.monotonic()
    held = _held
    if ttl > 0 and held is not None and now - held[1] < ttl:
        return held[0]
    row = PublicState.objects.using(using).filter(pk=1).values_list("counter", "changed_at")
    counter, changed_at = row.first() or (0, None)
    stamp = Stamp(counter=counter, changed_at=changed_at)
    if ttl > 0:
        with _held_lock:
            _held = (stamp, now)
    return stamp
