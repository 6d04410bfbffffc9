"""A process killed mid-import (SIGKILL, no clean-up) leaves the store exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from flagstone.data.importer import import_file
from flagstone.data.mapping import load_mapping

ROWS = 20_000


@pytest.mark.slow
def test_sigkill_mid_import_leaves_store_unchanged_then_rerun_is_idempotent(policy_store, data_fixtures,
                                                                           tmp_path, counts):
    mapping = data_fixtures / "openai_keys.yaml"
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", load_mapping(mapping))
    before = counts(policy_store)
    big = tmp_path / "big.jsonl"
    with big.open("w") as fh:
        for i in range(ROWS):
            fh.write(json.dumps({"prompt": f"generated row number {i} with some words", "H": i % 2}) + "\n")
    env = {**os.environ, "FLAGSTONE_DATABASE_URL": policy_store.engine.url.render_as_string(hide_password=False),
           "FLAGSTONE_DATA_DIR": str(policy_store.data_dir)}
    cmd = [sys.executable, "-m", "flagstone.cli.main", "-v", "data", "import", str(big),
           "--dataset", "mod", "--mapping", str(mapping)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:  # wait until rows are being written inside the transaction
        seen.append(line)
        if "rows read" in line:
            break
    assert proc.poll() is None, "import finished before it could be killed: " + "".join(seen)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    policy_store.engine.dispose()  # fresh connections, as a new process would open
    assert counts(policy_store) == before

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = counts(policy_store)
    assert after["items"] == before["items"] + ROWS
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert counts(policy_store) == after
