"""ENV arguments: an environment is a stack with a config file under stacks/."""

from __future__ import annotations

from typing import Any

import click

from cli.context import app_context


class EnvironmentType(click.ParamType):
    name = "ENV"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        names = app_context().stack_names()
        if value not in names:
            self.fail(
                f"unknown environment {value!r} (stacks/Pulumi.{value}.yaml does not exist; "
                f"known: {', '.join(names) or 'none'})",
                param,
                ctx,
            )
        return str(value)


ENV = EnvironmentType()
