"""The rate card through the CLI: its setting, bad cards, max_cost, the +1 warning, apply."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.models.test_cost import CARD
from tests.specs.helpers import snapshot, spec_with
from tests.support.cli import run_cli
from tests.support.projects import PROJECT_FILE, make_project

US = '    - {id: c3, to_number: "+14155550123"}\n'
SPEC = spec_with(
    '    - {id: c2, to_number: "+919812345602"}\n',
    '    - {id: c2, to_number: "+919812345602"}\n' + US,
)
WITH_CARD = PROJECT_FILE.replace(
    "vars: {language: en}", "vars: {language: en}\nrate_card: rates.csv"
)
# 2 x India (0.7846) + 1 x North America (2.10), marketing: no catalogue.
TOTAL = "3.6692"


def _project(tmp_path: Path, card: str = CARD, config: str = WITH_CARD, spec: str = SPEC) -> Path:
    files = {"reconciler.yaml": config, "rates.csv": card, "campaigns/promo.yaml": spec}
    return make_project(tmp_path / "p", files)


def _plan_json(root: Path) -> dict:
    result = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 0, result.output
    return json.loads(result.stdout)


def test_the_plan_estimates_each_create_and_the_total_with_the_cards_date(tmp_path: Path) -> None:
    plan = _plan_json(_project(tmp_path))
    assert plan["cost"] == {
        "currency": "INR",
        "total": TOTAL,
        "rate_card_date": "2025-07-01",
        "rate_card": "rates.csv",
        "unpriced_recipients": 0,
    }
    (action,) = plan["actions"]
    assert action["cost"]["amount"] == TOTAL and action["cost"]["category"] == "marketing"


def test_marketing_to_a_us_number_is_a_warning_naming_the_campaign(tmp_path: Path) -> None:
    plan = _plan_json(_project(tmp_path))
    (warning,) = plan["warnings"]
    assert "promo: 1 recipient in the United States (+1)" in warning["message"]
    assert (warning["file"], warning["field"]) == (
        "campaigns/promo.yaml",
        "touchpoint.customer_details",
    )


def test_an_environments_rate_card_replaces_the_projects(tmp_path: Path) -> None:
    config = WITH_CARD.replace(
        "    api_url: sandbox", "    api_url: sandbox\n    rate_card: dev.csv"
    )
    root = _project(tmp_path, config=config)
    (root / "dev.csv").write_text(CARD.replace("0.7846", "1.0000"), encoding="utf-8")
    assert _plan_json(root)["cost"]["total"] == "4.1000"


def test_without_a_rate_card_there_is_no_cost_and_no_warning(tmp_path: Path) -> None:
    plan = _plan_json(_project(tmp_path, config=PROJECT_FILE))
    assert "cost" not in plan and "cost" not in plan["actions"][0]
    assert plan["warnings"] == []


def test_text_and_markdown_show_the_estimate_rounded_once(tmp_path: Path) -> None:
    root = _project(tmp_path)
    text = run_cli("plan", "--env", "dev", cwd=root).stdout
    assert "₹3.67" in text and "Estimated cost: ₹3.67 (rate card rates.csv of 2025-07-01)" in text
    markdown = run_cli("plan", "--env", "dev", "--format", "markdown", cwd=root).stdout
    assert "· est. ₹3.67 (rate card rates.csv of 2025-07-01)**" in markdown
    assert "| Est. cost |" in markdown


@pytest.mark.parametrize(
    ("card", "line", "message"),
    [
        ('# effective: 2025-07-01\nmarket,"calling_codes\n', 2, "rate card: invalid CSV"),
        ("# effective: 2025-07-01\nmarket,calling_codes,currency\n", 2, "the header lacks"),
        (CARD.replace("0.7846", "-1"), 3, "marketing: marketing price -1 is negative"),
        (CARD.replace("0.1150", "n/a", 1), 3, "utility: utility price 'n/a' is not a number"),
        (CARD.replace("India,91,INR", "India,91,XYZ"), 3, "currency: unknown currency 'XYZ'"),
        (
            CARD.replace("India,91,INR", "India,91,USD"),
            3,
            "currency: currency USD differs from INR",
        ),
        (CARD.replace("Bahamas,1242", "Bahamas,91"), 5, "calling_codes: calling code 91 is in"),
        (CARD.replace("Bahamas,1242", "Bahamas,+1242"), 5, "calling_codes: calling code '+1242'"),
        (CARD.replace("Bahamas,1242", "India,1242"), 5, "market: market 'India' is listed twice"),
    ],
)
def test_a_bad_card_fails_with_file_line_and_column_and_writes_nothing(
    tmp_path: Path, card: str, line: int, message: str
) -> None:
    """The column at fault is the diagnostic's field (``rates.csv:3: error: marketing: …``)."""
    root = _project(tmp_path, card)
    before = snapshot(root)
    for command in (["plan", "--env", "dev"], ["apply", "--env", "dev", "--auto-approve"]):
        result = run_cli(*command, cwd=root)
        assert result.returncode == 1, result.output
        assert f"rates.csv:{line}: error: {message}" in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert snapshot(root) == before


def test_a_missing_card_is_reported_at_its_setting(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "rates.csv").unlink()
    result = run_cli("plan", "--env", "dev", cwd=root)
    assert result.returncode == 1
    assert "reconciler.yaml:3: error: rate_card: rate card: CSV file" in result.stderr


def test_a_recipient_in_no_market_is_an_error_and_shown_unpriced(tmp_path: Path) -> None:
    root = _project(tmp_path, CARD.replace("Rest of world,*,INR,6.00,1.50,3.00\n", ""))
    spec = SPEC.replace("+14155550123", "+447911123456")
    (root / "campaigns/promo.yaml").write_text(spec, encoding="utf-8")
    result = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 1
    plan = json.loads(result.stdout)
    assert plan["cost"]["unpriced_recipients"] == 1 and plan["cost"]["total"] == "1.5692"
    assert "promo: 1 recipient with a calling code in no market of rates.csv" in result.stderr


def _with_max_cost(tmp_path: Path, cap: str) -> Path:
    config = WITH_CARD.replace("    api_url: sandbox", f"    api_url: sandbox\n    max_cost: {cap}")
    return _project(tmp_path, config=config)


def test_max_cost_refuses_plan_and_apply_before_anything_is_written(tmp_path: Path) -> None:
    root = _with_max_cost(tmp_path, "3.50")
    before = snapshot(root)
    plan = run_cli("plan", "--env", "dev", cwd=root)
    assert plan.returncode == 1
    assert "estimated at ₹3.67, more than max_cost (₹3.50) allows" in plan.stderr
    apply = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root)
    assert apply.returncode == 1 and "max_cost" in apply.stderr, apply.output
    assert snapshot(root) == before


def test_a_plan_within_max_cost_applies_and_the_summary_gives_the_estimate(
    tmp_path: Path,
) -> None:
    root = _with_max_cost(tmp_path, "3.6692")
    result = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root)
    assert result.returncode == 0, result.output
    assert "Estimated cost: ₹3.67 created of ₹3.67 planned (rate card rates.csv of 2025-07-01)" in (
        result.output
    )
    report = run_cli("apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=root)
    assert json.loads(report.stdout).get("cost") is None  # nothing to do: nothing estimated


def test_max_cost_without_a_rate_card_is_an_error_at_its_line(tmp_path: Path) -> None:
    config = PROJECT_FILE.replace("    api_url: sandbox", "    api_url: sandbox\n    max_cost: 100")
    result = run_cli("plan", "--env", "dev", cwd=_project(tmp_path, config=config))
    assert result.returncode == 1
    assert "reconciler.yaml:6" in result.stderr and "max_cost needs a rate card" in result.stderr


def test_applying_a_saved_plan_is_refused_by_max_cost_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    root = _with_max_cost(tmp_path, "10")
    saved = run_cli("plan", "--env", "dev", "--out", "plan.json", cwd=root)
    assert saved.returncode == 0, saved.output
    config = root / "reconciler.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("10", "3.50"), encoding="utf-8")
    before = snapshot(root)
    result = run_cli("apply", "plan.json", cwd=root)
    assert result.returncode == 1 and "more than max_cost (₹3.50) allows" in result.stderr
    assert snapshot(root) == before


def test_validate_reports_a_bad_card_offline(tmp_path: Path) -> None:
    root = _project(tmp_path, CARD.replace("0.7846", "-1"))
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1
    assert "rates.csv:3" in result.stderr and "negative" in result.stderr
    assert run_cli("validate", cwd=_project(tmp_path / "good")).returncode == 0


@pytest.mark.parametrize(
    ("written", "read"),
    [("0.1", "0.1"), ("1e3", "1000"), ("12.345", "12.345"), ("25000", "25000"),
     ("1234567890123.45", "1234567890123.45")],
)  # fmt: skip
def test_max_cost_is_the_amount_written_exactly(tmp_path: Path, written: str, read: str) -> None:
    from decimal import Decimal

    from reconciler.config import load_project
    from reconciler.guards import GuardSettings

    project = load_project(project_dir=_with_max_cost(tmp_path, written))
    cap = GuardSettings.from_environment(project.settings("dev")).max_cost
    assert cap == Decimal(read)  # the decimal written, not the float's binary value


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        (".inf", "max_cost: expected a number, got text", "not .inf or .nan"),
        (".nan", "max_cost: expected a number, got text", "not .inf or .nan"),
        ("-.inf", "max_cost: expected a number, got text", "not .inf or .nan"),
        ("'100'", "max_cost: expected a number, got text", "without quotes"),
        ("true", "max_cost: expected a number, got a boolean", "such as 25000 or 2500.50"),
        ("-1", "max_cost: must be at least 0, got -1", "an amount in the rate card's currency"),
        ("-0.5", "max_cost: must be at least 0, got -0.5", "0 or more"),
        ("12345678901234567.891", "max_cost: more than 15 significant digits", "round it"),
    ],
)
def test_a_max_cost_that_is_no_amount_is_one_clear_error_at_its_line(
    tmp_path: Path, written: str, message: str, hint: str
) -> None:
    root = _with_max_cost(tmp_path, written)
    before = snapshot(root)
    for command in (["validate"], ["plan", "--env", "dev"]):
        result = run_cli(*command, cwd=root)
        assert result.returncode == 1, result.output
        (error,) = [line for line in result.stderr.splitlines() if ": error: " in line]
        assert error.startswith(f"reconciler.yaml:7: error: environments.dev.{message}"), error
        assert hint in result.stderr and "max_cost.float" not in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("card", "cap", "refusal"),
    [
        (CARD, "5", "estimated at ₹7.57, more than max_cost (₹5.00) allows"),
        (
            CARD.replace("Rest of world,*,INR,6.00,1.50,3.00\n", ""),
            "100",
            "second: 1 recipient with a calling code in no market of rates.csv",
        ),
    ],
    ids=["max_cost", "unpriced"],
)
def test_apply_refused_by_the_estimate_sends_no_request_and_writes_no_state(
    tmp_path: Path, card: str, cap: str, refusal: str
) -> None:
    """Through the CLI against the sandbox as its own process: one campaign applied, then a
    second that breaks max_cost (or has a recipient the card cannot price) is refused: the
    sandbox is asked nothing more and the state's bytes are as they were."""
    from tests.e2e.support import TOKEN_ENV, sandbox_process
    from tests.support.projects import environment, project_file

    with sandbox_process() as sandbox:
        env = environment("dev", sandbox.url, state=".reconciler/dev.sqlite", max_cost=cap)
        variables = '{workspace_id: ws-dev, assistant_id: 11, from_numbers: ["+919800000001"]}'
        config = project_file(env + f"    vars: {variables}\n").replace(
            "environments:", "rate_card: rates.csv\nenvironments:"
        )
        root = _project(tmp_path, card, config, SPEC.replace("+14155550123", "+919812345603"))
        first = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert first.returncode == 0, first.output
        state = root / ".reconciler" / "dev.sqlite"
        before = state.read_bytes()
        second = SPEC.replace("key: promo", "key: second").replace("promo-wa", "second-wa")
        second = second.replace("+14155550123", "+447911123456")
        (root / "campaigns/second.yaml").write_text(second, encoding="utf-8")
        refused = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
    assert refused.returncode == 1, refused.output
    assert refusal in refused.stderr
    assert "nothing was sent" in refused.stderr
    assert state.read_bytes() == before
    assert stats["by_status"] == {"201": 1}


def test_recipients_dropped_by_suppression_are_not_estimated(tmp_path: Path) -> None:
    """With ``suppression_mode: drop`` the estimate (and max_cost) is of the recipients
    sent: the UK number opted out, so 3 x India is ₹2.35, not ₹8.35 with it."""
    from tests.e2e.support import TOKEN_ENV, sandbox_process
    from tests.support.projects import environment, project_file

    spec = SPEC.replace("+14155550123", "+447911123456")
    spec = spec.replace(
        '+919812345602"}\n', '+919812345602"}\n    - {id: c4, to_number: "+919812345603"}\n'
    )
    with sandbox_process() as sandbox:
        variables = '{workspace_id: ws-dev, assistant_id: 11, from_numbers: ["+919800000001"]}'
        env = environment("dev", sandbox.url, state=".reconciler/dev.sqlite", max_cost="3")
        config = project_file(env + f"    vars: {variables}\n").replace(
            "environments:",
            "rate_card: rates.csv\nsuppression: [opt-outs.csv]\nsuppression_mode: drop\n"
            "environments:",
        )
        root = _project(tmp_path, CARD, config, spec)
        (root / "opt-outs.csv").write_text("id,to_number\n,+447911123456\n", encoding="utf-8")
        plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
        assert plan.returncode == 0, plan.output
        shown = json.loads(plan.stdout)
        assert shown["cost"]["total"] == "2.3538"
        assert shown["actions"][0]["cost"]["amount"] == "2.3538"
        applied = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
    assert applied.returncode == 0, applied.output
    assert "Estimated cost: ₹2.35 created of ₹2.35 planned" in applied.output
