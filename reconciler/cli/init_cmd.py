"""``reconciler init [DIR]``: scaffold a project (reconciler.yaml, an example, CI)."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import CommonOptions, common_options
from reconciler.commands.init import InitResult, init_project
from reconciler.scaffold import ACTION_REPO, CI_CHOICES, CiChoice


@click.command()
@click.argument(
    "directory",
    required=False,
    default=None,
    type=click.Path(path_type=Path),
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite the scaffold's files that already exist (.gitignore is merged, not replaced).",
)
@click.option(
    "--ci",
    type=click.Choice(CI_CHOICES),
    default="github",
    show_default=True,
    help="Which CI pipeline to write (GitHub Actions workflows, .gitlab-ci.yml, or none).",
)
@click.option(
    "--pip-spec",
    default=None,
    metavar="REQUIREMENT",
    help="What CI installs with pip (default: this version, campaign-reconciler==X.Y.Z).",
)
@common_options
def init(
    common: CommonOptions, directory: Path | None, force: bool, ci: CiChoice, pip_spec: str | None
) -> int:
    """Scaffold a new project in DIRECTORY (default: --project, else the current directory).

    Writes reconciler.yaml (a dev sandbox environment and a staging/prod sketch),
    an example campaign, schemas/ for editors, a .gitignore for local state and a CI
    pipeline. Refuses to overwrite an existing file unless --force is given; an
    existing .gitignore only gets the lines it lacks. No other file is touched.
    """
    target = directory or common.project_dir or Path()
    result = init_project(target, force=force, ci=ci, pip_spec=pip_spec)
    click.echo(_report(result))
    return 0


def _report(result: InitResult) -> str:
    lines = [f"Initialised a reconciler project in {result.root}:"]
    lines += [f"  wrote       {rel}" for rel in result.written]
    lines += [f"  overwrote   {rel}" for rel in result.overwritten]
    lines += [f"  added to    {rel} (the lines it lacked)" for rel in result.merged]
    lines += [f"  kept        {rel} (it lacked nothing)" for rel in result.kept]
    lines += ["", "Next steps:"]
    if result.root != Path():
        lines.append(f"  cd {result.root}")
    if any(rel.startswith(".github/") for rel in (*result.written, *result.overwritten)):
        lines.append(f"  in .github/workflows/, replace {ACTION_REPO} by the action's repository")
    lines += [
        "  reconciler validate              check every spec for every environment",
        "  reconciler plan --env dev        what the sandbox would create",
        "  reconciler apply --env dev       create it in the sandbox (no token needed)",
        "Staging and prod (state, token, promotion): reconciler's docs/environments.md"
        " and docs/ci.md.",
    ]
    return "\n".join(lines)
