"""Reading the ``rate_card:`` file of an environment (CSV, PRODUCT section 10).

Read with the project's CSV reader (``reconciler.specs.audiences``); a bad card is a
``ValidationFailed`` with its file and every bad line, and so is ``max_cost`` without a
card (it would be a cap on nothing).
"""

from __future__ import annotations

from decimal import Decimal

from reconciler.config import Project
from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.models.rate_card import RateCard, parse_rate_card
from reconciler.specs.audiences import AudienceError, csv_records, read_csv_file

DOCS = "docs/templates-and-cost.md"
EXACT_DIGITS = 15  # a float written with at most 15 significant digits reads back as written


def read_rate_card(project: Project, env: str) -> RateCard | None:
    """The environment's rate card, None when it sets none (ValidationFailed if bad)."""
    setting = project.in_force(env, "rate_card")
    _check_max_cost(project, env, with_card=setting is not None)
    if setting is None:
        return None
    at, rel = setting
    try:
        shown, _, text = read_csv_file(project.root, rel)
        records = csv_records(text, shown)
    except AudienceError as exc:
        hint = exc.hint or f"the rate card is CSV ({DOCS})"
        message = f"rate card: {exc.message}"
        problem = Diagnostic(SourceLocation(exc.file, exc.line), message, "", hint)
        if exc.line is None:  # the file itself is missing or outside: say where it is named
            problem = project.problem_at(at, message, hint)
        raise ValidationFailed([problem]) from None
    card, problems = parse_rate_card(shown, records)
    if card is None:
        raise ValidationFailed([p.at(shown) for p in problems])
    return card


def _check_max_cost(project: Project, env: str, *, with_card: bool) -> None:
    """A ``max_cost`` needs a card to cap a cost, and is refused with more significant
    digits than a YAML number keeps (15): the cap checked would not be the one written
    (``12345678901234567.89``)."""
    cap = project.settings(env).max_cost
    if cap is not None and not with_card:
        message = "max_cost needs a rate card: there is no cost to cap without one"
        hint = f"set rate_card: to a CSV of prices ({DOCS}), or remove max_cost"
    elif isinstance(cap, float) and len(Decimal(repr(cap)).as_tuple().digits) > EXACT_DIGITS:
        message = f"more than {EXACT_DIGITS} significant digits: "
        message += "the cap would not be the one written"
        hint = "round it to the currency's minor unit (e.g. 25000.50)"
    else:
        return
    raise ValidationFailed([project.problem_at(("environments", env, "max_cost"), message, hint)])
