"""``--diagnostics json|github|sarif``: the problems of a run for machines (CI, code scanning).

Each takes the run's diagnostics (errors and warnings) and, for a failed run, the error's
summary line. Every text is masked (``reconciler.masking.mask_text``): these reports end
up in CI logs and code-scanning dashboards. A problem's *kind* is its field path with list
indices dropped (``touchpoint.customer_details[].to_number``); ``file`` for problems
of a file as a whole. SARIF makes one rule of each kind.

A problem names its file relative to the project root; GitHub and SARIF name it relative
to the checkout or the current directory (``ReportPaths``), which differ when the project
is a subfolder. JSON keeps the project-relative name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reconciler import __version__
from reconciler.errors import Diagnostic
from reconciler.masking import mask_text
from reconciler.output.schema_parts import nullable, typed, versioned

FORMAT_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES_DOC = "docs/validation-rules.md"
# Locations that are not files of the project: nothing to annotate on a diff.
_NOT_FILES = ("", "command line", "OS environment")
_INDEX = re.compile(r"\[\d+\]")


def is_file(d: Diagnostic) -> bool:
    """Whether the diagnostic points into a file of the project (not the command line…)."""
    file = d.location.file
    return file not in _NOT_FILES and not file.startswith("state of ")


def kind(d: Diagnostic) -> str:
    """The stable id of the diagnostic's kind of problem: its field path without indices."""
    return _INDEX.sub("[]", d.field) if d.field else "file"


def _text(d: Diagnostic) -> str:
    """Message, hint and rendered excerpt as one masked text."""
    parts = [d.message]
    if d.hint:
        parts.append(f"hint: {d.hint}")
    if d.excerpt:
        parts.append("rendered:\n" + d.excerpt)
    return mask_text("\n".join(parts))


@dataclass(frozen=True)
class ReportPaths:
    """How ``github`` and ``sarif`` name a problem's file (given relative to ``root``).

    Relative to ``base`` (``$GITHUB_WORKSPACE``, else the current directory), so that an
    annotation lands on the file of the pull request when the project is a subfolder;
    a file outside ``base`` is named by its absolute path (a ``file://`` URI in SARIF).
    With no ``root`` (the project was not found yet) the name is kept as it is.
    """

    root: Path | None = None
    base: Path | None = None

    def path(self, file: str) -> str:
        """The file as ``file=`` names it: ``/``-separated, relative to ``base`` if inside."""
        if self.root is None or self.base is None:
            return file
        full = self.root / file  # a file already absolute stays itself
        try:
            return full.relative_to(self.base).as_posix()
        except ValueError:
            return full.as_posix()

    def uri(self, file: str) -> str:
        """The file as a SARIF ``artifactLocation.uri``: a relative reference or file URI."""
        shown = self.path(file)
        if Path(shown).is_absolute():
            return Path(shown).as_uri()
        return quote(shown)


# --- GitHub workflow commands --------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``escapeProperty``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(d: Diagnostic, paths: ReportPaths | None = None) -> str:
    """``::error file=F,line=L,title=FIELD::message%0Ahint`` (or ``::warning``)."""
    props: list[tuple[str, str]] = []
    if is_file(d):
        props.append(("file", (paths or ReportPaths()).path(d.location.file)))
        if d.location.line is not None:
            props.append(("line", str(d.location.line)))
    props.append(("title", mask_text(d.field or d.location.file or "reconciler")))
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in props)
    return f"::{d.severity.value} {joined}::{escape_data(_text(d))}"


def render_github(diagnostics: Sequence[Diagnostic], paths: ReportPaths | None = None) -> str:
    """One workflow command a line, one per problem."""
    return "".join(github_command(d, paths) + "\n" for d in diagnostics)


# --- JSON ----------------------------------------------------------------------------


def _json_diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.location.file,
        "line": d.location.line,
        "field": d.field or None,
        "kind": kind(d),
        "severity": d.severity.value,
        "message": mask_text(d.message),
        "hint": mask_text(d.hint) or None,
        "excerpt": mask_text(d.excerpt) or None,
    }


def render_json(diagnostics: Sequence[Diagnostic], *, summary: str = "") -> str:
    """One JSON document, ``format_version`` 1 (schemas/diagnostics.schema.json)."""
    errors = sum(1 for d in diagnostics if d.is_error)
    document = {
        "format_version": FORMAT_VERSION,
        "ok": not summary and errors == 0,
        "summary": {"errors": errors, "warnings": len(diagnostics) - errors},
        "message": mask_text(summary) or None,
        "diagnostics": [_json_diagnostic(d) for d in diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def diagnostics_schema() -> dict[str, Any]:
    """The JSON Schema of ``--diagnostics json`` (written to schemas/diagnostics.schema.json)."""
    diagnostic = typed(
        "object",
        required=["file", "line", "field", "kind", "severity", "message", "hint"],
        additionalProperties=True,
        properties={
            "file": typed("string", "Project-relative, or where else."),
            "line": nullable("integer"),
            "field": nullable("string"),
            "kind": typed("string", "Field path, no indices.", minLength=1),
            "severity": {"enum": ["error", "warning"]},
            "message": typed("string"),
            "hint": nullable("string"),
            "excerpt": nullable("string"),
        },
    )
    count = typed("integer", minimum=0)
    properties = {
        "ok": typed("boolean", "False when the run failed."),
        "summary": typed(
            "object",
            required=["errors", "warnings"],
            properties={"errors": count, "warnings": count},
        ),
        "message": nullable("string", "Why the run failed."),
        "diagnostics": typed("array", items={"$ref": "#/$defs/diagnostic"}),
    }
    return {
        **versioned(
            "reconciler diagnostics (--diagnostics json)",
            "The problems of one validate or plan run.",
            ["ok", "summary", "message", "diagnostics"],
            properties,
        ),
        "$id": "urn:reconciler:schemas:diagnostics",
        "$defs": {"diagnostic": diagnostic},
    }


# --- SARIF 2.1.0 ---------------------------------------------------------------------


def _rule(rule_id: str, d: Diagnostic) -> dict[str, Any]:
    what = "the file as a whole" if rule_id == "file" else f"the value at `{rule_id}`"
    return {
        "id": rule_id,
        "shortDescription": {"text": f"A problem with {what}."},
        "help": {
            "text": f"Each result's message says what is wrong with {what} and how to fix "
            f"it; the rules of a campaign spec are listed in {RULES_DOC}."
        },
        "defaultConfiguration": {"level": d.severity.value},
    }


def _sarif_result(d: Diagnostic, rule_index: int, paths: ReportPaths) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": kind(d),
        "ruleIndex": rule_index,
        "level": d.severity.value,
        "message": {"text": _text(d)},
    }
    if is_file(d):
        physical: dict[str, Any] = {"artifactLocation": {"uri": paths.uri(d.location.file)}}
        if d.location.line is not None:
            physical["region"] = {"startLine": max(d.location.line, 1)}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def render_sarif(
    diagnostics: Sequence[Diagnostic], *, summary: str = "", paths: ReportPaths | None = None
) -> str:
    """A SARIF 2.1.0 log of one run: a rule per kind of problem, a result per problem."""
    paths = paths or ReportPaths()
    rules: dict[str, dict[str, Any]] = {}
    for d in diagnostics:
        rules.setdefault(kind(d), _rule(kind(d), d))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    invocation: dict[str, Any] = {"executionSuccessful": not summary}
    if summary:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": mask_text(summary)}}
        ]
    driver = {"name": "reconciler", "version": __version__, "rules": list(rules.values())}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "results": [_sarif_result(d, index[kind(d)], paths) for d in diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
