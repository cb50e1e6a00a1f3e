"""Every setting of ``reconciler.yaml``, declared once, and the rules between settings.

Each field of ``ProjectSettings`` and ``EnvironmentSettings`` is one setting: name, type,
default, description, bound, ``${VAR}`` expansion. The pydantic model (the JSON schema
and every message about a bad file: ``reconciler.projectfile``) and the values commands
read (``reconciler.config``) are built from them. ``ordinary_settings`` reads a file
whose every value is exactly of its type without pydantic (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler import __version__
from reconciler.api.defaults import (
    DEFAULT_API_URL,
    DEFAULT_CREATE_PATH,
    DEFAULT_PHONE_FORMAT,
    DEFAULT_TOKEN_ENV,
)
from reconciler.api.wire import PhoneFormat

PROJECT_FILE = "reconciler.yaml"
ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
REQUIRED: Any = dataclasses.MISSING


def setting(
    default: Any,
    description: str,
    *,
    minimum: int | None = None,
    expand: bool = False,
    maximum: int | None = None,
) -> Any:
    """One setting's declaration beside its type: default (``REQUIRED``: none), meaning.

    ``minimum`` bounds a number, or a mapping's size; ``maximum`` bounds a number;
    ``expand``: ``${VAR}`` in the value is replaced from the OS environment when the
    environment is resolved.
    """
    meta = {"description": description, "minimum": minimum, "expand": expand, "maximum": maximum}
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=meta)
    return field(default=default, metadata=meta)


PolicyMode = Literal["error", "warn"]
SuppressionMode = Literal["error", "warn", "drop"]


@dataclass(frozen=True, kw_only=True)
class FrequencyCap:
    """No recipient in more than ``max`` campaigns starting within ``days`` days."""

    max: int = setting(REQUIRED, "Most campaigns per recipient in the window.", minimum=1)
    days: int = setting(REQUIRED, "The window, in days.", minimum=1)
    mode: PolicyMode = setting("error", "error: plan fails and apply refuses; warn: flagged.")


@dataclass(frozen=True, kw_only=True)
class QuietHours:
    """Hours of the recipient's local day no send window may touch (may wrap midnight)."""

    start: int = setting(REQUIRED, "First quiet hour, 0..23.", minimum=0, maximum=23)
    end: int = setting(REQUIRED, "Hour quiet ends, 0..23.", minimum=0, maximum=23)
    mode: PolicyMode = setting("error", "error: plan fails and apply refuses; warn: flagged.")


@dataclass(frozen=True, kw_only=True)
class AudiencePolicies:
    """The audience policies (reconciler.policies), settable at both levels of the file."""

    suppression: list[str] | None = setting(None, "Opt-out CSV files (id and/or to_number).")
    suppression_mode: SuppressionMode | None = setting(None, "error (default), warn or drop.")
    frequency_cap: FrequencyCap | None = setting(None, "Most campaigns per recipient per window.")
    messaging_limit: int | None = setting(None, "Most unique recipients in 24 h.", minimum=1)
    messaging_limit_mode: PolicyMode | None = setting(None, "error (default) or warn.")
    quiet_hours: QuietHours | None = setting(None, "Recipients' local quiet hours.")


@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings(AudiencePolicies):
    """One environment as written in reconciler.yaml."""

    api_url: str = setting(DEFAULT_API_URL, 'ContactSwing base URL, or "sandbox".', expand=True)
    state: str | None = setting(None, "SQLite path or SQLAlchemy URL.", expand=True)
    token_env: str = setting(DEFAULT_TOKEN_ENV, "OS variable holding the token.", expand=True)
    require_state: bool = setting(False, "A missing state is an error.")
    vars: dict[str, Any] = setting({}, "Variables of this env.")
    vars_file: str | None = setting(None, "YAML file of variables, project-relative.")
    max_creates: int | None = setting(None, "Most creates in one apply.", minimum=0)
    max_recipients: int | None = setting(None, "Most recipients per campaign.", minimum=1)
    promote_from: str | None = setting(None, "Env whose creates gate this one.")
    create_path: str = setting(DEFAULT_CREATE_PATH, "Path of the create endpoint.", expand=True)
    phone_format: PhoneFormat = setting(DEFAULT_PHONE_FORMAT, "to_number as sent.")
    allow_ignore_suppression: bool = setting(False, "Allow ignore_suppression.")
    catalog: str | None = setting(None, "Meta's message_templates export; replaces the project's.")
    rate_card: str | None = setting(None, "Prices per market (CSV); replaces the project's.")
    max_cost: int | float | None = setting(
        None, "Most estimated cost of one apply, in the rate card's currency.", minimum=0
    )


@dataclass(frozen=True, kw_only=True)
class ProjectSettings(AudiencePolicies):
    """The whole of reconciler.yaml."""

    version: Literal[1] = setting(REQUIRED, "Format version of this file.")
    required_version: str | None = setting(None, 'Tool versions, e.g. ">=1.0,<2".')
    campaigns: str = setting("campaigns", "Folder of spec files, project-relative.")
    vars: dict[str, Any] = setting({}, "Variables of every env.")
    catalog: str | None = setting(None, "Meta's message_templates export (JSON/YAML).")
    environments: dict[str, EnvironmentSettings] = setting(
        REQUIRED, "The environments, by name.", minimum=1
    )
    rate_card: str | None = setting(None, "Prices per market and category (CSV).")


def levels(project: ProjectSettings, env: str, name: str) -> list[tuple[tuple[str, ...], Any]]:
    """Setting ``name`` at both levels, lowest first: (its path in the file, its value)."""
    own = project.environments[env]
    return [((name,), getattr(project, name)), (("environments", env, name), getattr(own, name))]


def in_force(project: ProjectSettings, env: str, name: str) -> tuple[tuple[str, ...], Any] | None:
    """Where setting ``name`` applies to environment ``env``, and its value.

    The environment's own value replaces the project's; None when neither sets it.
    """
    for at, value in reversed(levels(project, env, name)):
        if value is not None:
            return at, value
    return None


# A broken rule between settings: where (below the key checked), the message, a hint.
Rule = tuple[tuple[str, ...], str, str]


@functools.cache
def declared(cls: type) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
    """Each setting of ``cls``: name -> (its type, its declaration)."""
    hints = typing.get_type_hints(cls)
    return {f.name: (hints[f.name], f) for f in dataclasses.fields(cls)}


def is_exactly(annotation: Any, value: object) -> bool:
    """Whether ``value`` is exactly of ``annotation``: no coercion, not even bool for int."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return any(type(value) is type(arg) and value == arg for arg in args)
    if origin in (typing.Union, types.UnionType):
        return any(is_exactly(arg, value) for arg in args)
    if origin is list:
        return type(value) is list and all(is_exactly(args[0], v) for v in value)
    if origin is dict:
        item = args[1]
        return type(value) is dict and all(
            type(k) is str and (item is Any or is_exactly(item, v)) for k, v in value.items()
        )
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return type(value) is dict and _fits(annotation, value)
    return value is None if annotation is type(None) else type(value) is annotation


def _fits(cls: type, data: dict[Any, Any]) -> bool:
    settings = declared(cls)
    if any(
        spec.default is spec.default_factory is REQUIRED and name not in data
        for name, (_, spec) in settings.items()
    ):
        return False
    return all(key in settings and _within(*settings[key], value) for key, value in data.items())


def _within(annotation: Any, spec: dataclasses.Field[Any], value: Any) -> bool:
    minimum, maximum = spec.metadata["minimum"], spec.metadata["maximum"]
    if not is_exactly(annotation, value):
        return False
    size = len(value) if isinstance(value, dict) else value
    low = minimum is None or value is None or size >= minimum
    return low and (maximum is None or value is None or size <= maximum)


def ordinary_settings(data: object) -> ProjectSettings | None:
    """The settings of a file whose every value is exactly of its type, else None.

    None sends the file to the pydantic model, which accepts or explains it; for every
    file accepted here the model gives the same values
    (tests/specs/test_config_without_pydantic.py).
    """
    if type(data) is not dict or not is_exactly(ProjectSettings, data):
        return None
    if required_version_rule(data.get("required_version")) or reference_rules(data["environments"]):
        return None
    return settings_from(data)


def settings_from(data: Mapping[str, Any]) -> ProjectSettings:
    """The values of an accepted file; a setting it does not write takes its default."""
    environments = {
        name: EnvironmentSettings(
            **{key: _copied(EnvironmentSettings, key, value) for key, value in env.items()}
        )
        for name, env in data["environments"].items()
    }
    top = {
        key: _copied(ProjectSettings, key, value)
        for key, value in data.items()
        if key != "environments"
    }
    return ProjectSettings(environments=environments, **top)


def _copied(cls: type, key: str, value: Any) -> Any:
    """A setting's value: a mapping of a nested settings class becomes that class."""
    if isinstance(value, dict):
        nested = _nested_class(declared(cls)[key][0])
        return nested(**value) if nested is not None else dict(value)
    return list(value) if isinstance(value, list) else value


def _nested_class(annotation: Any) -> Any:
    """The settings dataclass an annotation (``FrequencyCap | None``) holds, if any."""
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
    return None


def required_version_rule(specifier: object) -> Rule | None:
    """The problem with ``required_version``, if it is text this version does not satisfy."""
    if not isinstance(specifier, str):
        return None
    try:
        ok = version_matches(specifier)
    except ValueError as exc:
        return ((), str(exc), 'write it like ">=1.0,<2"')
    message = f"this project requires reconciler {specifier}; this is {__version__}"
    return None if ok else ((), message, "install a matching version of reconciler")


def reference_rules(environments: object) -> list[Rule]:
    """Environment names that are not names, and ``promote_from`` naming no other one."""
    if not isinstance(environments, dict):
        return []
    names = [name for name in environments if isinstance(name, str)]
    found: list[Rule] = []
    for name, env in environments.items():
        if not isinstance(name, str):
            continue
        if not ENV_NAME.match(name):
            hint = "use letters, digits, - and _, starting with a letter or digit (e.g. eu-prod)"
            found.append(((name,), f"environment name {name!r} is not allowed", hint))
        source = env.get("promote_from") if isinstance(env, dict) else None
        if isinstance(source, str):
            found.extend(_promotion_rule(name, source, names))
    return found


def _promotion_rule(name: str, source: str, names: list[str]) -> list[Rule]:
    at = (name, "promote_from")
    if source == name:
        hint = "name the environment that must create a campaign first, or remove it"
        return [(at, "promote_from names the environment itself", hint)]
    if source in names:
        return []
    from reconciler.models.fields import closest

    others = [n for n in names if n != name]
    guess = closest(source, others)
    hint = f"environments here: {', '.join(others)}" if others else "there is no other environment"
    message = f"promote_from names no environment {source!r}"
    return [(at, message, f"did you mean {guess}?" if guess else hint)]


_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_OPS |= {"==": operator.eq, "!=": operator.ne}
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|~=|>|<)?\s*([0-9]+(?:\.[0-9]+)*)\s*$")


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.findall(r"[0-9]+", text.split("+")[0])[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def version_matches(specifier: str, version: str = __version__) -> bool:
    """Whether ``version`` satisfies a comma-separated specifier (``>=1.0,<2``)."""
    have = _version_tuple(version)
    for clause in specifier.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ValueError(f"cannot read version clause {clause.strip()!r}")
        op, want_text = match.group(1) or "==", match.group(2)
        want = _version_tuple(want_text)
        if op == "~=":
            depth = max(len(want_text.split(".")) - 1, 1)
            ok = have >= want and have[:depth] == want[:depth]
        else:
            ok = _OPS[op](have, want)
        if not ok:
            return False
    return True
