"""The loader records the source line of the fields the planner and the guards report on."""

from __future__ import annotations

from pathlib import Path

from tests.specs.helpers import GOOD_CSV, load, spec_with
from tests.support.projects import make_project

# GOOD_SPEC pins its lines: start_at on 8, additional_settings on 10, customer_details on 17.
SUPPRESSING = spec_with(
    "  additional_settings:\n", "  additional_settings:\n    ignore_suppression: true\n"
)
CSV = spec_with(
    "  customer_details:\n"
    '    - {id: c1, to_number: "+919812345601"}\n'
    '    - {id: c2, to_number: "+919812345602"}\n',
    "  customer_details_csv: audiences/a.csv\n",
)


def test_yaml_spec_records_the_lines_of_its_reported_fields(tmp_path: Path) -> None:
    """In a *.yaml file each reported field maps to the line its key is written on."""
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": SUPPRESSING})
    (campaign,) = load(root).campaigns
    assert dict(campaign.field_lines) == {
        "touchpoint.start_at": 8,
        "touchpoint.additional_settings.ignore_suppression": 11,
        "touchpoint.customer_details": 18,
    }
    assert str(campaign.location_of("touchpoint.start_at")) == "campaigns/promo.yaml:8"
    assert str(campaign.location_of("touchpoint.name")) == "campaigns/promo.yaml:1"


def test_csv_recipients_are_recorded_at_the_csv_key(tmp_path: Path) -> None:
    """Recipients read from a CSV point at the spec's customer_details_csv line."""
    root = make_project(tmp_path / "p", {"campaigns/promo.yaml": CSV, "audiences/a.csv": GOOD_CSV})
    (campaign,) = load(root).campaigns
    assert campaign.field_lines == {
        "touchpoint.start_at": 8,
        "touchpoint.customer_details_csv": 17,
    }


def test_whole_file_template_records_source_lines_not_rendered_ones(tmp_path: Path) -> None:
    """In a *.yaml.j2 loop every generated campaign points at the source line of the field."""
    body = (
        SUPPRESSING.replace("key: promo", "key: promo-{{ n }}")
        .replace('"{{ vars.assistant_id }}"', "{{ vars.assistant_id }}")
        .replace('"{{ vars.from_numbers }}"', "{{ vars.from_numbers | tojson }}")
    )
    # Four source lines before the body render to two: rendered lines are shifted.
    head = "{% set ns = [1,\n  2,\n  3] %}\n{% for n in ns %}\n---\n"
    root = make_project(tmp_path / "p", {"campaigns/gen.yaml.j2": head + body + "{% endfor %}\n"})
    result = load(root)
    assert not result.errors, result.errors
    assert len(result.campaigns) == 3
    offset = head.count("\n")
    for campaign in result.campaigns:
        assert campaign.field_lines == {
            "touchpoint.start_at": offset + 8,
            "touchpoint.additional_settings.ignore_suppression": offset + 11,
            "touchpoint.customer_details": offset + 18,
        }
        assert campaign.location_of("touchpoint.start_at").file == "campaigns/gen.yaml.j2"
