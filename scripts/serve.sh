#!/usr/bin/env bash
# Install Flagstone into ./.venv (serving install: no PyTorch) and start the server on 127.0.0.1:8000
# with the shipped default model and embedded SQLite storage under ./.flagstone/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e .
exec .venv/bin/flagstone serve --host "${FLAGSTONE_HOST:-127.0.0.1}" --port "${FLAGSTONE_PORT:-8000}" "$@"
