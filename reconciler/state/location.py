"""Where a state lives: a SQLite file or a database URL, and the files beside it.

A plain path is a SQLite file relative to the project root; anything with ``://`` is a
SQLAlchemy URL. Passwords never appear in messages: use ``StateLocation.display``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from reconciler.errors import StateError, relative_to_root
from reconciler.state.paths import (
    HOLDER_SUFFIX,
    JOURNAL_SUFFIX,
    LOCK_SUFFIX,
    beside,
    sqlite_file,
)


@dataclass(frozen=True)
class StateLocation:
    """A resolved state location.

    ``path`` is the SQLite file (None for a server database); ``journal_path`` the
    fallback journal; ``lock_path``/``holder_path`` the lock file and its holder details
    (SQLite only).
    """

    url: URL
    environment: str
    root: Path
    path: Path | None
    journal_path: Path

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def display(self) -> str:
        """The location as shown to users: the file, or the URL with its password masked."""
        if self.path is not None:
            return relative_to_root(self.path, self.root)
        return self.url.render_as_string(hide_password=True)

    @property
    def lock_path(self) -> Path:
        assert self.path is not None
        return beside(self.path, LOCK_SUFFIX)

    @property
    def holder_path(self) -> Path:
        assert self.path is not None
        return beside(self.path, HOLDER_SUFFIX)

    def exists(self) -> bool:
        """For SQLite, whether the file exists; a server database is checked on connect."""
        return self.path is None or self.path.exists()


class AtLocation:
    """``environment`` and ``display`` of a store or writer of ``location``."""

    location: StateLocation

    @property
    def environment(self) -> str:
        return self.location.environment

    @property
    def display(self) -> str:
        return self.location.display


def resolve_location(location: str, environment: str, *, root: Path) -> StateLocation:
    """Parse a ``state`` setting (path or SQLAlchemy URL) into a ``StateLocation``."""
    location = location.strip()
    if not location:
        raise StateError(
            f"environment {environment!r} has an empty state location",
            hint="set `state:` in reconciler.yaml to a path or a database URL",
        )
    file = sqlite_file(location, root)
    if file is not None:
        return _sqlite_location(file, environment, root)
    try:
        url = make_url(location)
    except ArgumentError as exc:
        raise StateError(
            f"the state location of environment {environment!r} is not a valid database URL",
            hint="use a path for SQLite, or a URL like postgresql+psycopg://user@host/db",
        ) from exc
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StateError("an in-memory SQLite state would be lost at exit; use a file")
        # As SQLAlchemy reads the URL: a relative file is relative to the working folder.
        return _sqlite_location(Path(url.database).resolve(), environment, root)
    journal = root / ".reconciler" / f"{environment}.journal"
    return StateLocation(url, environment, root, None, journal)


def _sqlite_location(path: Path, environment: str, root: Path) -> StateLocation:
    """``path``: the SQLite file, already resolved."""
    url = URL.create("sqlite", database=str(path))
    return StateLocation(url, environment, root, path, beside(path, JOURNAL_SUFFIX))
