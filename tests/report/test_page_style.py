"""The page's colours: each state's word is readable on its colour, light and dark."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from reconciler.report.board import CellState

TEMPLATE = files("reconciler.report").joinpath("page.html.j2").read_text(encoding="utf-8")
AA = 4.5  # WCAG 2 contrast for normal text


def _palettes() -> dict[str, dict[str, str]]:
    light = TEMPLATE.index(":root {")
    dark = TEMPLATE.index("@media (prefers-color-scheme: dark)")
    blocks = {"light": TEMPLATE[light:dark], "dark": TEMPLATE[dark : TEMPLATE.index("* {")]}
    return {
        name: dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))
        for name, block in blocks.items()
    }


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PAIRS = [
    ("created-fg", "created-bg"),
    ("create-fg", "create-bg"),
    ("awaiting-fg", "awaiting-bg"),
    ("changed-fg", "changed-bg"),
    ("gone-fg", "gone-bg"),
    ("doubt-fg", "doubt-bg"),
    ("problem-fg", "problem-bg"),
    ("over-fg", "over-bg"),
    ("fg", "bg"),
    ("muted", "bg"),
    ("muted", "head"),
    ("link", "bg"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_meets_wcag_aa_on_its_background(scheme: str) -> None:
    palette = _palettes()[scheme]
    low = {f"{fg} on {bg}": round(contrast(palette[fg], palette[bg]), 2) for fg, bg in PAIRS}
    assert all(ratio >= AA for ratio in low.values()), low


def test_every_state_has_its_colour_rule_and_the_states_differ() -> None:
    for state in CellState:
        assert f".{state.css}" in TEMPLATE, state
    light = _palettes()["light"]
    backgrounds = [
        light[f"{name}-bg"]
        for name in ("created", "create", "awaiting", "changed", "gone", "doubt")
    ]
    assert len(set(backgrounds)) == len(backgrounds)
