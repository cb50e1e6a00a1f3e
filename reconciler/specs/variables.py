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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config import PROJECT_FILE, Project
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.render import resolve_inside
from reconciler.specs.yamlio import Document, YamlError, load_documents, read_yaml_file

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


@dataclass(frozen=True)
class VariableSource:
    """Where a variable's value was set: a file and line, or the command line, or the OS.

    ``field`` is the variable's path there: ``vars.assistant_id``,
    ``environments.dev.vars.assistant_id``, ``--var assistant_id``.
    """

    location: SourceLocation
    field: str


class Variables(dict[str, Any]):
    """The merged variables, and where each one's value came from (``sources``)."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[str, VariableSource] = {}

    def set(self, name: str, value: Any, location: SourceLocation, field: str) -> None:
        """Set ``name`` (replacing a lower layer's value) and remember where."""
        self[name] = value
        self.sources[name] = VariableSource(location, field)


def resolve_variables(
    project: Project,
    env: str,
    *,
    var_args: Iterable[str] = (),
    var_files: Iterable[Path] = (),
    os_environ: Mapping[str, str],
) -> Variables:
    """The variables templates see for ``env``, every layer applied in order."""
    settings = project.settings(env)
    merged = Variables()
    for at, values in project.layers(env, "vars"):
        for name, value in values.items():
            where = SourceLocation(PROJECT_FILE, project.line_of(*at, name))
            merged.set(name, value, where, ".".join((*at, name)))
    if settings.vars_file is not None:
        _set_project_vars_file(merged, project, settings.vars_file, env)
    for name, value in sorted(os_environ.items()):
        if name.startswith(OS_PREFIX) and len(name) > len(OS_PREFIX):
            var = name[len(OS_PREFIX) :]
            merged.set(var, parse_scalar(value), SourceLocation("OS environment"), name)
    for path in var_files:
        _set_vars_file(merged, path, path.as_posix())
    for arg in var_args:
        name, value = _split_var(arg)
        merged.set(name, value, SourceLocation("command line"), f"--var {name}")
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


def _set_project_vars_file(merged: Variables, project: Project, rel: str, env: str) -> None:
    line = project.line_of("environments", env, "vars_file")
    path = resolve_inside(project.root, rel)
    if path is None:
        raise ConfigError(
            f"vars_file {rel!r} leaves the project",
            hint="paths are relative to the project root and stay inside it",
            location=SourceLocation(PROJECT_FILE, line),
        )
    setting = f"environments.{env}.vars_file"
    _set_vars_file(merged, path, rel, SourceLocation(PROJECT_FILE, line), setting)


def _set_vars_file(
    merged: Variables,
    path: Path,
    shown: str,
    referenced_at: SourceLocation | None = None,
    setting: str = "--var-file",
) -> None:
    """Every variable of a YAML mapping file, at its line there (errors name file and line).

    ``setting`` names what referred to the file (``environments.prod.vars_file`` or
    ``--var-file``): problems of the file as a whole are reported there.
    """
    if not path.is_file():
        where = referenced_at or SourceLocation("command line")
        hint = "check the path (relative to the project root)"
        message = f"variables file {shown} not found"
        raise ValidationFailed([Diagnostic(where, message, setting, hint)])
    doc = _one_mapping(path, shown, setting)
    if doc is None:
        return
    lines = _variable_lines(doc, shown)
    for name, value in doc.data.items():
        merged.set(name, value, SourceLocation(shown, lines.get(name)), name)


def _one_mapping(path: Path, shown: str, setting: str) -> Document | None:
    """The file's one YAML mapping (None for an empty file); ValidationFailed otherwise."""
    docs = read_yaml_file(path, shown)
    if not docs:
        return None
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        message = "a variables file must be one YAML mapping of name: value"
        hint = f"write one `name: value` per line (the file is named by {setting})"
        raise ValidationFailed([Diagnostic(SourceLocation(shown, 1), message, hint=hint)])
    return docs[0]


def _variable_lines(doc: Document, shown: str) -> dict[str, int]:
    """Each variable's line; ValidationFailed for a name that is not a name."""
    lines: dict[str, int] = {}
    for name in doc.data:
        line = doc.marks.line_of((name,))
        if not _NAME.match(name):
            message = f"variable name {name!r}: use letters, digits and _"
            raise ValidationFailed([Diagnostic(SourceLocation(shown, line), message)])
        if line is not None:
            lines[name] = line
    return lines
