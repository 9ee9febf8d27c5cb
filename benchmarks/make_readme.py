"""Regenerate benchmarks/README.md: run every benchmarks/bench_*.py and record its figures.

Each script prints its own figures to stdout. This runs them one after the other (not in
parallel: they time things), and writes what was run, on which machine, when, each script's
exit code, wall time and output verbatim, a summary of the config fuzzing (cases run,
failures, time), and the counts of the safety test files (fuzzing, secrets, atomic writes).

    python benchmarks/make_readme.py                 # every script (the committed README)
    python benchmarks/make_readme.py --only fuzz      # a quick partial run
    python benchmarks/make_readme.py --args fuzz_configs="--examples 500"
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class ScriptRun:
    name: str
    path: Path
    summary: str
    argv: list[str]
    exit_code: int
    seconds: float
    output: str


def discover(only: list[str]) -> list[Path]:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if any(word in s.stem for word in only)]
    return scripts


def summary_of(path: Path) -> str:
    """The first line of the script's docstring."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        doc = ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def run_script(path: Path, extra: list[str], timeout: float) -> ScriptRun:
    argv = [sys.executable, str(path.relative_to(ROOT)), *extra]
    print(f"running {' '.join(argv[1:])} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "NO_COLOR": "1", "PYTHONHASHSEED": "0"},
        )
        code, output = done.returncode, done.stdout
        if done.returncode != 0 and done.stderr.strip():
            output += "\n[stderr]\n" + done.stderr[-4000:]
    except subprocess.TimeoutExpired as exc:
        code = -1
        partial = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output = partial + f"\n[timed out after {timeout:.0f} s]"
    seconds = time.perf_counter() - start
    print(f"  exit {code} in {seconds:.1f} s", file=sys.stderr, flush=True)
    name = path.stem.removeprefix("bench_")
    return ScriptRun(name, path, summary_of(path), argv[1:], code, seconds, output.rstrip())


SAFETY_TESTS = (
    ("tests/test_fuzz_config.py", "hostile configs, saved plans, price files, argument lists"),
    ("tests/test_secrets_nowhere.py", "known secrets through every command and format"),
    ("tests/test_atomic_writes.py", "crashes at every step of writing a plan or report"),
)


@dataclass
class TestRun:
    path: str
    what: str
    tests: int
    failed: int
    skipped: int
    seconds: float
    failures: list[str]


def run_safety_tests(timeout: float) -> list[TestRun]:
    """The safety test files, once, with their counts from pytest's JUnit XML."""
    import tempfile
    import xml.etree.ElementTree as ET

    paths = [p for p, _ in SAFETY_TESTS if (ROOT / p).exists()]
    if not paths:
        return []
    print(f"running pytest {' '.join(paths)} ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / "junit.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--junitxml={xml_path}", *paths],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )
        if not xml_path.exists():
            return []
        cases = ET.parse(xml_path).getroot().iter("testcase")
        totals: dict[str, list[float]] = {p: [0, 0, 0, 0.0] for p in paths}
        failures: dict[str, list[str]] = {p: [] for p in paths}
        for case in cases:
            module = case.get("classname", "").split(".")
            path = "/".join(module[:2]) + ".py" if len(module) >= 2 else ""
            if path not in totals:
                continue
            entry = totals[path]
            entry[0] += 1
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            if failure is not None:
                entry[1] += 1
                message = " ".join((failure.get("message") or "").split())[:400]
                failures[path].append(f"{case.get('name')}: {message}")
            if case.find("skipped") is not None:
                entry[2] += 1
            entry[3] += float(case.get("time", 0))
    what = dict(SAFETY_TESTS)
    return [
        TestRun(p, what[p], int(t[0]), int(t[1]), int(t[2]), t[3], failures[p])
        for p, t in totals.items()
    ]


def machine() -> dict[str, str]:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "CPU cores": str(os.cpu_count()),
        "CPU": platform.processor() or platform.machine(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": platform.platform(),
        "Load average at start (1, 5, 15 min)": load,
        "Commit": commit,
    }


_FUZZ_FIELDS = ("cases run", "failures", "time", "slowest case", "loader cases",
                "llz CLI cases", "accepted, planned")


def fuzz_summary(runs: list[ScriptRun]) -> list[str]:
    """The fuzzing figures as a table: what was tried and what held."""
    lines: list[str] = []
    for run in runs:
        if "fuzz" not in run.name:
            continue
        fields = {}
        for line in run.output.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() in _FUZZ_FIELDS:
                fields[key.strip()] = value.strip()
        if not fields:
            continue
        held = "yes" if run.exit_code == 0 and fields.get("failures") == "0" else "NO"
        lines += [
            f"Config fuzzing (`{run.path.name}`): every hostile config must end in one clear "
            "`file: key: reason` error, exit 1, no traceback, no plan file, within 10 s.",
            "",
            "| figure | value |",
            "|---|---|",
            *(f"| {k} | {fields[k]} |" for k in _FUZZ_FIELDS if k in fields),
            f"| held | {held} |",
            "",
        ]
    return lines


def safety_table(tests: list[TestRun]) -> list[str]:
    if not tests:
        return []
    lines = [
        "Safety tests (run once by this script; xfail counts as skipped):",
        "",
        "| test file | what it tries | tests | failed | skipped | time |",
        "|---|---|---|---|---|---|",
    ]
    for t in tests:
        lines.append(f"| `{t.path}` | {t.what} | {t.tests} | {t.failed} | {t.skipped} | "
                     f"{t.seconds:.1f} s |")
    lines.append("")
    for t in tests:
        lines += [f"- FAILED `{t.path}::{failure}`" for failure in t.failures]
    return [*lines, ""] if any(t.failures for t in tests) else lines


def render(
    runs: list[ScriptRun], info: dict[str, str], date: str, partial: bool,
    tests: list[TestRun] | None = None,
) -> str:
    out = [
        "# Benchmarks",
        "",
        "Generated by `python benchmarks/make_readme.py` (do not edit by hand): it runs every",
        "`benchmarks/bench_*.py` in turn and records its output verbatim. Figures are from one",
        "run on the machine below, which other jobs shared; compare them between runs on the",
        "same machine only.",
        "",
    ]
    if partial:
        out += ["**Partial run** (`--only`): only some scripts ran.", ""]
    out += [f"Date: {date}", "", "| machine | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in info.items()]
    out += ["", "## Summary", "", "| script | what it measures | exit | wall time |",
            "|---|---|---|---|"]
    for run in runs:
        out.append(
            f"| [`{run.path.name}`](#{run.name.replace('_', '-')}) | {run.summary} | "
            f"{run.exit_code} | {run.seconds:.1f} s |"
        )
    out.append("")
    out += fuzz_summary(runs)
    out += safety_table(tests or [])
    for run in runs:
        out += [
            f"## {run.name.replace('_', '-')}",
            "",
            run.summary,
            "",
            f"`python {' '.join(shlex.quote(a) for a in run.argv)}`: exit {run.exit_code}, "
            f"{run.seconds:.1f} s wall",
            "",
            "```text",
            run.output or "(no output)",
            "```",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def parse_extra(values: list[str]) -> dict[str, list[str]]:
    extra: dict[str, list[str]] = {}
    for value in values:
        name, sep, args = value.partition("=")
        if not sep:
            raise SystemExit(f"--args expects NAME=ARGS, got {value!r}")
        extra[name.strip()] = shlex.split(args)
    return extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="run only scripts whose name contains this (repeatable)")
    parser.add_argument("--args", action="append", default=[], metavar="NAME=ARGS",
                        help="extra arguments for bench_NAME.py, e.g. fuzz_configs='--seed 1'")
    parser.add_argument("--timeout", type=float, default=1800, help="per script, seconds")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "README.md")
    parser.add_argument("--no-tests", action="store_true",
                        help="skip running the safety test files")
    args = parser.parse_args()
    extra = parse_extra(args.args)
    scripts = discover(args.only)
    if not scripts:
        raise SystemExit("no benchmarks/bench_*.py matched")
    info = machine()
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    runs = [
        run_script(path, extra.get(path.stem.removeprefix("bench_"), []), args.timeout)
        for path in scripts
    ]
    tests = [] if args.no_tests else run_safety_tests(args.timeout)
    from cli.files import write_atomic

    write_atomic(args.out, render(runs, info, date, partial=bool(args.only), tests=tests))
    print(f"wrote {args.out}", file=sys.stderr)
    failed = [r.name for r in runs if r.exit_code != 0]
    if failed:
        print(f"non-zero exit: {', '.join(failed)}", file=sys.stderr)


if __name__ == "__main__":
    main()

