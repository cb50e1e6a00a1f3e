"""The pydantic model of ``reconciler.yaml``: its JSON schema and the errors of a bad file.

``reconciler.config`` checks an ordinary project file without it (importing pydantic
cost ~70 ms of every command) and uses this model only for a file its own check does
not accept, so every message about a bad file still comes from here. The defaults are
``reconciler.config``'s constants; tests check that both agree on every valid file.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reconciler.config import DEFAULT_API_URL, DEFAULT_CREATE_PATH, DEFAULT_TOKEN_ENV, ENV_NAME


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
            if not re.match(ENV_NAME, name):
                raise ValueError(f"environment name {name!r}: use letters, digits, - and _")
            if env.promote_from is not None and env.promote_from not in value:
                raise ValueError(f"{name}.promote_from: no environment {env.promote_from!r}")
            if env.promote_from == name:
                raise ValueError(f"{name}.promote_from names the environment itself")
        return value
