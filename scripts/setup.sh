#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine (idempotent):
# a virtualenv in .venv with llz and its test tools installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "ready: .venv/bin/llz ($(.venv/bin/llz --version))" >&2
