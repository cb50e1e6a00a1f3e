"""Jinja rendering of specs, in the sandbox.

Templates see only ``env`` (the environment's name) and ``vars``. They run in
Jinja's ``ImmutableSandboxedEnvironment`` with undefined names as errors, the
``lipsum``/``cycler``/``joiner`` globals removed, size-bounded ``*`` and ``**``,
and a loader that reads only files inside the project root (``{% import %}``).

``{{ N }}`` (digits only, any spacing) is a WhatsApp placeholder: it is kept as
written and never evaluated, in both kinds of spec file.
"""

from __future__ import annotations

import functools
import operator
import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reconciler.specs.suggest import (
    Scope,
    SpecUndefined,
    did_you_mean,
    is_lookup_in,
    undefined_message,
    undefined_variable,
)

_PLACEHOLDER = re.compile(r"\{\{\s*\d+\s*\}\}")
_SINGLE_EXPR = re.compile(r"^\{\{(?P<expr>.*)\}\}$", re.DOTALL)
_MAX_SEQUENCE = 100_000  # longest string or list a template may build with "*"
_MAX_EXPONENT = 256


class TemplateProblem(Exception):
    """A template failed: ``line`` is 1-based within the template text when known."""

    def __init__(
        self, message: str, line: int | None = None, hint: str = "", variable: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.variable = variable  # ``vars.<variable>`` was undefined


class ProjectLoader(jinja2.BaseLoader):
    """Loads templates by project-relative path; nothing outside the root; records reads."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.reads: dict[str, bytes] = {}
        # Names looked up but not loaded: ``ignore missing`` or a list of names makes the
        # output depend on their absence (the validation cache checks it).
        self.misses: set[str] = set()
        # Names that reached their file through a link (or an unusual spelling): what
        # they read depends on where the link points, which a digest of the file alone
        # does not capture, so the validation cache does not keep such a spec.
        self.indirect: set[str] = set()

    def reset(self) -> None:
        """Forget what was read, missed and reached through links (before the next file)."""
        self.reads.clear()
        self.misses.clear()
        self.indirect.clear()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = resolve_inside(self.root, template)
        if path is None:
            self.misses.add(template)
            raise jinja2.TemplateNotFound(f"{template} (outside the project)")
        if not path.is_file():
            self.misses.add(template)
            raise jinja2.TemplateNotFound(template)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.misses.add(template)
            raise jinja2.TemplateNotFound(f"{template} (not UTF-8)") from None
        resolved = path.relative_to(self.root).as_posix()
        if resolved != template:
            self.indirect.add(template)
        self.reads[resolved] = raw
        return protect_placeholders(text), str(path), lambda: False


def resolve_inside(root: Path, rel: str, checked: set[str] | None = None) -> Path | None:
    """``root/rel`` with symlinks resolved, or None when it is absolute or leaves the root.

    ``checked``: folders already found to be no links during this one load (and added to).
    """
    found = resolve_inside_text(root, rel, checked)
    return None if found is None else Path(found)


def is_inside(root: Path, rel: str, checked: set[str] | None = None) -> bool:
    """Whether ``resolve_inside`` finds ``rel`` inside ``root``."""
    return resolve_inside_text(root, rel, checked) is not None


def resolve_inside_text(root: Path, rel: str, checked: set[str] | None = None) -> str | None:
    """``resolve_inside`` as a string (no Path built: once per file of a 10,000-file load)."""
    if not rel or Path(rel).is_absolute() or rel.startswith(("/", "\\")):
        return None
    real_root = _real_root(str(root))
    plain = _plain_inside(real_root, rel, set() if checked is None else checked)
    if plain is not None:
        return plain
    resolved = _resolved_inside(root, rel, real_root)
    return None if resolved is None else str(resolved)


def inside_name(root: Path, found: str) -> str:
    """The project-relative name of a ``resolve_inside_text`` result.

    ``Path(found).relative_to(root.resolve()).as_posix()``, as string work when it can
    be (once per CSV file of a 10,000-spec load).
    """
    real_root = _real_root(str(root))
    prefix = real_root.rstrip("/") + "/"
    if os.sep == "/" and found.startswith(prefix):
        return found[len(prefix) :]
    return Path(found).relative_to(real_root).as_posix()


def _resolved_inside(root: Path, rel: str, real_root: str) -> Path | None:
    path = (root / rel).resolve()
    try:
        path.relative_to(real_root)
    except ValueError:
        return None
    return path


@functools.lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def _plain_inside(real_root: str, rel: str, checked: set[str]) -> str | None:
    """``real_root/rel`` when no part of ``rel`` is a link, ``..`` or missing, else None.

    The common case, checked with one ``lstat`` per part instead of ``realpath``'s walk
    of the whole path (10,000 spec files per plan); anything else takes the full resolve.
    """
    if "\\" in rel:
        return None
    path = real_root
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    for index, part in enumerate(parts):
        if part == "..":
            return None
        path = os.path.join(path, part)  # noqa: PTH118 -- str work: hot path
        is_folder = index < len(parts) - 1
        if is_folder and path in checked:
            continue
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return None
        except OSError:
            return None
        if is_folder:
            checked.add(path)
    return path


class SpecSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with bounded repetition and powers, so a template cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Compiling is the slow part of rendering; the same value text recurs across specs.
        self.expressions: dict[str, Any] = {}
        self.texts: dict[str, jinja2.Template] = {}

    @property
    def project_loader(self) -> ProjectLoader:
        """The loader that logs every template file read (``make_environment``'s)."""
        assert isinstance(self.loader, ProjectLoader)
        return self.loader

    def call_binop(
        self, context: jinja2.runtime.Context, operator_: str, left: Any, right: Any
    ) -> Any:
        both_int = isinstance(left, int) and isinstance(right, int)
        if operator_ == "**":
            if isinstance(right, int) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"exponent larger than {_MAX_EXPONENT}")
            if both_int and left.bit_length() * abs(right) > _MAX_SEQUENCE:
                raise SecurityError("number too large")
            return operator.pow(left, right)
        for seq, count in ((left, right), (right, left)):
            sized = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
            if sized and len(seq) * count > _MAX_SEQUENCE:
                raise SecurityError(f"result longer than {_MAX_SEQUENCE}")
        return operator.mul(left, right)


def make_environment(root: Path) -> SpecSandbox:
    """A fresh sandbox whose loader reads templates under ``root``."""
    env = SpecSandbox(
        loader=ProjectLoader(root),
        undefined=SpecUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        cache_size=0,  # every import goes through the loader, so each file's reads are seen
    )
    for name in ("lipsum", "cycler", "joiner"):
        env.globals.pop(name, None)
    return env


def protect_placeholders(text: str) -> str:
    """Wrap WhatsApp's ``{{1}}`` placeholders so Jinja emits them unchanged."""
    return _PLACEHOLDER.sub(lambda m: "{% raw %}" + m.group(0) + "{% endraw %}", text)


def has_template(text: str) -> bool:
    """Whether a string holds Jinja syntax beyond WhatsApp placeholders."""
    stripped = _PLACEHOLDER.sub("", text)
    return "{{" in stripped or "{%" in stripped or "{#" in stripped


def render_text(env: jinja2.Environment, text: str, name: str, context: Mapping[str, Any]) -> str:
    """Render a whole template text; TemplateProblem carries the failing line."""
    try:
        code = env.compile(protect_placeholders(text), name=name, filename=name)
        template = env.template_class.from_code(env, code, env.make_globals(None))
        return template.render(dict(context))
    except Exception as exc:  # any failure inside user code is the user's input problem
        raise _problem(exc, name, Scope(env, context, text)) from None


def render_string(env: SpecSandbox, text: str, context: Mapping[str, Any]) -> Any:
    """Render one string value; exactly one ``{{ expression }}`` keeps the value's type."""
    # Jinja syntax starts with "{": most values (ids, numbers, names) have none, and
    # this check is 20x cheaper than has_template's regex (200,000 values per 1,000 specs).
    if "{" not in text or not has_template(text):
        return text
    single = _SINGLE_EXPR.match(text)
    if single and "{{" not in single.group("expr") and "}}" not in single.group("expr"):
        return _evaluate(env, single.group("expr"), context)
    try:
        template = env.texts.get(text)
        if template is None:
            template = env.texts[text] = env.from_string(protect_placeholders(text))
        return template.render(dict(context))
    except Exception as exc:
        raise _problem(exc, "<template>", Scope(env, context, text)) from None


def _evaluate(env: SpecSandbox, expr: str, context: Mapping[str, Any]) -> Any:
    found = plain_lookup(expr, context)
    if found is not _JINJA_DECIDES:
        return to_data(found)
    try:
        compiled = env.expressions.get(expr)
        if compiled is None:
            compiled = env.compile_expression(expr, undefined_to_none=False)
            env.expressions[expr] = compiled
        value = compiled(**context)
    except Exception as exc:
        raise _problem(exc, "<value>", Scope(env, context)) from None
    return to_data(value, Scope(env, context))


# A dotted name: "vars.workspace_id", the commonest value template by far.
_DOTTED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\Z")
_JINJA_DECIDES = object()


def plain_lookup(expr: str, context: Mapping[str, Any]) -> Any:
    """The value of ``expr`` when it is a dotted name found through plain dicts.

    What Jinja's sandbox gives for it (``getattr`` falls back to the item of a dict that
    has no such attribute), without building a template context for each value: five
    such values per spec were ~12 % of loading a CSV spec. ``_JINJA_DECIDES`` for
    anything else (a missing key, a dict method's name, a non-dict), so that Jinja
    evaluates it and words any error itself.
    """
    match = _DOTTED.match(expr)
    if match is None:
        return _JINJA_DECIDES
    first, *rest = match.group(1).split(".")
    if first not in context:
        return _JINJA_DECIDES  # a global, a keyword, or undefined: Jinja's to say
    value = context[first]
    for name in rest:
        if type(value) is not dict or name not in value or hasattr(dict, name):
            return _JINJA_DECIDES
        value = value[name]
    return value


def to_data(value: Any, scope: Scope | None = None) -> Any:
    """A template result as plain JSON-compatible data, or TemplateProblem.

    ``scope``: what the template could see, for "did you mean" when a name is undefined.
    """
    if isinstance(value, jinja2.Undefined):
        try:
            str(value)  # raises the reason it is undefined (or that access was unsafe)
        except Exception as exc:
            raise _problem(exc, "<value>", scope) from None
        raise TemplateProblem("undefined value", hint=_UNDEFINED_HINT)  # pragma: no cover
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)  # Markup and other str subclasses become plain text
    if isinstance(value, (list, tuple)):
        return [to_data(item, scope) for item in value]
    if isinstance(value, Mapping):
        return {str(k): to_data(v, scope) for k, v in value.items()}
    raise TemplateProblem(
        f"the expression gives a {type(value).__name__}, not data",
        hint="a value must be text, a number, a boolean, a list or a mapping",
    )


_UNDEFINED_HINT = "define it in reconciler.yaml `vars`, a vars file, or with --var NAME=VALUE"
_BARE_NAME_HINT = "templates see `env`, `vars` (a variable is `vars.NAME`) and the names they set"


def _problem(exc: BaseException, name: str, scope: Scope | None = None) -> TemplateProblem:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateProblem(f"Jinja syntax error: {exc.message}", exc.lineno)
    line = _template_line(exc.__traceback__, name)
    if isinstance(exc, jinja2.UndefinedError):
        hint = _UNDEFINED_HINT if is_lookup_in(exc) else _BARE_NAME_HINT
        close = did_you_mean(exc, scope)
        hint = f"{close} (or {hint})" if close else hint
        variable = undefined_variable(exc, scope)
        message = f"undefined: {undefined_message(exc, scope)}"
        return TemplateProblem(message, line, hint, variable)
    if isinstance(exc, SecurityError):
        return TemplateProblem(
            f"not allowed in a template: {exc}",
            line,
            "templates run in a sandbox: only `env`, `vars` and plain data are available",
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateProblem(
            f"template not found: {exc.message}",
            line,
            "imports are paths relative to the project root, inside it",
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateProblem(f"template error: {exc.message}", line)
    return TemplateProblem(f"template error: {type(exc).__name__}: {exc}", line)


def _template_line(tb: TracebackType | None, name: str) -> int | None:
    """The line in template ``name`` where the error happened (Jinja rewrites the traceback)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
