""" "Did you mean" for undefined names in templates.

Jinja's ``StrictUndefined`` says what was missing but not what was there. Our undefined
raises an ``UndefinedLookup`` that keeps the name looked up and the object it was looked
up in, so the error can offer the closest names that were available: the keys of that
mapping (``vars.langauge`` -> ``vars.language``), or, for a bare name, the template's
context (``env``, ``vars``), Jinja's globals (``range``, ``namespace``) and the names the
template itself sets (loop variables, ``{% set %}``, macros, imports).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.exceptions import TemplateRuntimeError
from jinja2.utils import missing


class UndefinedLookup(jinja2.UndefinedError):
    """An undefined name or key was used; ``obj`` is what it was looked up in (or missing)."""

    def __init__(self, message: str | None = None, *, name: Any = None, obj: Any = missing) -> None:
        super().__init__(message)
        self.name = name
        self.obj = obj


class SpecUndefined(jinja2.StrictUndefined):
    """``StrictUndefined`` whose error keeps what was looked up, and where."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = jinja2.UndefinedError,
    ) -> None:
        if exc is jinja2.UndefinedError:
            # Called with the message only, when the undefined value is used.
            exc = cast(
                type[TemplateRuntimeError], functools.partial(UndefinedLookup, name=name, obj=obj)
            )
        super().__init__(hint, obj, name, exc)


@dataclass(frozen=True)
class Scope:
    """What a template could see: for naming what it might have meant."""

    env: jinja2.Environment
    context: Mapping[str, Any]
    source: str = ""  # the template text, for the names it sets


def undefined_variable(exc: jinja2.UndefinedError, scope: Scope | None) -> str | None:
    """The variable's name when ``vars.NAME`` (or ``vars["NAME"]``) was undefined."""
    if not isinstance(exc, UndefinedLookup) or not isinstance(exc.name, str) or scope is None:
        return None
    return exc.name if exc.obj is scope.context.get("vars") else None


def undefined_message(exc: jinja2.UndefinedError, scope: Scope | None) -> str:
    """The reason, with ``vars.x`` named as written rather than as "'dict object'"."""
    variable = undefined_variable(exc, scope)
    return str(exc.message) if variable is None else f"'vars.{variable}' is undefined"


def is_lookup_in(exc: jinja2.UndefinedError) -> bool:
    """Whether the name was looked up in something (``vars.x``), not a bare name (``x``)."""
    return not isinstance(exc, UndefinedLookup) or exc.obj is not missing


def did_you_mean(exc: jinja2.UndefinedError, scope: Scope | None) -> str:
    """``did you mean vars.language?`` for the closest available names, or ""."""
    if not isinstance(exc, UndefinedLookup) or scope is None or not isinstance(exc.name, str):
        return ""
    prefix = ""
    if exc.obj is missing:
        names: Iterable[Any] = {*scope.context, *scope.env.globals, *_names_set(scope)}
    elif isinstance(exc.obj, Mapping):
        names = exc.obj
        prefix = "vars." if exc.obj is scope.context.get("vars") else ""
    else:
        return ""
    close = difflib.get_close_matches(exc.name, sorted(str(n) for n in names), n=3)
    if not close:
        return ""
    return "did you mean " + " or ".join(prefix + name for name in close) + "?"


def _names_set(scope: Scope) -> set[str]:
    """Names the template text assigns: loop targets, set, with, macros and their
    parameters, imports; ``loop`` inside a for loop."""
    if "{%" not in scope.source:
        return set()
    try:
        tree = scope.env.parse(scope.source)
    except jinja2.TemplateSyntaxError:
        return set()
    found = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    found.update(n.name for n in tree.find_all(nodes.Macro))
    found.update(n.target for n in tree.find_all(nodes.Import))
    for node in tree.find_all(nodes.FromImport):
        found.update(item if isinstance(item, str) else item[1] for item in node.names)
    if next(tree.find_all(nodes.For), None) is not None:
        found.add("loop")
    return found


def closest(word: str, choices: Iterable[str]) -> str:
    """``did you mean staging?`` for the closest of ``choices`` (no template involved), or ""."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean {close[0]}?" if close else ""
