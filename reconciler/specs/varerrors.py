"""One error for one bad variable, at the variable's own source.

A variable is used by many specs; a bad value (``assistant_id: eleven``) or a missing
variable (``vars.workspace_id`` when the project defines ``workpace_id``) would give the
same error once per spec. The loader notes which errors a variable caused
(``VariableUse``): an error in a value that is exactly ``{{ vars.NAME }}`` (or inside
it: an item of a list variable), and an undefined ``vars.NAME``. Identical errors of one
variable in two or more campaigns become one error where the variable is set (or, for a
missing one, where it would be set), naming how many campaigns it affects. The loader
notes errors only, never warnings: warnings are cached, and a cached file's would not be
grouped.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reconciler.config import Project
from reconciler.errors import Diagnostic
from reconciler.specs.variables import VariableSource

SHOWN = 5  # campaigns named in a grouped error; the rest are counted


@dataclass(frozen=True)
class VariableUse:
    """The diagnostic at ``index`` of a file's list was caused by variable ``variable``."""

    index: int
    variable: str
    campaign: str  # its key, or the spec file's name when no key is known
    undefined: bool  # ``vars.<variable>`` is undefined (else: its value is invalid)


@dataclass(frozen=True)
class _Member:
    file: int
    index: int
    diagnostic: Diagnostic
    campaign: str


_GroupKey = tuple[str, bool, str, str, str]


def report_once(
    files: Sequence[tuple[Sequence[Diagnostic], Sequence[VariableUse]]],
    sources: Mapping[str, VariableSource],
    project: Project,
    env: str,
) -> list[Diagnostic]:
    """Every file's diagnostics, each variable's identical errors in 2+ campaigns as one."""
    replaced: dict[tuple[int, int], Diagnostic | None] = {}
    grouped: list[Diagnostic] = []
    for key, members in _groups(files).items():
        variable, undefined = key[0], key[1]
        campaigns = sorted({m.campaign for m in members})
        source = sources.get(variable)
        if len(campaigns) < 2:
            if source is not None and not undefined:
                for m in members:  # once: say where the value came from, in place
                    replaced[m.file, m.index] = _noted(m.diagnostic, variable, source)
            continue
        if undefined:
            one = _undefined(variable, members, campaigns, sources, project, env)
        elif source is not None:
            one = _bad_value(members[0].diagnostic, variable, campaigns, source)
        else:
            continue  # variables of unknown origin: each error stays where it is
        grouped.append(one)
        replaced.update({(m.file, m.index): None for m in members})
    kept = [
        replaced.get((number, index), d)
        for number, (diagnostics, _) in enumerate(files)
        for index, d in enumerate(diagnostics)
    ]
    return [d for d in kept if d is not None] + grouped


def _groups(
    files: Sequence[tuple[Sequence[Diagnostic], Sequence[VariableUse]]],
) -> dict[_GroupKey, list[_Member]]:
    """The uses of variables whose errors say the same, by variable and error."""
    groups: dict[_GroupKey, list[_Member]] = {}
    for number, (diagnostics, uses) in enumerate(files):
        for use in uses:
            d = diagnostics[use.index]
            # An undefined variable is one problem wherever it is used; a bad value, one
            # per field it is used as.
            field = "" if use.undefined else d.field
            key = (use.variable, use.undefined, field, d.message, d.hint)
            groups.setdefault(key, []).append(_Member(number, use.index, d, use.campaign))
    return groups


def _names(campaigns: Sequence[str]) -> str:
    shown = ", ".join(campaigns[:SHOWN])
    more = len(campaigns) - SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _noted(d: Diagnostic, variable: str, source: VariableSource) -> Diagnostic:
    where = _where(source)
    hint = f"{d.hint}; " if d.hint else ""
    return replace(d, hint=f"{hint}the value comes from variable {variable} ({where})")


def _where(source: VariableSource) -> str:
    location = source.location
    return f"{location}, {source.field}" if location.line is None else str(location)


def _bad_value(
    first: Diagnostic, variable: str, campaigns: Sequence[str], source: VariableSource
) -> Diagnostic:
    """The error of a variable's value, once, at the variable."""
    message = (
        f"variable {variable}, as {first.field}: {first.message} "
        f"(affects {len(campaigns)} campaigns: {_names(campaigns)})"
    )
    return replace(first, location=source.location, field=source.field, message=message)


def _undefined(
    variable: str,
    members: Sequence[_Member],
    campaigns: Sequence[str],
    sources: Mapping[str, VariableSource],
    project: Project,
    env: str,
) -> Diagnostic:
    """A missing variable, once: at a near name that is defined, else where to define it."""
    first = min((m.diagnostic for m in members), key=Diagnostic.sort_key)
    used = (
        f"'vars.{variable}' is undefined, and {len(campaigns)} campaigns use it: "
        f"{_names(campaigns)} (first at {first.location})"
    )
    close = difflib.get_close_matches(variable, sorted(sources), n=1)
    if close:
        near = sources[close[0]]
        return Diagnostic(
            near.location,
            f"variable {close[0]} is set here, but {used}",
            near.field,
            f"if the campaigns mean {close[0]}, correct their vars.{variable}; "
            f"else rename this variable to {variable}",
        )
    return project.problem_at(
        ("environments", env, "vars"),
        f"{used}; it is not set for environment {env}",
        f"set {variable} in reconciler.yaml `vars` (every environment) or "
        f"environments.{env}.vars, a vars file, or with --var {variable}=VALUE",
    )
