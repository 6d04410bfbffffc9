#!/usr/bin/env bash
# Install Flagstone with its test and training dependencies into ./.venv and run the test suite.
# Browser tests use Debian's chromium (installed here with apt-get when missing and we are root).
# PostgreSQL / Redis tests run when FLAGSTONE_TEST_POSTGRES_URL / FLAGSTONE_TEST_REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests" >&2
  (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
    || echo "warning: could not install chromium; browser tests will fail in CI and skip elsewhere" >&2
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The training tests (the hidden-layer head, the fine-tune) need PyTorch from the 'train' extra. torch is
# pinned and installed first: pip then takes the CPU wheel where one is on disk (find-links) instead of
# resolving a multi-GB CUDA build. Elsewhere set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for the CPU build.
.venv/bin/python -m pip install -q -c constraints.txt ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test,spark,images,train]"
.venv/bin/ruff check src tests benchmarks
set +e
# The slowest tests are printed on every run, so the suite's time stays visible. Two workers (pytest-xdist),
# one test file each at a time (--dist loadfile: a file's module fixtures, a browser or a Spark session, start
# once): 6.4 -> 3.9 min on a 2-core Xeon. FLAGSTONE_TEST_WORKERS=0 runs everything in this one process.
.venv/bin/python -m pytest -n "${FLAGSTONE_TEST_WORKERS:-2}" --dist loadfile --durations=15 "$@"
rc=$?
set -e
# pytest's exit code 5 means "no tests collected": treat as a failure, never a silent pass.
exit $rc
