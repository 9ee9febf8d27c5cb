"""Printing: JSON for machines, rich tables for people, files written atomically."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.context import app_context
from cli.files import write_atomic

if TYPE_CHECKING:
    from rich.console import Console


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def emit_json(data: Any) -> None:
    click.echo(to_json(data), nl=False)


# Width for output that goes to a file or a CI log rather than a terminal.
PIPED_WIDTH = 120


def _width(stderr: bool) -> int | None:
    """None (rich asks the terminal, or reads COLUMNS) when there is a terminal or COLUMNS is
    set; otherwise PIPED_WIDTH, as rich's 80-column fallback would fold tables in CI logs."""
    if os.environ.get("COLUMNS", "").isdigit():
        return None
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return None if callable(isatty) and isatty() else PIPED_WIDTH


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    ctx = app_context()
    return Console(
        stderr=stderr,
        no_color=not ctx.color,
        highlight=False,
        soft_wrap=False,
        width=_width(stderr),
    )


def write_output(path: Path, text: str | bytes) -> None:
    write_atomic(path, text)
    click.echo(f"wrote {path}", err=True)


def short_type(token: str) -> str:
    """``alicloud:rds/instance:Instance`` -> ``rds.Instance``; components keep their token."""
    package, _, rest = token.partition(":")
    if package in ("llz", "pulumi"):
        return token
    module, _, name = rest.partition(":")
    module = module.split("/")[0]
    return f"{package if module == 'index' else module}.{name}"
