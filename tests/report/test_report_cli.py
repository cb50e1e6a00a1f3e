"""``reconciler report`` end to end in a subprocess: states, escaping, no phone number."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from reconciler.report.html import CSP
from tests.report.helpers import national_digits, phone_numbers_in, visible_text
from tests.report.project import FIRST, NAME_NUMBER, RECIPIENTS, SENDER, build
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("report") / "project")


def _report(root: Path, *args: str) -> tuple[str, str]:
    out = root / "board.html"
    out.unlink(missing_ok=True)
    result = run_cli("report", "--out", str(out), "--from", FIRST, *args, cwd=root)
    assert result.returncode == 0, result.output
    return out.read_text(encoding="utf-8"), result.stderr


def _columns(page: str) -> list[str]:
    """The column headers of the board's first table."""
    first = re.search(r'<table class="board">.*?</thead>', page, re.S)
    assert first is not None
    return re.findall(r'<th scope="col">([^<]+)</th>', first.group(0))


def _cells(page: str, key: str) -> list[str]:
    """The state words of ``key``'s row, one per environment."""
    row = re.search(
        rf'<tr class="campaign[^"]*">\s*<th scope="row">(?:(?!</tr>).)*?<code>{key}</code>.*?</tr>',
        page,
        re.S,
    )
    assert row is not None, key
    return re.findall(r'<td><span class="badge [^"]+">([^<]+)</span>', row.group(0))


def test_the_board_shows_each_environment_in_promotion_order_and_a_missing_state_as_such(project):
    dev_state = (project / ".reconciler" / "dev.sqlite").read_bytes()
    page, stderr = _report(project)
    assert (project / ".reconciler" / "dev.sqlite").read_bytes() == dev_state  # read-only
    assert not (project / ".reconciler" / "prod.sqlite").exists()  # a missing state stays so
    assert not (project / ".reconciler" / "staging.sqlite").exists()
    assert "Wrote the campaign board" in stderr
    assert _columns(page) == ["Campaign", "dev", "staging", "prod"]
    assert _cells(page, "escaped") == ["created", "to create", "state missing"]
    text = visible_text(page)
    assert "require_state is true" in text
    assert re.search(r"created\s+\d{4}-\d\d-\d\d · [0-9a-f-]{36}", text)  # date and campaign id


def test_names_are_escaped_and_the_page_loads_nothing(project):
    page, _ = _report(project)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Diwali" in page
    assert "<script>alert('x')</script> & Diwali" in visible_text(page)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None and html.unescape(csp.group(1)) == CSP
    assert "default-src 'none'" in CSP and "script-src" not in CSP
    assert not re.search(r"\b(src|srcset|action)=|url\(|@import|https?://", page)


def test_no_phone_number_appears_anywhere_in_the_page_senders_included(project):
    page, _ = _report(project)
    numbers = {*RECIPIENTS, SENDER, NAME_NUMBER.replace(" ", "")}
    assert phone_numbers_in(page) == set()
    assert phone_numbers_in(visible_text(page)) == set()
    for number in numbers:
        assert national_digits(number) not in re.sub(r"[ ().-]", "", page), number
    assert re.search(r"Call \+44\*+57 today", visible_text(page))  # masked, not dropped


def test_the_calendar_starts_at_from_and_shows_weeks(project):
    page, _ = _report(project, "--weeks", "2")
    text = visible_text(page)
    assert "Calendar: 2027-01-04 to 2027-01-17" in text
    assert len(re.findall(r"<h3 [^>]*>Week of", page)) == 2
    monday = re.search(r'<time datetime="2027-01-04">.*?</tr>', page, re.S).group(0)
    dev, staging, prod = re.findall(r"<td>(.*?)</td>", monday, re.S)
    for cell, state in ((dev, "created"), (staging, "to create")):
        entries = re.findall(r'<span class="badge [^"]+">([^<]+)</span> <span class="name">', cell)
        assert entries == [state, state], cell
        assert "escaped" in cell and "numbered" in cell
        assert "3 recipients" in visible_text(cell)  # unique across both campaigns
    assert prod == ""  # its state is missing: nothing is known to go out there
    assert "mon, tue 10:00–19:00 Asia/Kolkata" in visible_text(monday)
    # The start in its own offset, said: the window beside it is in the campaign's zone.
    assert "starts 10:00 UTC+05:30 · sends" in visible_text(monday)
    later, _ = _report(project, "--weeks", "1", "--from", "2027-01-05")
    assert "escaped" not in re.search(r'<section id="calendar".*', later, re.S).group(0)


def test_env_selects_the_columns(project):
    page, _ = _report(project, "--env", "staging", "--env", "dev")
    assert _columns(page) == ["Campaign", "dev", "staging"]


def test_an_unreadable_state_is_shown_and_the_page_still_written(project, tmp_path):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    yaml = (project / "reconciler.yaml").read_text()
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("campaigns",):
        (copy / name).mkdir()
        for f in (project / name).iterdir():
            (copy / name / f.name).write_text(f.read_text())
    (copy / "reconciler.yaml").write_text(yaml.replace(".reconciler/staging.sqlite", str(broken)))
    page, _ = _report(copy)
    assert _cells(page, "escaped") == ["to create", "state unreadable", "state missing"]
    imported = run_cli("state", "import", "escaped", "--id", "cmp-9", "--env", "prod",
                       "--auto-approve", cwd=copy)  # fmt: skip
    assert imported.returncode == 0, imported.output
    page, _ = _report(copy)  # prod's own state is there, but not the one it promotes from
    assert _cells(page, "escaped") == ["to create", "state unreadable", "not planned"]
    said = r"prod\s*:\s*not planned\s+staging, which it promotes from: cannot read state"
    assert re.search(said, visible_text(page))


def test_an_unknown_environment_and_a_bad_spec_are_errors_and_write_nothing(project, tmp_path):
    out = tmp_path / "page.html"
    unknown = run_cli("report", "--out", str(out), "--env", "prd", cwd=project)
    assert unknown.returncode == 1
    assert "no environment 'prd'" in unknown.stderr and "did you mean prod" in unknown.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "reconciler.yaml").write_text((project / "reconciler.yaml").read_text())
    (bad / "campaigns").mkdir()
    (bad / "campaigns" / "x.yaml").write_text("key: x\nname: 3\n")
    failed = run_cli("report", "--out", str(out), cwd=bad)
    assert failed.returncode == 1
    assert "x.yaml" in failed.stderr
    assert not out.exists()


def test_weeks_must_be_positive_and_from_a_date(project, tmp_path):
    out = tmp_path / "page.html"
    for args in (["--weeks", "0"], ["--from", "next monday"]):
        result = run_cli("report", "--out", str(out), *args, cwd=project)
        assert result.returncode == 1, args
    assert not out.exists()


def test_an_out_file_that_cannot_be_written_is_an_error_not_a_crash(project, tmp_path):
    result = run_cli("report", "--out", str(tmp_path / "no-such-folder" / "page.html"), cwd=project)
    assert result.returncode == 1
    assert "cannot write the report" in result.stderr and "folder exists" in result.stderr


def _copy(project: Path, root: Path, yaml: str) -> Path:
    """The project's specs at ``root``, with ``yaml`` as its reconciler.yaml."""
    root.mkdir()
    (root / "campaigns").mkdir()
    for f in (project / "campaigns").iterdir():
        (root / "campaigns" / f.name).write_text(f.read_text())
    (root / "reconciler.yaml").write_text(yaml)
    return root


def test_one_environment_that_cannot_be_planned_still_lists_its_campaigns(project, tmp_path):
    page, _ = _report(project, "--env", "prod")  # require_state, and its state is missing
    assert _columns(page) == ["Campaign", "prod"]
    assert _cells(page, "escaped") == ["state missing"]
    assert _cells(page, "numbered") == ["state missing"]
    assert "2 campaigns in 2 spec files" in visible_text(page)
    assert "No campaign in any environment" not in visible_text(page)
    yaml = (project / "reconciler.yaml").read_text()
    unset = yaml.replace(".reconciler/prod.sqlite", "${RECONCILER_PROD_STATE}")
    page, _ = _report(_copy(project, tmp_path / "unset", unset), "--env", "prod")
    assert _cells(page, "escaped") == ["state unreadable"]
    assert "RECONCILER_PROD_STATE" in visible_text(page)


def test_the_reason_is_the_diagnostic_with_its_location_not_a_summary(project, tmp_path):
    yaml = (project / "reconciler.yaml").read_text()
    unset = yaml.replace(".reconciler/prod.sqlite", "${RECONCILER_PROD_STATE}")
    line = unset.splitlines().index('    state: "${RECONCILER_PROD_STATE}"') + 1
    page, _ = _report(_copy(project, tmp_path / "unset", unset), "--env", "prod")
    box = visible_text(re.search(r'<div class="problems".*?</div>', page, re.S).group(0))
    assert "nothing was written" not in box and "error found" not in box
    said = rf"prod\s*:\s*state unreadable\s+reconciler.yaml:{line}: environments.prod.state: "
    assert re.search(said + r".*RECONCILER_PROD_STATE", box), box


def test_a_source_whose_settings_are_unresolved_leaves_its_target_not_planned(project, tmp_path):
    yaml = (project / "reconciler.yaml").read_text()
    unset = yaml.replace(".reconciler/staging.sqlite", "${RECONCILER_STAGING_STATE}")
    copy = _copy(project, tmp_path / "unset", unset)
    imported = run_cli("state", "import", "escaped", "--id", "cmp-9", "--env", "prod",
                       "--auto-approve", cwd=copy)  # fmt: skip
    assert imported.returncode == 0, imported.output
    page, _ = _report(copy, "--env", "prod")  # prod's own state is there and readable
    assert _cells(page, "escaped") == ["not planned"]
    said = r"prod\s*:\s*not planned\s+staging, which it promotes from: .*RECONCILER_STAGING_STATE"
    assert re.search(said, visible_text(page))


def test_a_pending_rename_is_live_on_the_calendar_and_its_record_moves_on_apply(project, tmp_path):
    copy = _copy(project, tmp_path / "renamed", (project / "reconciler.yaml").read_text())
    (copy / ".reconciler").mkdir()
    dev_state = project / ".reconciler" / "dev.sqlite"
    (copy / ".reconciler" / "dev.sqlite").write_bytes(dev_state.read_bytes())
    spec = copy / "campaigns" / "escaped.yaml"
    spec.write_text(
        spec.read_text().replace("key: escaped\n", "key: escaped-2027\nprevious_keys: [escaped]\n")
    )
    page, _ = _report(copy, "--env", "dev", "--weeks", "1")
    assert _cells(page, "escaped-2027") == ["created"]
    row = re.search(r"<code>escaped-2027</code>.*?</tr>", page, re.S).group(0)
    assert "record moves from escaped on apply" in visible_text(row)
    monday = re.search(r'<time datetime="2027-01-04">.*?</tr>', page, re.S).group(0)
    (dev,) = re.findall(r"<td>(.*?)</td>", monday, re.S)
    entries = re.findall(r'<span class="badge [^"]+">([^<]+)</span> <span class="name">', dev)
    assert entries == ["created", "created"], dev  # the renamed one goes out too


def test_a_plan_the_policies_refuse_says_so_in_its_cells_and_above_the_board(project, tmp_path):
    yaml = (project / "reconciler.yaml").read_text()
    limited = yaml.replace("vars: {language: en}\n", "vars: {language: en}\nmessaging_limit: 2\n")
    assert limited != yaml
    page, _ = _report(_copy(project, tmp_path / "limited", limited), "--env", "dev")  # no state
    assert _cells(page, "escaped") == ["to create"]
    row = re.search(r"<code>escaped</code>.*?</tr>", page, re.S).group(0)
    assert re.search(r"refused: .*messaging.limit", visible_text(row)), visible_text(row)
    said = r"dev\s*:\s*its plan would be refused \(1 error\): .*messaging.limit"
    assert re.search(said, visible_text(page))
