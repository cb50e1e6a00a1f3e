"""Build project trees from ``{relative path: text}`` dicts (copier's build_file_tree idea)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path


def build_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each file under ``root``; text is dedented. Returns ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root
