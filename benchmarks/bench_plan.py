"""How long `llz plan prod` takes, against the bare cost of the same program under mocks.

Target: under 1.5 s wall on a 2-core machine. The ratio shows what llz adds to the bare
Pulumi mocks run (config validation, recording, the Plan, rendering, process start-up).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

BARE = """
import asyncio, time
start = time.perf_counter()
import pulumi
from pulumi.runtime import mocks
from stacks.config import read_stack_file
from pathlib import Path
class M(mocks.Mocks):
    def new_resource(self, args):
        return args.name + "-id", dict(args.inputs)
    def call(self, args):
        return {}, None
config = read_stack_file(Path("."), "prod")
loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop)
pulumi.runtime.set_all_config(config.runtime_values(), sorted(config.secret_keys))
pulumi.runtime.set_mocks(M(), project="llz", stack="prod", preview=True)
from stacks.program import run_program
run_program()
loop.run_until_complete(pulumi.runtime.stack.wait_for_rpcs())
"""


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    llz = str(Path(sys.executable).with_name("llz"))
    _time([llz, "plan", "prod", "--json"])  # warm caches
    plan_json = sorted(_time([llz, "plan", "prod", "--json"]) for _ in range(RUNS))
    plan_table = sorted(_time([llz, "--no-color", "plan", "prod"]) for _ in range(RUNS))
    bare = sorted(_time([sys.executable, "-c", BARE]) for _ in range(RUNS))
    median_json = statistics.median(plan_json)
    median_bare = statistics.median(bare)
    print(f"llz plan prod --json, {RUNS} runs: median {median_json:.3f} s, "
          f"min {plan_json[0]:.3f} s, max {plan_json[-1]:.3f} s (target < 1.500 s)")
    print(f"llz plan prod (table): median {statistics.median(plan_table):.3f} s")
    print(f"bare program under pulumi mocks (same process start-up): median {median_bare:.3f} s")
    print(f"ratio llz plan / bare mocks run: {median_json / median_bare:.2f}")


if __name__ == "__main__":
    main()
