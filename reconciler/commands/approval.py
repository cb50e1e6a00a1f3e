"""The one rule for commands that ask before they act (apply, state import/forget, unlock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reconciler.errors import AbortedError

T = TypeVar("T")


def require_approval(
    ask: Callable[[T], bool] | None,
    about: T,
    *,
    auto_approve: bool,
    command: str,
    declined: str,
) -> None:
    """Go on only with ``--auto-approve`` or a ``yes`` to ``ask(about)``; else AbortedError.

    ``ask`` is None when there is no terminal to ask (CI): that refuses rather than
    guessing, so an unattended job never acts without an explicit ``--auto-approve``.
    """
    if auto_approve:
        return
    if ask is None:
        raise AbortedError(
            f"{command} needs confirmation and there is no terminal to ask",
            hint="review what it will do, then run again with --auto-approve",
        )
    if not ask(about):
        raise AbortedError(declined)
