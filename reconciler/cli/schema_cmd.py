"""``reconciler schema [--check]``: write or check the JSON Schemas of ``schemas/``."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import CommonOptions, common_options
from reconciler.errors import ConfigError


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a schema is out of date.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the schemas (default: schemas/ in the project root).",
)
@common_options
def schema(common: CommonOptions, check: bool, directory: Path | None) -> int:
    """Write the JSON Schemas (campaign, project, …) into the project's schemas/ folder."""
    from reconciler import schemas
    from reconciler.config import find_project

    if directory is None:
        directory = find_project(project_dir=common.project_dir) / "schemas"
    shown = directory.name
    if check:
        stale = schemas.out_of_date(directory)
        if stale:
            raise ConfigError(
                "; ".join(f"{shown}/{name} is out of date" for name in stale),
                hint="run `reconciler schema` and commit the result",
            )
        if common.verbosity >= 0:
            click.echo(f"{shown}/: {len(schemas.SCHEMAS)} schemas up to date", err=True)
        return 0
    written = schemas.write_all(directory)
    if common.verbosity >= 0:
        for name in written:
            click.echo(f"wrote {shown}/{name}", err=True)
        if not written:
            click.echo(f"{shown}/: {len(schemas.SCHEMAS)} schemas up to date", err=True)
    return 0
