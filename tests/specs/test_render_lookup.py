"""A dotted-name value (``{{ vars.x }}``) found without Jinja gives exactly Jinja's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.specs import render
from reconciler.specs.render import TemplateProblem, make_environment, render_string
from reconciler.specs.suggest import Scope

# Names that are dict keys here, dict methods, dunders, globals and keywords of Jinja.
NAMES = ["env", "vars", "a", "b", "items", "keys", "get", "__class__", "_x", "range", "true"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text("ab+1", max_size=3), st.floats(0, 1)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(NAMES), inner, max_size=4)
    ),
    max_leaves=8,
)
CONTEXTS = st.fixed_dictionaries(
    {"env": st.sampled_from(["dev", "prod"])},
    optional={"vars": st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=5)},
)
EXPRS = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map(".".join)
SANDBOX = make_environment(Path.cwd())


def _by_jinja(expr: str, context: dict[str, Any]) -> tuple[str, Any]:
    """The answer of the general path (Jinja's own evaluation), as a comparable pair."""
    compiled = SANDBOX.compile_expression(expr, undefined_to_none=False)
    scope = Scope(SANDBOX, context)  # what the template sees, for "did you mean"
    try:
        try:
            value = compiled(**context)
        except Exception as exc:  # worded as render's general path words it
            raise render._problem(exc, "<value>", scope) from None
        return "value", render.to_data(value, scope)
    except TemplateProblem as problem:
        return "error", (problem.message, problem.hint)


def _by_render_string(expr: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "value", render_string(SANDBOX, "{{ " + expr + " }}", context)
    except TemplateProblem as problem:
        return "error", (problem.message, problem.hint)


@settings(max_examples=400, deadline=None)
@given(expr=EXPRS, context=CONTEXTS)
def test_a_value_template_renders_as_jinja_evaluates_it(expr: str, context: dict[str, Any]) -> None:
    """Found without Jinja or not, the value (or the error) is the one Jinja gives."""
    assert _by_render_string(expr, context) == _by_jinja(expr, context)


@pytest.mark.parametrize(
    ("expr", "context"),
    [
        ("vars.items", {"vars": {"items": 1}}),  # a dict method's name: Jinja returns the method
        ("vars.missing", {"vars": {}}),  # undefined: Jinja words the error
        ("vars.a.b", {"vars": {"a": [1]}}),  # not a dict
        ("range", {"vars": {}}),  # a global
        ("vars.__class__", {"vars": {"__class__": 1}}),
        ("vars.a | upper", {"vars": {"a": "x"}}),  # not a plain dotted name
    ],
)
def test_what_is_not_a_plain_lookup_is_left_to_jinja(expr: str, context: dict[str, Any]) -> None:
    """Anything but a dotted name through plain dicts is evaluated by Jinja."""
    assert render.plain_lookup(expr, context) is render._JINJA_DECIDES


def test_a_plain_lookup_is_found_without_jinja() -> None:
    """The common case takes the fast path (else this speed-up silently went away)."""
    context = {"env": "dev", "vars": {"ws": {"id": "ws-1"}, "n": [1, 2]}}
    assert render.plain_lookup(" vars.ws.id ", context) == "ws-1"
    assert render.plain_lookup("vars.n", context) == [1, 2]
    assert render.plain_lookup("env", context) == "dev"
