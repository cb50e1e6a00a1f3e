"""``Binding``: the one check that a state belongs to the environment and API asked for."""

from __future__ import annotations

import pytest

from reconciler.errors import StateError
from reconciler.state.base import StateSnapshot
from reconciler.state.binding import Binding, normalise_api_url


def test_api_urls_compare_without_blanks_or_trailing_slashes():
    for url in ("https://a.test/", " https://a.test// ", "https://a.test"):
        assert normalise_api_url(url) == "https://a.test"
    assert Binding("dev", "https://a.test/").matches("dev", " https://a.test")
    assert not Binding("dev", "https://a.test").matches("dev", "https://b.test")
    assert not Binding("dev", "https://a.test").matches("prod", "https://a.test")


def test_a_reader_not_told_the_api_accepts_any():
    assert Binding("dev").matches("dev", "https://anything.test")
    Binding("dev").refuse_stored("s.sqlite", "dev", "https://anything.test")


def test_the_stored_binding_is_refused_with_the_state_named():
    with pytest.raises(StateError, match=r"s\.sqlite belongs to environment 'prod', not 'dev'"):
        Binding("dev", "https://a.test").refuse_stored("s.sqlite", "prod", "https://a.test")
    with pytest.raises(StateError, match=r"bound to API https://b\.test, not https://a\.test"):
        Binding("dev", "https://a.test/").refuse_stored("s.sqlite", "dev", "https://b.test")


def test_a_snapshot_of_another_binding_or_a_missing_required_state_is_refused():
    bound = StateSnapshot("prod", exists=True, api_url="https://a.test")
    with pytest.raises(StateError, match=r"belongs to environment prod at https://a\.test"):
        Binding("dev", "https://a.test").check(bound)
    Binding("prod", "https://a.test/").check(bound)
    Binding("dev", "https://a.test").check(StateSnapshot.empty("dev"))
    with pytest.raises(StateError, match="does not exist"):
        Binding("dev", "https://a.test").check(StateSnapshot.empty("dev"), must_exist=True)
