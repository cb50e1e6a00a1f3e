"""reconciler: campaigns as code for ContactSwing.

The library's entry point is ``load_campaigns``: a project's campaigns for one
environment, loaded as the CLI's commands load them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.runtime import Runtime

if TYPE_CHECKING:
    from reconciler.config import Project
    from reconciler.specs.loader import LoadResult

__version__ = "1.0.0"
__all__ = ["Runtime", "__version__", "load_campaigns"]


def load_campaigns(
    project: Project | Path | str | None,
    env: str,
    *,
    var_args: Iterable[str] = (),
    var_files: Iterable[Path] = (),
    runtime: Runtime | None = None,
) -> LoadResult:
    """Every campaign of ``env`` and every diagnostic, exactly as ``reconciler validate``.

    ``project`` is a loaded project, its folder, or None (the nearest ``reconciler.yaml``
    upwards). ``runtime`` defaults to this process's environment variables, as the CLI's:
    ``RECONCILER_VAR_*``, ``${VAR}`` in the project file, ``RECONCILER_JOBS`` and the
    validation cache (written when nothing is wrong; ``RECONCILER_NO_CACHE=1`` turns it off).
    """
    from reconciler.commands.inputs import RunInputs
    from reconciler.config import Project, load_project
    from reconciler.specs.cache_session import spec_cache_enabled

    runtime = Runtime.from_process() if runtime is None else runtime
    if not isinstance(project, Project):
        project = load_project(project_dir=None if project is None else Path(project))
    with spec_cache_enabled():
        return RunInputs(tuple(var_args), tuple(var_files), runtime).load(project, env)
