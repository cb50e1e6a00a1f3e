"""Finding spec files: ``*.yaml`` and ``*.yaml.j2`` under the campaigns folder."""

from __future__ import annotations

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
    """Every spec file under ``campaigns_dir``, sorted; dotfiles and dot-folders skipped."""
    if not campaigns_dir.is_dir():
        return []
    found = []
    for path in campaigns_dir.rglob("*"):
        rel = path.relative_to(campaigns_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and spec_kind(path) is not None:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(campaigns_dir).as_posix())
