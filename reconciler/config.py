"""The project file (``reconciler.yaml``): finding it, reading it, resolving environments.

``load_project`` finds the file and reads its settings (declared in
``reconciler.settings``); ``Project.environment(name)`` gives the environment a command
uses, with ``${VAR}`` expanded from the OS environment, only for the environment in use
(so ``validate --env dev`` needs no prod secrets). Variables are resolved by
``reconciler.specs.variables.resolve_variables``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.api.defaults import SANDBOX
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from reconciler.settings import (
    PROJECT_FILE,
    EnvironmentSettings,
    ProjectSettings,
    in_force,
    levels,
    ordinary_settings,
)
from reconciler.specs.yamlio import Document, read_yaml_file

__all__ = ["PROJECT_FILE", "Environment", "Project", "find_project", "load_project"]

_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, kw_only=True)
class Environment(EnvironmentSettings):
    """The environment a command uses: its settings, ``${VAR}`` expanded, and its state.

    ``state`` is a path (relative to ``root``) or a URL; ``vars`` are the environment's
    own, as written (``resolve_variables`` layers them over the project's).
    """

    name: str
    root: Path
    state: str

    @property
    def is_sandbox(self) -> bool:
        return self.api_url == SANDBOX


@dataclass(frozen=True)
class Project:
    """A loaded project: its root folder, its settings and the line of every setting."""

    root: Path
    file: ProjectSettings
    document: Document

    @property
    def campaigns_dir(self) -> Path:
        return self.root / self.file.campaigns

    @property
    def env_names(self) -> list[str]:
        return list(self.file.environments)

    def settings(self, name: str) -> EnvironmentSettings:
        """The environment as written (nothing expanded); ConfigError when unknown."""
        try:
            return self.file.environments[name]
        except KeyError:
            from reconciler.models.fields import closest

            known = f"known environments: {', '.join(self.env_names)}"
            guess = closest(name, self.env_names)
            raise ConfigError(
                f"no environment {name!r} in {PROJECT_FILE}",
                hint=f"did you mean {guess}? ({known})" if guess else known,
            ) from None

    def layers(self, env: str, setting: str) -> list[tuple[tuple[str, ...], Any]]:
        """``settings.levels``: project, then ``env`` (ConfigError when unknown)."""
        self.settings(env)
        return levels(self.file, env, setting)

    def in_force(self, env: str, setting: str) -> tuple[tuple[str, ...], Any] | None:
        """``settings.in_force``: the environment's value wins (ConfigError when unknown)."""
        self.settings(env)
        return in_force(self.file, env, setting)

    def environment(self, name: str, os_environ: Mapping[str, str]) -> Environment:
        """The environment's settings with ``${VAR}`` expanded from ``os_environ``.

        Every unset variable of the environment is one diagnostic of a ValidationFailed.
        """
        raw = self.settings(name)
        values = {f.name: getattr(raw, f.name) for f in dataclasses.fields(raw)}
        if values["state"] is None:
            values["state"] = f".reconciler/{name}.sqlite"
        unset: list[Diagnostic] = []
        for setting in dataclasses.fields(raw):
            if setting.metadata["expand"] and isinstance(text := values[setting.name], str):
                values[setting.name] = self._expand(text, (name, setting.name), os_environ, unset)
        if unset:
            raise ValidationFailed(unset)
        return Environment(name=name, root=self.root, **values)

    def line_of(self, *path: str | int) -> int | None:
        return self.document.marks.line_of(path)

    def problem_at(self, at: tuple[str, ...], message: str, hint: str) -> Diagnostic:
        """A problem with the setting at path ``at`` of the file, reported at its line."""
        return Diagnostic(
            SourceLocation(PROJECT_FILE, self.line_of(*at)), message, ".".join(at), hint
        )

    def _expand(
        self, text: str, at: tuple[str, str], environ: Mapping[str, str], unset: list[Diagnostic]
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in environ:
                hint = f"export {var}=… before running, or change the setting (it is read "
                hint += f"only by commands that use environment {at[0]})"
                message = f"OS variable {var} is not set"
                unset.append(self.problem_at(("environments", *at), message, hint))
                return match.group(0)
            return environ[var]

        return _VAR_REF.sub(replace, text)


def find_project(start: Path | None = None, project_dir: Path | None = None) -> Path:
    """The project root: ``project_dir`` if given, else the nearest reconciler.yaml upwards."""
    if project_dir is not None:
        if not (project_dir / PROJECT_FILE).is_file():
            raise ConfigError(
                f"no {PROJECT_FILE} in {project_dir}",
                hint="run `reconciler init` or point --project at a project folder",
            )
        return project_dir.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {PROJECT_FILE} found in {here} or any parent folder",
        hint="run `reconciler init`, or pass --project DIR",
    )


def load_project(start: Path | None = None, project_dir: Path | None = None) -> Project:
    """Find, parse and validate reconciler.yaml; errors carry file, line, field and hint."""
    root = find_project(start, project_dir)
    document = _read_document(root / PROJECT_FILE)
    settings = ordinary_settings(document.data)
    if settings is None:
        from reconciler.projectfile import validated_settings

        settings = validated_settings(document)
    return Project(root=root, file=settings, document=document)


def _read_document(path: Path) -> Document:
    docs = read_yaml_file(path, PROJECT_FILE)
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        where, keys = SourceLocation(PROJECT_FILE, 1), "see docs/spec-format.md for its keys"
        message = "the project file must be one YAML mapping"
        raise ValidationFailed([Diagnostic(where, message, hint=keys)])
    return docs[0]
