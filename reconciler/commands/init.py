"""``reconciler init``: scaffold a new project. Writes files; never prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ConfigError
from reconciler.scaffold import CiChoice, project_files
from reconciler.words import count


@dataclass(frozen=True)
class InitResult:
    """What ``init_project`` did: paths relative to ``root``, sorted."""

    root: Path
    written: tuple[str, ...]
    overwritten: tuple[str, ...]
    merged: tuple[str, ...] = ()  # existing line files that got the lines they lacked
    kept: tuple[str, ...] = ()  # existing line files that lacked nothing


# Files of lines that a project already has for its own reasons: init adds the lines they
# lack and keeps the rest, with or without --force, instead of refusing or replacing them.
LINE_FILES = frozenset({".gitignore"})


def schema_files() -> dict[str, str]:
    """The JSON Schemas of ``schemas/`` as the tool generates them: path -> text."""
    from reconciler.schemas import render_all  # generated from the models; imported lazily

    return {f"schemas/{name}": text for name, text in render_all().items()}


def planned_files(*, ci: CiChoice = "github", pip_spec: str | None = None) -> dict[str, str]:
    """Every file ``init`` writes: project-relative path -> text."""
    files = project_files(ci=ci, pip_spec=pip_spec)
    files.update(schema_files())
    return dict(sorted(files.items()))


def init_project(
    target: Path,
    *,
    force: bool = False,
    ci: CiChoice = "github",
    pip_spec: str | None = None,
) -> InitResult:
    """Write a new project into ``target``; refuses to overwrite unless ``force``.

    Nothing is written when any file exists and ``force`` is off, so a refused
    ``init`` leaves the directory as it was. An existing ``.gitignore`` (``LINE_FILES``)
    is never a conflict: it gets the lines it lacks, the rest kept as it was.
    """
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} is a file, not a directory", hint="name a directory")
    files = planned_files(ci=ci, pip_spec=pip_spec)
    present = {rel for rel in files if (target / rel).exists()}
    existing = [rel for rel in files if rel in present and rel not in LINE_FILES]
    if existing and not force:
        listed = "\n".join(f"  {rel}" for rel in existing)
        raise ConfigError(
            f"{count(len(existing), 'file')} already "
            f"{'exists' if len(existing) == 1 else 'exist'} in {target}; "
            f"nothing was written:\n{listed}",
            hint="run init in a new directory, or pass --force to overwrite these files",
        )
    merged: list[str] = []
    kept: list[str] = []
    for rel, text in files.items():
        if rel in LINE_FILES and rel in present:
            (merged if _add_missing_lines(target / rel, text) else kept).append(rel)
        else:
            _write(target / rel, text)
    return InitResult(
        root=target,
        written=tuple(rel for rel in files if rel not in present),
        overwritten=tuple(existing),
        merged=tuple(merged),
        kept=tuple(kept),
    )


def _add_missing_lines(path: Path, text: str) -> bool:
    """Append the lines of ``text`` that ``path`` lacks (comments only along with them).

    The existing bytes are kept exactly (encoding, line endings); running again adds
    nothing. Returns whether anything was added.
    """
    old = path.read_bytes()
    have = {line.strip() for line in old.splitlines()}
    wanted = [line for line in text.splitlines() if line.strip()]
    missing = [ln for ln in wanted if not ln.startswith("#") and ln.encode() not in have]
    if not missing:
        return False
    comments = [ln for ln in wanted if ln.startswith("#") and ln.encode() not in have]
    eol = b"\r\n" if b"\r\n" in old else b"\n"
    block = eol.join(line.encode() for line in [*comments, *missing]) + eol
    head = old if not old or old.endswith(b"\n") else old + eol
    _write_bytes(path, head + (eol if head else b"") + block)
    return True


def _write(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside, then rename: an interrupted init leaves no half-written file.
    tmp = path.with_name(f".{path.name}.init-tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
