"""Audience policies across campaigns (PRODUCT.md section 11): a pure core.

``with_policies`` checks a plan's campaigns to create against the opt-out lists, the
frequency cap, the messaging limit and the quiet hours, counting what the state recorded;
the shell (``reconciler.commands.policy_inputs``) reads the lists and the bodies.
"""

from reconciler.policies.audience import recipients_per_day
from reconciler.policies.check import PolicyInputs, with_policies
from reconciler.policies.resolved import PolicySettings
from reconciler.policies.suppression import SuppressionList

__all__ = [
    "PolicyInputs",
    "PolicySettings",
    "SuppressionList",
    "recipients_per_day",
    "with_policies",
]
