"""``RunInputs``: what a command reads besides the project (``--var``, ``--var-file``
and the run's ``Runtime``), and the one way a command turns them into an environment's
variables and campaigns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.config import Project
from reconciler.runtime import Runtime
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables


@dataclass(frozen=True)
class RunInputs:
    """What a command reads besides the project: ``--var``s, ``--var-file``s and the run's
    ``runtime``, whose environment variables hold ``RECONCILER_VAR_*`` and the project
    file's ``${VAR}``s."""

    var_args: Sequence[str] = ()
    var_files: Sequence[Path] = ()
    runtime: Runtime = field(default_factory=Runtime)

    @property
    def os_environ(self) -> Mapping[str, str]:
        return self.runtime.environ

    def variables(self, project: Project, env: str) -> Mapping[str, Any]:
        """``env``'s variables: the project's and the environment's, under these."""
        return resolve_variables(
            project, env, var_args=self.var_args, var_files=self.var_files,
            os_environ=self.os_environ,
        )  # fmt: skip

    def load(self, project: Project, env: str) -> LoadResult:
        """Every campaign of ``env``, rendered with these variables."""
        variables = self.variables(project, env)
        return load_campaigns(project, env, variables, os_environ=self.os_environ)
