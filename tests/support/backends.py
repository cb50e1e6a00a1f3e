"""State backends for every suite that touches a real store: one parametrised fixture.

SQLite always; PostgreSQL marked ``postgres``: deselected by default, and when selected
it needs ``RECONCILER_TEST_PG_URL`` (start a server with ``eval "$(bash .ci/postgres.sh)"``)
or fails (``tests/conftest.py``: a selected test never skips for a missing tool). Each
PostgreSQL test gets a fresh database, dropped afterwards. Registered for all tests by
``tests/conftest.py`` (``pytest_plugins``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("RECONCILER_TEST_PG_URL", "")
SQLITE_STATE = ".reconciler/dev.sqlite"

PG_HINT = (
    "RECONCILER_TEST_PG_URL is not set: start a server with "
    '`eval "$(bash .ci/postgres.sh)"`, or deselect these tests with -m "not postgres"'
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class StateTarget:
    """Where a test's state lives: ``location`` as a user writes it, under project ``root``."""

    backend: str
    location: str
    root: Path
    environment: str = "dev"

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgres"


def admin_url() -> str:
    """The test server's URL (a role that may create databases), password included."""
    if not PG_URL:
        pytest.fail(PG_HINT)
    return PG_URL


def postgres_missing() -> str | None:
    """Why the ``postgres`` tests cannot run here (None: they can)."""
    return None if PG_URL else PG_HINT


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; dropped afterwards."""
    name = f"reconciler_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StateTarget:
    """A not-yet-existing state on each backend, for a project at ``tmp_path/project``."""
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    if request.param == "sqlite":
        return StateTarget("sqlite", SQLITE_STATE, root)
    url = request.getfixturevalue("pg_database")
    return StateTarget("postgres", url, root)
