"""The one-line summary of the audience policies' findings, for the text and markdown plans."""

from __future__ import annotations

from collections import Counter

from reconciler.plan import Plan
from reconciler.words import count


def policy_summary(plan: Plan) -> str | None:
    """ "Audience policies: 2 errors, 1 warning (frequency_cap 2, suppression 1); 4
    opted-out recipients dropped", or None when no policy found anything."""
    if not plan.policies:
        return None
    errors = sum(f.is_error for f in plan.policies)
    per_policy = Counter(f.policy for f in plan.policies)
    each = ", ".join(f"{name} {n}" for name, n in sorted(per_policy.items()))
    line = f"Audience policies: {count(errors, 'error')}, "
    line += f"{count(len(plan.policies) - errors, 'warning')} ({each})"
    dropped = sum(a.desired.recipients for a in plan.creates if a.unsuppressed and a.desired)
    before = sum(a.unsuppressed.recipients for a in plan.creates if a.unsuppressed)
    if before:
        line += f"; {count(before - dropped, 'opted-out recipient')} dropped"
    return line
