"""The project file (``reconciler.yaml``): environments, their settings, variables.

``load_project`` finds and validates the file; ``Project.environment(name)`` gives one
environment's settings with ``${VAR}`` expanded from the OS environment, only for the
environment in use (so ``validate --env dev`` needs no prod secrets). Variables are
resolved by ``reconciler.specs.loader.resolve_variables``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reconciler import __version__
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.yamlio import Document, YamlError, decode_utf8, load_documents

PROJECT_FILE = "reconciler.yaml"
DEFAULT_API_URL = "https://prod-contactswing-fastapi-962560522883.us-central1.run.app"
DEFAULT_CREATE_PATH = "/v2/campaign/create_with_touchpoint"
DEFAULT_TOKEN_ENV = "CONTACTSWING_TOKEN"  # noqa: S105 (a variable name, not a secret)
SANDBOX = "sandbox"
_ENV_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPANDED = ("api_url", "state", "token_env", "create_path")


class EnvironmentFile(BaseModel):
    """One environment as written in reconciler.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str = Field(DEFAULT_API_URL, description='ContactSwing base URL, or "sandbox".')
    state: str | None = Field(None, description="SQLite path or SQLAlchemy URL.")
    token_env: str = Field(DEFAULT_TOKEN_ENV, description="OS variable holding the token.")
    require_state: bool = Field(False, description="A missing state is an error.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Variables of this env.")
    vars_file: str | None = Field(None, description="YAML file of variables, project-relative.")
    max_creates: int | None = Field(None, ge=0, description="Most creates in one apply.")
    max_recipients: int | None = Field(None, ge=1, description="Most recipients per campaign.")
    promote_from: str | None = Field(None, description="Env whose creates gate this one.")
    create_path: str = Field(DEFAULT_CREATE_PATH, description="Path of the create endpoint.")
    phone_format: Literal["e164", "digits"] = Field("e164", description="to_number as sent.")
    allow_ignore_suppression: bool = Field(False, description="Allow ignore_suppression.")


class ProjectFile(BaseModel):
    """The whole of reconciler.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = Field(description="Format version of this file.")
    required_version: str | None = Field(None, description='Tool versions, e.g. ">=1.0,<2".')
    campaigns: str = Field("campaigns", description="Folder of spec files, project-relative.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Variables of every env.")
    environments: dict[str, EnvironmentFile] = Field(min_length=1)

    @field_validator("environments")
    @classmethod
    def _names(cls, value: dict[str, EnvironmentFile]) -> dict[str, EnvironmentFile]:
        for name, env in value.items():
            if not re.match(_ENV_NAME, name):
                raise ValueError(f"environment name {name!r}: use letters, digits, - and _")
            if env.promote_from is not None and env.promote_from not in value:
                raise ValueError(f"{name}.promote_from: no environment {env.promote_from!r}")
            if env.promote_from == name:
                raise ValueError(f"{name}.promote_from names the environment itself")
        return value


@dataclass(frozen=True)
class Environment:
    """One environment's settings, ``${VAR}`` expanded; ``state`` is a path or a URL."""

    name: str
    api_url: str
    state: str
    token_env: str
    require_state: bool
    max_creates: int | None
    max_recipients: int | None
    promote_from: str | None
    create_path: str
    phone_format: str
    allow_ignore_suppression: bool
    root: Path

    @property
    def is_sandbox(self) -> bool:
        return self.api_url == SANDBOX

    @property
    def state_is_url(self) -> bool:
        return "://" in self.state

    @property
    def state_path(self) -> Path | None:
        """The SQLite file (absolute), or None when ``state`` is a URL."""
        return None if self.state_is_url else self.root / self.state


@dataclass(frozen=True)
class Project:
    """A loaded project: its root folder, file model and the line of every setting."""

    root: Path
    file: ProjectFile
    document: Document

    @property
    def path(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def campaigns_dir(self) -> Path:
        return self.root / self.file.campaigns

    @property
    def env_names(self) -> list[str]:
        return list(self.file.environments)

    def settings(self, name: str) -> EnvironmentFile:
        """The environment as written (nothing expanded); ConfigError when unknown."""
        try:
            return self.file.environments[name]
        except KeyError:
            known = ", ".join(self.env_names)
            raise ConfigError(
                f"no environment {name!r} in {PROJECT_FILE}",
                hint=f"known environments: {known}",
            ) from None

    def environment(self, name: str, os_environ: Mapping[str, str] | None = None) -> Environment:
        """The environment's settings with ``${VAR}`` expanded from ``os_environ``."""
        raw = self.settings(name)
        environ = os.environ if os_environ is None else os_environ
        values: dict[str, Any] = raw.model_dump()
        if values["state"] is None:
            values["state"] = f".reconciler/{name}.sqlite"
        for field_name in _EXPANDED:
            if isinstance(raw_value := getattr(raw, field_name), str):
                values[field_name] = self._expand(raw_value, name, field_name, environ)
        return Environment(
            name=name,
            root=self.root,
            **{k: v for k, v in values.items() if k not in ("vars", "vars_file")},
        )

    def line_of(self, *path: str | int) -> int | None:
        return self.document.marks.line_of(path)

    def _expand(self, text: str, env: str, field_name: str, environ: Mapping[str, str]) -> str:
        def replace(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in environ:
                raise ConfigError(
                    f"environments.{env}.{field_name}: OS variable {var} is not set",
                    hint=f"export {var}=… before running, or change the setting",
                    location=SourceLocation(
                        PROJECT_FILE, self.line_of("environments", env, field_name)
                    ),
                )
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
    try:
        model = ProjectFile.model_validate(document.data)
    except ValidationError as exc:
        raise ValidationFailed(_diagnostics(exc, document)) from None
    check_required_version(model.required_version, document)
    return Project(root=root, file=model, document=document)


def _read_document(path: Path) -> Document:
    try:
        docs = load_documents(decode_utf8(path.read_bytes()))
    except YamlError as exc:
        raise ValidationFailed(
            [Diagnostic(SourceLocation(PROJECT_FILE, exc.line), exc.message, hint=exc.hint)]
        ) from None
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise ValidationFailed(
            [
                Diagnostic(
                    SourceLocation(PROJECT_FILE, 1),
                    "the project file must be one YAML mapping",
                    hint="see docs/spec-format.md for its keys",
                )
            ]
        )
    return docs[0]


def _diagnostics(exc: ValidationError, document: Document) -> list[Diagnostic]:
    result = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if isinstance(part, (str, int)))
        line = document.marks.line_of(loc)
        field = ".".join(str(p) for p in loc)
        message = error["msg"]
        hint = ""
        if error["type"] == "extra_forbidden":
            message, hint = f"unknown key {loc[-1]!r}", "check the spelling (see the schema)"
        elif error["type"] == "missing":
            line = document.marks.line_of(loc[:-1])
        result.append(Diagnostic(SourceLocation(PROJECT_FILE, line), message, field, hint))
    return result


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
            ok = {
                ">=": have >= want,
                "<=": have <= want,
                ">": have > want,
                "<": have < want,
                "==": have == want,
                "!=": have != want,
            }[op]
        if not ok:
            return False
    return True


def check_required_version(specifier: str | None, document: Document) -> None:
    """Refuse to run when this tool's version does not satisfy ``required_version``."""
    if specifier is None:
        return
    location = SourceLocation(PROJECT_FILE, document.marks.line_of(("required_version",)))
    try:
        ok = version_matches(specifier)
    except ValueError as exc:
        raise ConfigError(
            f"required_version: {exc}", hint='write it like ">=1.0,<2"', location=location
        ) from None
    if not ok:
        raise ConfigError(
            f"this project requires reconciler {specifier}; this is {__version__}",
            hint="install a matching version of reconciler",
            location=location,
        )
