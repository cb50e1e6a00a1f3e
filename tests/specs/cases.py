"""Bad inputs, each with where its error must be reported (file, line, field, words)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, Setup, spec_with
from tests.support.projects import PROJECT_FILE

SPEC = "campaigns/promo.yaml"
MARKER = "MARKER"  # a template that could run a command would create this file
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes]
    file: str
    line: int
    field: str
    words: str
    setup: Setup | None = None
    extra: tuple[str, ...] = field(default=())
    hint: str = ""  # words of the hint


def _link_out(link: str, target_name: str, content: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        target = outside / target_name
        target.write_text(content, encoding="utf-8")
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        (root / link).symlink_to(target)

    return setup


INLINE = """\
  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
"""
DUP_STATUS = "  status: scheduled\n  status: paused"
PY_TAG = "name: !!python/object:os.system Promo"
SYMLINKED_MACRO = "{% macro m() %}s{% endmacro %}"
CYCLER = f"{{{{ cycler.__init__.__globals__.os.system('touch {MARKER}') }}}}"
NO_KEY = GOOD_SPEC.replace("key: promo\n", "")


# Line 3 and 6 have the wrong width; 4 a bad number; 5 repeats line 2's id, 7 its number.
MANY_BAD_ROWS = """\
id,to_number
c1,+919812345601
c2,+919812345602,extra
c3,+91123
c1,+919812345604
c5
c6,+919812345601
"""


def _csv_spec(path: str) -> str:
    return spec_with(INLINE, f"  customer_details_csv: {path}\n")


def _j2(old: str, new: str) -> dict[str, str | bytes]:
    assert old in J2_LOOP
    return {"campaigns/gen.yaml.j2": J2_LOOP.replace(old, new)}


def _in_name(expr: str) -> dict[str, str | bytes]:
    assert '"' not in expr
    return {SPEC: spec_with("name: Promo", f'name: "{expr}"')}


J2_LOOP = """\
{% for hour in [10, 30] %}
---
key: loop-{{ loop.index }}
name: Loop {{ loop.index }}
touchpoint:
  name: loop
  type: WHATSAPP
  status: scheduled
  start_at: "2027-10-28T10:00:00+05:30"
  assistant_id: 11
  additional_settings:
    execution_days: [mon]
    start_hour: {{ hour }}
    end_hour: 24
    delay: 2
    time_zone: Asia/Kolkata
    from_numbers: ["+919800000001"]
  customer_details:
    - {id: c1, to_number: "+919812345601"}
  whatsapp_data:
    template: promo_offer
    language_code: en
{% endfor %}
"""

CASES = [
    Case(
        "malformed-yaml",
        {SPEC: spec_with("  type: WHATSAPP", "  type: [WHATSAPP")},
        SPEC,
        7,
        "",
        "invalid YAML",
    ),
    Case(
        "duplicate-key",
        {SPEC: spec_with("  status: scheduled", DUP_STATUS)},
        SPEC,
        8,
        "touchpoint.status",
        "duplicate key 'status' (first at line 7)",
    ),
    Case(
        "python-object-tag",
        {SPEC: spec_with("name: Promo", PY_TAG)},
        SPEC,
        2,
        "name",
        "!!python/object:os.system",
    ),
    Case(
        "python-apply-tag-on-mapping",
        {SPEC: spec_with("touchpoint:\n", "touchpoint: !!python/object/apply:os.system\n")},
        SPEC,
        4,
        "touchpoint",
        "not allowed",
    ),
    Case(
        "custom-tag",
        {SPEC: spec_with("  status: scheduled", "  status: !env scheduled")},
        SPEC,
        7,
        "touchpoint.status",
        "'!env'",
    ),
    Case(
        "binary-tag",
        {SPEC: spec_with("name: Promo", "name: !!binary UHJvbW8=")},
        SPEC,
        2,
        "name",
        "'!!binary'",
    ),
    Case(
        "typo-start-hours",
        {SPEC: spec_with("    start_hour: 10", "    start_hours: 10")},
        SPEC,
        12,
        "touchpoint.additional_settings.start_hours",
        "start_hours",
    ),
    Case(
        "unknown-top-level-key",
        {SPEC: spec_with("name: Promo", "name: Promo\nnmae: Promo")},
        SPEC,
        3,
        "nmae",
        "nmae",
    ),
    Case(
        "missing-key-at-its-mapping",
        {SPEC: spec_with("  status: scheduled\n", "")},
        SPEC,
        4,
        "touchpoint.status",
        "status",
    ),
    Case(
        "one-bad-variable-in-many-specs",
        {
            "reconciler.yaml": PROJECT_FILE.replace("assistant_id: 11", "assistant_id: eleven"),
            SPEC: GOOD_SPEC,
            "campaigns/other.yaml": GOOD_SPEC.replace("key: promo", "key: other"),
        },
        "reconciler.yaml",
        6,
        "environments.dev.vars.assistant_id",
        "as touchpoint.assistant_id: expected a whole number, got text (affects 2 campaigns: "
        "other, promo)",
    ),
    Case(
        "wrong-type-from-variable",
        {SPEC: spec_with("vars.assistant_id", "vars.workspace_id")},
        SPEC,
        9,
        "touchpoint.assistant_id",
        "whole number",
    ),
    Case(
        "unquoted-template-is-a-yaml-mapping",
        {SPEC: spec_with('"{{ vars.workspace_id }}"', "{{ vars.workspace_id }}")},
        SPEC,
        3,
        "workspace_id",
        "without quotes is read as a YAML mapping",
        extra=('write it in quotes, "{{ vars.workspace_id }}"',),
    ),
    Case(
        "unquoted-template-in-a-list",
        {SPEC: spec_with("execution_days: [mon, tue]", "execution_days:\n      - {{ vars.d }}")},
        SPEC,
        12,
        "touchpoint.additional_settings.execution_days[0]",
        '"{{ vars.d }}"',
    ),
    Case("jinja-syntax-error", _in_name("{{ vars.language + }}"), SPEC, 2, "name", "syntax"),
    Case("undefined-variable", _in_name("{{ vars.nope }}"), SPEC, 2, "name", "nope"),
    Case("undefined-name", _in_name("{{ nope }}"), SPEC, 2, "name", "'nope' is undefined"),
    Case(
        "undefined-variable-did-you-mean",
        _in_name("{{ vars.langauge | upper }}"),
        SPEC,
        2,
        "name",
        "'vars.langauge' is undefined",
        hint="did you mean vars.language?",
    ),
    Case(
        "undefined-name-did-you-mean",
        _in_name("{{ evn }}"),
        SPEC,
        2,
        "name",
        "'evn' is undefined",
        hint="did you mean env?",
    ),
    Case(
        "escape-subclasses",
        _in_name("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        SPEC,
        2,
        "name",
        "unsafe",
    ),
    Case("escape-cycler-globals", _in_name(CYCLER), SPEC, 2, "name", "unsafe"),
    Case(
        "escape-lipsum-globals",
        _in_name(f"{{{{ lipsum.__globals__['os'].popen('touch {MARKER}').read() }}}}"),
        SPEC,
        2,
        "name",
        "lipsum",
    ),
    Case(
        "escape-namespace-globals",
        _in_name("{{ namespace.__init__.__globals__ }}"),
        SPEC,
        2,
        "name",
        "unsafe",
    ),
    Case(
        "escape-format-string",
        _in_name("{{ '{0.__class__}'.format(env) }}"),
        SPEC,
        2,
        "name",
        "unsafe",
    ),
    Case("memory-bomb-repeat", _in_name("{{ 'x' * 1000000000 }}"), SPEC, 2, "name", "longer than"),
    Case("not-data", _in_name("{{ range(3) }}"), SPEC, 2, "name", "not data"),
    Case(
        "import-parent",
        _in_name("{% import '../secret.j2' as s %}x"),
        SPEC,
        2,
        "name",
        "outside the project",
    ),
    Case(
        "import-absolute",
        _in_name("{% import '/etc/hostname' as s %}x"),
        SPEC,
        2,
        "name",
        "outside the project",
    ),
    Case(
        "import-symlink-out",
        _in_name("{% import 'templates/link.j2' as s %}x"),
        SPEC,
        2,
        "name",
        "outside the project",
        setup=_link_out("templates/link.j2", "secret.j2", SYMLINKED_MACRO),
    ),
    Case(
        "spec-symlink-out",
        {},
        SPEC,
        1,
        "",
        "outside the project",
        setup=_link_out(SPEC, "elsewhere.yaml", GOOD_SPEC),
    ),
    Case(
        "csv-parent",
        {SPEC: _csv_spec("../x.csv")},
        SPEC,
        17,
        "touchpoint.customer_details_csv",
        "leaves the project",
    ),
    Case(
        "csv-absolute",
        {SPEC: _csv_spec("/etc/passwd")},
        SPEC,
        17,
        "touchpoint.customer_details_csv",
        "leaves the project",
    ),
    Case(
        "csv-symlink-out",
        {SPEC: _csv_spec("audiences/link.csv")},
        SPEC,
        17,
        "touchpoint.customer_details_csv",
        "leaves the project",
        setup=_link_out("audiences/link.csv", "x.csv", GOOD_CSV),
    ),
    Case(
        "csv-bad-number",
        {
            SPEC: _csv_spec("audiences/a.csv"),
            "audiences/a.csv": "id,to_number\nc1,+919812345601\nc2,+91123\n",
        },
        "audiences/a.csv",
        3,
        "touchpoint.customer_details[1].to_number",
        "number of digits",
    ),
    Case(
        "csv-bad-row-width-beside-other-rows",
        {SPEC: _csv_spec("audiences/a.csv"), "audiences/a.csv": MANY_BAD_ROWS},
        "audiences/a.csv",
        3,
        "",
        "expected 2 columns, found 3",
    ),
    Case(
        "csv-bad-number-after-a-bad-width",
        {SPEC: _csv_spec("audiences/a.csv"), "audiences/a.csv": MANY_BAD_ROWS},
        "audiences/a.csv",
        4,
        "touchpoint.customer_details[1].to_number",
        "number of digits",
    ),
    Case(
        "csv-duplicate-id-names-both-lines",
        {SPEC: _csv_spec("audiences/a.csv"), "audiences/a.csv": MANY_BAD_ROWS},
        "audiences/a.csv",
        5,
        "touchpoint.customer_details[2].id",
        "recipient id 'c1' on line 5 is also on line 2",
    ),
    Case(
        "csv-duplicate-number-names-both-lines",
        {SPEC: _csv_spec("audiences/a.csv"), "audiences/a.csv": MANY_BAD_ROWS},
        "audiences/a.csv",
        7,
        "touchpoint.customer_details[3].to_number",
        "on line 7 is also on line 2",
    ),
    Case(
        "csv-bad-header",
        {
            SPEC: _csv_spec("audiences/a.csv"),
            "audiences/a.csv": "id,phone\nc1,+919812345601\n",
        },
        "audiences/a.csv",
        1,
        "",
        "header",
    ),
    Case(
        "csv-and-inline",
        {
            SPEC: spec_with(
                "  customer_details:\n", "  customer_details_csv: audiences/a.csv\n" + INLINE[:20]
            ),
            "audiences/a.csv": GOOD_CSV,
        },
        SPEC,
        17,
        "touchpoint.customer_details_csv",
        "not both",
    ),
    Case(
        "inline-bad-number",
        {SPEC: spec_with('"+919812345602"', '"+919812"')},
        SPEC,
        19,
        "touchpoint.customer_details[1].to_number",
        "number of digits",
    ),
    Case("alias-bomb", {SPEC: BOMB}, SPEC, 2, "", "aliases"),
    Case(
        "alias",
        {
            SPEC: spec_with(
                "  name: promo-wa", "  name: *n", spec_with("name: Promo", "name: &n Promo")
            )
        },
        SPEC,
        5,
        "",
        "aliases",
    ),
    Case(
        "invalid-utf8",
        {SPEC: GOOD_SPEC.encode().replace(b"Promo", b"Pr\xffmo", 1)},
        SPEC,
        2,
        "",
        "not valid UTF-8: campaigns/promo.yaml",
    ),
    Case(
        "latin1-file",
        {SPEC: GOOD_SPEC.replace("Promo", "Promoção", 1).encode("latin-1")},
        SPEC,
        2,
        "",
        "UTF-8",
    ),
    Case("not-a-mapping", {SPEC: "- a\n- b\n"}, SPEC, 1, "", "mapping"),
    Case(
        "same-key-two-files",
        {SPEC: GOOD_SPEC, "campaigns/z/other.yaml": GOOD_SPEC},
        "campaigns/z/other.yaml",
        1,
        "key",
        "already used at campaigns/promo.yaml:1",
    ),
    Case(
        "previous-key-is-another-key",
        {
            SPEC: GOOD_SPEC,
            "campaigns/z/other.yaml": spec_with("key: promo", "key: other\nprevious_keys: [promo]"),
        },
        "campaigns/z/other.yaml",
        2,
        "previous_keys",
        "key 'promo' is already used at campaigns/promo.yaml:1",
    ),
    Case(
        "previous-key-is-a-later-key",
        {
            SPEC: GOOD_SPEC,
            "campaigns/a.yaml": spec_with("key: promo", "key: other\nprevious_keys: [promo]"),
        },
        "campaigns/a.yaml",
        2,
        "previous_keys",
        "key 'promo' is already used at campaigns/promo.yaml:1",
    ),
    Case(
        "two-specs-list-one-previous-key",
        {
            SPEC: spec_with("key: promo", "key: promo\nprevious_keys: [old]"),
            "campaigns/z/other.yaml": spec_with("key: promo", "key: other\nprevious_keys: [old]"),
        },
        "campaigns/z/other.yaml",
        2,
        "previous_keys",
        "key 'old' is already in previous_keys at campaigns/promo.yaml:2",
    ),
    Case(
        "two-documents-same-default-key",
        {SPEC: NO_KEY + "---\n" + NO_KEY},
        SPEC,
        23,
        "key",
        "already used at campaigns/promo.yaml:1",
    ),
    Case(
        "j2-syntax-error",
        _j2("{% endfor %}", "{% endfor"),
        "campaigns/gen.yaml.j2",
        23,
        "",
        "syntax",
    ),
    Case(
        "j2-undefined",
        _j2("key: loop-", "key: {{ vars.nope }}-"),
        "campaigns/gen.yaml.j2",
        3,
        "",
        "nope",
    ),
    Case(
        "j2-undefined-did-you-mean-variable",
        _j2("key: loop-", "key: {{ vars.workspaceid }}-"),
        "campaigns/gen.yaml.j2",
        3,
        "",
        "'vars.workspaceid' is undefined",
        hint="did you mean vars.workspace_id?",
    ),
    Case(
        "j2-undefined-did-you-mean-loop-variable",
        _j2("start_hour: {{ hour }}", "start_hour: {{ hours }}"),
        "campaigns/gen.yaml.j2",
        13,
        "",
        "'hours' is undefined",
        hint="did you mean hour?",
    ),
    Case(
        "j2-loop-error-has-excerpt",
        {"campaigns/gen.yaml.j2": J2_LOOP},
        "campaigns/gen.yaml.j2",
        13,
        "touchpoint.additional_settings.start_hour",
        "at most 23",
        extra=("rendered:", "start_hour: 30"),
    ),
    Case(
        "j2-renders-bad-yaml",
        _j2("type: WHATSAPP", "type: [{{ hour }}"),
        "campaigns/gen.yaml.j2",
        8,
        "",
        "invalid YAML",
        extra=("rendered:",),
    ),
]
