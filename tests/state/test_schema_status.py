"""schema_status reads a state that is created while it reads as missing or current."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.state import schema
from reconciler.state.schema import SchemaStatus, head_revision, schema_status


class _CreatedDuringTheRead:
    """A database that a concurrent writer creates (and commits) right after the first
    statement of a read, as PostgreSQL shows it to a READ COMMITTED transaction."""

    def __init__(self) -> None:
        self.reads = 0

    def _created(self) -> bool:
        self.reads += 1
        return self.reads > 1  # nothing at the first statement, everything after it

    def has_table(self, name: str) -> bool:
        assert name == "meta"
        return self._created()

    def revision(self, _connection: Any) -> str | None:
        return head_revision() if self._created() else None


def test_a_state_created_between_the_two_reads_is_not_older(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A concurrent apply's preview must not refuse a state the winner just created."""
    database = _CreatedDuringTheRead()
    monkeypatch.setattr(schema, "inspect", lambda _conn: database)
    monkeypatch.setattr(schema, "current_revision", database.revision)
    status, _ = schema_status(None)  # type: ignore[arg-type]
    assert status in (SchemaStatus.MISSING, SchemaStatus.CURRENT)


@pytest.mark.parametrize(
    ("has_meta", "revision", "expected"),
    [
        (False, None, SchemaStatus.MISSING),
        (True, None, SchemaStatus.OLDER),  # made before revisions were recorded
        (True, "head", SchemaStatus.CURRENT),
        (True, "9999", SchemaStatus.NEWER),
    ],
)
def test_settled_states(
    monkeypatch: pytest.MonkeyPatch, has_meta: bool, revision: str | None, expected: SchemaStatus
) -> None:
    """Without a concurrent writer the answer depends only on the tables and the revision."""
    found = head_revision() if revision == "head" else revision

    class _Inspector:
        def has_table(self, _name: str) -> bool:
            return has_meta

    monkeypatch.setattr(schema, "inspect", lambda _conn: _Inspector())
    monkeypatch.setattr(schema, "current_revision", lambda _conn: found)
    assert schema_status(None)[0] is expected  # type: ignore[arg-type]
