"""What the process's surroundings say, read once: environment variables and the clock.

``main()`` builds one ``Runtime`` and passes it down; nothing else reads ``os.environ``.
The loader takes its knobs from ``environ`` (``RECONCILER_JOBS``, ``RECONCILER_NO_CACHE``,
``RECONCILER_CACHE_DIR``, ``RECONCILER_VAR_*``), the project file its ``${VAR}``s, apply
its token and ``RECONCILER_API_TIMEOUT``, ``--diagnostics github|sarif`` ``GITHUB_WORKSPACE``.
Tests build one with the mapping they need.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from reconciler.output.color import should_color

DEBUG_ENV = "RECONCILER_DEBUG"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def user_name(environ: Mapping[str, str]) -> str:
    """LOGNAME/USER/… of ``environ`` as ``getpass`` reads them, else the OS account, else ""."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if environ.get(name):
            return environ[name]
    try:
        import pwd  # POSIX only

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # no passwd entry in some containers
        return ""


@dataclass(frozen=True)
class Runtime:
    """One run's environment variables and clock; ``from_process()`` for the real ones."""

    environ: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now

    @classmethod
    def from_process(cls) -> Runtime:
        """This process's: a copy of ``os.environ`` as it is now."""
        return cls(dict(os.environ))

    def now(self) -> datetime:
        return self.clock()

    @property
    def debug(self) -> bool:
        """``RECONCILER_DEBUG``: show the traceback of an internal error."""
        return self.environ.get(DEBUG_ENV, "") not in ("", "0")

    @property
    def ci_run_id(self) -> str:
        """The CI run this process belongs to (GitHub Actions' run id), or empty."""
        return self.environ.get("GITHUB_RUN_ID", "")

    def report_base(self) -> Path:
        """What ``--diagnostics github|sarif`` paths are relative to: the checkout
        (``GITHUB_WORKSPACE``) when set, else the current directory."""
        workspace = self.environ.get("GITHUB_WORKSPACE", "")
        return Path(workspace).resolve() if workspace else Path.cwd()

    def user(self) -> str:
        """Who runs this (``unknown`` when nothing says)."""
        return user_name(self.environ) or "unknown"

    def color(self, stream: TextIO) -> bool:
        """Whether text written to ``stream`` may carry colour (NO_COLOR, FORCE_COLOR, TERM)."""
        return should_color(stream, self.environ)
