"""A spec's ``environments``: the only environments a campaign exists in.

Read from the document before its values are rendered, so a campaign left out of an
environment is neither rendered nor planned there (a ``*.yaml.j2`` file is rendered as a
whole first: its documents are only known then).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.specs.suggest import closest

KEY = "environments"


@dataclass(frozen=True)
class EnvironmentsProblem:
    """Why a spec's ``environments`` cannot be used."""

    message: str
    hint: str


def spec_environments(
    data: Mapping[str, Any], known: Sequence[str]
) -> tuple[tuple[str, ...], EnvironmentsProblem | None]:
    """The names a spec lists (() when it lists none: every environment), or its problem."""
    value = data.get(KEY)
    if value is None:
        return (), None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        hint = (
            "a list of environment names from reconciler.yaml, e.g. environments: [staging, prod]"
        )
        return (), EnvironmentsProblem("must be a non-empty list of environment names", hint)
    for name in value:
        if name not in known:
            hint = closest(name, known) or "the environments are: " + ", ".join(known)
            return (), EnvironmentsProblem(f"no environment {name!r} in reconciler.yaml", hint)
    return tuple(value), None
