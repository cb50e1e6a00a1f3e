"""``plan --attention-exitcode``: 3 when a campaign waits for a person, so CI can flag it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.planner.project import write_state
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, make_project, specs

ATTENTION = ("plan", "--env", "dev", "--attention-exitcode")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def test_creates_alone_need_no_attention(root: Path) -> None:
    """Only creates pending: 0 with the flag, 2 with --detailed-exitcode beside it."""
    assert run_cli(*ATTENTION, cwd=root).returncode == 0
    assert run_cli(*ATTENTION, "--detailed-exitcode", cwd=root).returncode == 2


def test_a_changed_campaign_exits_3_before_2(root: Path) -> None:
    write_state(root, created=("promo",))
    spec = root / "campaigns/promo.yaml"
    spec.write_text(spec.read_text().replace("promo campaign", "promo campaign 2"), "utf-8")
    result = run_cli(*ATTENTION, "--detailed-exitcode", cwd=root)
    assert result.returncode == 3, result.output  # sale would be created too: 3 wins
    assert run_cli("plan", "--env", "dev", "--detailed-exitcode", cwd=root).returncode == 2
    assert run_cli("plan", "--env", "dev", cwd=root).returncode == 0


def test_in_doubt_exits_3(root: Path) -> None:
    write_state(root, created=("sale",), in_doubt=("promo",))
    assert run_cli(*ATTENTION, cwd=root).returncode == 3


def test_awaiting_promotion_exits_3(root: Path) -> None:
    """prod promotes from dev, which has created nothing: both campaigns wait."""
    write_state(root, "prod")
    result = run_cli("plan", "--env", "prod", "--attention-exitcode", cwd=root)
    assert result.returncode == 3, result.output


def test_an_error_exits_1_under_attention_exitcode(root: Path) -> None:
    assert run_cli(*ATTENTION, "--target", "nope", cwd=root).returncode == 1
