"""The optional read replica: the figures and exports read from it, everything else stays on the
primary.

Only reads made inside `use_replica()` go to the replica, so a page that has just written never
reads its own write back from a replica that may lag a little. Without DATABASE_REPLICA_URL there
is no "replica" alias and `use_replica()` changes nothing.
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import connections

REPLICA = "replica"

_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_from_replica", default=False)


@contextlib.contextmanager
def use_replica() -> Iterator[None]:
    """Send the reads made inside this block to the replica, when one is configured."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


@contextlib.contextmanager
def use_primary() -> Iterator[None]:
    """Read from the primary inside this block, even within use_replica(): for reads that lock
    rows or that decide what is written."""
    token = _reading_from_replica.set(False)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_stream(rows: Iterator) -> Iterator:
    """A streamed answer is read after its view has returned: keep its reads on the replica."""
    rows = iter(rows)
    while True:
        # Each step on its own, so the flag never stays set while the server writes a chunk out.
        with use_replica():
            try:
                row = next(rows)
            except StopIteration:
                return
        yield row


class ReplicaRouter:
    """Reads inside use_replica() go to the replica; every write and migration to the primary."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and REPLICA in connections.settings:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
