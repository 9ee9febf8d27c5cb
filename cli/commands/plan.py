"""`llz validate` and `llz plan`: config validation and the offline plan."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app_context
from cli.environments import ENV
from cli.output import console, emit_json, write_output


@click.command()
@click.argument("envs", nargs=-1, type=ENV)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def validate(envs: tuple[str, ...], as_json: bool) -> None:
    """Validate the config of ENV... (all environments when none is given).

    Nothing runs: the stack files are read, secrets stay encrypted, and every problem is
    reported as FILE: KEY: REASON. Exit 1 when any environment is invalid.
    """
    from stacks.config import load_spec
    from stacks.errors import InputError

    ctx = app_context()
    names = list(envs) or ctx.stack_names()
    results: dict[str, list[str]] = {}
    for name in names:
        try:
            load_spec(ctx.project_dir, name)
            results[name] = []
        except InputError as error:
            results[name] = str(error).splitlines()
    if as_json:
        emit_json({"valid": not any(results.values()), "environments": results})
    else:
        for name, problems in results.items():
            if problems:
                for line in problems:
                    click.echo(f"error: {line}", err=True)
            else:
                click.echo(f"{name}: ok")
    if any(results.values()):
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("env", type=ENV)
@click.option("--json", "as_json", is_flag=True, help="Print the Plan (llz.plan/v1) as JSON.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the Plan JSON here."
)
def plan(env: str, as_json: bool, out: Path | None) -> None:
    """Plan ENV offline: run the stack's program under mocks, list every resource.

    No Pulumi CLI, credentials or network are needed; secrets appear as "[secret]".
    """
    from cli.engines.offline import plan_offline

    ctx = app_context()
    result = plan_offline(ctx.project_dir, env)
    if out is not None:
        write_output(out, result.to_json())
    if as_json:
        click.echo(result.to_json(), nl=False)
        return
    from cli.render_plan import render_plan

    render_plan(result, console())
    if ctx.verbose:
        emit_json({"resources": len(result.resources)})
