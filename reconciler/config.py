"""The project file (``reconciler.yaml``): environments, their settings, variables.

``load_project`` finds and validates the file; ``Project.environment(name)`` gives one
environment's settings with ``${VAR}`` expanded from the OS environment, only for the
environment in use (so ``validate --env dev`` needs no prod secrets). Variables are
resolved by ``reconciler.specs.loader.resolve_variables``.

The file is checked here without pydantic when it is ordinary (every value of exactly
the type it must have, ``required_version`` satisfied); anything else is validated by
the pydantic model in ``reconciler.projectfile``, which holds every rule and so gives
every error. Importing pydantic cost ~70 ms of every command, ~8 % of an every-push
plan of 10,000 campaigns.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler import __version__
from reconciler.errors import ConfigError, Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.yamlio import Document, YamlError, decode_utf8, load_documents

PROJECT_FILE = "reconciler.yaml"
DEFAULT_API_URL = "https://prod-contactswing-fastapi-962560522883.us-central1.run.app"
DEFAULT_CREATE_PATH = "/v2/campaign/create_with_touchpoint"
DEFAULT_TOKEN_ENV = "CONTACTSWING_TOKEN"  # noqa: S105 (a variable name, not a secret)
SANDBOX = "sandbox"
ENV_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPANDED = ("api_url", "state", "token_env", "create_path")


if TYPE_CHECKING:
    from pydantic import ValidationError

    from reconciler.projectfile import EnvironmentFile as EnvironmentFile
    from reconciler.projectfile import ProjectFile as ProjectFile


def __getattr__(name: str) -> Any:
    # The pydantic models (for ``reconciler schema``), imported on first use (PEP 562).
    if name in ("EnvironmentFile", "ProjectFile"):
        from reconciler import projectfile

        return getattr(projectfile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class EnvironmentSettings:
    """One environment as written in reconciler.yaml (``EnvironmentFile``'s values)."""

    api_url: str = DEFAULT_API_URL
    state: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    require_state: bool = False
    vars: dict[str, Any] = field(default_factory=dict)
    vars_file: str | None = None
    max_creates: int | None = None
    max_recipients: int | None = None
    promote_from: str | None = None
    create_path: str = DEFAULT_CREATE_PATH
    phone_format: str = "e164"
    allow_ignore_suppression: bool = False


@dataclass(frozen=True)
class ProjectSettings:
    """The whole of reconciler.yaml (``ProjectFile``'s values)."""

    version: int
    environments: dict[str, EnvironmentSettings]
    required_version: str | None = None
    campaigns: str = "campaigns"
    vars: dict[str, Any] = field(default_factory=dict)


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
    file: ProjectSettings
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

    def environment(self, name: str, os_environ: Mapping[str, str]) -> Environment:
        """The environment's settings with ``${VAR}`` expanded from ``os_environ``.

        Every unset variable of the environment is one diagnostic of a ValidationFailed.
        """
        raw = self.settings(name)
        environ = os_environ
        values = {f.name: getattr(raw, f.name) for f in dataclasses.fields(raw)}
        if values["state"] is None:
            values["state"] = f".reconciler/{name}.sqlite"
        unset: list[Diagnostic] = []
        for field_name in _EXPANDED:
            if isinstance(raw_value := getattr(raw, field_name), str):
                values[field_name] = self._expand(raw_value, (name, field_name), environ, unset)
        if unset:
            raise ValidationFailed(unset)
        return Environment(
            name=name,
            root=self.root,
            **{k: v for k, v in values.items() if k not in ("vars", "vars_file")},
        )

    def line_of(self, *path: str | int) -> int | None:
        return self.document.marks.line_of(path)

    def _expand(
        self, text: str, at: tuple[str, str], environ: Mapping[str, str], unset: list[Diagnostic]
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in environ:
                where = SourceLocation(PROJECT_FILE, self.line_of("environments", *at))
                hint = f"export {var}=… before running, or change the setting (it is read "
                hint += f"only by commands that use environment {at[0]})"
                field_path = ".".join(("environments", *at))
                unset.append(Diagnostic(where, f"OS variable {var} is not set", field_path, hint))
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
    model = ordinary_settings(document.data)
    if model is None:
        model = _validated_settings(document)
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


def _validated_settings(document: Document) -> ProjectSettings:
    """The settings as the pydantic model validates them; its errors as diagnostics."""
    from pydantic import ValidationError

    from reconciler.projectfile import ProjectFile

    try:
        model = ProjectFile.model_validate(document.data)
    except ValidationError as exc:
        raise ValidationFailed(_diagnostics(exc, document)) from None
    return settings_of(model)


def _version_ok(specifier: str | None) -> bool:
    try:
        return specifier is None or version_matches(specifier)
    except ValueError:
        return False


def _diagnostics(exc: ValidationError, document: Document) -> list[Diagnostic]:
    """The model's errors, worded as for specs, at the lines the YAML marks give."""
    from reconciler.models.problems import from_pydantic
    from reconciler.projectfile import ProjectFile

    result = []
    for error in exc.errors(include_url=False):
        problem = from_pydantic(error, ProjectFile, document=PROJECT_FILE, templated=False)
        line = document.marks.line_of(problem.path)
        location = SourceLocation(PROJECT_FILE, line)
        result.append(Diagnostic(location, problem.message, problem.field, problem.hint))
    return result


def settings_of(model: ProjectFile) -> ProjectSettings:
    """The values of a validated ``ProjectFile``."""
    environments = {
        name: EnvironmentSettings(**env.model_dump()) for name, env in model.environments.items()
    }
    return ProjectSettings(
        version=model.version,
        environments=environments,
        required_version=model.required_version,
        campaigns=model.campaigns,
        vars=dict(model.vars),
    )


def _is_str(value: object) -> bool:
    return type(value) is str


def _is_str_or_none(value: object) -> bool:
    return value is None or type(value) is str


def _is_bool(value: object) -> bool:
    return type(value) is bool


def _is_vars(value: object) -> bool:
    return type(value) is dict and all(type(k) is str for k in value)


def _int_at_least(minimum: int) -> Callable[[object], bool]:
    return lambda value: value is None or (type(value) is int and value >= minimum)


# Per key of an environment: what an ordinary value is (the model accepts each as is).
_ORDINARY_ENV: dict[str, Callable[[object], bool]] = {
    "api_url": _is_str,
    "state": _is_str_or_none,
    "token_env": _is_str,
    "require_state": _is_bool,
    "vars": _is_vars,
    "vars_file": _is_str_or_none,
    "max_creates": _int_at_least(0),
    "max_recipients": _int_at_least(1),
    "promote_from": _is_str_or_none,
    "create_path": _is_str,
    "phone_format": lambda value: value in ("e164", "digits") and type(value) is str,
    "allow_ignore_suppression": _is_bool,
}
_ORDINARY_TOP: dict[str, Callable[[object], bool]] = {
    "version": lambda value: type(value) is int and value == 1,
    "required_version": _is_str_or_none,
    "campaigns": _is_str,
    "vars": _is_vars,
    "environments": lambda value: type(value) is dict and len(value) > 0,
}


def ordinary_settings(data: object) -> ProjectSettings | None:
    """The settings of a project file whose every value is exactly of its type, else None.

    None sends the file to the pydantic model, which accepts or explains it; for every
    file accepted here the model gives the same values (tests/specs/test_config_fast.py).
    """
    if type(data) is not dict or "version" not in data or "environments" not in data:
        return None
    if not all(k in _ORDINARY_TOP and _ORDINARY_TOP[k](v) for k, v in data.items()):
        return None
    if not _version_ok(data.get("required_version")):
        return None
    environments: dict[str, EnvironmentSettings] = {}
    for name, env in data["environments"].items():
        if type(name) is not str or not re.match(ENV_NAME, name) or type(env) is not dict:
            return None
        if not all(k in _ORDINARY_ENV and _ORDINARY_ENV[k](v) for k, v in env.items()):
            return None
        values: dict[str, Any] = {k: dict(v) if k == "vars" else v for k, v in env.items()}
        environments[name] = EnvironmentSettings(**values)
    for name, env_settings in environments.items():
        if env_settings.promote_from is not None and (
            env_settings.promote_from == name or env_settings.promote_from not in environments
        ):
            return None
    top = {k: v for k, v in data.items() if k != "environments"}
    if "vars" in top:
        top["vars"] = dict(top["vars"])
    return ProjectSettings(environments=environments, **top)


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
