"""Golden tests of the three plan formats; REGENERATE_GOLDEN=1 rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.output.jsonout import render_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from tests.output.sample import sample_plan

GOLDEN = Path(__file__).parent / "golden"
RENDERERS = {
    "plan.txt": lambda plan: render_text(plan),
    "plan-color.txt": lambda plan: render_text(plan, color=True),
    "plan-verbose.txt": lambda plan: render_text(plan, verbose=True),
    "plan.md": lambda plan: render_markdown(plan),
    "plan.json": lambda plan: render_json(plan),
    "plan-sensitive.json": lambda plan: render_json(plan, show_sensitive=True),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_matches_golden(name):
    """Each format renders the sample plan exactly as its golden file."""
    rendered = RENDERERS[name](sample_plan())
    path = GOLDEN / name
    if os.environ.get("REGENERATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")
