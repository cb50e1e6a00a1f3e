"""reconciler.yaml checked without pydantic: the same settings as the model, or the model.

``ordinary_settings`` accepts only values of exactly their type; whatever it accepts the
pydantic model must accept with equal values, and whatever the model refuses it must
leave to the model (whose errors the other config tests check).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reconciler.projectfile import ProjectFile
from reconciler.settings import (
    EnvironmentSettings,
    ProjectSettings,
    declared,
    ordinary_settings,
    settings_from,
)
from reconciler.specs.yamlio import load_documents
from tests.support.projects import PROJECT_FILE, make_project

FULL = {
    "version": 1,
    "required_version": ">=1.0",
    "campaigns": "specs",
    "vars": {"language": "en", "nested": {"a": [1, 2]}},
    "environments": {
        "dev": {"api_url": "sandbox", "state": ".reconciler/dev.sqlite", "vars": {"x": 1}},
        "prod": {
            "api_url": "https://api.test",
            "state": "postgresql://u@h/db",
            "token_env": "TOKEN",
            "require_state": True,
            "vars_file": "vars/prod.yaml",
            "max_creates": 0,
            "max_recipients": 1,
            "promote_from": "dev",
            "create_path": "/v2/x",
            "phone_format": "digits",
            "allow_ignore_suppression": True,
            "suppression": ["audiences/opt-outs.csv"],
            "suppression_mode": "drop",
            "frequency_cap": {"max": 2, "days": 7, "mode": "warn"},
            "messaging_limit": 250,
            "messaging_limit_mode": "warn",
            "quiet_hours": {"start": 21, "end": 8},
        },
    },
    "frequency_cap": {"max": 1, "days": 1},
    "quiet_hours": {"start": 0, "end": 23, "mode": "error"},
}


def _model(data: Any) -> Any:
    try:
        return settings_from(ProjectFile.model_validate(data).model_dump())
    except ValidationError:
        return None


@pytest.mark.parametrize(
    "data",
    [
        FULL,
        {"version": 1, "environments": {"dev": {}}},
        {"version": 1, "environments": {"dev\n": {}}},  # the model's own rule lets it pass
        load_documents(PROJECT_FILE)[0].data,
    ],
)
def test_ordinary_files_give_the_models_settings(data: dict[str, Any]):
    """Typical files are accepted without pydantic, with exactly the model's values."""
    found = ordinary_settings(data)
    assert found is not None
    assert repr(found) == repr(_model(data))


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"version": True},
        {"version": 1.0},
        {"environments": {}},
        {"environments": {"bad name": {}}},
        {"environments": {"dev": None}},
        {"environments": {"dev": {"promote_from": "dev"}}},
        {"environments": {"dev": {"promote_from": "nope"}}},
        {"environments": {"dev": {"max_creates": -1}}},
        {"environments": {"dev": {"max_recipients": 0}}},
        {"environments": {"dev": {"max_creates": True}}},
        {"environments": {"dev": {"require_state": "yes"}}},
        {"environments": {"dev": {"phone_format": "E164"}}},
        {"environments": {"dev": {"vars": {1: "a"}}}},
        {"environments": {"dev": {"unknown": 1}}},
        {"vars": None},
        {"unknown": 1},
        {"campaigns": 5},
        {"required_version": ">=9"},
        {"required_version": "soon"},
        {"frequency_cap": {"max": 0, "days": 7}},
        {"frequency_cap": {"max": 1, "days": -1}},
        {"frequency_cap": {"max": 1}},
        {"quiet_hours": {"start": 24, "end": 8}},
        {"quiet_hours": {"start": 21, "end": -1}},
        {"messaging_limit": 0},
        {"suppression_mode": "skip"},
        {"environments": {"dev": {"suppression": "audiences/opt-outs.csv"}}},
    ],
)
def test_unusual_files_are_left_to_the_model(change: dict[str, Any]):
    """Anything not exactly of its type goes to pydantic (which accepts or explains it)."""
    data = {"version": 1, "environments": {"dev": {}}, **change}
    assert ordinary_settings(data) is None


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["e164", "digits", "dev", "prod", "", "x", "1", "true"]),
    st.dictionaries(st.one_of(st.text(max_size=2), st.integers(0, 2)), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)
TEXT = st.sampled_from(["sandbox", "dev", "x", "", "1"])
MAYBE_TEXT = st.one_of(st.none(), TEXT)
SMALL_INT = st.one_of(st.none(), st.integers(min_value=-1, max_value=3))
VARS = st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
MODE = st.sampled_from(["error", "warn", "drop", "x"])
HOUR = st.integers(min_value=-1, max_value=24)
# The audience policies, at both levels: mostly their own shapes, bounds just inside and out.
POLICIES = {
    "suppression": st.one_of(st.none(), st.lists(TEXT, max_size=2), st.lists(st.integers())),
    "suppression_mode": st.one_of(st.none(), MODE),
    "frequency_cap": st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"max": SMALL_INT, "days": SMALL_INT}, optional={"mode": MODE, "extra": VALUES}
        ),
    ),
    "messaging_limit": SMALL_INT,
    "messaging_limit_mode": st.one_of(st.none(), MODE),
    "quiet_hours": st.one_of(
        st.none(), st.fixed_dictionaries({"start": HOUR, "end": HOUR}, optional={"mode": MODE})
    ),
}
# Each key of an environment: mostly values of its own type, else anything.
ORDINARY_ENV = {
    "api_url": TEXT,
    "state": MAYBE_TEXT,
    "token_env": TEXT,
    "require_state": st.booleans(),
    "vars": VARS,
    "vars_file": MAYBE_TEXT,
    "max_creates": SMALL_INT,
    "max_recipients": SMALL_INT,
    "promote_from": st.one_of(st.none(), st.sampled_from(["dev", "prod", "nope"])),
    "create_path": TEXT,
    "phone_format": st.sampled_from(["e164", "digits", "E164"]),
    "allow_ignore_suppression": st.booleans(),
    "catalog": MAYBE_TEXT,
    **POLICIES,
    "rate_card": MAYBE_TEXT,
    "max_cost": st.one_of(st.none(), st.integers(-1, 3), st.floats(width=16)),
}
ENVS = st.fixed_dictionaries(
    {},
    optional={
        **{
            key: st.one_of(value, value, value, value, value, VALUES)
            for key, value in ORDINARY_ENV.items()
        },
        "extra": VALUES,
    },
)
TOP_REQUIRED = {
    "version": st.one_of(st.just(1), st.just(1), st.just(1), VALUES),
    "environments": st.dictionaries(
        st.sampled_from(["dev", "prod", "dev", "prod", "a b"]), ENVS, min_size=1, max_size=2
    ),
}
TOP_OPTIONAL = {
    "required_version": st.one_of(MAYBE_TEXT, VALUES),
    "campaigns": st.one_of(TEXT, VALUES),
    "vars": st.one_of(VARS, VALUES),
    "catalog": st.one_of(MAYBE_TEXT, VALUES),
    **{key: st.one_of(value, value, VALUES) for key, value in POLICIES.items()},
    "rate_card": st.one_of(MAYBE_TEXT, VALUES),
}
TOP = st.fixed_dictionaries(TOP_REQUIRED, optional=TOP_OPTIONAL)


def test_every_declared_setting_is_in_the_random_files():
    """A setting added to the declarations is drawn by the property test below too."""
    assert set(ORDINARY_ENV) == set(declared(EnvironmentSettings))
    assert {*TOP_REQUIRED, *TOP_OPTIONAL} == set(declared(ProjectSettings))


@settings(max_examples=3000, deadline=None)
@given(TOP)
def test_whatever_is_accepted_the_model_accepts_equally(data: dict[str, Any]):
    """Over random files: accepted here implies the model's equal settings."""
    found = ordinary_settings(data)
    if found is not None:
        assert repr(found) == repr(_model(data))  # repr: 1 and 1.0 or True differ


def test_loading_an_ordinary_project_imports_no_pydantic(tmp_path: Path):
    """``load_project`` of a valid file (every command does it) needs no pydantic."""
    root = make_project(tmp_path / "p", {})
    code = (
        "import sys; from pathlib import Path; from reconciler.config import load_project;"
        f"p = load_project(project_dir=Path({str(root)!r}));"
        "print(p.env_names, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False"
