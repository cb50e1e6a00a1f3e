"""The message a campaign sends, as a reviewer reads it (PRODUCT section 10): pure.

The catalogue's texts with static params filled in and dynamic ones (``is_static:
false``) shown by name, ``{first_name}``; WhatsApp's own formatting (``*bold*``,
``_italic_``) is left as written. A media header is shown as ``[image]``, buttons as
``[text]``; a plain ``whatsapp_body`` is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.models.catalog import Catalog, Template
from reconciler.models.params import params_of, whatsapp_data
from reconciler.models.template_checks import filled, template_of


def message_preview(body: Mapping[str, Any], catalog: Catalog) -> str | None:
    """The preview of an API body's message; None when the catalogue lacks its template."""
    wa = whatsapp_data(body)
    if wa is None:
        return None
    if wa.get("template") is None and isinstance(wa.get("whatsapp_body"), str):
        return str(wa["whatsapp_body"])  # a plain message: shown as written
    template = template_of(wa, catalog)
    if template is None:
        return None
    lines = []
    if template.header_format == "TEXT":
        lines.append(_filled(template.texts.get("HEADER", ""), template, wa, "header_params"))
    elif template.header_format is not None:
        lines.append(f"[{template.header_format.lower()}]")
    lines.append(_filled(template.texts.get("BODY", ""), template, wa, "body_params"))
    if template.texts.get("FOOTER"):
        lines.append(template.texts["FOOTER"])
    if template.buttons:
        buttons = " ".join(template.buttons)
        lines.append(_filled(buttons, template, wa, "button_params"))
    return "\n".join(line for line in lines if line)


def _filled(text: str, template: Template, wa: Mapping[str, Any], group: str) -> str:
    params = wa.get(group)
    dynamic = isinstance(params, Mapping) and params.get("is_static") is False
    return filled(text, template.slots.get(group, ()), params_of(params), dynamic)
