"""What the JSON Schemas of reconciler's own documents share (plan, show, diagnostics).

Standard library only: ``--diagnostics`` imports it without the models.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def typed(kind: str | list[str], description: str = "", **keywords: Any) -> dict[str, Any]:
    """A property of JSON type ``kind``, described when ``description`` says something."""
    return {"type": kind, **keywords, **({"description": description} if description else {})}


def nullable(kind: str, description: str = "", **keywords: Any) -> dict[str, Any]:
    return typed([kind, "null"], description, **keywords)


def versioned(
    title: str, description: str, required: list[str], properties: dict[str, Any]
) -> dict[str, Any]:
    """A document of format_version 1 whose fields may be added to, never changed (as
    its description says after ``description``)."""
    return {
        "$schema": DIALECT,
        "title": title,
        "description": f"{description} Fields may be added within a format_version; "
        "none is renamed or removed.",
        "type": "object",
        "required": ["format_version", *required],
        "additionalProperties": True,
        "properties": {"format_version": {"const": 1}, **properties},
    }
