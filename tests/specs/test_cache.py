"""The validation cache never makes a load (or a plan, or a create) differ from a cold one."""

from __future__ import annotations

import dataclasses
import json
import marshal
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reconciler.commands.apply import ApplyHooks, ApplyOptions, apply_env
from reconciler.commands.inputs import RunInputs
from reconciler.commands.plan import PlanRequest, make_plan_for_env, planner_for_env
from reconciler.config import load_project
from reconciler.errors import ValidationFailed
from reconciler.output.markdown import render_markdown
from reconciler.runtime import Runtime
from reconciler.specs import cache as cache_mod
from reconciler.specs import loader as loader_mod
from reconciler.specs.bodies import load_bodies
from reconciler.specs.cache_file import MAGIC
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables
from reconciler.state import read_bodies, read_snapshot
from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, spec_with
from tests.support.cli import run_cli
from tests.support.projects import make_project

CSV_SPEC = spec_with(
    """  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
""",
    "  customer_details_csv: audiences/a.csv\n",
)
TEMPLATE_SPEC = spec_with(
    "name: Promo", "name: '{% from \"templates/m.j2\" import hi %}{{ hi(env) }}'"
)
OPTIONAL_SPEC = spec_with(
    "name: Promo", "name: 'P{% include \"templates/opt.j2\" ignore missing %}'", GOOD_SPEC
)
CACHE_FILE = ".reconciler/dev.sqlite.speccache"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project with an inline spec, a CSV spec, a template spec and an existing state file."""
    root = make_project(
        tmp_path / "p",
        {
            "campaigns/inline.yaml": GOOD_SPEC,
            "campaigns/csv.yaml": CSV_SPEC.replace("key: promo", "key: csv"),
            "campaigns/tpl.yaml": TEMPLATE_SPEC.replace("key: promo", "key: tpl"),
            "campaigns/opt.yaml": OPTIONAL_SPEC.replace("key: promo", "key: opt"),
            "campaigns/empty.yaml": "",  # a warning, cached with its file
            "audiences/a.csv": GOOD_CSV,
            "templates/m.j2": "{% macro hi(n) %}Hello {{ n }}{% endmacro %}",
        },
    )
    (root / ".reconciler").mkdir()
    (root / ".reconciler/dev.sqlite").write_bytes(b"")  # the cache lives beside a state
    return root


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """The process environment the loader sees: this test's own key folder."""
    return {"RECONCILER_CACHE_DIR": str(tmp_path / "keys")}


def _load(
    root: Path, environ: Mapping[str, str], *, cached: bool = True, var_args: tuple[str, ...] = ()
) -> LoadResult:
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "dev", var_args=var_args, os_environ={})
    if not cached:
        return load_campaigns(project, "dev", variables, os_environ=environ)
    with spec_cache_enabled():
        return load_campaigns(project, "dev", variables, os_environ=environ)


def _hits(result: LoadResult) -> set[str]:
    """Keys of the campaigns that came from the cache (no body until asked for)."""
    return {c.key for c in result.campaigns if not c.has_body}


def _with_bodies(result: LoadResult) -> LoadResult:
    """The load with every body loaded (those from the cache: ``load_bodies``)."""
    keys = {c.key for c in result.campaigns}
    campaigns = load_bodies(result.bodies, result.campaigns, keys)
    return dataclasses.replace(result, campaigns=campaigns)


def _same(a: LoadResult, b: LoadResult) -> LoadResult:
    """Two loads found the same campaigns, bodies and diagnostics; ``a`` with its bodies."""
    assert a.campaigns == b.campaigns
    a, b = _with_bodies(a), _with_bodies(b)
    assert [dict(c.body) for c in a.campaigns] == [dict(c.body) for c in b.campaigns]
    assert a.diagnostics == b.diagnostics
    return a


def _warm(root: Path, environ: Mapping[str, str]) -> None:
    _load(root, environ)
    assert _hits(_load(root, environ)) == {"promo", "csv", "tpl", "opt"}


def test_a_hit_loads_the_same_campaigns_and_warnings_as_a_cold_load(
    root: Path, environ: dict[str, str]
) -> None:
    """The second load comes from the cache and equals a load without it, bodies included."""
    cold = _load(root, environ, cached=False)
    assert not (root / CACHE_FILE).exists()
    first = _load(root, environ)
    assert _hits(first) == set() and (root / CACHE_FILE).exists()
    second = _load(root, environ)
    assert _hits(second) == {"promo", "csv", "tpl", "opt"}
    assert [d.message for d in second.warnings] == ["no campaign in this file"]
    loaded = _same(second, cold)
    assert _hits(loaded) == set()  # every body was loaded on demand


def test_a_bad_variable_after_a_warm_cache_is_reported_once_as_cold(
    root: Path, environ: dict[str, str]
) -> None:
    """The cache keeps no error; one bad variable is grouped at it just as without a cache."""
    _warm(root, environ)
    bad = ("assistant_id=eleven",)
    warm = _load(root, environ, var_args=bad)
    assert [(str(d.location), d.field) for d in warm.errors] == [
        ("command line", "--var assistant_id")
    ]
    assert "affects 4 campaigns: csv, opt, promo, tpl" in warm.errors[0].message
    _same(warm, _load(root, environ, cached=False, var_args=bad))


@pytest.mark.parametrize(
    ("path", "old", "new", "stale"),
    [
        ("campaigns/inline.yaml", "name: Promo", "name: Promo 2", "promo"),
        ("audiences/a.csv", "c2,+919812345602", "c2,+919812345603", "csv"),
        ("templates/m.j2", "Hello", "Hi", "tpl"),
    ],
)
def test_editing_a_spec_or_a_file_it_read_misses(
    root: Path, environ: dict[str, str], path: str, old: str, new: str, stale: str
) -> None:
    """An edit to the spec, its CSV or an imported template reloads that spec, and only it."""
    _warm(root, environ)
    file = root / path
    file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    warm = _load(root, environ)
    assert stale not in _hits(warm)
    assert len(_hits(warm)) == 3
    _same(warm, _load(root, environ, cached=False))


def test_a_template_that_appears_where_one_was_missing_misses(
    root: Path, environ: dict[str, str]
) -> None:
    """``include ... ignore missing``: creating the missing file invalidates the entry."""
    _warm(root, environ)
    (root / "templates/opt.j2").write_text("!", encoding="utf-8")
    warm = _load(root, environ)
    assert "opt" not in _hits(warm)
    assert next(c for c in warm.campaigns if c.key == "opt").name == "P!"


def test_another_variable_value_misses(root: Path, environ: dict[str, str]) -> None:
    """A --var that changes the variables reloads every spec, with the new value."""
    _warm(root, environ)
    warm = _load(root, environ, var_args=("workspace_id=ws-other",))
    assert _hits(warm) == set()
    assert {c.body["workspace_id"] for c in warm.campaigns} == {"ws-other"}


def test_another_tool_version_misses(
    root: Path, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool's code (and its phone and time-zone data) is part of every entry's key."""
    _warm(root, environ)
    monkeypatch.setattr(cache_mod, "code_digest", lambda: "another version")
    assert _hits(_load(root, environ)) == set()


def test_another_environment_does_not_use_the_entries(root: Path, environ: dict[str, str]) -> None:
    """A cache file copied to another environment's place is not used there."""
    (root / "reconciler.yaml").write_text(
        (root / "reconciler.yaml").read_text(encoding="utf-8")
        + "  stage:\n    api_url: sandbox\n    vars: {workspace_id: ws-dev, assistant_id: 11,"
        ' from_numbers: ["+919800000001"]}\n',
        encoding="utf-8",
    )
    _warm(root, environ)
    (root / ".reconciler/stage.sqlite").write_bytes(b"")
    (root / ".reconciler/stage.sqlite.speccache").write_bytes((root / CACHE_FILE).read_bytes())
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "stage", os_environ={})
    with spec_cache_enabled():
        stage = load_campaigns(project, "stage", variables, os_environ=environ)
    assert _hits(stage) == set()


def _entries(root: Path) -> tuple[bytes, str, dict[str, Any]]:
    """The signed header, the base and the entries of the cache file (read without a key)."""
    data = (root / CACHE_FILE).read_bytes()
    start = len(MAGIC) + 32
    base, entries = marshal.loads(data[start:])
    return data[:start], base, entries


def test_an_edited_entry_is_not_trusted(root: Path, environ: dict[str, str]) -> None:
    """An entry changed after it was written (the file's HMAC no longer matches) is ignored."""
    _warm(root, environ)
    header, base, entries = _entries(root)
    row = list(entries["campaigns/inline.yaml"][3][0])
    row[cache_mod.CAMPAIGN_FIELDS.index("fingerprint")] = "0" * 64
    entry = list(entries["campaigns/inline.yaml"])
    entry[3] = (tuple(row),)
    entries["campaigns/inline.yaml"] = tuple(entry)
    (root / CACHE_FILE).write_bytes(header + marshal.dumps((base, entries)))
    warm = _load(root, environ)
    assert _hits(warm) == set()  # one HMAC over the file: no entry of it is trusted
    _same(warm, _load(root, environ, cached=False))


def test_a_cache_from_another_machine_is_not_trusted(
    root: Path, environ: dict[str, str], tmp_path: Path
) -> None:
    """A cache signed with another key (say, committed in a pull request) is ignored."""
    _warm(root, environ)
    other = {"RECONCILER_CACHE_DIR": str(tmp_path / "other-machine")}
    assert _hits(_load(root, other)) == set()


def test_a_corrupt_cache_is_ignored_and_rebuilt(root: Path, environ: dict[str, str]) -> None:
    """Bytes that are not a cache are no error: the load is cold and rewrites the file."""
    _warm(root, environ)
    (root / CACHE_FILE).write_bytes(b"\x00not json")
    assert _hits(_load(root, environ)) == set()
    assert _hits(_load(root, environ)) == {"promo", "csv", "tpl", "opt"}


def test_a_load_with_errors_writes_no_cache(root: Path, environ: dict[str, str]) -> None:
    """A load with errors writes nothing (not even the cache); the good files still hit."""
    _warm(root, environ)
    before = (root / CACHE_FILE).read_bytes()
    (root / "campaigns/bad.yaml").write_text(
        spec_with("start_hour: 10", "start_hour: 99").replace("key: promo", "key: bad"),
        encoding="utf-8",
    )
    result = _load(root, environ)
    assert result.errors
    assert (root / CACHE_FILE).read_bytes() == before  # bad input changes nothing
    assert _hits(result) == {"promo", "csv", "tpl", "opt"}  # the good files still hit


def test_cross_file_checks_run_over_cached_campaigns(root: Path, environ: dict[str, str]) -> None:
    """A new file reusing a cached campaign's key is still reported as a duplicate."""
    _warm(root, environ)
    (root / "campaigns/zz.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    warm = _load(root, environ)
    assert any("already used" in d.message for d in warm.errors)


def test_no_cache_variable_disables_it(root: Path, environ: dict[str, str]) -> None:
    """RECONCILER_NO_CACHE=1 neither reads nor writes the cache."""
    _warm(root, environ)
    before = (root / CACHE_FILE).read_bytes()
    (root / "campaigns/inline.yaml").write_text(
        spec_with("name: Promo", "name: Promo 3"), encoding="utf-8"
    )
    result = _load(root, {**environ, "RECONCILER_NO_CACHE": "1"})
    assert _hits(result) == set()
    assert (root / CACHE_FILE).read_bytes() == before


def test_without_a_state_nothing_is_written(tmp_path: Path, environ: dict[str, str]) -> None:
    """A project without a state gets no cache and no .reconciler folder."""
    root = make_project(tmp_path / "fresh", {"campaigns/inline.yaml": GOOD_SPEC})
    _load(root, environ)
    assert not (root / ".reconciler").exists()


def test_the_cache_holds_no_phone_number_and_is_private(
    root: Path, environ: dict[str, str]
) -> None:
    """Neither a recipient's number nor a sender's is in the cache file, which is 0600."""
    _warm(root, environ)
    data = (root / CACHE_FILE).read_bytes()
    assert b"touchpoint.customer_details" in data  # strings are stored as their bytes
    for digits in (b"9812345601", b"9812345602", b"9800000001"):
        assert digits not in data
    assert (root / CACHE_FILE).stat().st_mode & 0o777 == 0o600


def test_a_spec_changed_after_planning_is_refused_when_its_body_is_needed(
    root: Path, environ: dict[str, str]
) -> None:
    """A body that no longer matches the planned fingerprint is never handed out."""
    _warm(root, environ)
    warm = _load(root, environ)
    (root / "campaigns/inline.yaml").write_text(
        spec_with("name: Promo", "name: Promo 4"), encoding="utf-8"
    )
    with pytest.raises(ValidationFailed) as caught:
        load_bodies(warm.bodies, warm.campaigns, {"promo"})
    assert "changed while reconciler was running" in str(caught.value.diagnostics[0].message)


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process environment's key folder, for commands that read os.environ."""
    folder = tmp_path / "keys"
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(folder))
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    yield folder


def _apply(root: Path) -> None:
    project = load_project(project_dir=root)
    with spec_cache_enabled():
        report = apply_env(
            project,
            "dev",
            ApplyOptions(auto_approve=True),
            ApplyHooks(),
            RunInputs(runtime=_process()),
        )
    assert report.exit_code == 0


def _created_bodies(root: Path, keys: set[str]) -> dict[str, Any]:
    snapshot = read_snapshot(".reconciler/dev.sqlite", "dev", root=root)
    records = [r for k, r in snapshot.campaigns.items() if k in keys]
    found = read_bodies(".reconciler/dev.sqlite", "dev", records, root=root)
    return {k: (r.fingerprint, dict(r.body)) for k, r in found.items()}


def _applied_twice(root: Path, monkeypatch: pytest.MonkeyPatch, *, cached: bool) -> set[str]:
    """Apply one spec, add two, plan (which writes the cache), apply again; the cache hits."""
    _apply(root)
    (root / "campaigns/inline.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (root / "audiences/a.csv").write_text(GOOD_CSV, encoding="utf-8")
    (root / "campaigns/csv.yaml").write_text(CSV_SPEC.replace("key: promo", "key: csv"))
    if not cached:
        monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    project = load_project(project_dir=root)
    with spec_cache_enabled():  # one command: its cache is written when it ends
        environ = _process().environ
        now = datetime.now(UTC)
        make_plan_for_env(project, PlanRequest("dev", {**_vars(project)}, now, environ))
    with spec_cache_enabled():
        planner = planner_for_env(project, PlanRequest("dev", _vars(project), now, environ))
    hits = {c.key for c in planner.campaigns if not c.has_body}
    _apply(root)
    return hits


def _process() -> Runtime:
    """The runtime of this process: its environment, as the fixtures set it."""
    return Runtime.from_process()


def _vars(project: Any) -> dict[str, Any]:
    return dict(resolve_variables(project, "dev", os_environ={}))


def test_a_create_from_a_cache_hit_sends_the_body_a_cold_run_sends(
    tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applying campaigns taken from the cache records exactly the bodies of a cold apply."""
    first = {"campaigns/first.yaml": GOOD_SPEC.replace("key: promo", "key: first")}
    warm_root = make_project(tmp_path / "warm", first)
    (warm_root / "audiences").mkdir()
    cold_root = make_project(tmp_path / "cold", first)
    (cold_root / "audiences").mkdir()
    assert _applied_twice(warm_root, monkeypatch, cached=True) >= {"promo", "csv"}
    assert _applied_twice(cold_root, monkeypatch, cached=False) == set()
    warm = _created_bodies(warm_root, {"promo", "csv"})
    assert set(warm) == {"promo", "csv"}
    assert warm == _created_bodies(cold_root, {"promo", "csv"})


@pytest.mark.slow
def test_plan_json_is_the_same_from_the_cache(tmp_path: Path) -> None:
    """`plan --format json` with a warm cache prints what a run without the cache prints."""
    env = {"RECONCILER_CACHE_DIR": str(tmp_path / "keys")}
    root = make_project(tmp_path / "p", {"campaigns/inline.yaml": GOOD_SPEC})
    assert run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=env).returncode == 0
    (root / "campaigns/more.yaml").write_text(GOOD_SPEC.replace("key: promo", "key: more"))
    plans = [
        run_cli("plan", "--env", "dev", "--format", "json", cwd=root, env=env).stdout
        for _ in range(2)
    ]
    assert (root / CACHE_FILE).exists()
    cold = run_cli(
        "plan",
        "--env",
        "dev",
        "--format",
        "json",
        cwd=root,
        env={**env, "RECONCILER_NO_CACHE": "1"},
    )
    assert plans[0] == plans[1] == cold.stdout
    assert json.loads(cold.stdout)["summary"]["create"] == 1


def test_a_spec_reading_through_a_link_is_never_cached(root: Path, environ: dict[str, str]) -> None:
    """A CSV or template reached through a link is not cached: retargeting it must show."""
    (root / "audiences/a.csv").rename(root / "audiences/oct.csv")
    (root / "audiences/a.csv").symlink_to("oct.csv")
    (root / "templates/m.j2").rename(root / "templates/m1.j2")
    (root / "templates/m.j2").symlink_to("m1.j2")
    _load(root, environ)
    second = _load(root, environ)
    assert _hits(second) == {"promo", "opt"}  # the linked CSV and template specs reload
    (root / "templates/m2.j2").write_text(
        "{% macro hi(n) %}Bye {{ n }}{% endmacro %}", encoding="utf-8"
    )
    (root / "templates/m.j2").unlink()
    (root / "templates/m.j2").symlink_to("m2.j2")
    retargeted = {c.key: c for c in _load(root, environ).campaigns}
    assert retargeted["tpl"].name.startswith("Bye")


def test_reordering_a_variable_mapping_misses(root: Path, environ: dict[str, str]) -> None:
    """Jinja iterates mappings in order, so a reordered mapping is another input."""
    spec = spec_with("name: Promo", "name: '{% for k in vars.offers %}{{ k }} {% endfor %}'")
    (root / "campaigns/order.yaml").write_text(
        spec.replace("key: promo", "key: order"), encoding="utf-8"
    )
    project_file = root / "reconciler.yaml"
    text = project_file.read_text(encoding="utf-8")
    base = "vars: {language: en}"
    first = text.replace(base, "vars: {language: en, offers: {sweets: 1, lamps: 2}}")
    project_file.write_text(first, encoding="utf-8")
    _load(root, environ)
    second = text.replace(base, "vars: {language: en, offers: {lamps: 2, sweets: 1}}")
    assert first != text and second != text
    project_file.write_text(second, encoding="utf-8")
    names = {c.key: c.name for c in _load(root, environ).campaigns}
    assert names["order"].startswith("lamps sweets")


def test_a_plan_holds_the_bodies_of_its_creates_taken_from_the_cache(
    tmp_path: Path, key_dir: Path
) -> None:
    """The creates a plan shows carry their bodies even when their specs came from the cache."""
    root = make_project(tmp_path / "p", {"campaigns/first.yaml": GOOD_SPEC.replace("promo", "a")})
    (root / "audiences").mkdir()
    _apply(root)
    (root / "campaigns/inline.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    project = load_project(project_dir=root)
    environ = _process().environ
    plans = []
    for _ in range(2):
        with spec_cache_enabled():
            now = datetime.now(UTC)
            made = make_plan_for_env(project, PlanRequest("dev", _vars(project), now, environ))
            plans.append(made.plan)
    with spec_cache_enabled():
        now = datetime.now(UTC)
        planner = planner_for_env(project, PlanRequest("dev", _vars(project), now, environ))
    assert {c.key for c in planner.campaigns if not c.has_body} == {"a", "promo"}
    cold, warm = ([a.desired for a in plan.creates if a.desired] for plan in plans)
    assert [d.key for d in warm] == ["promo"]
    assert [d.body for d in warm] == [d.body for d in cold]
    shown = [render_markdown(plan, show_sensitive=False) for plan in plans]
    assert "customer_details" in shown[1]
    assert shown[1] == shown[0]


def _two_environments(root: Path, environ: Mapping[str, str]) -> None:
    """A stage environment beside dev, both with a state and a warm cache."""
    (root / "reconciler.yaml").write_text(
        (root / "reconciler.yaml").read_text(encoding="utf-8")
        + "  stage:\n    api_url: sandbox\n    vars: {workspace_id: ws-dev, assistant_id: 11,"
        ' from_numbers: ["+919800000001"]}\n',
        encoding="utf-8",
    )
    (root / ".reconciler/stage.sqlite").write_bytes(b"")
    project = load_project(project_dir=root)
    for _ in range(2):
        for env in ("dev", "stage"):
            with spec_cache_enabled():
                load_campaigns(
                    project, env, resolve_variables(project, env, os_environ={}),
                    os_environ=environ,
                )  # fmt: skip


def _spec_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The spec files the loader opens to look them up in a cache, and its walks of the
    campaigns folder, in order."""
    opened: list[str] = []
    real_open = open

    def counting_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    def counting_discover(campaigns_dir: Path) -> Any:
        opened.append("(the folder walked)")
        return real_discover(campaigns_dir)

    real_discover = loader_mod.discover
    monkeypatch.setattr(loader_mod, "open", counting_open, raising=False)
    monkeypatch.setattr(loader_mod, "discover", counting_discover)
    return opened


def test_a_command_sharing_reads_reads_each_spec_once_for_every_environment(
    root: Path, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """report and validate load every environment: the folder is walked and each spec
    file read (and hashed) once, and both environments still take every campaign from
    their own cache."""
    _two_environments(root, environ)
    opened = _spec_reads(monkeypatch)
    project = load_project(project_dir=root)
    with spec_cache_enabled(share_reads=True):
        loads = [
            load_campaigns(
                project, env, resolve_variables(project, env, os_environ={}), os_environ=environ
            )
            for env in ("dev", "stage")
        ]
    specs = ["inline.yaml", "csv.yaml", "tpl.yaml", "opt.yaml", "empty.yaml"]
    assert sorted(opened) == sorted([*specs, "(the folder walked)"])
    assert [_hits(load) for load in loads] == [{"promo", "csv", "tpl", "opt"}] * 2


def test_a_command_not_sharing_reads_reads_each_spec_again_and_sees_an_edit(
    root: Path, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan and apply read a spec's bytes at each load: an edit between two is a miss."""
    _two_environments(root, environ)
    opened = _spec_reads(monkeypatch)
    project = load_project(project_dir=root)
    with spec_cache_enabled():
        dev = load_campaigns(
            project, "dev", resolve_variables(project, "dev", os_environ={}), os_environ=environ
        )
        spec = root / "campaigns/inline.yaml"
        spec.write_text(spec.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        stage = load_campaigns(
            project, "stage", resolve_variables(project, "stage", os_environ={}),
            os_environ=environ,
        )  # fmt: skip
    assert opened.count("inline.yaml") == 2
    assert opened.count("(the folder walked)") == 2
    assert "promo" in _hits(dev)
    assert "promo" not in _hits(stage)
