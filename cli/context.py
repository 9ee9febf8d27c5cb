"""What every command gets from the global options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class AppContext:
    project_dir: Path
    color: bool
    verbose: int

    def stack_names(self) -> list[str]:
        """Stacks that have a config file under stacks/, sorted dev, staging, prod, others."""
        order = {"dev": 0, "staging": 1, "prod": 2}
        names = [
            p.name[len("Pulumi.") : -len(".yaml")]
            for p in (self.project_dir / "stacks").glob("Pulumi.*.yaml")
        ]
        return sorted(names, key=lambda n: (order.get(n, 3), n))


def app_context() -> AppContext:
    ctx = click.get_current_context()
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked without the group (tests of a single command)
        obj = AppContext(Path.cwd(), color=False, verbose=0)
    return obj
