"""The policies through the real CLI: plan fails and says why, apply refuses before any
write or request, and bad settings or lists exit 1 with file, line and hint."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.e2e.support import TOKEN_ENV, sandbox_process
from tests.support.cli import run_cli
from tests.support.projects import dev, environment, make_project, plain_spec, project_file

SAME = "+919800000777"


def _spec(key: str, day: int, number: str = SAME) -> str:
    text = plain_spec(key, 0).replace("+919800000000", number)
    return text.replace("2099-10-28T10:00:00", f"2099-10-{day:02d}T10:00:00")


def _project(root: Path, policies: str, keys: dict[str, int], env: str | None = None) -> Path:
    docs = "---\n".join(_spec(key, day) for key, day in keys.items())
    config = project_file(env or dev()).replace("environments:", policies + "environments:")
    files = {"reconciler.yaml": config, "campaigns/all.yaml": docs}
    files["audiences/opt-outs.csv"] = f"id,to_number\nr-x,+919800000001\n,{SAME}\n"
    return make_project(root, files)


def test_plan_fails_on_a_finding_and_lists_it_masked_in_json(tmp_path: Path) -> None:
    root = _project(tmp_path, "suppression: [audiences/opt-outs.csv]\n", {"a": 1})
    result = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["policies"]
    assert finding == {
        "policy": "suppression",
        "severity": "error",
        "keys": ["a"],
        "count": 1,
        "examples": ["+91********77"],
        "message": "a: 1 recipient on the opt-out list (audiences/opt-outs.csv)",
        "hint": "remove them from the audience, or set suppression_mode: drop to leave them out",
    }
    assert SAME not in result.output
    assert "campaigns/all.yaml:20: error: policies.suppression" in result.stderr


def test_an_environment_setting_replaces_the_projects(tmp_path: Path) -> None:
    env = dev().rstrip("\n") + "\n    suppression_mode: warn\n"
    root = _project(tmp_path, "suppression: [audiences/opt-outs.csv]\n", {"a": 1}, env)
    result = run_cli("plan", "--env", "dev", cwd=root)
    assert result.returncode == 0, result.output
    assert "Audience policies: 0 errors, 1 warning (suppression 1)" in result.stdout


def test_apply_refuses_before_any_write_or_request(tmp_path: Path) -> None:
    """A frequency cap broken by a new campaign: exit 1, the state's bytes as they were,
    and the sandbox asked nothing more."""
    with sandbox_process() as sandbox:
        env = environment("dev", sandbox.url, state=".reconciler/dev.sqlite")
        cap = "frequency_cap: {max: 1, days: 7}\n"
        root = _project(tmp_path, cap, {"a": 1}, env)
        first = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert first.returncode == 0, first.output
        state = root / ".reconciler" / "dev.sqlite"
        before = state.read_bytes()
        _project(tmp_path, cap, {"a": 1, "b": 3}, env)
        refused = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
    assert refused.returncode == 1
    assert "policies.frequency_cap: b: 1 recipient in more than 1 campaign" in refused.stderr
    assert "nothing was sent" in refused.stderr
    assert state.read_bytes() == before
    assert stats["by_status"] == {"201": 1}


def test_a_bad_number_in_a_list_names_its_file_and_line(tmp_path: Path) -> None:
    root = _project(tmp_path, "suppression: [audiences/opt-outs.csv]\n", {"a": 1})
    rows = "id,to_number\nr1,+919800000001\nr2,12345\nr3,+1 212 555\n"
    (root / "audiences/opt-outs.csv").write_text(rows)
    for command in (("plan", "--env", "dev"), ("validate",)):  # validate reads lists too
        result = run_cli(*command, cwd=root)
        assert result.returncode == 1, command
        assert (
            "audiences/opt-outs.csv:3: error: to_number: opt-out number '1**45' does not start "
            "with '+' and a country calling code\n"
            "  hint: write the WhatsApp number in E.164: '+', country code, number "
            "(like +919800000001)\n"
            "audiences/opt-outs.csv:4: error: to_number: opt-out number '+1****55' has the "
            "wrong number of digits for its country\n"
        ) in result.stderr
        assert not (root / ".reconciler").exists()


def test_a_list_without_its_columns_or_file_is_refused(tmp_path: Path) -> None:
    root = _project(
        tmp_path, "suppression: [audiences/opt-outs.csv, audiences/gone.csv]\n", {"a": 1}
    )
    (root / "audiences/opt-outs.csv").write_text("customer,phone\nr1,+919800000001\n")
    result = run_cli("plan", "--env", "dev", cwd=root)
    assert result.returncode == 1
    assert "audiences/opt-outs.csv:1: error: no id or to_number column" in result.stderr
    assert (
        "reconciler.yaml:3: error: suppression list 'audiences/gone.csv' not found" in result.stderr
    )
    assert "hint:" in result.stderr


def test_bad_policy_settings_exit_1_at_their_line(tmp_path: Path) -> None:
    settings = "frequency_cap: {max: 0, days: -1}\nquiet_hours: {start: 24, end: 8}\n"
    root = _project(tmp_path, settings, {"a": 1})
    result = run_cli("plan", "--env", "dev", cwd=root)
    assert result.returncode == 1
    err = result.stderr
    assert "reconciler.yaml:3: error: frequency_cap.max" in err
    assert "reconciler.yaml:3: error: frequency_cap.days" in err
    assert "reconciler.yaml:4: error: quiet_hours.start" in err
    assert err.count("hint:") >= 3
    assert not (root / ".reconciler").exists()


def test_drop_through_a_saved_plan_records_the_body_sent_and_stays_unchanged(
    tmp_path: Path,
) -> None:
    """plan --out with drop, apply FILE: the state holds the body without the opted-out
    recipient under the full body's fingerprint; a longer list later changes nothing."""
    from reconciler.campaign import fingerprint
    from reconciler.state import read_bodies, read_snapshot

    two = _spec("a", 1).replace(
        f'- {{id: r0, to_number: "{SAME}"}}',
        f'- {{id: r0, to_number: "{SAME}"}}\n    - {{id: r1, to_number: "+919800000888"}}',
    )
    policies = "suppression: [audiences/opt-outs.csv]\nsuppression_mode: drop\n"
    root = _project(tmp_path, policies, {})
    (root / "campaigns/all.yaml").write_text(two, encoding="utf-8")
    saved = run_cli("plan", "--env", "dev", "--out", "plan.json", cwd=root)
    assert saved.returncode == 0, saved.output
    assert "1 opted-out recipient dropped" in saved.stdout
    applied = run_cli("apply", "plan.json", cwd=root)
    assert applied.returncode == 0, applied.output
    snapshot = read_snapshot(".reconciler/dev.sqlite", "dev", root=root)
    record = read_bodies(".reconciler/dev.sqlite", "dev", snapshot.campaigns.values(), root=root)[
        "a"
    ]
    sent = record.loaded_body()["touchpoint"]["customer_details"]
    assert [r["to_number"] for r in sent] == ["+919800000888"]
    assert record.fingerprint != fingerprint(record.loaded_body())  # the full body's
    with (root / "audiences/opt-outs.csv").open("a", encoding="utf-8") as more:
        more.write(",+919800000888\n")
    again = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["summary"]["unchanged"] == 1
