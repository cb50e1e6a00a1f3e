"""Pydantic models of the ContactSwing API body and every rule of PRODUCT section 4.

Public surface: ``validate_spec``, ``api_body``, ``start_at_datetime``, ``FieldProblem``
and the models. The rules users meet are in docs/validation-rules.md.
"""

from reconciler.models.body import (
    SPEC_ONLY_KEYS,
    AdditionalSettings,
    CampaignBody,
    CampaignSpec,
    Recipient,
    TemplateParams,
    Touchpoint,
    WhatsAppData,
)
from reconciler.models.problems import FieldProblem, format_path
from reconciler.models.validate import api_body, start_at_datetime, validate_spec

__all__ = [
    "SPEC_ONLY_KEYS",
    "AdditionalSettings",
    "CampaignBody",
    "CampaignSpec",
    "FieldProblem",
    "Recipient",
    "TemplateParams",
    "Touchpoint",
    "WhatsAppData",
    "api_body",
    "format_path",
    "start_at_datetime",
    "validate_spec",
]
