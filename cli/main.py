"""`llz`: plan, preview, deploy and audit the leasing landing zone per environment.

Commands are imported only when invoked, so `llz --help` never imports pulumi.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from cli import exit_codes
from cli.context import AppContext

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, attribute, one-line help shown by `llz --help`)
    "validate": ("cli.commands.plan", "validate"),
    "plan": ("cli.commands.plan", "plan"),
    "preview": ("cli.commands.engine", "preview"),
    "deploy": ("cli.commands.engine", "deploy"),
    "destroy": ("cli.commands.engine", "destroy"),
    "refresh": ("cli.commands.engine", "refresh"),
    "outputs": ("cli.commands.engine", "outputs"),
    "stacks": ("cli.commands.engine", "stacks"),
    "audit": ("cli.commands.audit", "audit"),
    "diff": ("cli.commands.diff", "diff"),
    "cost": ("cli.commands.cost", "cost"),
    "backend": ("cli.commands.backend", "backend"),
}

SHORT_HELP: dict[str, str] = {
    "validate": "Validate stack configs (no engine runs).",
    "plan": "Offline plan: every resource the stack declares.",
    "preview": "Real preview with the Pulumi engine (exit 2 = changes).",
    "deploy": "Deploy (pulumi up); prod needs --yes or confirmation.",
    "destroy": "Destroy a stack; prod needs --i-really-mean-destroy-prod.",
    "refresh": "Refresh the stack's state from the cloud.",
    "outputs": "Show stack outputs (secrets redacted).",
    "stacks": "List environments with their backend and last update.",
    "audit": "Audit a stack against the policies; reports and archives.",
    "diff": "Compare plans: env vs env, git revisions, or states.",
    "cost": "Monthly cost estimate and the bandwidth decision.",
    "backend": "Manage the state backend (bootstrap an OSS bucket).",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project (the directory holding Pulumi.yaml).",
)
@click.option("--no-color", is_flag=True, help="Plain output without colour.")
@click.option("-v", "--verbose", count=True, help="More detail; -vv for tracebacks on errors.")
@click.version_option(package_name="leasing-landing-zone", prog_name="llz")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path, no_color: bool, verbose: int) -> None:
    """Plan, preview, deploy and audit the leasing landing zone on Alibaba Cloud.

    Every command that reports has --json. Exit codes: 0 ok, 1 error,
    2 changes pending (preview, diff), 3 mandatory audit findings (audit),
    130 interrupted.
    """
    project = project_dir.resolve()
    if not (project / "Pulumi.yaml").is_file():
        raise click.UsageError(f"{project_dir}: no Pulumi.yaml here (use --project-dir)")
    ctx.obj = AppContext(project_dir=project, color=not no_color, verbose=verbose)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point with the documented exit codes and no tracebacks."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None, **extra: Any) -> int:
    from stacks.errors import InputError

    verbose = any(a in ("-vv", "-vvv") for a in (argv or sys.argv[1:]))
    try:
        result = cli.main(args=argv, prog_name="llz", standalone_mode=False, **extra)
    except InputError as error:
        for line in str(error).splitlines():  # one "error: file: key: reason" per problem
            click.echo(f"error: {line}", err=True)
        return exit_codes.ERROR
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        click.echo(f"error: {_one_line(error)}", err=True)
        return exit_codes.ERROR
    except click.exceptions.Abort as abort:
        # Click turns Ctrl-C (and end of input at a prompt) into Abort; our own Abort (a "no"
        # at a confirmation) has no cause and happens before anything changed.
        if isinstance(abort.__cause__, KeyboardInterrupt):
            click.echo(_interrupted_message(argv), err=True)
            return exit_codes.INTERRUPTED
        click.echo("aborted: nothing was changed.", err=True)
        return exit_codes.ERROR
    except KeyboardInterrupt:
        click.echo(_interrupted_message(argv), err=True)
        return exit_codes.INTERRUPTED
    except Exception as error:  # a bug: one line, the traceback only on request
        if verbose:
            traceback.print_exc()
        click.echo(
            f"error: unexpected {type(error).__name__}: {error} (run with -vv for details)",
            err=True,
        )
        return exit_codes.ERROR
    return result if isinstance(result, int) else exit_codes.OK


# Commands that change the deployed stack: interrupted, they may have changed part of it.
CHANGING_COMMANDS = ("deploy", "destroy", "refresh")


def _interrupted_message(argv: list[str] | None) -> str:
    args = argv if argv is not None else sys.argv[1:]
    at = next((i for i, a in enumerate(args) if a in COMMANDS), None)
    if at is not None and args[at] in CHANGING_COMMANDS:
        env = next((a for a in args[at + 1 :] if not a.startswith("-")), "ENV")
        return (
            f"interrupted: the Pulumi engine was stopped during '{args[at]}', so part of the "
            f"change may have been made; run 'llz preview {env}' to see where the stack "
            "stands (and 'pulumi cancel' if it reports a stack still locked by this update)."
        )
    return "interrupted: nothing was changed (files are written atomically)."


def _global_options() -> set[str]:
    """The options of `llz` itself (they go before the command), as declared above."""
    names = {name for param in cli.params for name in (*param.opts, *param.secondary_opts)}
    return names | {"-vv", "-vvv"}


def _one_line(error: click.ClickException) -> str:
    """A Click error as one line: the command, the reason, and where the help is."""
    message = " ".join(error.format_message().split()).rstrip(".")
    if isinstance(error, click.NoSuchOption) and error.option_name in _global_options():
        message += f"; {error.option_name} is a global option: put it before the command"
    if isinstance(error, click.UsageError) and error.ctx is not None:
        path = error.ctx.command_path
        return f"{path}: {message[:1].lower()}{message[1:]} (see '{path} --help')"
    return message


if __name__ == "__main__":
    main()
