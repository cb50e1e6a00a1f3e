"""JSON Schemas of ``schemas/``, generated from the models so they never drift.

``SCHEMAS`` maps a file name to a function that builds its schema; other modules may
add to it. Output is stable: sorted keys, 2-space indent, a trailing newline, so that
``reconciler schema --check`` can compare bytes.

The campaign schema is for editors (``# yaml-language-server: $schema=…``) checking a
``*.yaml`` spec as written, before Jinja runs. A value that is exactly one
``{{ expression }}`` keeps the expression's type after rendering, so wherever the body
wants something other than free text (a number, a list, a mapping, an enum, a pattern),
the schema also accepts a string containing ``{{``; see docs/validation-rules.md.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.models.catalog import catalog_schema
from reconciler.models.rate_card import rate_card_schema
from reconciler.output.diagnostic_formats import diagnostics_schema
from reconciler.output.plan_schema import plan_schema
from reconciler.output.show_schema import show_schema

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TEMPLATED = {
    "type": "string",
    "pattern": r"\{\{",
    "description": "A Jinja expression, e.g. '{{ vars.assistant_id }}'; it keeps its type.",
}
_TEMPLATED_REF = {"$ref": "#/$defs/Templated"}

Schema = dict[str, Any]


def campaign_schema() -> Schema:
    """The schema of one campaign spec document (``campaigns/**/*.yaml``)."""
    from reconciler.models import CampaignSpec

    schema = CampaignSpec.model_json_schema(mode="validation")
    _strip_titles(schema)
    defs = schema.setdefault("$defs", {})
    _add_rule_keywords(schema)
    _add_csv_alternative(defs["Touchpoint"])
    for name, definition in list(defs.items()):
        defs[name] = _templatable_parts(definition)
    schema = _templatable_parts(schema)
    # Read before any Jinja runs (a campaign left out of an environment is not rendered).
    environments = schema["properties"]["environments"]
    environments["anyOf"] = [s for s in environments["anyOf"] if s != _TEMPLATED_REF]
    schema["$defs"]["Templated"] = TEMPLATED
    return _document(
        schema,
        "urn:reconciler:schemas:campaign",
        "reconciler campaign spec",
        "One campaign: the ContactSwing create body plus key, previous_keys and environments. "
        "Values may be Jinja; rules that need rendered values are checked by "
        "`reconciler validate`.",
    )


def project_schema() -> Schema:
    """The schema of ``reconciler.yaml``, from the project file model."""
    from reconciler.projectfile import ProjectFile  # imported lazily: pydantic

    schema = ProjectFile.model_json_schema(mode="validation")
    _strip_titles(schema)
    return _document(
        schema,
        "urn:reconciler:schemas:project",
        "reconciler project file (reconciler.yaml)",
        "Environments and their settings; ${VAR} is expanded from the OS environment.",
    )


SCHEMAS: dict[str, Callable[[], Schema]] = {
    "campaign.schema.json": campaign_schema,
    "project.schema.json": project_schema,
    "plan.schema.json": plan_schema,
    "catalog.schema.json": catalog_schema,
    "diagnostics.schema.json": diagnostics_schema,
    "rate-card.schema.json": rate_card_schema,
    "show.schema.json": show_schema,
}


def render(schema: Schema) -> str:
    """A schema as stable text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    """Every registered schema: file name -> text, by name."""
    return {name: render(SCHEMAS[name]()) for name in sorted(SCHEMAS)}


def out_of_date(directory: Path) -> list[str]:
    """Names of the schema files in ``directory`` that are missing or differ."""
    return list(_stale(directory))


def write_all(directory: Path) -> list[str]:
    """Write every schema that differs into ``directory``; returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (stale := _stale(directory)).items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    return list(stale)


def _stale(directory: Path) -> dict[str, str]:
    """The schemas whose file in ``directory`` is missing or differs: name -> text."""
    return {
        name: text
        for name, text in render_all().items()
        if not (path := directory / name).is_file() or path.read_text(encoding="utf-8") != text
    }


def _document(schema: Schema, schema_id: str, title: str, description: str) -> Schema:
    schema.update(
        {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": schema_id,
            "title": title,
            "description": description,
        }
    )
    return schema


def _strip_titles(node: Any) -> None:
    """Drop the titles pydantic derives from field names; descriptions say more."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for value in properties.values():
                if isinstance(value, dict):
                    value.pop("title", None)
        for value in node.values():
            _strip_titles(value)
    elif isinstance(node, list):
        for value in node:
            _strip_titles(value)


# reconciler reads a plain "+447911123456" or "00123" as the text written, where editors
# (YAML 1.2 core schema) read a number; these text fields accept both in the editor.
_READ_AS_TEXT = {"type": ["string", "integer"]}


def _rule_keywords() -> dict[tuple[str, str], Schema]:
    """Rules checked by validators that JSON Schema can also express, for editors.

    Keys are (definition, property); definition "" is the document itself.
    """
    from reconciler.models import fields
    from reconciler.phones import WRITTEN_NUMBER

    number = {"pattern": f"^{WRITTEN_NUMBER.pattern}$", **_READ_AS_TEXT}
    return {
        ("WhatsAppData", "template"): {"pattern": f"^{fields.TEMPLATE_NAME.pattern}$"},
        ("WhatsAppData", "language_code"): {"pattern": f"^{fields.LANGUAGE_CODE.pattern}$"},
        ("AdditionalSettings", "execution_days"): {"uniqueItems": True},
        ("AdditionalSettings", "from_numbers"): {"uniqueItems": True, "items": number},
        ("Recipient", "to_number"): number,
        ("Recipient", "id"): _READ_AS_TEXT,
        ("", "workspace_id"): _READ_AS_TEXT,
        ("", "company_plan_id"): _READ_AS_TEXT,
        ("Touchpoint", "attachment_url"): {"pattern": "^https?://"},
    }


def _add_rule_keywords(schema: Schema) -> None:
    for (definition, prop), extra in _rule_keywords().items():
        owner = schema["$defs"][definition] if definition else schema
        target = owner["properties"][prop]
        options = target.get("anyOf", [target])
        branch = next(o for o in options if o.get("type") != "null")
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(branch.get(key), dict):
                branch[key].update(value)
            else:
                branch[key] = value


def _add_csv_alternative(touchpoint: Schema) -> None:
    """A spec file may give recipients inline or as a CSV path, exactly one of them."""
    touchpoint["properties"]["customer_details_csv"] = {
        "type": "string",
        "pattern": r"\.csv$",
        "description": "Recipients as a CSV file (columns id,to_number), project-relative.",
    }
    touchpoint["required"] = [r for r in touchpoint["required"] if r != "customer_details"]
    touchpoint["oneOf"] = [
        {"required": ["customer_details"]},
        {"required": ["customer_details_csv"]},
    ]


_CONSTRAINTS = frozenset({"pattern", "enum", "const", "format"})


def _is_free_text(node: Schema) -> bool:
    return node.get("type") in ("string", ["string", "integer"]) and not _CONSTRAINTS & set(node)


def _templatable_parts(node: Schema) -> Schema:
    """``node`` (a mapping's schema) whose properties and items also accept templates."""
    node = copy.deepcopy(node)
    if isinstance(node.get("properties"), dict):
        node["properties"] = {k: _allow_templates(v) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        node["items"] = _allow_templates(node["items"])
    return node


def _allow_templates(node: Schema) -> Schema:
    """The schema of a value that may also be written as one ``{{ expression }}``."""
    if isinstance(node.get("anyOf"), list):
        options = [_templatable_parts(v) for v in node["anyOf"] if v != _TEMPLATED_REF]
        if not all(_is_free_text(v) or v.get("type") == "null" for v in options):
            options.append(_TEMPLATED_REF)
        return {**node, "anyOf": options}
    node = _templatable_parts(node)
    if _is_free_text(node) or not {"type", "$ref", "enum", "const"} & set(node):
        return node
    annotations: Schema = {k: node.pop(k) for k in ("description", "default") if k in node}
    return {"anyOf": [node, _TEMPLATED_REF], **annotations}
