"""Reading the ``catalog:`` file of an environment (Meta's ``message_templates`` export).

JSON or YAML of the same shape. A bad file is a ``ValidationFailed`` with its file and
line; an empty one is a warning (every template would otherwise be "unknown").
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.config import Project
from reconciler.errors import Diagnostic, Severity, SourceLocation, ValidationFailed
from reconciler.models.catalog import Catalog, parse_catalog
from reconciler.specs.render import resolve_inside
from reconciler.specs.yamlio import YamlError, decode_utf8, load_documents


def read_catalog(project: Project, env: str) -> tuple[Catalog | None, list[Diagnostic]]:
    """The environment's catalogue (None when it sets none) and its warnings."""
    setting = project.in_force(env, "catalog")
    if setting is None:
        return None, []
    at, rel = setting
    path = resolve_inside(project.root, rel)
    if path is None or not path.is_file():
        hint = (
            "a project-relative path to the message_templates export (docs/templates-and-cost.md)"
        )
        message = f"catalogue file {rel!r} not found inside the project"
        raise ValidationFailed([project.problem_at(at, message, hint)])
    raw = path.read_bytes()
    data, line_of = _parsed(rel, raw)
    catalog, problems = parse_catalog(rel, data)
    if catalog is None:
        raise ValidationFailed([p.at(SourceLocation(rel, line_of(p.path))) for p in problems])
    if catalog.empty:
        hint = "export the templates again; with none, no template is checked"
        where = SourceLocation(rel, 1)
        message = "the catalogue has no templates"
        return catalog, [Diagnostic(where, message, "data", hint, Severity.WARNING)]
    return catalog, []


def catalog_digest(project: Project, env: str) -> str:
    """SHA-256 of the catalogue's bytes ("" without one): part of the validation cache key."""
    setting = project.in_force(env, "catalog")
    path = None if setting is None else resolve_inside(project.root, setting[1])
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parsed(rel: str, raw: bytes) -> tuple[Any, Any]:
    """The file's data and a function from a path in it to its line."""
    try:
        text = decode_utf8(raw)
        if rel.endswith(".json"):
            json.loads(text)  # JSON's own errors, with their line
        docs = load_documents(text)
    except YamlError as exc:
        raise _invalid(rel, exc.line, exc.message, exc.hint) from None
    except json.JSONDecodeError as exc:
        raise _invalid(rel, exc.lineno, f"invalid JSON: {exc.msg}", "") from None
    if len(docs) != 1:
        raise _invalid(rel, 1, "a catalogue is one document", "export one message_templates answer")
    return docs[0].data, docs[0].marks.line_of


def _invalid(rel: str, line: int | None, message: str, hint: str) -> ValidationFailed:
    return ValidationFailed([Diagnostic(SourceLocation(rel, line), message, hint=hint)])
