"""load_campaigns: keys, previous keys, CSV audiences, fingerprints, warnings."""

from __future__ import annotations

from pathlib import Path

from reconciler.campaign import fingerprint
from tests.specs.cases import INLINE, J2_LOOP
from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, PROJECT_YAML, load, make_project, spec_with

TWO_ENVS = (
    PROJECT_YAML
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


def test_discovery_skips_dotfiles_and_other_suffixes(tmp_path: Path) -> None:
    """Only *.yaml and *.yaml.j2 outside dot-folders are specs, in sorted order."""
    root = make_project(
        tmp_path / "p",
        {
            "campaigns/b.yaml": GOOD_SPEC.replace("key: promo", "key: b"),
            "campaigns/a.yaml": GOOD_SPEC.replace("key: promo", "key: a"),
            "campaigns/.hidden.yaml": "not: [valid",
            "campaigns/.git/x.yaml": "not: [valid",
            "campaigns/notes.yml": "not: [valid",
            "campaigns/readme.md": "# hi",
        },
    )
    result = load(root)
    assert [c.key for c in result.campaigns] == ["a", "b"]
    assert not result.diagnostics


def test_sender_numbers_are_shown_in_messages_and_excerpts(tmp_path: Path) -> None:
    """A bad sender number is the business's own: shown as written; recipients stay masked."""
    bad_sender = J2_LOOP.replace('["+919800000001"]', '["+91980000000"]')
    root = make_project(tmp_path / "p", {"campaigns/gen.yaml.j2": bad_sender})
    errors = [d for d in load(root).errors if d.field.endswith("from_numbers[0]")]
    assert len(errors) == 2  # one per loop item; the second one's lines moved
    assert all("sender number '+91980000000' is not" in d.message for d in errors)
    excerpt = errors[1].excerpt
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
