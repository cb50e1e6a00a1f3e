"""Pydantic models of the ContactSwing API body and every rule of PRODUCT section 4.

Public surface: ``validate_spec``, ``api_body``, ``FieldProblem`` and ``CampaignSpec``.
The rules users meet are in docs/validation-rules.md.
"""

from reconciler.models.body import SPEC_ONLY_KEYS, CampaignSpec
from reconciler.models.problems import FieldProblem
from reconciler.models.validate import api_body, validate_spec

__all__ = [
    "SPEC_ONLY_KEYS",
    "CampaignSpec",
    "FieldProblem",
    "api_body",
    "validate_spec",
]
