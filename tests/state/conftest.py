"""The state suite's backends live in ``tests/support/backends.py`` (shared with apply and e2e)."""

from __future__ import annotations

from tests.support.backends import BACKENDS, PG_URL, StateTarget

__all__ = ["BACKENDS", "PG_URL", "StateTarget"]
