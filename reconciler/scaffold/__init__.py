"""The files ``reconciler init`` writes, kept as plain package data under ``files/``.

Placeholders (``@NAME@``, chosen so they never clash with Jinja or GitHub's ``${{ }}``)
are filled in by ``project_files``. Files whose real name would be hidden or special in
this repository are stored under another name (``gitignore`` -> ``.gitignore``).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from reconciler import __version__

CiChoice = Literal["github", "gitlab", "none"]
CI_CHOICES: tuple[CiChoice, ...] = ("github", "gitlab", "none")

# stored name prefix -> written name prefix
_RENAMES: dict[str, str] = {
    "gitignore": ".gitignore",
    "github/": ".github/",
    "gitlab/gitlab-ci.yml": ".gitlab-ci.yml",
}
_CI_PREFIXES: dict[str, CiChoice] = {"github/": "github", "gitlab/": "gitlab"}


# The GitHub Action's repository in the workflows init writes: a placeholder to replace
# with where the action is published (docs/ci.md), pinned to this version's release tag.
ACTION_REPO = "your-org/campaign-reconciler"


def default_pip_spec() -> str:
    """The pinned requirement CI installs: this very version of the tool."""
    return f"campaign-reconciler=={__version__}"


def default_action_ref() -> str:
    """The ``uses:`` of the GitHub workflows: the action at this version's tag."""
    return f"{ACTION_REPO}@v{__version__}"


def _walk(node: Traversable, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            found.update(_walk(child, rel + "/"))
        elif not child.name.endswith((".pyc", ".pyo")):
            found[rel] = child.read_text(encoding="utf-8")
    return found


def stored_files() -> dict[str, str]:
    """Every scaffold file as stored: stored relative path -> raw text."""
    return _walk(resources.files(__name__).joinpath("files"))


def target_path(stored: str) -> str:
    """The path a stored scaffold file is written to, relative to the project."""
    for old, new in _RENAMES.items():
        if stored == old or (old.endswith("/") and stored.startswith(old)):
            return new + stored[len(old) :]
    return stored


def fill(text: str, *, pip_spec: str, action_ref: str) -> str:
    """Replace the placeholders of one scaffold file."""
    major_minor = ".".join(__version__.split(".")[:2])
    for name, value in (
        ("@RECONCILER_PIP_SPEC@", pip_spec),
        ("@RECONCILER_MAJOR_MINOR@", major_minor),
        ("@RECONCILER_ACTION@", action_ref),
    ):
        text = text.replace(name, value)
    return text


def project_files(
    *, ci: CiChoice = "github", pip_spec: str | None = None, action_ref: str | None = None
) -> dict[str, str]:
    """What ``init`` writes (schemas aside): project-relative path -> text.

    ``action_ref``: the workflows' ``uses:`` of the action (``./`` in this repository).
    """
    spec, ref = pip_spec or default_pip_spec(), action_ref or default_action_ref()
    files: dict[str, str] = {}
    for stored, text in stored_files().items():
        wanted = next((c for p, c in _CI_PREFIXES.items() if stored.startswith(p)), None)
        if wanted is not None and wanted != ci:
            continue
        files[target_path(stored)] = fill(text, pip_spec=spec, action_ref=ref)
    return files
