"""The expected usage (traffic, peak) a plan is priced with, and where it was read.

`llz cost ENV` prices traffic-metered charges (EIP pay-by-traffic, a 95th-percentile
bandwidth package) with ``bandwidth.expectedMonthlyEgressGb`` and
``bandwidth.expectedPeakMbps`` of the stack config. `llz diff` prices each side with the
same figures, read from the config that side was built from when it can be read, so that
its totals are the ones `llz cost` gives; ``UsageSource`` says which config that was, or
why there is none (then traffic is not included on that side).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.cost.estimate import Usage, grouped
from stacks.errors import InputError

if TYPE_CHECKING:
    from stacks.spec import LandingZoneSpec


@dataclass(frozen=True)
class UsageSource:
    """The usage one side is priced with (None: traffic not included) and where it is from.

    ``side`` names the side (``prod``, ``prod@HEAD``, a file name); ``source`` is the
    config read (``stacks/Pulumi.prod.yaml at HEAD``); ``note`` says why another config
    was read instead, or why there is no usage.
    """

    side: str
    usage: Usage | None
    source: str | None
    note: str = ""

    def describe(self) -> str:
        if self.usage is None:
            return f"{self.side} traffic not included ({self.note})"
        where = f"{self.source}; {self.note}" if self.note else self.source
        return (
            f"{self.side} {grouped(self.usage.traffic_gb)} GB, "
            f"{grouped(self.usage.peak_mbps)} Mbps ({where})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "traffic_gb": None if self.usage is None else str(self.usage.traffic_gb),
            "peak_mbps": None if self.usage is None else str(self.usage.peak_mbps),
            "source": self.source,
            "note": self.note,
            "traffic_included": self.usage is not None,
        }


def config_file(stack: str) -> str:
    return f"stacks/Pulumi.{stack}.yaml"


def usage_of(
    spec: LandingZoneSpec, traffic_gb: float | None = None, peak_mbps: float | None = None
) -> Usage:
    """The usage `llz cost` prices with: the stack's expected traffic and peak, unless
    overridden (``--traffic-gb``/``--peak-mbps``). `llz diff` calls it too, so both agree."""
    from cli.cost.report import decimal

    band = spec.bandwidth
    return Usage(
        decimal(band.expected_monthly_egress_gb if traffic_gb is None else traffic_gb),
        decimal(band.expected_peak_mbps if peak_mbps is None else peak_mbps),
    )


def _first_line(error: InputError) -> str:
    return str(error).splitlines()[0]


def working_tree_usage(project_dir: Path, stack: str, side: str, note: str = "") -> UsageSource:
    """The usage in the working tree's ``stacks/Pulumi.STACK.yaml`` (what `llz cost` reads)."""
    from stacks.config import load_spec

    try:
        spec = load_spec(project_dir, stack)
    except InputError as error:
        return UsageSource(side, None, None, _first_line(error))
    return UsageSource(side, usage_of(spec), config_file(stack), note)


def revision_usage(project_dir: Path, stack: str, ref: str, side: str) -> UsageSource:
    """The usage in ``stacks/Pulumi.STACK.yaml`` at git ``ref``; the working tree's when that
    file cannot be read or validated there (the note says why)."""
    from cli.files import write_atomic
    from stacks.config import load_spec

    try:
        text = _show(project_dir, config_file(stack), ref)
        with tempfile.TemporaryDirectory(prefix="llz-cost-") as tmp:
            path = Path(tmp) / "stacks" / f"Pulumi.{stack}.yaml"
            path.parent.mkdir()
            write_atomic(path, text)
            spec = load_spec(Path(tmp), stack)
    except InputError as error:
        # load_spec names the file relative to the temporary project: stacks/Pulumi.X.yaml
        return working_tree_usage(
            project_dir,
            stack,
            side,
            f"the config at {ref} could not be read ({_first_line(error)}); "
            "the working tree's is used",
        )
    return UsageSource(side, usage_of(spec), f"{config_file(stack)} at {ref}")


def _show(project_dir: Path, relative: str, ref: str) -> bytes:
    from cli.git_plans import file_at_revision

    data = file_at_revision(project_dir, relative, ref)
    if data is None:
        raise InputError.single(relative, "", f"not in revision {ref}")
    return data


def file_usage(project_dir: Path, project: str, stack: str, side: str) -> UsageSource:
    """The usage for a plan or state file: its stack's config in the working tree, when the
    file is of this project and the stack is one of its environments."""
    from stacks.config import PROJECT

    if project != PROJECT:
        return UsageSource(
            side, None, None, f"project {project!r} is not this project ({PROJECT!r})"
        )
    if not (project_dir / config_file(stack)).is_file():
        return UsageSource(side, None, None, f"no {config_file(stack)} for stack {stack!r}")
    return working_tree_usage(
        project_dir, stack, side, "the file does not record usage"
    )
