"""Finding spec files: ``*.yaml`` and ``*.yaml.j2`` under the campaigns folder."""

from __future__ import annotations

import os
from pathlib import Path

SUFFIXES = (".yaml.j2", ".yaml")


def spec_kind(path: Path) -> str | None:
    """``"yaml.j2"`` or ``"yaml"`` for a spec file name, else None."""
    for suffix in SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return suffix[1:]
    return None


def default_key(path: Path, campaigns_dir: Path) -> str:
    """The path under the campaigns folder without its suffix: ``promo/diwali``."""
    rel = path.relative_to(campaigns_dir).as_posix()
    for suffix in SUFFIXES:
        if rel.endswith(suffix):
            return rel[: -len(suffix)]
    return rel


def discover(campaigns_dir: Path) -> list[Path]:
    """Every spec file under ``campaigns_dir``, sorted; dotfiles and dot-folders skipped.

    Links to folders are not entered (as ``Path.rglob``); links to files count.
    """
    if not campaigns_dir.is_dir():
        return []
    found: list[tuple[str, str]] = []
    _walk(os.fspath(campaigns_dir), "", found)
    found.sort()
    return [campaigns_dir / rel for rel, _ in found]


def _walk(folder: str, prefix: str, found: list[tuple[str, str]]) -> None:
    """Collect ``(posix path under the campaigns folder, name)`` of spec files, recursively."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, f"{prefix}{name}/", found)
        elif _is_spec_name(name) and entry.is_file():
            found.append((prefix + name, name))


def _is_spec_name(name: str) -> bool:
    return any(name.endswith(s) and len(name) > len(s) for s in SUFFIXES)
