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
    ``init`` leaves the directory as it was.
    """
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} is a file, not a directory", hint="name a directory")
    files = planned_files(ci=ci, pip_spec=pip_spec)
    existing = [rel for rel in files if (target / rel).exists()]
    if existing and not force:
        listed = "\n".join(f"  {rel}" for rel in existing)
        raise ConfigError(
            f"{count(len(existing), 'file')} already "
            f"{'exists' if len(existing) == 1 else 'exist'} in {target}; "
            f"nothing was written:\n{listed}",
            hint="run init in a new directory, or pass --force to overwrite these files",
        )
    for rel, text in files.items():
        _write(target / rel, text)
    return InitResult(
        root=target,
        written=tuple(rel for rel in files if rel not in existing),
        overwritten=tuple(existing),
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside, then rename: an interrupted init leaves no half-written file.
    tmp = path.with_name(f".{path.name}.init-tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    tmp.replace(path)
