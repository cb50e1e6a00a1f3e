"""Template variables, merged by precedence (lowest first):

1. project ``vars`` (reconciler.yaml)
2. environment ``vars``, then the environment's ``vars_file``
3. OS variables ``RECONCILER_VAR_<name>``
4. ``--var-file F`` (in the order given)
5. ``--var name=value`` (in the order given)

A higher layer replaces a variable's whole value (no deep merge). ``--var`` and
``RECONCILER_VAR_*`` values are read as YAML 1.2 scalars: ``11`` is a number,
``no`` stays text, ``"11"`` (quoted) is text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reconciler.config import PROJECT_FILE, Project
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.render import resolve_inside
from reconciler.specs.yamlio import YamlError, decode_utf8, load_documents

OS_PREFIX = "RECONCILER_VAR_"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_scalar(text: str) -> Any:
    """A ``--var`` value read as one YAML 1.2 scalar (flow lists and mappings allowed)."""
    if text.strip() == "":
        return text
    try:
        docs = load_documents(f"__v: {text}")
    except YamlError:
        return text
    if len(docs) != 1 or not isinstance(docs[0].data, dict):  # pragma: no cover
        return text
    return docs[0].data.get("__v", text)


def resolve_variables(
    project: Project,
    env: str,
    *,
    var_args: Iterable[str] = (),
    var_files: Iterable[Path] = (),
    os_environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The variables templates see for ``env``, every layer applied in order."""
    settings = project.settings(env)
    environ = os.environ if os_environ is None else os_environ
    merged: dict[str, Any] = dict(project.file.vars)
    merged.update(settings.vars)
    if settings.vars_file is not None:
        line = project.line_of("environments", env, "vars_file")
        merged.update(_project_vars_file(project, settings.vars_file, line))
    for name, value in sorted(environ.items()):
        if name.startswith(OS_PREFIX) and len(name) > len(OS_PREFIX):
            merged[name[len(OS_PREFIX) :]] = parse_scalar(value)
    for path in var_files:
        merged.update(read_vars_file(path, path.as_posix()))
    for arg in var_args:
        name, value = _split_var(arg)
        merged[name] = value
    return merged


def _split_var(arg: str) -> tuple[str, Any]:
    name, sep, value = arg.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name):
        raise ConfigError(
            f"--var {arg!r}: expected NAME=VALUE",
            hint="for example --var assistant_id=11 (names: letters, digits, _)",
        )
    return name, parse_scalar(value)


def _project_vars_file(project: Project, rel: str, line: int | None) -> dict[str, Any]:
    path = resolve_inside(project.root, rel)
    if path is None:
        raise ConfigError(
            f"vars_file {rel!r} leaves the project",
            hint="paths are relative to the project root and stay inside it",
            location=SourceLocation(PROJECT_FILE, line),
        )
    return read_vars_file(path, rel, SourceLocation(PROJECT_FILE, line))


def read_vars_file(
    path: Path, shown: str, referenced_at: SourceLocation | None = None
) -> dict[str, Any]:
    """A YAML mapping of variables; errors name the file and line."""
    if not path.is_file():
        raise ConfigError(
            f"variables file {shown} not found", hint="check the path", location=referenced_at
        )
    try:
        docs = load_documents(decode_utf8(path.read_bytes()))
    except YamlError as exc:
        raise ValidationFailed(
            [Diagnostic(SourceLocation(shown, exc.line), exc.message, hint=exc.hint)]
        ) from None
    if not docs:
        return {}
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise ValidationFailed(
            [
                Diagnostic(
                    SourceLocation(shown, 1),
                    "a variables file must be one YAML mapping of name: value",
                )
            ]
        )
    data: dict[str, Any] = docs[0].data
    for name in data:
        if not _NAME.match(name):
            raise ValidationFailed(
                [
                    Diagnostic(
                        SourceLocation(shown, docs[0].marks.line_of((name,))),
                        f"variable name {name!r}: use letters, digits and _",
                    )
                ]
            )
    return data
