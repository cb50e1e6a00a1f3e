"""Behaviour of the plan formats beyond the golden files: schema, tables, splitting, masking."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema

from reconciler.guards import GuardSettings, with_guards
from reconciler.output.color import paint, should_color
from reconciler.output.jsonout import plan_to_json, render_json
from reconciler.output.markdown import (
    COMMENT_LIMIT,
    MARKER_PREFIX,
    render_markdown,
    render_markdown_parts,
    split_markdown_parts,
)
from reconciler.output.text import render_text
from reconciler.plan import ActionKind
from reconciler.planner import make_plan
from reconciler.state.base import AttemptStatus, StateSnapshot
from tests.output.sample import sample_plan
from tests.support.factories import NOW, make_attempt, make_desired, make_record, make_snapshot

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json").read_text("utf-8")
)
RECIPIENT = "+919812345601"


def big_plan(count=300, recipients=400):
    desired = [make_desired(f"campaign-{i:04d}", recipients=recipients) for i in range(count)]
    return make_plan(desired, StateSnapshot.empty("prod"), environment="prod", now=NOW)


def test_json_validates_against_the_schema():
    """The JSON plan of a plan with every action validates against schemas/plan.schema.json."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = json.loads(render_json(sample_plan()))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert {a["action"] for a in data["actions"]} == {k.value for k in ActionKind}


def test_json_of_an_empty_plan_validates_and_counts_every_action():
    """An empty plan still has every summary key, at 0."""
    plan = make_plan([], StateSnapshot.empty("dev"), environment="dev", now=NOW)
    data = plan_to_json(plan)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["summary"] == {**{k.value: 0 for k in ActionKind}, "moved": 0}
    assert data["lineage"] is None and data["state_exists"] is False


def moves_only_plan():
    """A plan whose one change is a renamed key: its record moves, nothing is sent."""
    old = make_desired("old-key")
    new = make_desired("new-key", body=old.body, previous_keys=["old-key"])
    snapshot = make_snapshot(records=[make_record("old-key", desired=old)])
    return make_plan([new], snapshot, environment="dev", now=NOW)


def test_a_plan_that_only_moves_a_record_says_so_in_every_format():
    """A rename is a pending write: text, markdown and JSON count the move."""
    plan = moves_only_plan()
    expected = "nothing to create, 1 record to move (state only), 1 unchanged"
    assert expected in render_text(plan)
    assert f"**{expected}**" in render_markdown(plan)
    data = plan_to_json(plan)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["summary"]["moved"] == 1 and data["summary"]["unchanged"] == 1


def test_json_separates_warnings_and_errors():
    """Guard errors land in errors, planner warnings in warnings."""
    data = plan_to_json(sample_plan())
    assert all(d["severity"] == "error" for d in data["errors"]) and data["errors"]
    assert all(d["severity"] == "warning" for d in data["warnings"]) and data["warnings"]


def test_recipient_numbers_are_masked_in_every_format_unless_sensitive():
    """No recipient's number appears in text, markdown or JSON; --show-sensitive shows them."""
    plan = sample_plan()
    for rendered in (render_text(plan), render_markdown(plan), render_json(plan)):
        assert RECIPIENT not in rendered
        assert "919812345601" not in rendered
    assert RECIPIENT in render_markdown(plan, show_sensitive=True)
    assert "919812345601" in render_json(plan, show_sensitive=True)


def test_sender_numbers_are_shown():
    """Sender numbers belong to the business and are not masked."""
    assert "+919800000001" in render_markdown(sample_plan())


def test_messages_show_ids_and_sender_numbers_and_mask_recipients():
    """A last error quoting a ctx_id, the sender and a recipient, in every format.

    The ctx_id's first group is all digits: it was once masked like a phone number.
    """
    ctx = "34567892-1b07-4a2b-9c3d-123456789012"
    error = f"400: from_number +919800000001 cannot message {RECIPIENT} (ctx_id {ctx})"
    failure = make_attempt("a-create", status=AttemptStatus.FAILED, error=error, http_status=400)
    state = make_snapshot("prod", failures=[failure])
    plan = make_plan([make_desired("a-create")], state, environment="prod", now=NOW)
    for rendered in (render_text(plan), render_markdown(plan), render_json(plan)):
        shown = rendered.replace("\\", "")  # markdown escapes "_" and "*"
        assert ctx in shown
        assert "from_number +919800000001 cannot message +91********01" in shown
        assert RECIPIENT not in shown


def test_markdown_has_a_proper_table():
    """The table has a header row, a separator row of the same width, and one row per action."""
    text = render_markdown(sample_plan())
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("| | Key |"))
    columns = lines[head].count("|")
    assert re.fullmatch(r"\|(-+:?\|)+|\|(---\|)+--:\|(---\|)+", lines[head + 1].replace(" ", ""))
    assert lines[head + 1].count("|") == columns
    rows = [line for line in lines[head + 2 :] if line.startswith("| ")]
    assert len(rows) == 7  # every action but the one plain unchanged campaign
    for row in rows:
        assert row.count("|") - row.count("\\|") == columns, row


def test_markdown_escapes_names_that_would_break_the_table():
    """A name with a pipe or HTML cannot add a column or inject markup."""
    plan = make_plan(
        [make_desired("k", name="a | b <script>")],
        StateSnapshot.empty("e"),
        environment="e",
        now=NOW,
    )
    text = render_markdown(plan)
    outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
    assert "<script>" not in outside_code
    assert "a \\| b &lt;script&gt;" in text


def test_markdown_changed_campaign_shows_a_unified_diff():
    """A changed campaign's details show a diff of the created and the spec's body."""
    old, new = make_desired("k", name="Old name"), make_desired("k", name="New name")
    state = make_snapshot(records=[make_record("k", desired=old)])
    text = render_markdown(make_plan([new], state, environment="dev", now=NOW))
    assert '-  "name": "Old name",' in text
    assert '+  "name": "New name",' in text
    assert "```diff" in text


def test_text_changed_campaign_shows_the_markdown_diff_with_verbose():
    """``-v`` puts under a changed campaign the very diff its markdown details show."""
    old, new = make_desired("k", name="Old name"), make_desired("k", name="New name")
    state = make_snapshot(records=[make_record("k", desired=old)])
    plan = make_plan([new], state, environment="dev", now=NOW)
    assert "Old name" not in render_text(plan)
    shown = [line.split("│ ", 1)[1] for line in render_text(plan, verbose=True).splitlines()
             if "│ " in line]  # fmt: skip
    diff = re.search(r"```diff\n(.*?)\n```", render_markdown(plan), flags=re.S)
    assert diff is not None and shown == diff.group(1).splitlines()
    assert '-  "name": "Old name",' in shown and '+  "name": "New name",' in shown
    colored = render_text(plan, verbose=True, color=True)
    assert paint('+  "name": "New name",', "green", enabled=True) in colored


def test_small_plan_is_one_part_without_part_numbers():
    """A plan that fits one comment is one part, with no "part 1 of 1" in its heading."""
    (part,) = render_markdown_parts(sample_plan())
    assert "### Plan for `prod`\n" in part
    assert part.startswith(MARKER_PREFIX)


def test_long_plan_is_split_into_standalone_parts_under_the_limit():
    """A plan over 65,536 characters splits into parts, each complete and under the limit."""
    plan = big_plan()
    parts = render_markdown_parts(plan)
    assert len(parts) > 1
    total = len(parts)
    keys_seen = []
    for index, part in enumerate(parts, 1):
        assert len(part) < COMMENT_LIMIT
        assert part.startswith(f"{MARKER_PREFIX} env=prod part={index}/{total} -->")
        assert f"### Plan for `prod` (part {index} of {total})" in part
        assert "300 to create (120,000 recipients)" in part
        assert "| | Key | Action |" in part
        assert part.count("<details>") == part.count("</details>")
        assert part.count("```") % 2 == 0
        keys_seen += re.findall(r"^\| `\+` \| `(campaign-\d+)`", part, flags=re.M)
    assert keys_seen == [f"campaign-{i:04d}" for i in range(300)]


def test_huge_campaign_body_is_shortened_to_fit_a_comment():
    """A campaign with 50,000 recipients still renders under the comment limit."""
    parts = render_markdown_parts(big_plan(count=2, recipients=50_000))
    assert all(len(p) < COMMENT_LIMIT for p in parts)
    assert "49,990 more not shown" in parts[0]


def test_split_markdown_parts_recovers_the_parts():
    """The CLI's concatenated markdown splits back into exactly the rendered parts."""
    parts = render_markdown_parts(big_plan())
    assert split_markdown_parts("\n".join(parts)) == parts


def test_text_lists_one_line_per_campaign_and_the_totals():
    """Text output has a line per campaign with its mark, then the totals sentence."""
    text = render_text(sample_plan())
    assert "  + a-create " in text and "  ~ c-changed " in text and "  > f-wait " in text
    assert (
        "2 to create (5 recipients), 1 record to move (state only), 2 unchanged, "
        "1 changed (not applied), 1 gone (still live), 1 in doubt, 1 awaiting promotion"
    ) in text
    assert text.index("Warnings:") > text.index("2 to create")


def test_text_has_no_errors_and_no_colour_by_default():
    """Errors go to stderr, not into the rendered plan; no ANSI codes unless asked."""
    plan = with_guards(sample_plan(), GuardSettings(max_creates=0))
    text = render_text(plan)
    assert "max_creates" not in text
    assert "\x1b[" not in text
    assert "\x1b[32m" in render_text(plan, color=True)


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color():
    """Colour on a terminal; none into a pipe, with NO_COLOR, or on a dumb terminal."""
    assert should_color(FakeTTY(), {})
    assert not should_color(io.StringIO(), {})
    assert not should_color(FakeTTY(), {"NO_COLOR": "1"})
    assert not should_color(FakeTTY(), {"TERM": "dumb"})
    assert should_color(io.StringIO(), {"FORCE_COLOR": "1"})
    assert not should_color(FakeTTY(), {"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert paint("x", "green", enabled=False) == "x"


def test_schema_file_is_generated_from_the_registered_schema():
    """schemas/plan.schema.json is what `reconciler schema` writes, so --check keeps it current."""
    from reconciler.output.plan_schema import plan_schema
    from reconciler.schemas import SCHEMAS, render

    assert SCHEMAS["plan.schema.json"]() == plan_schema() == SCHEMA
    path = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"
    assert path.read_text("utf-8") == render(plan_schema())
