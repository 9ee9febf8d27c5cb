"""Config fuzzing at scale: thousands of hostile stack configs through the loader and `llz`.

The strategies of tests/fuzz_strategies.py (the same as CI, which runs a few hundred)
damage the shipped stack configs in a temp copy of the project. Every case must end in
one clear "file: key: reason" error with exit 1, no traceback and no plan file, within
10 s; a config the loader accepts must also plan offline. Prints the cases run, the
failures (with the first few), the time and the slowest case; exits 1 on any failure.

    python benchmarks/bench_fuzz_configs.py [--examples 3000] [--cli-examples 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.fuzz_strategies import (  # noqa: E402
    CLI_COMMANDS,
    TIME_LIMIT,
    FuzzCase,
    Outcome,
    check_cli,
    check_loader,
    check_offline_plan,
    hostile_configs,
    invalid_configs,
    make_project,
    restore,
)


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def run(examples: int, cli_examples: int, random_seed: int) -> int:
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="llz-fuzz-") as tmp:
        project = make_project(Path(tmp) / "project")

        @seed(random_seed)
        @_settings(examples)
        @given(hostile_configs)
        def loader(case: FuzzCase) -> None:
            try:
                outcome = check_loader(project, case)
                outcomes.append(outcome)
                if outcome.accepted and not outcome.problems:
                    outcomes.append(check_offline_plan(project, case))
            finally:
                restore(project, case.env)

        @seed(random_seed)
        @_settings(cli_examples)
        @given(invalid_configs, st.sampled_from(sorted(CLI_COMMANDS)))
        def cli(case: FuzzCase, command: str) -> None:
            try:
                outcomes.append(check_cli(project, case, command))
            finally:
                restore(project, case.env)

        start = time.perf_counter()
        loader()
        loader_seconds = time.perf_counter() - start
        start = time.perf_counter()
        if cli_examples:
            cli()
        cli_seconds = time.perf_counter() - start
    return report(outcomes, loader_seconds, cli_seconds)


def report(outcomes: list[Outcome], loader_seconds: float, cli_seconds: float) -> int:
    loader = [o for o in outcomes if o.stage == "loader"]
    planned = [o for o in outcomes if o.stage == "plan"]
    cli = [o for o in outcomes if o.stage.startswith("cli:")]
    failures = [o for o in outcomes if o.problems]
    refused = sum(1 for o in loader if not o.accepted)
    print(f"loader cases:        {len(loader)} ({refused} refused with a clear error, "
          f"{len(loader) - refused} accepted)")
    print(f"accepted, planned:   {len(planned)} (offline plan of each accepted config)")
    commands = ", ".join(" ".join(CLI_COMMANDS[name]).replace(" {env}", "").replace(
        " {out}", " FILE") for name in CLI_COMMANDS)
    print(f"llz CLI cases:       {len(cli)} ({commands})")
    print(f"cases run:           {len(outcomes)}")
    print(f"failures:            {len(failures)}")
    print(f"time:                {loader_seconds:.1f} s loader+plan, {cli_seconds:.1f} s CLI "
          f"({len(loader) / max(loader_seconds, 1e-9):.0f} loader cases/s)")
    if outcomes:
        slowest = max(outcomes, key=lambda o: o.seconds)
        print(f"slowest case:        {slowest.seconds:.2f} s ({slowest.stage}, "
              f"{slowest.case.env}/{slowest.case.kind}, {len(slowest.case.data)} bytes; "
              f"limit {TIME_LIMIT:.0f} s)")
    kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for outcome in loader:
        kinds[_family(outcome.case.kind)]["accepted" if outcome.accepted else "refused"] += 1
    print("by kind (loader):    " + ", ".join(
        f"{k} {c['refused']}/{c['refused'] + c['accepted']}" for k, c in sorted(kinds.items())
    ) + "  (refused/run)")
    for outcome in failures[:10]:
        print(f"FAIL {outcome.stage}: {outcome.case.describe()}")
        for problem in outcome.problems[:3]:
            print(f"     {problem}")
    return 1 if failures else 0


def _family(kind: str) -> str:
    for family in ("alias", "deep", "shape", "not-utf8"):
        if kind.startswith(family):
            return family
    return kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000, help="loader cases (3000)")
    parser.add_argument("--cli-examples", type=int, default=None,
                        help="cases through llz in-process (default: examples / 10)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (0)")
    args = parser.parse_args()
    cli_examples = args.cli_examples if args.cli_examples is not None else args.examples // 10
    sys.exit(run(args.examples, cli_examples, args.seed))


if __name__ == "__main__":
    main()
