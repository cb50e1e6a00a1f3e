"""Field-level rules of PRODUCT section 4, as pydantic validators with a message and a hint.

Each rule raises ``rule_error(message, hint)``; ``reconciler.models.problems`` turns it
into a ``FieldProblem`` without rewording it. ``subpath`` points below the validated
value (an index in a list, a sibling field) when the rule is about a part of it.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from reconciler import phones

RULE = "reconciler_rule"
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[str, ...] = get_args(Day)

TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def rule_error(
    message: str, hint: str = "", subpath: Sequence[str | int] = ()
) -> PydanticCustomError:
    """A validation error that keeps our own message and hint."""
    return PydanticCustomError(RULE, message, {"hint": hint, "subpath": tuple(subpath)})


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice nearest to ``word`` (for "did you mean …?" hints), if any is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def not_blank(value: str) -> str:
    """Text that is more than whitespace."""
    if not value.strip():
        raise rule_error(
            "must not be empty", "write some text, or remove the key if it is optional"
        )
    return value


def check_start_at(value: str) -> str:
    """ISO 8601 date and time with a UTC offset; kept as written."""
    parse_start_at(value)
    return value


def parse_start_at(value: str) -> datetime:
    """``start_at`` as an aware datetime, or the rule's error."""
    example = "2027-10-28T10:00:00+05:30"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise rule_error(
            f"'{value}' is not an ISO 8601 date and time",
            f"write it like {example} (date, 'T', time, UTC offset)",
        ) from None
    if "T" not in value.upper() and " " not in value:
        raise rule_error(
            f"'{value}' has a date but no time",
            f"write the date and the time with an offset, like {example}",
        )
    if moment.tzinfo is None:
        raise rule_error(
            f"'{value}' has no UTC offset, so the moment it names is ambiguous",
            f"add the offset of the campaign's time zone, like {example} (or Z for UTC)",
        )
    return moment


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str) -> str:
    """An IANA time zone name such as ``Asia/Kolkata``."""
    if value in _zones():
        return value
    # Only names shaped like Area/City get a suggestion: "IST" is not "MST".
    suggestion = closest(value, sorted(_zones())) if "/" in value else None
    hint = (
        f"did you mean {suggestion}?"
        if suggestion
        else "use an IANA zone name such as Asia/Kolkata (abbreviations like IST are ambiguous)"
    )
    raise rule_error(f"'{value}' is not an IANA time zone", hint)


def check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host and no spaces."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise rule_error(
            f"'{value}' is not an http(s) URL",
            "write an absolute URL that starts with https:// (WhatsApp fetches it)",
        )
    return value


def check_template_name(value: str) -> str:
    """A WhatsApp template name: lowercase letters, digits, underscores, ≤ 512."""
    if TEMPLATE_NAME.fullmatch(value):
        return value
    if len(value) > 512:
        raise rule_error("template name is longer than 512 characters", "use the approved name")
    suggestion = re.sub(r"[^a-z0-9_]+", "_", value.strip().lower()).strip("_")
    hint = "WhatsApp template names have only lowercase letters, digits and underscores"
    if suggestion and suggestion != value:
        hint += f"; did you mean {suggestion}?"
    raise rule_error(f"'{value}' is not a WhatsApp template name", hint)


def check_language_code(value: str) -> str:
    """``en`` or ``en_US``: ISO 639 language, optionally ``_`` and a region."""
    if LANGUAGE_CODE.fullmatch(value):
        return value
    fixed = value.replace("-", "_")
    if "_" in fixed:
        lang, _, region = fixed.partition("_")
        fixed = f"{lang.lower()}_{region.upper()}"
    else:
        fixed = fixed.lower()
    hint = "write a WhatsApp language code such as en or en_US (underscore, region upper case)"
    if fixed != value and LANGUAGE_CODE.fullmatch(fixed):
        hint = f"did you mean {fixed}? WhatsApp codes use an underscore and an upper-case region"
    raise rule_error(f"'{value}' is not a WhatsApp language code", hint)


def check_sender_number(value: str) -> str:
    """A sender number (the business's own, shown unmasked), normalised to E.164."""
    try:
        return phones.normalize(value)
    except ValueError as exc:
        raise rule_error(
            f"sender number '{value}' {exc}",
            f"write a real WhatsApp business number in E.164, like {phones.E164_EXAMPLE}",
        ) from None


def check_key(value: str) -> str:
    """A campaign key: non-empty, no surrounding spaces, no control characters."""
    if not value or value.strip() != value or _CONTROL.search(value):
        raise rule_error(
            f"'{value}' is not a usable key",
            "use letters, digits, '-', '_', '.' or '/', without surrounding spaces",
        )
    return value


def check_unique(values: list[str], what: str) -> list[str]:
    """Refuse a value listed twice; the error points at the second one."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            raise rule_error(
                f"{what} '{value}' is listed twice (items {first[value]} and {index})",
                "remove the duplicate",
                subpath=(index,),
            )
        first[value] = index
    return values


def _unique(what: str) -> AfterValidator:
    """``check_unique`` of a list whose items are each ``what``."""
    return AfterValidator(lambda values: check_unique(values, what))


Text = Annotated[str, AfterValidator(not_blank)]
StartAt = Annotated[str, AfterValidator(check_start_at)]
TimeZone = Annotated[str, AfterValidator(check_time_zone)]
HttpUrl = Annotated[str, AfterValidator(check_http_url)]
TemplateName = Annotated[str, AfterValidator(check_template_name)]
LanguageCode = Annotated[str, AfterValidator(check_language_code)]
SenderNumber = Annotated[str, AfterValidator(check_sender_number)]
Key = Annotated[str, AfterValidator(check_key)]
Days = Annotated[list[Day], Field(min_length=1), _unique("day")]
SenderNumbers = Annotated[list[SenderNumber], Field(min_length=1), _unique("sender number")]
PreviousKeys = Annotated[list[Key], _unique("previous key")]
