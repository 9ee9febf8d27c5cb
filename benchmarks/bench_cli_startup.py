"""How fast `llz --help` starts, and that it does not import pulumi.

Target: under 0.3 s wall on a 2-core machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    llz = str(Path(sys.executable).with_name("llz"))
    _time([llz, "--help"])  # warm the file cache
    times = sorted(_time([llz, "--help"]) for _ in range(RUNS))
    bare = sorted(_time([sys.executable, "-c", "pass"]) for _ in range(RUNS))
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; from cli.main import cli; from click.testing import CliRunner; "
         "CliRunner().invoke(cli, ['--help']); "
         "print(','.join(sorted(m for m in ('pulumi','pulumi_alicloud','rich','pydantic',"
         "'boto3','deepdiff','jinja2','matplotlib','yaml') if m in sys.modules)) or 'none')"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    print(f"llz --help, {RUNS} runs: median {statistics.median(times):.3f} s, "
          f"min {times[0]:.3f} s, max {times[-1]:.3f} s (target < 0.300 s)")
    print(f"bare python start-up: median {statistics.median(bare):.3f} s")
    print(f"heavy modules imported by --help: {probe.stdout.strip()}")


if __name__ == "__main__":
    main()
