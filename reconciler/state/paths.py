"""Where a plain-path (SQLite) state and the files beside it live.

The one rule for it, without SQLAlchemy: the writer (``location``), plan's stdlib
reader (``sqlite_reader``) and the validation cache must all name the same file, or a
plan could read an empty state beside the real one.
"""

from __future__ import annotations

from pathlib import Path

JOURNAL_SUFFIX = ".journal"
LOCK_SUFFIX = ".lock"  # the OS file lock a writer holds
HOLDER_SUFFIX = ".lock.json"  # the holder's details (pid, host, since)
# Present only while a writer creates a new SQLite state's schema: a file without tables
# and without this marker was emptied or replaced, and is refused, never read as "no state".
CREATING_SUFFIX = ".creating"
WAL_SUFFIX = "-wal"  # SQLite's write-ahead log, while the file is in WAL mode


def sqlite_file(location: str, root: Path) -> Path | None:
    """The resolved SQLite file of a plain-path ``state`` setting; None for a URL or ''."""
    location = location.strip()
    if not location or "://" in location:
        return None
    path = Path(location).expanduser()
    return (path if path.is_absolute() else root / path).resolve()


def beside(path: Path, suffix: str) -> Path:
    """The file next to ``path`` named ``path``'s name plus ``suffix`` (journal, cache)."""
    return path.with_name(path.name + suffix)
