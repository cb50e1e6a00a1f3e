"""The GitLab pipeline: schema-valid, same as scaffolded, and its MR note kept in place."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.ci.comment_set import Note, Op, marker, plan_parts, sync_ops
from reconciler.ci.gitlab_note import main
from reconciler.scaffold import project_files

REPO_ROOT = Path(__file__).resolve().parents[2]
GITLAB_CI = REPO_ROOT / "ci" / "gitlab" / ".gitlab-ci.yml"
TOKEN = "glpat-secret-token-value"


def test_gitlab_example_is_the_scaffolded_one() -> None:
    """ci/gitlab/.gitlab-ci.yml is exactly what ``init --ci gitlab`` writes (from the checkout)."""
    scaffolded = project_files(ci="gitlab", pip_spec=".")[".gitlab-ci.yml"]
    assert GITLAB_CI.read_text(encoding="utf-8") == scaffolded


def test_gitlab_example_matches_gitlabs_schema() -> None:
    """GitLab's own JSON Schema (vendored by check-jsonschema) accepts the pipeline."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(GITLAB_CI),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_applies_staging_then_manual_serialised_prod() -> None:
    """prod needs staging, waits for a person, and each env's applies run one at a time."""
    doc = yaml.safe_load(GITLAB_CI.read_text(encoding="utf-8"))
    staging, prod = doc["apply-staging"], doc["apply-prod"]
    assert prod["needs"] == ["apply-staging"]
    assert prod["rules"][0]["when"] == "manual" and prod["allow_failure"] is False
    assert staging["resource_group"] == "reconciler-apply-staging"
    assert prod["resource_group"] == "reconciler-apply-prod"
    assert doc["plan"]["variables"]["RECONCILER_PROD_STATE"] == "$RECONCILER_PROD_STATE_READONLY"
    assert "CONTACTSWING_TOKEN" not in yaml.safe_dump(doc["plan"])


def _notes(env: str, count: int, start_id: int = 1) -> list[Note]:
    return [Note(start_id + i, f"{marker(env, i + 1, count)}\nold {i}") for i in range(count)]


def _plan(env: str, *texts: str) -> str:
    return "\n".join(f"{marker(env, i, len(texts))}\n{t}" for i, t in enumerate(texts, 1))


def test_parts_are_split_at_the_markers_of_the_markdown_plan() -> None:
    """Each marker line of ``plan --format markdown`` starts one note."""
    assert plan_parts(_plan("prod", "a", "b"), 2, "", "prod") == [
        f"{marker('prod', 1, 2)}\na",
        f"{marker('prod', 2, 2)}\nb",
    ]


def test_sync_creates_each_part_the_first_time() -> None:
    """No previous notes: one create per part, each headed by its marker."""
    parts = plan_parts(_plan("prod", "a", "b"), 2, "", "prod")
    assert sync_ops([], parts, "prod") == [Op("create", body=parts[0]), Op("create", body=parts[1])]


def test_sync_updates_in_place_and_deletes_leftover_parts() -> None:
    """A shorter plan updates part 1 and deletes parts 2 and 3; other envs are untouched."""
    existing = [*_notes("prod", 3), *_notes("staging", 2, start_id=10)]
    [part] = plan_parts(_plan("prod", "new"), 0, "", "prod")
    ops = sync_ops(existing, [part], "prod")
    assert ops == [Op("update", 1, part), Op("delete", 2), Op("delete", 3)]


def test_sync_leaves_an_unchanged_note_alone() -> None:
    """The same plan again makes no call (no notification noise)."""
    existing = [Note(7, f"{marker('staging', 1, 1)}\nsame")]
    assert sync_ops(existing, [existing[0].body], "staging") == []


class FakeGitLab:
    """An in-memory GitLab of one merge request's notes, by another user and by us."""

    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "body": f"{marker('prod', 1, 1)}\nquoted by a person",
                "author": {"id": 99},
            },
        }
        self.next_id = 100
        self.headers_seen: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.headers_seen.append(request.headers.get("PRIVATE-TOKEN", ""))
        path = request.url.path.removeprefix("/api/v4")
        if path == "/user":
            return httpx.Response(200, json={"id": 5})
        note_id = path.rsplit("/", 1)[-1]
        if request.method == "GET":
            return httpx.Response(200, json=list(self.notes.values()))
        if request.method == "POST":
            self.next_id += 1
            body = json.loads(request.content)["body"]
            self.notes[self.next_id] = {"id": self.next_id, "body": body, "author": {"id": 5}}
            return httpx.Response(201, json=self.notes[self.next_id])
        if request.method == "PUT":
            self.notes[int(note_id)]["body"] = json.loads(request.content)["body"]
            return httpx.Response(200, json=self.notes[int(note_id)])
        del self.notes[int(note_id)]
        return httpx.Response(204)

    def ours(self) -> list[str]:
        return [n["body"] for n in self.notes.values() if n["author"]["id"] == 5]


@pytest.fixture
def gitlab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "CI_API_V4_URL": "https://gitlab.test/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "3",
        "RECONCILER_GITLAB_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(name, value)


def _run(tmp_path: Path, fake: FakeGitLab, plan: str, rc: int, err: str = "") -> int:
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "plan.err").write_text(err, encoding="utf-8")
    argv = ["--env", "prod", "--rc", str(rc), str(tmp_path / "plan.md"), str(tmp_path / "plan.err")]
    return main(argv, transport=httpx.MockTransport(fake.handle))


@pytest.mark.usefixtures("gitlab_env")
def test_note_set_follows_the_plan_across_pipelines(tmp_path: Path) -> None:
    """Two parts, then one part, then a failure: one set of notes, a person's note kept."""
    fake = FakeGitLab()
    assert _run(tmp_path, fake, _plan("prod", "part one", "part two"), 2) == 0
    assert fake.ours() == [f"{marker('prod', 1, 2)}\npart one", f"{marker('prod', 2, 2)}\npart two"]
    assert _run(tmp_path, fake, _plan("prod", "only part"), 0) == 0
    assert fake.ours() == [f"{marker('prod', 1, 1)}\nonly part"]
    assert _run(tmp_path, fake, "", 1, err="error: campaigns/a.yaml:3 bad") == 0
    [failed] = fake.ours()
    assert "failed (exit status 1)" in failed and "campaigns/a.yaml:3 bad" in failed
    assert fake.notes[1]["body"].endswith("quoted by a person")
    assert set(fake.headers_seen) == {TOKEN}


@pytest.mark.usefixtures("gitlab_env")
def test_api_failure_is_reported_without_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GitLab error exits 1 with a message that does not contain the token."""

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"message": "403 Forbidden"})

    (tmp_path / "p.md").write_text("plan", encoding="utf-8")
    (tmp_path / "p.err").write_text("", encoding="utf-8")
    argv = ["--env", "prod", "--rc", "0", str(tmp_path / "p.md"), str(tmp_path / "p.err")]
    assert main(argv, transport=httpx.MockTransport(refuse)) == 1
    err = capsys.readouterr().err
    assert "403" in err and TOKEN not in err
