"""Which commands use the validation cache, and when what they filled is written."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.specs.cache import SpecCache
    from reconciler.specs.discover import Discovered

NO_CACHE_ENV = "RECONCILER_NO_CACHE"


@dataclass(frozen=True)
class SpecRead:
    """One spec file as a command read it: its project-relative name and the SHA-256 of
    its bytes (what a cache entry is checked against); ``rel`` is None outside the root."""

    rel: str | None
    digest: bytes = b""


@dataclass
class SharedReads:
    """What a command that loads every environment reads once for all of them: the spec
    files found (by campaigns folder) and each file's name and digest (by path)."""

    found: dict[str, Discovered] = field(default_factory=dict)
    specs: dict[str, SpecRead] = field(default_factory=dict)


@dataclass
class CacheSession:
    """The caches one command's loads filled: written only once the command succeeded.

    ``reads``: with ``share_reads``, the spec files found and read once for every
    environment the command loads (``report`` and ``validate`` load all of them: three
    walks of the folder and three reads, sandbox checks and hashes of each of 10,000
    files were a third of a report).
    """

    pending: list[SpecCache] = field(default_factory=list)
    reads: SharedReads | None = None

    def keep(self, cache: SpecCache) -> None:
        self.pending.append(cache)

    def discard(self) -> None:
        """The command was refused: it writes nothing, not even the cache."""
        self.pending.clear()

    def save(self) -> None:
        for cache in self.pending:
            cache.save()
        self.pending.clear()


_SESSION: ContextVar[CacheSession | None] = ContextVar("reconciler_spec_cache", default=None)


@contextlib.contextmanager
def spec_cache_enabled(*, share_reads: bool = False) -> Iterator[CacheSession]:
    """Let ``load_campaigns`` use the cache of the environment it loads (the CLI commands do).

    The caches are written when the block ends, unless it raised or called ``discard()``:
    a refused command (a guard, a binding, another environment's state) writes none.
    ``share_reads``: the read-only commands that load every environment read each spec
    file once for all of them (the same bytes for each, too).
    """
    session = CacheSession(reads=SharedReads() if share_reads else None)
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)
    session.save()  # not reached when the block raised


def keep_for_saving(cache: SpecCache) -> None:
    """Write ``cache`` when the command's ``spec_cache_enabled`` block succeeds."""
    session = _SESSION.get()
    if session is not None:
        session.keep(cache)


def shared_reads() -> SharedReads | None:
    """What this command has found and read so far, when it shares it (else None)."""
    session = _SESSION.get()
    return None if session is None else session.reads


def cache_requested(environ: Mapping[str, str]) -> bool:
    """Whether this load should use a cache (enabled by the caller, not disabled by env)."""
    return _SESSION.get() is not None and environ.get(NO_CACHE_ENV, "") in ("", "0")
