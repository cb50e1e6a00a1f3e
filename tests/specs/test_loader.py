"""load_campaigns: keys, previous keys, CSV audiences, fingerprints, warnings."""

from __future__ import annotations

import csv
from pathlib import Path

from reconciler.campaign import fingerprint
from reconciler.specs.discover import default_key, spec_kind
from tests.specs.cases import INLINE, J2_LOOP, MANY_BAD_ROWS
from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, load, spec_with
from tests.support.projects import PROJECT_FILE, make_project

TWO_ENVS = (
    PROJECT_FILE
    + """\
  prod:
    vars: {workspace_id: ws-prod, assistant_id: 12, from_numbers: ["+919800000002"]}
"""
)
CSV_SPEC = spec_with(INLINE, "  customer_details_csv: audiences/a.csv\n")


def test_key_defaults_to_the_path_under_campaigns(tmp_path: Path) -> None:
    """Without `key`, the identity is the path under campaigns/ without its suffix."""
    spec = GOOD_SPEC.replace("key: promo\n", "previous_keys: [old-promo]\n")
    root = make_project(tmp_path / "p", {"campaigns/q1/promo.yaml": spec})
    (campaign,) = load(root).campaigns
    assert campaign.key == "q1/promo"
    assert campaign.previous_keys == ("old-promo",)
    assert str(campaign.location) == "campaigns/q1/promo.yaml:1"


def test_csv_rows_become_recipients_and_count_in_the_source(tmp_path: Path) -> None:
    """The CSV's rows are the recipients; the CSV is one of the spec's sources."""
    root = make_project(
        tmp_path / "p", {"campaigns/promo.yaml": CSV_SPEC, "audiences/a.csv": GOOD_CSV}
    )
    (campaign,) = load(root).campaigns
    assert campaign.body["touchpoint"]["customer_details"] == [
        {"id": "c1", "to_number": "+919812345601"},
        {"id": "c2", "to_number": "+919812345602"},
    ]
    assert campaign.source_files == ("campaigns/promo.yaml", "audiences/a.csv")
    before = campaign.source_fingerprint
    (root / "audiences/a.csv").write_text(GOOD_CSV + "c3,+919812345603\n", encoding="utf-8")
    (changed,) = load(root).campaigns
    assert changed.source_fingerprint != before
    assert changed.recipients == 3


def test_csv_error_lines_skip_blank_lines(tmp_path: Path) -> None:
    """A bad number is reported at its own CSV line, blank lines counted."""
    csv_text = "id,to_number\n\nc1,+919812345601\n\nc2,12\n"
    root = make_project(
        tmp_path / "p", {"campaigns/promo.yaml": CSV_SPEC, "audiences/a.csv": csv_text}
    )
    (error,) = [d for d in load(root).diagnostics if d.is_error]
    assert str(error.location) == "audiences/a.csv:5"
    assert error.field == "touchpoint.customer_details[1].to_number"


def test_every_bad_csv_row_is_reported_in_one_run(tmp_path: Path) -> None:
    """A row of the wrong width hides nothing: every row's problem, at its own line."""
    root = make_project(
        tmp_path / "p", {"campaigns/promo.yaml": CSV_SPEC, "audiences/a.csv": MANY_BAD_ROWS}
    )
    result = load(root)
    assert not result.campaigns
    assert [(d.location.file, d.location.line, d.field) for d in result.errors] == [
        ("audiences/a.csv", 3, ""),
        ("audiences/a.csv", 4, "touchpoint.customer_details[1].to_number"),
        ("audiences/a.csv", 5, "touchpoint.customer_details[2].id"),
        ("audiences/a.csv", 6, ""),
        ("audiences/a.csv", 7, "touchpoint.customer_details[3].to_number"),
    ]
    assert "found 1" in result.errors[3].message


def test_a_csv_of_bad_rows_only_reports_the_rows(tmp_path: Path) -> None:
    """No "no recipients" on top of the rows that were left out."""
    root = make_project(
        tmp_path / "p",
        {"campaigns/promo.yaml": CSV_SPEC, "audiences/a.csv": "id,to_number\na,b,c\nd\n"},
    )
    errors = load(root).errors
    assert [(str(d.location), d.message) for d in errors] == [
        ("audiences/a.csv:2", "expected 2 columns, found 3"),
        ("audiences/a.csv:3", "expected 2 columns, found 1"),
    ]


def test_rows_before_an_unreadable_csv_record_are_reported_too(tmp_path: Path) -> None:
    """The csv module stops at a cell it refuses; the bad rows before it are kept."""
    old = csv.field_size_limit(40)
    try:
        csv_text = 'id,to_number\na,b,c\n"q",' + "9" * 50 + "\n"
        root = make_project(
            tmp_path / "p", {"campaigns/promo.yaml": CSV_SPEC, "audiences/a.csv": csv_text}
        )
        errors = load(root).errors
    finally:
        csv.field_size_limit(old)
    assert [(str(d.location), d.message[:20]) for d in errors] == [
        ("audiences/a.csv:2", "expected 2 columns, "),
        ("audiences/a.csv:3", "invalid CSV: field l"),
    ]


def test_fingerprints_per_environment(tmp_path: Path) -> None:
    """Bodies differ per environment; the source fingerprint does not."""
    root = make_project(
        tmp_path / "p", {"reconciler.yaml": TWO_ENVS, "campaigns/promo.yaml": GOOD_SPEC}
    )
    (dev,) = load(root, "dev").campaigns
    (prod,) = load(root, "prod").campaigns
    assert dev.fingerprint == fingerprint(dev.body) != prod.fingerprint
    assert dev.source_fingerprint == prod.source_fingerprint
    assert prod.body["workspace_id"] == "ws-prod"


def test_whole_file_template_generates_campaigns_with_one_source(tmp_path: Path) -> None:
    """A *.yaml.j2 loop makes several campaigns that share the file as their source."""
    body = (
        GOOD_SPEC.replace("key: promo", "key: promo-{{ n }}")
        .replace("name: Promo", "name: Promo {{ n }}")
        .replace('"{{ vars.assistant_id }}"', "{{ vars.assistant_id }}")
        .replace('"{{ vars.from_numbers }}"', "{{ vars.from_numbers | tojson }}")
    )
    j2 = "{% for n in [1, 2, 3] %}\n---\n" + body + "{% endfor %}\n"
    root = make_project(tmp_path / "p", {"campaigns/gen.yaml.j2": j2})
    result = load(root)
    assert not result.errors, result.errors
    assert [c.key for c in result.campaigns] == ["promo-1", "promo-2", "promo-3"]
    assert len({c.source_fingerprint for c in result.campaigns}) == 1
    assert [c.location.line for c in result.campaigns] == [3, 3, 3]


def test_empty_spec_file_is_a_warning(tmp_path: Path) -> None:
    """A spec file with no document warns and does not fail."""
    root = make_project(tmp_path / "p", {"campaigns/empty.yaml": "# nothing yet\n"})
    result = load(root)
    assert not result.errors
    assert [str(w.location) for w in result.warnings] == ["campaigns/empty.yaml:1"]


def test_discovery_skips_dotfiles_and_warns_of_other_files(tmp_path: Path) -> None:
    """Spec suffixes in any case are specs; dotfiles are silent; other files warn."""
    specs = {
        "campaigns/b.yaml": "b",
        "campaigns/a.yaml": "a",
        "campaigns/c.yml": "c",
        "campaigns/D.YAML": "D",
        "campaigns/sub/e.Yml": "sub/e",
    }
    files: dict[str, str | bytes] = {path: GOOD_SPEC.replace("key: promo\n", "") for path in specs}
    whole_file = spec_with('"{{ vars.assistant_id }}"', "11").replace(
        '"{{ vars.from_numbers }}"', '["+919800000001"]'
    )
    files["campaigns/f.Yml.J2"] = whole_file.replace("key: promo\n", "")
    files["campaigns/g.yml.j2"] = (
        "{% for k in ['g1'] %}\n---\n"
        + whole_file.replace("key: promo", "key: {{ k }}")
        + "{% endfor %}\n"
    )
    files.update(
        {
            "campaigns/.hidden.yaml": "not: [valid",
            "campaigns/.gitkeep": "",
            "campaigns/.git/x.yaml": "not: [valid",
            "campaigns/notes.txt": "not: [valid",
            "campaigns/sub/x.json": "{}",
            "campaigns/promo.yaml.bak": "not: [valid",
        }
    )
    root = make_project(tmp_path / "p", files)
    result = load(root)
    assert sorted(c.key for c in result.campaigns) == sorted([*specs.values(), "f", "g1"])
    assert not result.errors
    assert [(str(w.location), w.message) for w in result.warnings] == [
        (f"campaigns/{name}", "not a spec file: it is not read")
        for name in ("notes.txt", "promo.yaml.bak", "sub/x.json")
    ]
    assert "dotfiles are ignored" in result.warnings[0].hint


def test_default_key_strips_every_spec_suffix(tmp_path: Path) -> None:
    """The default key is the path without its suffix, whatever the suffix's case."""
    campaigns = tmp_path / "campaigns"
    for name in ("x.yaml", "x.yml", "x.yaml.j2", "x.yml.j2", "x.YAML", "x.Yml.J2", "x.YML.j2"):
        assert default_key(campaigns / "sub" / name, campaigns) == "sub/x", name
    assert spec_kind(campaigns / "x.Yml.J2") == "yaml.j2"
    assert spec_kind(campaigns / "x.YML") == "yaml"
    assert spec_kind(campaigns / "x.j2") is None
    assert spec_kind(campaigns / ".yaml") is None


def test_sender_numbers_are_shown_in_messages_and_excerpts(tmp_path: Path) -> None:
    """A bad sender number is the business's own: shown as written; recipients stay masked."""
    bad_sender = J2_LOOP.replace('["+919800000001"]', '["+91980000000"]')
    root = make_project(tmp_path / "p", {"campaigns/gen.yaml.j2": bad_sender})
    errors = [d for d in load(root).errors if d.field.endswith("from_numbers[0]")]
    assert len(errors) == 1  # one problem, though each loop item has it
    assert "sender number '+91980000000' is not" in errors[0].message
    excerpt = errors[0].excerpt  # the second item's: its lines moved
    assert 'from_numbers: ["+91980000000"]' in excerpt
    assert "to_number: " in excerpt
    assert "+919812345601" not in excerpt


def test_bad_number_is_masked_in_messages(tmp_path: Path) -> None:
    """A diagnostic about a recipient's number never shows the whole number."""
    spec = spec_with('"+919812345602"', '"+9198123456029999"')
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": spec})
    errors = load(root).errors
    assert errors
    assert all("9198123456029999" not in d.message + d.hint + d.excerpt for d in errors)
