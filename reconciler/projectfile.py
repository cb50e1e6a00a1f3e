"""The pydantic model of ``reconciler.yaml``: its JSON schema and every rule of the file.

``reconciler.config`` checks an ordinary project file without it (importing pydantic
cost ~70 ms of every command) and uses this model only for a file its own check does
not accept, so every message about a bad file comes from here (through
``reconciler.models.problems``, as for specs). The defaults are ``reconciler.config``'s
constants; tests check that both agree on every valid file.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from reconciler import __version__
from reconciler.config import (
    DEFAULT_API_URL,
    DEFAULT_CREATE_PATH,
    DEFAULT_TOKEN_ENV,
    ENV_NAME,
    version_matches,
)
from reconciler.models.fields import RULE, closest, rule_error
from reconciler.models.problems import kind

# Strict, as the spec models: no "yes" read as true, no "5" as 5 (YAML 1.2 already said).
_CONFIG = ConfigDict(extra="forbid", strict=True, frozen=True)


class EnvironmentFile(BaseModel):
    """One environment as written in reconciler.yaml."""

    model_config = _CONFIG

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

    model_config = _CONFIG

    version: Literal[1] = Field(description="Format version of this file.")
    required_version: str | None = Field(None, description='Tool versions, e.g. ">=1.0,<2".')
    campaigns: str = Field("campaigns", description="Folder of spec files, project-relative.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Variables of every env.")
    environments: dict[str, EnvironmentFile] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        # Before the Literal: it would take true or 1.0 for 1.
        if type(value) is not int or value != 1:
            shown = repr(value) if type(value) is int else kind(value)
            raise rule_error(
                f"version must be 1, got {shown}",
                "write version: 1 (the only format of this file so far)",
            )
        return value

    @field_validator("required_version")
    @classmethod
    def _required_version(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ok = version_matches(value)
        except ValueError as exc:
            raise rule_error(str(exc), 'write it like ">=1.0,<2"') from None
        if not ok:
            raise rule_error(
                f"this project requires reconciler {value}; this is {__version__}",
                "install a matching version of reconciler",
            )
        return value

    @field_validator("environments", mode="wrap")
    @classmethod
    def _references(cls, value: object, handler: ValidatorFunctionWrapHandler) -> Any:
        # Wrapped so that a bad name or promote_from is reported with every other problem
        # of the file, not only once the environments are otherwise valid.
        found = _reference_errors(value)
        try:
            result = handler(value)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(
                cls.__name__, [*_reraised(exc), *found]
            ) from None
        if found:
            raise ValidationError.from_exception_data(cls.__name__, found)
        return result


def _reference_errors(environments: object) -> list[InitErrorDetails]:
    """Environment names that are not names, and ``promote_from`` that names no other one."""
    if not isinstance(environments, dict):
        return []
    names = [name for name in environments if isinstance(name, str)]
    found: list[InitErrorDetails] = []

    def add(loc: tuple[str, ...], message: str, hint: str) -> None:
        found.append(InitErrorDetails(type=rule_error(message, hint), loc=loc, input=environments))

    for name, env in environments.items():
        if isinstance(name, str) and not re.match(ENV_NAME, name):
            add(
                (name,),
                f"environment name {name!r} is not allowed",
                "use letters, digits, - and _, starting with a letter or digit (e.g. eu-prod)",
            )
        source = env.get("promote_from") if isinstance(env, dict) else None
        if not isinstance(source, str) or not isinstance(name, str):
            continue
        if source == name:
            add(
                (name, "promote_from"),
                "promote_from names the environment itself",
                "name the environment that must create a campaign first, or remove it",
            )
        elif source not in environments:
            guess = closest(source, [n for n in names if n != name])
            others = ", ".join(n for n in names if n != name)
            hint = f"environments here: {others}" if others else "there is no other environment"
            add(
                (name, "promote_from"),
                f"promote_from names no environment {source!r}",
                f"did you mean {guess}?" if guess else hint,
            )
    return found


def _reraised(exc: ValidationError) -> list[InitErrorDetails]:
    """``exc``'s errors, to raise again with others (our own rules keep message and hint)."""
    found: list[InitErrorDetails] = []
    for error in exc.errors():
        ctx = error.get("ctx")
        if error["type"] == RULE:
            custom = PydanticCustomError(RULE, error["msg"], ctx)
            found.append(InitErrorDetails(type=custom, loc=error["loc"], input=error["input"]))
        elif ctx is None:
            found.append(
                InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
            )
        else:
            found.append(
                InitErrorDetails(
                    type=error["type"], loc=error["loc"], input=error["input"], ctx=ctx
                )
            )
    return found
