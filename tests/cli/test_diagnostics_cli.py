"""``validate``/``plan --diagnostics``: what CI reads on stderr, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.planner.project import write_state
from tests.specs.cases import CASES, Case
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, make_project, specs

COMMAND = re.compile(r"^::(?P<level>error|warning)(?: (?P<props>[^:]*))?::(?P<message>.*)$")
ROOT = Path(__file__).resolve().parents[2]


def _unescape(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse_commands(stderr: str) -> list[dict[str, str]]:
    """Every line as a workflow command: its properties, level and message (unescaped)."""
    commands = []
    for line in stderr.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in (match["props"] or "").split(",") if p)
        parsed = {name: _unescape(value) for name, value in props.items()}
        parsed.update(level=match["level"], message=_unescape(match["message"]))
        commands.append(parsed)
    return commands


def _assert_reported(case: Case, stderr: str) -> None:
    commands = parse_commands(stderr)
    hits = [
        c
        for c in commands
        if (c.get("file"), c.get("line")) == (case.file, str(case.line))
        and c["level"] == "error"
        and case.words in c["message"]
        and c["title"] == (case.field or case.file)
    ]
    assert hits, commands


def _single_file_cases() -> list[Case]:
    return [c for c in CASES if c.setup is None and len(c.files) == 1 and c.file in c.files]


def test_validate_github_reports_every_bad_file_as_commands(tmp_path: Path) -> None:
    """One run over many bad files: every stderr line parses, each file has its command."""
    cases = [c for c in _single_file_cases() if c.file.startswith("campaigns/")]
    files: dict[str, str | bytes] = {}
    for index, case in enumerate(cases):
        files[f"campaigns/f{index:02d}.yaml"] = case.files[case.file]
    root = make_project(tmp_path / "project", files)
    result = run_cli("validate", "--diagnostics", "github", cwd=root)
    assert result.returncode == 1
    commands = parse_commands(result.stderr)
    assert {c["file"] for c in commands if c["level"] == "error"} == set(files)
    assert all("line" in c for c in commands if c["file"].endswith(".yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validate_github_on_each_bad_input(tmp_path: Path, case: Case) -> None:
    """Each bad input: exit 1, every stderr line a workflow command, one at its file:line."""
    root = make_project(tmp_path / "project", case.files)
    outside = tmp_path / "outside"
    outside.mkdir()
    if case.setup is not None:
        case.setup(root, outside)
    result = run_cli("validate", "--diagnostics", "github", cwd=root)
    assert result.returncode == 1, result.output
    _assert_reported(case, result.stderr)


def test_validate_sarif_and_json_on_bad_input(tmp_path: Path) -> None:
    """SARIF follows the 2.1.0 schema and JSON its own; stderr holds only the document."""
    (case,) = [c for c in CASES if c.file == "campaigns/promo.yaml" and c.line > 1][:1]
    root = make_project(tmp_path / "project", case.files)
    sarif = run_cli("validate", "--diagnostics", "sarif", cwd=root)
    assert sarif.returncode == 1
    schema = json.loads((ROOT / "tests/output/sarif/sarif-schema-2.1.0.json").read_text())
    log = json.loads(sarif.stderr)
    jsonschema.Draft4Validator(schema).validate(log)
    (result,) = [r for r in log["runs"][0]["results"] if r["level"] == "error"][:1]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == case.file
    assert location["region"]["startLine"] == case.line
    as_json = run_cli("validate", "--diagnostics", "json", "-q", cwd=root)
    own = json.loads((ROOT / "schemas/diagnostics.schema.json").read_text())
    document = json.loads(as_json.stderr)
    jsonschema.Draft202012Validator(own).validate(document)
    assert document["ok"] is False and document["message"].endswith("nothing was written.")


def test_plan_github_warnings_on_stderr_and_the_plan_alone_on_stdout(tmp_path: Path) -> None:
    """A changed campaign warns as a command; stdout is still the plan in its format."""
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    write_state(root, created=("promo",))
    spec = root / "campaigns/promo.yaml"
    spec.write_text(spec.read_text().replace("promo campaign", "promo campaign 2"), "utf-8")
    args = ("plan", "--env", "dev", "--format", "json", "--diagnostics", "github")
    result = run_cli(*args, cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["format_version"] == 1
    warnings = [c for c in parse_commands(result.stderr) if c["level"] == "warning"]
    assert any(c["message"].startswith("promo:") for c in warnings), warnings


def test_plan_error_goes_through_the_handler_in_the_chosen_format(tmp_path: Path) -> None:
    """A target matching nothing is an error; as SARIF it has no file location."""
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    result = run_cli("plan", "--env", "dev", "--target", "nope*", "--diagnostics", "json", cwd=root)
    assert result.returncode == 1
    document = json.loads(result.stderr)
    (problem,) = [d for d in document["diagnostics"] if d["severity"] == "error"]
    assert (problem["file"], problem["field"]) == ("command line", "--target")


def _subfolder_project(tmp_path: Path) -> tuple[Path, Path]:
    """A checkout at ``repo`` whose project is the subfolder ``repo/marketing``."""
    (case,) = [c for c in CASES if c.file == "campaigns/promo.yaml" and c.line > 1][:1]
    checkout = tmp_path / "repo"
    make_project(checkout / "marketing", case.files)
    return checkout, checkout / "marketing"


def _files(stderr: str) -> set[str]:
    return {c["file"] for c in parse_commands(stderr) if "file" in c}


def test_github_files_are_relative_to_the_workspace_or_the_current_directory(
    tmp_path: Path,
) -> None:
    """A project in a subfolder: file= names the file of the checkout, as the PR has it."""
    checkout, project = _subfolder_project(tmp_path)
    args = ("validate", "--diagnostics", "github")
    from_checkout = run_cli("--project", "marketing", *args, cwd=checkout)
    in_workspace = run_cli(*args, cwd=project, env={"GITHUB_WORKSPACE": str(checkout)})
    here = run_cli(*args, cwd=project)
    assert _files(from_checkout.stderr) == {"marketing/campaigns/promo.yaml"}
    assert _files(in_workspace.stderr) == {"marketing/campaigns/promo.yaml"}
    assert _files(here.stderr) == {"campaigns/promo.yaml"}
    text = run_cli("validate", cwd=project, env={"GITHUB_WORKSPACE": str(checkout)})
    assert "campaigns/promo.yaml:" in text.stderr and "marketing/" not in text.stderr


def test_sarif_uris_are_relative_to_the_workspace_and_absolute_outside_it(
    tmp_path: Path,
) -> None:
    """SARIF as file=; a project outside $GITHUB_WORKSPACE is named by a file:// URI."""
    checkout, project = _subfolder_project(tmp_path)
    args = ("validate", "--diagnostics", "sarif")

    def uris(environ: dict[str, str]) -> set[str]:
        log = json.loads(run_cli(*args, cwd=project, env=environ).stderr)
        results = log["runs"][0]["results"]
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}

    assert uris({"GITHUB_WORKSPACE": str(checkout)}) == {"marketing/campaigns/promo.yaml"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = uris({"GITHUB_WORKSPACE": str(elsewhere)})
    assert outside == {(project / "campaigns/promo.yaml").resolve().as_uri()}


def test_a_bad_project_file_in_a_subfolder_is_annotated_on_its_path(tmp_path: Path) -> None:
    """An error of reconciler.yaml itself (main()'s handler) is named as the PR has it."""
    checkout = tmp_path / "repo"
    make_project(checkout / "marketing", {"reconciler.yaml": "version: 1\nbogus: [\n"})
    result = run_cli("--project", "marketing", "validate", "--diagnostics", "github", cwd=checkout)
    assert result.returncode == 1
    assert _files(result.stderr) == {"marketing/reconciler.yaml"}
