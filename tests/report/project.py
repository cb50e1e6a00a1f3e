"""A project for the report tests: three environments in promotion order, dev on the
sandbox, names that must be escaped, and phone numbers of recipients and a sender."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.projects import environment, make_project, project_file, spec

SENDER = "+919800000001"
RECIPIENTS = ("+919812345601", "+919812345602", "+447911123456")
NAME_NUMBER = "+44 7911 123457"  # a number written into a campaign's name
START = "2027-01-04T10:00:00+05:30"  # a Monday
FIRST = "2027-01-04"

_VARS = '{workspace_id: ws-1, assistant_id: 11, from_numbers: ["' + SENDER + '"]}'
FILE = project_file(
    environment("dev", state=".reconciler/dev.sqlite", vars=_VARS),
    environment("staging", state=".reconciler/staging.sqlite", vars=_VARS, promote_from="dev"),
    environment(
        "prod",
        "https://contactswing.example.invalid",
        state=".reconciler/prod.sqlite",
        vars=_VARS,
        promote_from="staging",
        require_state="true",
    ),
)


def _spec(key: str, name: str) -> str:
    """The templated spec of ``key``, named ``name``, to the three RECIPIENTS."""
    recipients = "".join(
        f'    - {{id: r{i}, to_number: "{n}"}}\n' for i, n in enumerate(RECIPIENTS)
    )
    text = spec(key, START).replace(f"name: {key} campaign", f"name: {json.dumps(name)}")
    return re.sub(r"  customer_details:\n(    - .*\n)+", "  customer_details:\n" + recipients, text)


def build(root: Path) -> Path:
    """The project, dev applied to the sandbox (so dev has created every campaign)."""
    files = {
        "campaigns/escaped.yaml": _spec("escaped", "<script>alert('x')</script> & Diwali"),
        "campaigns/numbered.yaml": _spec("numbered", f"Call {NAME_NUMBER} today"),
    }
    make_project(root, {"reconciler.yaml": FILE, **files})
    applied = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root)
    assert applied.returncode == 0, applied.output
    return root
