"""Which clinic a presented API key speaks for, asked once per request before any route.

Most API requests come from a few clinics sending again and again, so a process
remembers a key it found live for a short while (`API_KEY_CACHE_SECONDS`) and skips the
lookup. A key revoked in this process is forgotten at once; one revoked by another
process (another web worker, the command line) keeps working in a process that had
seen it for at most that long. An unknown key is never remembered: it is looked up
each time, and the rate limit bounds how often.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from cachetools import TTLCache
from sqlalchemy import Connection, bindparam, select

from pharmacy.models import ApiKey, Clinic
from pharmacy.services import Actor

KEY_PREFIX = "ldn_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class KeyHolder:
    clinic_id: int
    clinic_name: str

    @property
    def actor(self) -> Actor:
        """The clinic as the audit trail names it."""
        return Actor("clinic", str(self.clinic_id), self.clinic_name)


def well_formed(plaintext: str) -> bool:
    """Whether a presented key could be one of ours, before any look in the database."""
    return plaintext.startswith(KEY_PREFIX) and len(plaintext) <= 100


def clinic_for_hash(connection: Connection, key_hash: str) -> KeyHolder | None:
    """The clinic holding the live key with this hash, or None for an unknown or
    revoked one. It reads the two values it needs, not a Clinic."""
    row = connection.execute(_KEY_HOLDER, {"key_hash": key_hash}).first()
    return KeyHolder(row.id, row.name) if row is not None else None


# Built once: composing a statement costs more than running this one.
_clinics, _keys = Clinic.__table__, ApiKey.__table__
_KEY_HOLDER = (
    select(_clinics.c.id, _clinics.c.name)
    .join(_keys, _keys.c.clinic_id == _clinics.c.id)
    .where(_keys.c.key_hash == bindparam("key_hash"), _keys.c.revoked_at.is_(None))
)


# How many clinics' keys a process remembers: far more than a pharmacy has clinics.
_REMEMBERED = 4096
_every: weakref.WeakSet[KnownKeys] = weakref.WeakSet()


class KnownKeys:
    """A process's memory of live keys, for one database."""

    def __init__(self, seconds: float, *, timer: Callable[[], float] | None = None) -> None:
        self._live: TTLCache[str, KeyHolder] | None = None
        if seconds > 0:
            options = {} if timer is None else {"timer": timer}
            self._live = TTLCache(_REMEMBERED, seconds, **options)
        self._lock = threading.Lock()  # the cache is not safe across threads by itself
        _every.add(self)

    def holder(
        self, plaintext: str, reading: Callable[[], AbstractContextManager[Connection]]
    ) -> KeyHolder | None:
        """The clinic that holds this live key, or None; `reading` opens a connection
        for the lookup, used only when the key is not remembered."""
        if not well_formed(plaintext):
            return None
        key_hash = hash_key(plaintext)
        if self._live is not None:
            with self._lock:
                remembered = self._live.get(key_hash)
            if remembered is not None:
                return remembered
        with reading() as connection:
            found = clinic_for_hash(connection, key_hash)
        if found is not None and self._live is not None:
            with self._lock:
                self._live[key_hash] = found
        return found

    def forget(self, key_hash: str) -> None:
        if self._live is not None:
            with self._lock:
                self._live.pop(key_hash, None)


def forget(key_hash: str) -> None:
    """A key was revoked: no memory in this process honours it any longer."""
    for known in list(_every):
        known.forget(key_hash)
