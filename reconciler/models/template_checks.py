"""A campaign's template against the catalogue (PRODUCT section 10): pure, a few lookups each.

The template exists in the campaign's ``language_code``, is ``APPROVED``, and each of
``header_params``, ``body_params``, ``button_params`` fills exactly its component's
placeholders (positional ``{{1}}`` by count, named ``{{first_name}}`` by
``parameter_name``); a media header has a param of its format or ``attachment_url``;
a text header stays within 60 characters and a body within 1,024 once filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.models.catalog import MEDIA_FORMATS, PLACEHOLDER, Catalog, Template
from reconciler.models.fields import closest
from reconciler.models.params import PARAM_GROUPS, params_of
from reconciler.models.problems import FieldProblem, Path
from reconciler.words import a, count

WA: Path = ("touchpoint", "whatsapp_data")
LIMITS = {"HEADER": 60, "BODY": 1024}
_COMPONENT = {"header_params": "header", "body_params": "body", "button_params": "buttons"}


def check_template(touchpoint: Mapping[str, Any], catalog: Catalog) -> list[FieldProblem]:
    """Every problem of ``touchpoint``'s template use; none without a template or catalogue."""
    wa = touchpoint.get("whatsapp_data")
    if catalog.empty or not isinstance(wa, Mapping):
        return []
    name, language = wa.get("template"), wa.get("language_code")
    if not isinstance(name, str) or not isinstance(language, str):
        return []
    template = catalog.templates.get((name, language))
    if template is None:
        return [_missing(name, language, catalog)]
    problems = _status(template)
    for group in PARAM_GROUPS:
        problems += _group(template, group, params_of(wa.get(group)))
    if template.header_format in MEDIA_FORMATS:
        problems += _media_header(template, wa, touchpoint.get("attachment_url"))
    return problems + _lengths(template, wa)


def template_of(wa: Mapping[str, Any], catalog: Catalog) -> Template | None:
    """The catalogue's template for a message (``whatsapp_data``), if it has the one named."""
    return catalog.templates.get((str(wa.get("template")), str(wa.get("language_code"))))


def param_text(item: Any) -> str | None:
    """The text a param puts in the message (a currency or date: its fallback), or None."""
    if not isinstance(item, Mapping):
        return None
    kind_ = item.get("type")
    if kind_ in ("currency", "date_time"):
        inner = item.get(kind_)
        value = inner.get("fallback_value") if isinstance(inner, Mapping) else None
    else:
        value = item.get("text")
    return None if value is None else str(value)


def filled(text: str, slots: Sequence[str], params: Sequence[Any], dynamic: bool = False) -> str:
    """``text`` with each placeholder replaced by its param's text (as written).

    ``dynamic``: the params are filled per recipient, so each is shown by name instead.
    """
    values: dict[str, str] = {}
    for index, item in enumerate(params):
        named = item.get("parameter_name") if isinstance(item, Mapping) else None
        slot = str(named) if named is not None else (slots[index] if index < len(slots) else "")
        value = param_text(item)
        if value is not None:
            values[slot] = f"{{{named or value}}}" if dynamic else value
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _missing(name: str, language: str, catalog: Catalog) -> FieldProblem:
    has = catalog.languages.get(name)
    if has is None:
        guess = closest(name, list(catalog.languages))
        hint = f"did you mean {guess}?" if guess else f"templates in {catalog.file}"
        return FieldProblem((*WA, "template"), f"template {name!r} is not in the catalogue", hint)
    guess = closest(language, has)
    hint = f"it has {', '.join(has)}" + (f"; did you mean {guess}?" if guess else "")
    message = f"template {name!r} has no language {language!r} in the catalogue"
    return FieldProblem((*WA, "language_code"), message, hint)


def _status(template: Template) -> list[FieldProblem]:
    if template.status == "APPROVED":
        return []
    message = f"template {template.name!r} ({template.language}) is {template.status}"
    hint = "only an APPROVED template is delivered; pick another or wait for approval"
    return [FieldProblem((*WA, "template"), message, hint)]


def _group(template: Template, group: str, params: list[Any]) -> list[FieldProblem]:
    if group == "header_params" and template.header_format != "TEXT":
        return []  # a media header's param is checked against its format
    slots = template.slots.get(group, ())
    at: Path = (*WA, group, "params") if params else (*WA, group)
    if slots and not all(slot.isdigit() for slot in slots):
        return _named(template, group, slots, params, at)
    if len(params) == len(slots):
        return []
    message = (
        f"{group} has {count(len(params), 'param')}; the {_COMPONENT[group]} of template "
        f"{template.name!r} has {count(len(slots), 'placeholder')}"
    )
    hint = f"give one param per placeholder ({', '.join('{{' + s + '}}' for s in slots) or 'none'})"
    return [FieldProblem(at, message, hint)]


def _named(
    template: Template, group: str, slots: Sequence[str], params: list[Any], at: Path
) -> list[FieldProblem]:
    names = [_name_of(p) for p in params]
    given = [name for name in names if name is not None]
    missing = [slot for slot in slots if slot not in given]
    extra = [name for name in given if name not in slots]
    unnamed = [_unnamed(template, group, index, missing) for index, name in enumerate(names)
               if name is None]  # fmt: skip
    if not missing and not extra and len(names) == len(slots):
        return []
    if unnamed and not extra and len(missing) == len(unnamed):
        return unnamed  # each param without a name is the one missing placeholder's
    message = f"{group} do not match the named placeholders of template {template.name!r}"
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"unknown {', '.join(extra)}"] if extra else []
    hint = "; ".join(parts) or "give each named placeholder one param"
    return [*unnamed, FieldProblem(at, message, f"{hint} (each param names its parameter_name)")]


def _name_of(param: Any) -> str | None:
    """A param's ``parameter_name`` as text; None when it gives none."""
    name = param.get("parameter_name") if isinstance(param, Mapping) else None
    return None if name is None or name == "" else str(name)


def _unnamed(template: Template, group: str, index: int, missing: list[str]) -> FieldProblem:
    message = (
        f"{group} param {index + 1} has no parameter_name: the placeholders of template "
        f"{template.name!r} are named"
    )
    names = f"one of {', '.join(missing)}" if len(missing) > 1 else ", ".join(missing)
    hint = (
        f"add parameter_name: {names}" if missing else "each placeholder has its param: remove it"
    )
    return FieldProblem((*WA, group, "params", index), message, hint)


def _media_header(template: Template, wa: Mapping[str, Any], url: Any) -> list[FieldProblem]:
    params = params_of(wa.get("header_params"))
    want = str(template.header_format).lower()
    if not params and url:
        return []
    if len(params) == 1 and isinstance(params[0], Mapping) and params[0].get("type") == want:
        return []
    at: Path = (*WA, "header_params", "params") if params else (*WA, "header_params")
    message = f"the header of template {template.name!r} is {a(want)}"
    hint = f"give header_params one param of type {want}, or set touchpoint.attachment_url"
    return [FieldProblem(at, message, hint)]


def _lengths(template: Template, wa: Mapping[str, Any]) -> list[FieldProblem]:
    problems = []
    for component, group in (("HEADER", "header_params"), ("BODY", "body_params")):
        text = template.texts.get(component)
        if text is None or (component == "HEADER" and template.header_format != "TEXT"):
            continue
        size = len(filled(text, template.slots.get(group, ()), params_of(wa.get(group))))
        if size > LIMITS[component]:
            message = f"the {component.lower()} is {size} characters once filled in"
            hint = f"WhatsApp allows {LIMITS[component]}; shorten the params"
            problems.append(FieldProblem((*WA, group), message, hint))
    return problems
