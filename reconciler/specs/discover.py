"""Finding spec files: ``*.yaml``/``*.yml`` and ``*.yaml.j2``/``*.yml.j2`` under the
campaigns folder, in any letter case (``.YAML``, ``.Yml.J2``).

Any other file there is named, so that a misnamed spec (``promo.yaml.txt``) is not
silently left out of a plan; dotfiles and dot-folders (``.gitkeep``, ``.git/``) are
skipped without a word.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.errors import Diagnostic, Severity, SourceLocation

# Longest first: ``x.yaml.j2`` is a template, not a ``.j2`` file named ``x.yaml``.
SUFFIXES = (".yaml.j2", ".yml.j2", ".yaml", ".yml")
_KINDS = {".yaml.j2": "yaml.j2", ".yml.j2": "yaml.j2", ".yaml": "yaml", ".yml": "yaml"}


def _suffix(name: str) -> str | None:
    """The spec suffix ``name`` ends with (any case), or None; a bare suffix is none."""
    lower = name.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return None


def spec_kind(path: Path) -> str | None:
    """``"yaml.j2"`` (a whole-file template) or ``"yaml"`` for a spec file name, else None."""
    suffix = _suffix(path.name)
    return None if suffix is None else _KINDS[suffix]


def default_key(path: Path, campaigns_dir: Path) -> str:
    """The path under the campaigns folder without its suffix: ``promo/diwali``."""
    rel = path.relative_to(campaigns_dir).as_posix()
    suffix = _suffix(path.name)
    return rel if suffix is None else rel[: -len(suffix)]


@dataclass(frozen=True)
class Discovered:
    """The spec files under the campaigns folder, and the other files found there."""

    specs: list[Path] = field(default_factory=list)
    others: list[Path] = field(default_factory=list)


def discover(campaigns_dir: Path) -> Discovered:
    """Every spec file under ``campaigns_dir``, sorted, and every other file, sorted.

    Dotfiles and dot-folders are skipped. Links to folders are not entered (as
    ``Path.rglob``); links to files count. A spec name that is not a file (a broken
    link, a FIFO) is among the others.
    """
    if not campaigns_dir.is_dir():
        return Discovered()
    specs: list[str] = []
    others: list[str] = []
    _walk(os.fspath(campaigns_dir), "", specs, others)
    specs.sort()
    others.sort()
    return Discovered(
        [campaigns_dir / rel for rel in specs], [campaigns_dir / rel for rel in others]
    )


def _walk(folder: str, prefix: str, specs: list[str], others: list[str]) -> None:
    """Collect the posix paths under the campaigns folder of spec files and others."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, f"{prefix}{name}/", specs, others)
        elif _suffix(name) is not None and entry.is_file():
            specs.append(prefix + name)
        else:
            others.append(prefix + name)


def not_spec_warnings(root: Path, others: list[Path]) -> list[Diagnostic]:
    """A warning for each file under the campaigns folder that is not read as a spec."""
    warnings = []
    for path in others:
        if spec_kind(path) is None:
            message = "not a spec file: it is not read"
            hint = (
                "spec files end in .yaml, .yml, .yaml.j2 or .yml.j2; rename it, or move it "
                "out of the campaigns folder (dotfiles are ignored)"
            )
        else:
            message = "not a regular file (a broken link?): it is not read"
            hint = "make it a file, or remove it"
        location = SourceLocation(path.relative_to(root).as_posix())
        warnings.append(Diagnostic(location, message, hint=hint, severity=Severity.WARNING))
    return warnings
