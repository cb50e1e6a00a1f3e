"""The template catalogue (Meta's ``message_templates`` export) as plain values, and its reading.

``parse_catalog`` turns the export's data (``{"data": [...]}``) into a ``Catalog``, or
the problems of a bad export at their paths. Each template's placeholders are found
once here, so checking a campaign against it is a few dict lookups
(``reconciler.models.template_checks``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.models.problems import FieldProblem, Path, kind

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
COMPONENTS = ("HEADER", "BODY", "FOOTER", "BUTTONS")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
_CODE_BUTTONS = ("COPY_CODE", "OTP")


@dataclass(frozen=True)
class Template:
    """One template in one language: its status, texts and placeholders per params group.

    ``slots`` maps ``header_params``/``body_params``/``button_params`` to the placeholder
    names that group fills, in order (``("1", "2")`` or ``("first_name",)``).
    """

    name: str
    language: str
    status: str
    category: str
    header_format: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)  # HEADER, BODY, FOOTER text
    buttons: tuple[str, ...] = ()  # each button's text (URL buttons: and its url)
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    """Every template of an export, by (name, language); ``file``: where it was read."""

    file: str
    templates: Mapping[tuple[str, str], Template]
    languages: Mapping[str, tuple[str, ...]]  # name -> the languages it has

    @property
    def empty(self) -> bool:
        return not self.templates


def placeholders(text: str) -> tuple[str, ...]:
    """The distinct placeholders of ``text`` in order of first appearance."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(text)))


def parse_catalog(file: str, data: Any) -> tuple[Catalog | None, list[FieldProblem]]:
    """The catalogue of an export's data, or None and every problem (paths into the data)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        hint = "export GET /<WABA_ID>/message_templates: a mapping with data: [templates]"
        return None, [FieldProblem((), "a catalogue is a mapping with a list 'data'", hint)]
    problems: list[FieldProblem] = []
    templates: dict[tuple[str, str], Template] = {}
    first: dict[tuple[str, str], int] = {}
    for index, item in enumerate(data["data"]):
        template = _template(item, ("data", index), problems)
        if template is None:
            continue
        at = (template.name, template.language)
        if at in first:  # the last would win silently, whatever the first's status
            problems.append(_twice(at, first[at], index))
        first.setdefault(at, index)
        templates[at] = template
    if problems:
        return None, problems
    languages: dict[str, list[str]] = {}
    for name, language in templates:
        languages.setdefault(name, []).append(language)
    langs = {name: tuple(sorted(found)) for name, found in languages.items()}
    return Catalog(file, templates, langs), []


def _twice(at: tuple[str, str], first: int, index: int) -> FieldProblem:
    name, language = at
    message = f"template {name!r} ({language}) is listed twice (data[{first}] and data[{index}])"
    hint = "export the catalogue again as one list, or remove one of the two"
    return FieldProblem(("data", index, "name"), message, hint)


def _template(item: Any, at: Path, problems: list[FieldProblem]) -> Template | None:
    if not isinstance(item, Mapping):
        problems.append(FieldProblem(at, f"a template must be a mapping, got {kind(item)}"))
        return None
    found = len(problems)
    texts = {key: _text(item, key, at, problems) for key in ("name", "language", "status")}
    components = item.get("components")
    if not isinstance(components, list) or not components:
        hint = "export with fields=name,language,status,category,components"
        problems.append(FieldProblem((*at, "components"), "a template needs components", hint))
        return None
    parts = [_component(c, (*at, "components", i), problems) for i, c in enumerate(components)]
    if len(problems) > found:
        return None
    by_type = {part["type"]: part for part in parts if part is not None}
    return _built(texts, str(item.get("category") or "MARKETING").upper(), by_type)


def _text(item: Mapping[str, Any], key: str, at: Path, problems: list[FieldProblem]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        problems.append(FieldProblem((*at, key), f"a template needs '{key}' as text"))
        return ""
    return value


def _component(comp: Any, at: Path, problems: list[FieldProblem]) -> dict[str, Any] | None:
    kind_ = comp.get("type") if isinstance(comp, Mapping) else None
    if kind_ not in COMPONENTS:
        hint = f"one of {', '.join(COMPONENTS)}"
        problems.append(FieldProblem((*at, "type"), "a component needs a known type", hint))
        return None
    assert isinstance(comp, Mapping)
    buttons = comp.get("buttons", [])
    if kind_ == "BUTTONS" and not (
        isinstance(buttons, list) and all(isinstance(b, Mapping) for b in buttons)
    ):
        problems.append(FieldProblem((*at, "buttons"), "buttons must be a list of mappings"))
        return None
    text = comp.get("text", "")
    if not isinstance(text, str):
        problems.append(FieldProblem((*at, "text"), f"text must be text, got {kind(text)}"))
        return None
    return dict(comp)


def _built(texts: Mapping[str, str], category: str, by_type: Mapping[str, Any]) -> Template:
    header = by_type.get("HEADER", {})
    header_format = str(header.get("format", "TEXT")).upper() if header else None
    shown = {key: str(by_type[key].get("text", "")) for key in COMPONENTS[:3] if key in by_type}
    buttons = by_type.get("BUTTONS", {}).get("buttons", [])
    button_slots: list[str] = []
    for button in buttons:
        if button.get("type") == "URL":
            button_slots.extend(placeholders(str(button.get("url", ""))))
        elif button.get("type") in _CODE_BUTTONS:
            button_slots.append(str(len(button_slots) + 1))
    slots = {
        "header_params": placeholders(shown.get("HEADER", "")) if header_format == "TEXT" else (),
        "body_params": placeholders(shown.get("BODY", "")),
        "button_params": tuple(button_slots),
    }
    return Template(
        texts["name"],
        texts["language"],
        texts["status"].upper(),
        category,
        header_format,
        shown,
        tuple(_button_text(b) for b in buttons),
        slots,
    )


def _button_text(button: Mapping[str, Any]) -> str:
    text = f"[{button.get('text', button.get('type', ''))}]"
    return f"{text} {button['url']}" if button.get("url") else text


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of a catalogue file (schemas/catalog.schema.json): what is read."""
    component = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": list(COMPONENTS)},
            "format": {"type": "string", "description": "HEADER: TEXT, IMAGE, VIDEO, DOCUMENT."},
            "text": {"type": "string", "description": "With {{1}} or {{name}} placeholders."},
            "buttons": {"type": "array", "items": {"type": "object"}},
        },
    }
    template = {
        "type": "object",
        "required": ["name", "language", "status", "components"],
        "properties": {
            **{key: {"type": "string", "minLength": 1} for key in ("name", "language", "status")},
            "category": {"type": "string"},
            "components": {"type": "array", "minItems": 1, "items": component},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:reconciler:schemas:catalog",
        "title": "template catalogue (Meta's message_templates export)",
        "description": "GET /<WABA_ID>/message_templates as answered; other keys are ignored.",
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "array", "items": template}},
    }
