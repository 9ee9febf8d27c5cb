"""Pulumi entry point (Pulumi.yaml ``main: stacks/``) for the real engine."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stacks.errors import InputError
from stacks.program import run_program

try:
    run_program()
except InputError as error:
    # One clear message instead of a Python traceback in the engine's output.
    raise SystemExit("\n".join(f"error: {line}" for line in str(error).splitlines())) from None
