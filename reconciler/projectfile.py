"""The pydantic model of ``reconciler.yaml``, built from ``reconciler.settings``.

Its fields are the declared settings; its validators word the rules of
``reconciler.settings`` as pydantic errors. It gives the JSON schema of the file and,
through ``reconciler.models.problems`` as for specs, every message about a bad file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    create_model,
    field_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.models.fields import RULE, rule_error
from reconciler.models.problems import from_pydantic, kind
from reconciler.settings import (
    PROJECT_FILE,
    EnvironmentSettings,
    FrequencyCap,
    ProjectSettings,
    QuietHours,
    declared,
    is_exactly,
    reference_rules,
    required_version_rule,
    settings_from,
)
from reconciler.specs.yamlio import Document


class _Strict(BaseModel):
    # Strict, as the spec models: no "yes" read as true, no "5" as 5 (YAML 1.2 already said).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ProjectRules(_Strict):
    """The rules between the settings of the file, worded as pydantic errors."""

    @field_validator("version", mode="before", check_fields=False)
    @classmethod
    def _version(cls, value: object) -> object:
        # Before the Literal: it would take true or 1.0 for 1.
        annotation = declared(ProjectSettings)["version"][0]
        if not is_exactly(annotation, value):
            (only,) = typing.get_args(annotation)
            shown = repr(value) if type(value) is int else kind(value)
            raise rule_error(
                f"version must be {only}, got {shown}",
                f"write version: {only} (the only format of this file so far)",
            )
        return value

    @field_validator("required_version", check_fields=False)
    @classmethod
    def _required_version(cls, value: str | None) -> str | None:
        if (broken := required_version_rule(value)) is not None:
            raise rule_error(*broken[1:])
        return value

    @field_validator("environments", mode="wrap", check_fields=False)
    @classmethod
    def _references(cls, value: object, handler: ValidatorFunctionWrapHandler) -> Any:
        # Wrapped so that a bad name or promote_from is reported with every other problem
        # of the file, not only once the environments are otherwise valid.
        found = [
            InitErrorDetails(type=rule_error(message, hint), loc=loc, input=value)
            for loc, message, hint in reference_rules(value)
        ]
        try:
            result = handler(value)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(
                cls.__name__, [*_reraised(exc), *found]
            ) from None
        if found:
            raise ValidationError.from_exception_data(cls.__name__, found)
        return result


def _model(cls: type, name: str, base: type[BaseModel], inner: dict[Any, Any]) -> Any:
    """The pydantic model of the settings declared by ``cls``."""
    fields: dict[str, Any] = {}
    for key, (annotation, spec) in declared(cls).items():
        meta = spec.metadata
        options: dict[str, Any] = {"description": meta["description"]}
        if meta["minimum"] is not None:
            bound = "min_length" if typing.get_origin(annotation) is dict else "ge"
            options[bound] = meta["minimum"]
        if meta["maximum"] is not None:
            options["le"] = meta["maximum"]
        if spec.default_factory is not dataclasses.MISSING:
            options["default_factory"] = spec.default_factory
        elif spec.default is not dataclasses.MISSING:
            options["default"] = spec.default
        fields[key] = (inner.get(annotation, annotation), Field(**options))
    return create_model(name, __base__=base, __doc__=cls.__doc__, **fields)


# The nested settings of the audience policies (reconciler.policies), as their own models.
_NESTED: dict[Any, Any] = {
    FrequencyCap | None: _model(FrequencyCap, "FrequencyCap", _Strict, {}) | None,
    QuietHours | None: _model(QuietHours, "QuietHours", _Strict, {}) | None,
}
EnvironmentFile: type[BaseModel] = _model(EnvironmentSettings, "EnvironmentFile", _Strict, _NESTED)
ProjectFile: type[BaseModel] = _model(
    ProjectSettings,
    "ProjectFile",
    _ProjectRules,
    {dict[str, EnvironmentSettings]: types.GenericAlias(dict, (str, EnvironmentFile)), **_NESTED},
)


def validated_settings(document: Document) -> ProjectSettings:
    """The settings as the model validates them; its errors as diagnostics at their lines."""
    try:
        model = ProjectFile.model_validate(document.data)
    except ValidationError as exc:
        raise ValidationFailed(_diagnostics(exc, document)) from None
    return settings_from(model.model_dump())


def _diagnostics(exc: ValidationError, document: Document) -> list[Diagnostic]:
    """The model's errors, worded as for specs, at the lines the YAML marks give."""
    result = []
    for error in _numbers_merged(exc.errors(include_url=False)):
        problem = from_pydantic(error, ProjectFile, document=PROJECT_FILE, templated=False)
        location = SourceLocation(PROJECT_FILE, document.marks.line_of(problem.path))
        result.append(problem.at(location))
    return result


# A value of an ``int | float`` setting (max_cost) that is neither: pydantic gives one error
# per member of the union, at paths ending in the member's name.
_NUMBER_MEMBERS = {"int": "int_type", "float": "float_type"}


def _numbers_merged(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """``errors`` with the two of an ``int | float`` value merged into one ``number_type``
    at the setting's own path (not ``max_cost.float``: there is no such key)."""
    merged: list[ErrorDetails] = []
    seen: set[tuple[int | str, ...]] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if not loc or _NUMBER_MEMBERS.get(str(loc[-1])) != error["type"]:
            merged.append(error)
        elif loc[:-1] not in seen:
            seen.add(loc[:-1])
            number = ErrorDetails(type="number_type", loc=loc[:-1], msg="", input=error["input"])
            merged.append(number)
    return merged


def _reraised(exc: ValidationError) -> list[InitErrorDetails]:
    """``exc``'s errors, to raise again with others (our own rules keep message and hint)."""
    found: list[InitErrorDetails] = []
    for error in exc.errors():
        kind: str | PydanticCustomError
        ctx, kind = error.get("ctx"), error["type"]
        if kind == RULE:  # the message and hint are in the error, not in its type
            kind, ctx = PydanticCustomError(RULE, error["msg"], ctx), None
        details = InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])
        if ctx is not None:
            details["ctx"] = ctx
        found.append(details)
    return found
