"""Loading of one spec file: render, parse, read its CSV, validate, collect diagnostics.

``SpecFile.load`` goes on after a problem, so that one run reports every problem of
the file (each with a file, a line, the field's path and a hint). Nothing here writes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.campaign import DesiredCampaign, canonical_json, format_path, json_fingerprint
from reconciler.config import Project
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.masking import mask_text, sender_digits
from reconciler.specs.audiences import Audience, AudienceError, RowProblem, load_audience
from reconciler.specs.discover import default_key, spec_kind
from reconciler.specs.environments import KEY as ENVIRONMENTS
from reconciler.specs.environments import spec_environments
from reconciler.specs.linemap import LineMap
from reconciler.specs.render import (
    SpecSandbox,
    TemplateProblem,
    is_inside,
    render_string,
    render_text,
)
from reconciler.specs.varerrors import VariableUse
from reconciler.specs.yamlio import Document, Path_, YamlError, decode_utf8, load_documents

if TYPE_CHECKING:
    from reconciler.models.catalog import Catalog

CSV_KEY = "customer_details_csv"
# Fields the planner and the guards report on after loading; their lines travel with
# the campaign (DesiredCampaign.field_lines) so those diagnostics point at the field.
REPORTED_FIELDS: tuple[Path_, ...] = (
    ("previous_keys",),
    ("touchpoint", "start_at"),
    ("touchpoint", "additional_settings", "ignore_suppression"),
    ("touchpoint", "customer_details"),
    ("touchpoint", CSV_KEY),
)


@dataclass
class SpecFile:
    """Loading of one spec file; collects diagnostics instead of stopping at the first."""

    project: Project
    path: Path
    context: Mapping[str, Any]
    env: SpecSandbox
    campaigns: list[DesiredCampaign] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    linemap: LineMap | None = None
    reads: dict[str, bytes] = field(default_factory=dict)  # every file read, for the cache
    indirect: bool = False  # a file was read through a link: not cacheable
    checked: set[str] = field(default_factory=set)  # folders seen to be no links (this run)
    uses: list[VariableUse] = field(default_factory=list)  # errors a variable caused
    campaign: str = ""  # the document being loaded: its key, or the file's name
    # Paths of the document being loaded whose value is exactly one variable's.
    origins: dict[Path_, str] = field(default_factory=dict)
    # Digits of the file's sender numbers seen so far: shown in its messages, unmasked.
    senders: set[str] = field(default_factory=set)
    catalog: Catalog | None = None  # the environment's templates, when it has a catalogue

    @functools.cached_property
    def rel(self) -> str:
        """The file's project-relative name (string work: several uses per spec file)."""
        return project_rel(self.project.root, self.path)

    def problem(
        self,
        line: int | None,
        message: str,
        field_name: str = "",
        hint: str = "",
        severity: Severity = Severity.ERROR,
        *,
        always_excerpt: bool = False,
    ) -> None:
        """Record a problem at a line of the file as parsed (rendered for ``*.yaml.j2``)."""
        excerpt = ""
        if self.linemap is not None and line is not None:
            if always_excerpt or self.linemap.shifted(line):
                excerpt = self.linemap.excerpt(line, shown=self.masked)
            line = self.linemap.source_line(line)
        self.diagnostic(
            SourceLocation(self.rel, line), message, field_name, hint, severity, excerpt
        )

    def undefined_use(self, variable: str | None) -> None:
        """Note that the error just recorded is an undefined ``vars.<variable>``."""
        if variable is not None:
            use = VariableUse(len(self.diagnostics) - 1, variable, self.campaign, True)
            self.uses.append(use)

    def value_use(self, path: Path_) -> None:
        """Note the error just recorded (at ``path``) when a variable's value is there."""
        for end in range(len(path), 0, -1):
            variable = self.origins.get(path[:end])
            if variable is not None:
                if self.diagnostics[-1].is_error:  # warnings are cached: never grouped
                    use = VariableUse(len(self.diagnostics) - 1, variable, self.campaign, False)
                    self.uses.append(use)
                return

    def diagnostic(
        self,
        location: SourceLocation,
        message: str,
        field_name: str = "",
        hint: str = "",
        severity: Severity = Severity.ERROR,
        excerpt: str = "",
    ) -> None:
        """Record a problem; its message may echo input, so numbers are masked."""
        masked = self.masked(message)
        self.diagnostics.append(Diagnostic(location, masked, field_name, hint, severity, excerpt))

    def masked(self, text: str) -> str:
        """Input echoed in a message: recipients' numbers masked, this file's senders shown."""
        return mask_text(text, senders=self.senders)

    def load(self) -> SpecFile:
        if not is_inside(self.project.root, self.rel, self.checked):
            # A symlink out of the project would let a pull request echo any readable
            # file into a plan comment.
            self.problem(
                1,
                "this spec file is a link to a file outside the project",
                hint="copy the file into the project instead of linking to it",
            )
            return self
        with open(self.path, "rb") as handle:  # not Path.read_bytes: once per spec file
            raw = handle.read()
        self.reads[self.rel] = raw  # even a file without campaigns is cached with its bytes
        try:
            text = decode_utf8(raw)
        except YamlError as exc:
            self.problem(exc.line, f"{exc.message}: {self.rel}", hint=exc.hint)
            return self
        docs = self._documents(text)
        if docs is None:
            return self
        if not docs:
            self.problem(1, "no campaign in this file", severity=Severity.WARNING)
        for doc in docs:
            self._document(doc, raw)
        return self

    def _documents(self, text: str) -> list[Document] | None:
        if spec_kind(self.path) == "yaml.j2":
            try:
                rendered = render_text(self.env, text, self.rel, self.context)
            except TemplateProblem as exc:
                self.problem(exc.line, exc.message, hint=exc.hint)
                self.campaign = self.rel  # its campaigns are not known
                self.undefined_use(exc.variable)
                return None
            self.linemap = LineMap(text, rendered)
            text = rendered
        try:
            return load_documents(text)
        except YamlError as exc:
            # Rendered YAML that does not parse is best understood by looking at it.
            self.problem(
                exc.line, exc.message, format_path(exc.path), exc.hint, always_excerpt=True
            )
            return None

    def _document(self, doc: Document, raw: bytes) -> None:
        if not isinstance(doc.data, dict):
            self.problem(doc.line, "a campaign spec must be a mapping of keys to values")
            return
        data = doc.data
        key = data.get("key")
        plain = isinstance(key, str) and "{" not in key
        self.campaign = str(key) if plain else default_key(self.path, self.project.campaigns_dir)
        self.origins = {}
        if not self._here(data, doc):
            return
        if self.linemap is None:  # *.yaml: render inside string values only
            data = self._render_tree(data, (), doc)
            if data is None:
                return
        data.setdefault("key", default_key(self.path, self.project.campaigns_dir))
        self.senders |= sender_digits(data)
        audience, csv_failed = self._audience(data, doc)
        reads = {self.rel: raw, **self.env.project_loader.reads}
        if audience is not None:
            reads[audience.file] = audience.raw
        self.reads.update(reads)
        self._validate(data, doc, audience, csv_failed, reads)

    def _here(self, data: dict[str, Any], doc: Document) -> bool:
        """Whether the document's ``environments`` include this one (reported when wrong)."""
        only, problem = spec_environments(data, self.project.env_names)
        if problem is not None:
            line = doc.marks.line_of((ENVIRONMENTS,))
            self.problem(line, problem.message, ENVIRONMENTS, problem.hint)
            return False
        return not only or self.context["env"] in only

    def _render_tree(self, value: Any, path: Path_, doc: Document) -> Any:
        """Render every string value; None when any failed (each failure recorded)."""
        failed: list[Path_] = []
        result = self._render_node(value, path, doc, failed)
        return None if failed else result

    def _render_node(self, node: Any, at: Path_, doc: Document, failed: list[Path_]) -> Any:
        # In place: the document is this load's own. A string without "{" renders to
        # itself, so it is skipped without a call (~200,000 values per 1,000 inline
        # specs: 0.127 -> 0.073 s).
        if isinstance(node, dict):
            for k, v in node.items():
                if type(v) is not str or "{" in v:
                    node[k] = self._render_node(v, (*at, k), doc, failed)
            return node
        if isinstance(node, list):
            for i, v in enumerate(node):
                if type(v) is not str or "{" in v:
                    node[i] = self._render_node(v, (*at, i), doc, failed)
            return node
        if isinstance(node, str):
            try:
                value = render_string(self.env, node, self.context)
            except TemplateProblem as exc:
                failed.append(at)
                self.problem(doc.marks.line_of(at), exc.message, format_path(at), exc.hint)
                self.undefined_use(exc.variable)
                return node
            if (whole := _WHOLE_VARIABLE.match(node)) is not None:
                self.origins[at] = whole.group(1)
            return value
        return node

    def _audience(self, data: dict[str, Any], doc: Document) -> tuple[Audience | None, bool]:
        touchpoint = data.get("touchpoint")
        if not isinstance(touchpoint, dict) or CSV_KEY not in touchpoint:
            return None, False
        at = ("touchpoint", CSV_KEY)
        line = doc.marks.line_of(at)
        rel = touchpoint.pop(CSV_KEY)
        if "customer_details" in touchpoint:
            self.problem(
                line,
                f"give either {CSV_KEY} or customer_details, not both",
                format_path(at),
                "keep the CSV file or the inline list",
            )
            return None, True
        if not isinstance(rel, str):
            self.problem(line, "must be a path to a CSV file", format_path(at))
            return None, True
        try:
            audience = load_audience(self.project.root, rel, self.checked)
        except AudienceError as exc:
            self._row_problems(exc.file, exc.problems)
            if exc.line is None:  # the file itself: reported where the spec names it
                self.problem(line, exc.message, format_path(at), exc.hint)
            else:
                self.diagnostic(SourceLocation(exc.file, exc.line), exc.message, "", exc.hint)
            return None, True
        self._row_problems(audience.file, audience.problems)
        if audience.file != rel:
            self.indirect = True  # read through a link: where it points is not in a digest
        touchpoint["customer_details"] = audience.rows  # this load's own dicts: no copy
        return audience, False

    def _row_problems(self, file: str, problems: Sequence[RowProblem]) -> None:
        for row in problems:
            location = SourceLocation(file, row.line)
            self.diagnostics.append(Diagnostic(location, row.message, "", row.hint))

    def _validate(
        self,
        data: dict[str, Any],
        doc: Document,
        audience: Audience | None,
        csv_failed: bool,
        reads: Mapping[str, bytes],
    ) -> None:
        from reconciler.models import api_body, validate_spec

        spec, problems = validate_spec(data, None if audience is None else audience.lines)
        touchpoint = data.get("touchpoint")
        if self.catalog is not None and isinstance(touchpoint, Mapping):
            from reconciler.models.template_checks import check_template

            problems += check_template(touchpoint, self.catalog)
        # Bad rows were reported and left out; the other rows are checked, but "no
        # recipients" (when every row was bad) would only repeat them.
        incomplete = audience is not None and bool(audience.problems)
        for problem in problems:
            path = tuple(problem.path)
            if csv_failed and path[:2] == ("touchpoint", "customer_details"):
                continue  # the CSV's own error was reported
            if incomplete and path == ("touchpoint", "customer_details"):
                continue
            self._report(path, problem.message, problem.hint, problem.severity, doc, audience)
            if self.origins:
                self.value_use(path)
        failed = csv_failed or incomplete
        if spec is None or any(p.severity is Severity.ERROR for p in problems) or failed:
            return
        self.campaigns.append(self._campaign(api_body(spec), data, doc, reads))

    def _campaign(
        self, body: dict[str, Any], data: dict[str, Any], doc: Document, reads: Mapping[str, bytes]
    ) -> DesiredCampaign:
        """The campaign of a valid document, holding its body."""
        body_json = canonical_json(body)
        line = doc.line if self.linemap is None else self.linemap.source_line(doc.line)
        return DesiredCampaign.from_body(
            str(data["key"]),
            body,  # only read for the summary fields: the campaign keeps body_json
            body_json=body_json,
            fingerprint=json_fingerprint(body_json),
            source_fingerprint=source_fingerprint(reads),
            location=SourceLocation(self.rel, line),
            previous_keys=tuple(str(k) for k in data.get("previous_keys") or ()),
            source_files=(self.rel, *sorted(set(reads) - {self.rel})),
            field_lines=self._field_lines(doc),
            environments=tuple(data.get(ENVIRONMENTS) or ()),
        )

    def _field_lines(self, doc: Document) -> dict[str, int]:
        """Source lines of the REPORTED_FIELDS that this document wrote."""
        lines: dict[str, int] = {}
        for path in REPORTED_FIELDS:
            line = doc.marks.get(path)
            if line is not None and self.linemap is not None:
                line = self.linemap.source_line(line)
            if line is not None:
                lines[format_path(path)] = line
        return lines

    def _report(
        self,
        path: Path_,
        message: str,
        hint: str,
        severity: Severity,
        doc: Document,
        audience: Audience | None,
    ) -> None:
        if audience is not None and path[:2] == ("touchpoint", "customer_details"):
            row = path[2] if len(path) > 2 else None
            if isinstance(row, int) and row < len(audience.lines):  # at the CSV row's line
                location = SourceLocation(audience.file, audience.lines[row])
                self.diagnostic(location, message, format_path(path), hint, severity)
                return
            path = ("touchpoint", CSV_KEY, *path[2:])
        self.problem(doc.marks.line_of(path), message, format_path(path), hint, severity)


# A value that is exactly one variable (or a part of one): ``{{ vars.assistant_id }}``.
_WHOLE_VARIABLE = re.compile(
    r"\{\{\s*vars\.([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*\s*\}\}\Z"
)


def source_fingerprint(files: Mapping[str, bytes]) -> str:
    """SHA-256 over each file's path and bytes, sorted by path."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(files[rel]).digest())
    return digest.hexdigest()


def project_rel(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` as posix text (string work: one per spec file)."""
    text, prefix = os.fspath(path), os.path.join(os.fspath(root), "")  # noqa: PTH118
    if text.startswith(prefix) and os.sep == "/":
        return text[len(prefix) :]
    return path.relative_to(root).as_posix()
