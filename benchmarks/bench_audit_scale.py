"""How the offline audit scales: audit_plan over generated Plans of 1k to 20k resources.

The Plans are the shipped prod plan's resources copied under new names (URNs and names
unique, inputs as shipped, every tenth data-tier copy given a violation so findings and
suppression matching are exercised too). Target: 10,000 resources in under 2 s. Prints the
best of a few runs per size, the time per resource and the growth factor between sizes
(about 2x for 2x the resources means linear). Asserts nothing; exits 0.

    python benchmarks/bench_audit_scale.py [--runs 3] [--sizes 1000,2000,5000,10000,20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cli.audit import audit_plan  # noqa: E402
from cli.engines.offline import plan_offline  # noqa: E402
from cli.plan import Plan, PlannedResource  # noqa: E402
from stacks.config import load_spec  # noqa: E402

SIZES = (1000, 2000, 5000, 10_000, 20_000)
TARGET = (10_000, 2.0)


def generate(template: Plan, size: int) -> Plan:
    """A Plan of ``size`` custom resources cloned from ``template``."""
    base = list(template.custom_resources())
    resources: list[PlannedResource] = []
    copy = 0
    while len(resources) < size:
        for resource in base:
            if len(resources) == size:
                break
            name = f"{resource.name}-{copy}"
            inputs = dict(resource.inputs)
            if copy % 10 == 1 and resource.type.endswith("rds/instance:Instance"):
                inputs["securityIps"] = ["0.0.0.0/0"]  # a finding every tenth copy
            resources.append(
                PlannedResource(
                    urn=resource.urn.rsplit("::", 1)[0] + f"::{name}",
                    type=resource.type,
                    name=name,
                    parent=resource.parent,
                    custom=True,
                    protect=resource.protect,
                    inputs=inputs,
                    dependencies=resource.dependencies,
                )
            )
        copy += 1
    return Plan.build(template.project, template.stack, template.engine, resources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    spec = load_spec(ROOT, "prod")
    template = plan_offline(ROOT, "prod")
    print(f"{'resources':>10} {'best s':>8} {'us/res':>8} {'growth':>7} {'findings':>9}")
    previous: tuple[int, float] | None = None
    timings: dict[int, float] = {}
    for size in sizes:
        plan = generate(template, size)
        best = float("inf")
        findings = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            result = audit_plan(plan, "prod", spec.policy.suppressions)
            best = min(best, time.perf_counter() - start)
            findings = len(result.findings)
        timings[size] = best
        growth = "" if previous is None else f"{best / previous[1]:.2f}x"
        print(f"{size:>10} {best:>8.3f} {best / size * 1e6:>8.1f} {growth:>7} {findings:>9}")
        previous = (size, best)
    size, budget = TARGET
    if size in timings:
        verdict = "within" if timings[size] < budget else "OVER"
        print(f"{size} resources: {timings[size]:.3f} s, {verdict} the {budget:.0f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
