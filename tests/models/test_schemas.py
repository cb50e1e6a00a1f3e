"""JSON Schemas: generated from the models, stable, checked by `schema --check`, and the
example campaigns validate against them with check-jsonschema, as editors would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler import schemas
from tests.conftest import REPO_ROOT
from tests.support.cli import run_cli
from tests.support.projects import make_project

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def test_rendering_is_stable_sorted_and_ends_with_a_newline() -> None:
    """Two renderings are identical, keys are sorted, indent is 2 spaces, one trailing newline."""
    first, second = schemas.render_all(), schemas.render_all()
    assert first == second
    for text in first.values():
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert (
            text
            == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        )


def test_registry_names_every_schema_file() -> None:
    """The registry holds the campaign and project schemas, and others may add to it."""
    assert {"campaign.schema.json", "project.schema.json"} <= set(schemas.SCHEMAS)
    schemas.SCHEMAS["extra.schema.json"] = lambda: {"type": "object"}
    try:
        assert schemas.render_all()["extra.schema.json"] == '{\n  "type": "object"\n}\n'
    finally:
        del schemas.SCHEMAS["extra.schema.json"]


def test_committed_schemas_are_up_to_date() -> None:
    """schemas/ in this repository is what the models generate."""
    assert schemas.out_of_date(REPO_ROOT / "schemas") == []


def test_campaign_schema_has_identity_and_spec_only_keys() -> None:
    """$schema, $id and title are set; key, previous_keys and customer_details_csv are allowed."""
    schema = schemas.campaign_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["$id"] and schema["title"]
    assert {"key", "previous_keys", "name", "touchpoint"} <= set(schema["properties"])
    touchpoint = schema["$defs"]["Touchpoint"]
    assert "customer_details_csv" in touchpoint["properties"]
    assert touchpoint["additionalProperties"] is False


@pytest.mark.slow
def test_schema_writes_then_check_passes_then_fails_after_an_edit(tmp_path: Path) -> None:
    """`schema` writes schemas/ under the project; `--check` exits 1 naming an edited file."""
    root = make_project(tmp_path / "project")
    written = run_cli("schema", cwd=root)
    assert written.returncode == 0, written.output
    assert "wrote schemas/campaign.schema.json" in written.stderr
    assert run_cli("schema", "--check", cwd=root).returncode == 0
    edited = root / "schemas" / "campaign.schema.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("WHATSAPP", "EMAIL"), "utf-8")
    result = run_cli("schema", "--check", cwd=root)
    assert result.returncode == 1
    assert "schemas/campaign.schema.json is out of date" in result.stderr
    assert "project.schema.json" not in result.stderr
    assert "EMAIL" in edited.read_text(encoding="utf-8"), "--check writes nothing"


@pytest.mark.slow
def test_schema_check_fails_when_a_file_is_missing(tmp_path: Path) -> None:
    """A project without schemas/ is out of date for every schema, and exits 1."""
    result = run_cli("schema", "--check", cwd=make_project(tmp_path / "project"))
    assert result.returncode == 1
    assert "campaign.schema.json is out of date" in result.stderr
    assert "project.schema.json is out of date" in result.stderr


def _documents(path: Path) -> list[str]:
    """The YAML documents of a spec file (check-jsonschema reads one document per file)."""
    parts = re.split(r"(?m)^---[ \t]*$", path.read_text(encoding="utf-8"))
    return [part for part in parts if re.search(r"(?m)^[A-Za-z_]", part)]


def _check(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(schema), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.slow
def test_example_campaigns_validate_against_the_campaign_schema(tmp_path: Path) -> None:
    """Every *.yaml spec of the example project passes check-jsonschema, document by document."""
    specs = sorted((REPO_ROOT / "campaigns").rglob("*.yaml"))
    if not specs:
        pytest.skip("no example campaigns yet")
    files = []
    for spec in specs:
        for index, text in enumerate(_documents(spec)):
            target = tmp_path / f"{spec.stem}-{index}.yaml"
            target.write_text(text, encoding="utf-8")
            files.append(target)
    result = _check(REPO_ROOT / "schemas" / "campaign.schema.json", files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_example_project_file_validates_against_the_project_schema() -> None:
    """The repository's reconciler.yaml passes check-jsonschema."""
    result = _check(REPO_ROOT / "schemas" / "project.schema.json", [REPO_ROOT / "reconciler.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_campaign_schema_rejects_what_an_editor_should_flag(tmp_path: Path) -> None:
    """A typo'd key, a wrong type and a bad template name fail; templated values pass."""
    good = REPO_ROOT / "campaigns" / "diwali" / "vip.yaml"
    if not good.exists():
        pytest.skip("no example campaign yet")
    text = _documents(good)[0]
    bad = {
        "typo": text.replace("start_hour:", "start_hours:"),
        "type": text.replace("delay: 2", "delay: two"),
        "template": text.replace("template: diwali_offer", "template: Diwali Offer"),
        "both": text.replace(
            "customer_details_csv:", "customer_details: []\n  customer_details_csv:"
        ),
    }
    for name, variant in bad.items():
        assert variant != text, name
        path = tmp_path / f"{name}.yaml"
        path.write_text(variant, encoding="utf-8")
        assert _check(REPO_ROOT / "schemas" / "campaign.schema.json", [path]).returncode == 1, name
    templated = tmp_path / "templated.yaml"
    templated.write_text(text.replace("delay: 2", 'delay: "{{ vars.delay }}"'), encoding="utf-8")
    assert _check(REPO_ROOT / "schemas" / "campaign.schema.json", [templated]).returncode == 0


def test_check_jsonschema_is_installed() -> None:
    """The tool the schema tests rely on is in the environment."""
    assert CHECK_JSONSCHEMA.exists() or shutil.which("check-jsonschema")
